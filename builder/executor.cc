#include "builder/executor.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "builder/add_url.h"
#include "builder/add_url_source.h"
#include "builder/build_cache.h"
#include "builder/copy_source_digest.h"
#include "builder/copy_step.h"
#include "builder/metadata_step.h"
#include "builder/run_mount.h"
#include "builder/run_step.h"
#include "builder/stage_state.h"
#include "builder/stat_index.h"
#include "builder/workdir_step.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/stream.h"
#include "oci/media_types.h"
#include "publish/reference.h"

namespace hoist::builder {

namespace {

// Stages built at once when they do not need each other.
constexpr size_t kStageJobs = 3;

// Base image layers unpacked at once, as docker's 3 concurrent downloads.
constexpr size_t kUnpackJobs = 3;

// BuildKit and buildah give a stage whose base sets no PATH the default one.
void with_default_path(oci::RuntimeConfig& config) {
  for (const auto& e : config.env)
    if (e.starts_with("PATH=")) return;
  config.env.insert(config.env.begin(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

// The layer media type of `type`'s compression in the family the image is written in.
std::string layer_media_type(const std::string& type, bool docker) {
  std::string_view t = oci::media::strip_parameters(type);
  if (t == oci::media::kDockerForeignLayerGzip || t.find("nondistributable") != std::string_view::npos)
    return type;
  std::string_view compression = t.ends_with("gzip") ? "gzip" : t.ends_with("zstd") ? "zstd" : "none";
  return oci::media::layer_type(compression, docker);
}

// The build's scratch directories, removed however the build ends.
class WorkDir {
 public:
  WorkDir(const std::string& root, const layers::LayerCache& cache) : cache_(cache) {
    std::string parent = root + "/build";
    fs::mkdir_p(parent, 0700);
    path_ = parent + "/" + std::to_string(::getpid()) + "-XXXXXX";
    if (!::mkdtemp(path_.data())) throw_sys("mkdtemp", path_);
  }
  ~WorkDir() {
    try {
      cache_.discard(path_);
    } catch (const Error& e) {
      std::fprintf(stderr, "warning: could not remove %s: %s\n", path_.c_str(), e.describe().c_str());
    }
  }
  const std::string& path() const { return path_; }

 private:
  const layers::LayerCache& cache_;
  std::string path_;
};

class Executor {
 public:
  Executor(const ParseResult& dockerfile, PlanOptions plan_options, oci::Store& store, BaseImages& bases,
           const BuildOptions& options)
      : dockerfile_(dockerfile),
        plan_options_(std::move(plan_options)),
        store_(store),
        bases_(bases),
        options_(options),
        cache_(store.root()),
        steps_(store.root()) {
    if (!options.context_dir.empty())
      context_index_.emplace(context_index_file(store.root(), options.context_dir));
  }

  BuildResult run() {
    plan_ = make_plan(dockerfile_, plan_options_);
    resolve_images();
    // Planned again now that the base images' Env (`WORKDIR $HOME` sees it)
    // and ONBUILD triggers are known; a trigger may COPY --from another image.
    plan_options_.base_env = [&](const std::string& image, const std::string& platform) {
      oci::RuntimeConfig c;
      auto it = images_.find(image_key(image, platform));
      if (it != images_.end()) c = it->second.config.config;
      with_default_path(c);  // the stage's steps see it, as its RUNs do
      return c.env;
    };
    plan_options_.base_onbuild = [&](const std::string& image, const std::string& platform) {
      auto it = images_.find(image_key(image, platform));
      return it == images_.end() ? std::vector<std::string>{} : it->second.config.config.on_build;
    };
    plan_ = make_plan(dockerfile_, plan_options_);
    resolve_images();
    for (const auto& w : plan_.warnings) log(w);

    WorkDir work(store_.root(), cache_);
    int64_t now = options_.timestamp ? *options_.timestamp : static_cast<int64_t>(::time(nullptr));
    BuildEnv env{store_, cache_, options_, plan_options_.filename, work.path(), oci::format_rfc3339(now), {}};
    env.from_root = [&](const std::string& from) -> std::optional<std::string> {
      int index = stage_index(plan_, from);
      std::vector<std::string> dirs;
      if (index >= 0)
        dirs = stages_.at(index).dirs;
      else
        dirs = image_state(publish::parse_docker_ref(from).str(), "").dirs;
      if (dirs.size() != 1) return std::nullopt;
      return dirs[0];
    };
    build_stages(env);
    if (context_index_) context_index_->save();
    return assemble(env, stages_.at(plan_.target), plan_.stages[static_cast<size_t>(plan_.target)]);
  }

 private:
  // Runs the stages of the plan, each once the stages it needs are built,
  // several at once when they do not need each other (a few threads: each
  // stage's steps stay in order). The first failure stops new stages from
  // starting; the ones running finish their current step's work first.
  void build_stages(BuildEnv& env) {
    for (int index : plan_.order) {
      stages_[index];  // every slot exists before threads write their own: the maps never change shape
      keys_[index];
    }
    std::mutex mu;
    std::condition_variable changed;
    std::set<int> done, running;
    std::vector<int> waiting = plan_.order;
    std::optional<Error> failure;
    std::vector<std::thread> threads;
    auto ready = [&](int index) {
      for (int d : plan_.stages[static_cast<size_t>(index)].depends_on)
        if (!done.count(d)) return false;
      return true;
    };
    std::unique_lock lock(mu);
    for (;;) {
      for (auto it = waiting.begin(); !failure && it != waiting.end() && running.size() < kStageJobs;) {
        if (!ready(*it)) {
          ++it;
          continue;
        }
        int index = *it;
        it = waiting.erase(it);
        running.insert(index);
        threads.emplace_back([&, index] {
          std::optional<Error> error;
          StageState result;
          try {
            result = build_stage(env, plan_.stages[static_cast<size_t>(index)]);
          } catch (const Error& e) {
            error = e;
          } catch (const std::exception& e) {
            error = Error(e.what());
          }
          std::lock_guard guard(mu);
          if (error && !failure) failure = error;
          if (!error) {
            stages_[index] = std::move(result);
            done.insert(index);
          }
          running.erase(index);
          changed.notify_all();
        });
      }
      if (running.empty() && (failure || waiting.empty())) break;
      changed.wait(lock);
    }
    lock.unlock();
    for (auto& t : threads) t.join();
    if (failure) throw *failure;
  }

  std::string image_key(const std::string& ref, const std::string& platform) const { return ref + "|" + platform; }

  oci::Platform platform_of(const std::string& text) const {
    return text.empty() ? plan_options_.target_platform : oci::parse_platform(text);
  }

  void log(const std::string& line) const {
    if (options_.log) options_.log(line + "\n");
  }

  // Every image a needed stage starts from or copies from, in the store.
  void resolve_images() {
    auto need = [&](const std::string& ref, const std::string& platform, int line) {
      std::string key = image_key(ref, platform);
      if (images_.count(key)) return;
      with_context(plan_options_.filename + ":" + std::to_string(line) + ": " + ref, [&] {
        oci::Descriptor manifest = bases_.resolve(ref, platform_of(platform));
        images_[key] = load_image(manifest);
      });
    };
    for (int index : plan_.order) {
      const auto& s = plan_.stages[static_cast<size_t>(index)];
      if (s.base_stage < 0 && s.base != "scratch") need(s.base, s.platform, s.line);
      for (const auto& step : s.steps) {
        std::vector<std::string> froms;
        if (const auto* copy = std::get_if<CopyCmd>(&step.expanded)) froms.push_back(copy->from);
        if (const auto* run = std::get_if<RunCmd>(&step.expanded)) {
          try {
            for (const auto& m : parse_run_mounts(run->mounts)) froms.push_back(m.from);
          } catch (const Error& e) {
            throw Error(plan_options_.filename + ":" + std::to_string(step.instruction.line) + ": " + e.describe());
          }
        }
        for (const auto& from : froms) {
          if (from.empty() || stage_index(plan_, from) >= 0) continue;
          std::string ref;
          try {
            ref = publish::parse_docker_ref(from).str();
          } catch (const Error& e) {
            throw Error(plan_options_.filename + ":" + std::to_string(step.instruction.line) + ": from=" + from +
                        ": " + e.describe());
          }
          need(ref, "", step.instruction.line);
        }
      }
    }
  }

  struct LoadedImage {
    oci::Descriptor descriptor;
    oci::ImageConfig config;
    oci::Manifest manifest;
    std::vector<std::string> dirs;  // filled when first used
  };

  LoadedImage load_image(const oci::Descriptor& manifest) {
    LoadedImage img;
    img.descriptor = manifest;
    img.manifest = oci::Manifest::parse(store_.read_blob(manifest.digest));
    img.config = oci::ImageConfig::parse(store_.read_blob(img.manifest.config.digest));
    if (img.config.diff_ids.size() != img.manifest.layers.size())
      throw Error("image " + manifest.digest.str() + " has " + std::to_string(img.manifest.layers.size()) +
                  " layers but " + std::to_string(img.config.diff_ids.size()) + " diff_ids");
    return img;
  }

  // Layer blobs come from the local store (pulled or built there first).
  layers::BlobOpener store_blobs() const {
    return [this](const oci::Descriptor& d) -> std::unique_ptr<layers::Reader> {
      return std::make_unique<layers::FileReader>(store_.blob_path(d.digest));
    };
  }

  // The image's layers unpacked into the layer cache, a few at once (each is
  // read, decompressed, hashed and written independently); the first failure
  // is reported once all have stopped.
  std::vector<std::string> unpack_all(const LoadedImage& img, const layers::BlobOpener& open) {
    size_t n = img.manifest.layers.size();
    std::vector<std::string> dirs(n);
    std::vector<std::optional<Error>> errors(n);
    std::atomic<size_t> next = 0;
    auto worker = [&] {
      for (size_t i; (i = next++) < n;) {
        try {
          dirs[i] = cache_.ensure(img.manifest.layers[i], img.config.diff_ids[i], open);
        } catch (const Error& e) {
          errors[i] = e;
        } catch (const std::exception& e) {
          errors[i] = Error(e.what());  // an exception leaving a thread would end hoist
        }
      }
    };
    std::vector<std::thread> threads;
    for (size_t t = 1; t < std::min<size_t>(n, kUnpackJobs); ++t) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
    for (auto& e : errors)
      if (e) throw *e;
    return dirs;
  }

  StageState image_state(const std::string& ref, const std::string& platform) {
    LoadedImage& img = images_.at(image_key(ref, platform));
    std::lock_guard guard(images_mu_);  // stages running at once may start from one image
    if (img.dirs.empty()) img.dirs = unpack_all(img, store_blobs());
    StageState st;
    st.config = img.config;
    st.layers = img.manifest.layers;
    st.dirs = img.dirs;
    return st;
  }

  StageState base_state(const PlannedStage& s) {
    if (s.base_stage >= 0) {
      StageState st = stages_.at(s.base_stage);
      st.cmd_set = false;
      st.config.config.on_build.clear();
      return st;
    }
    if (s.base == "scratch") {
      StageState st;
      oci::Platform p = platform_of(s.platform);
      st.config.os = p.os;
      st.config.architecture = p.architecture;
      st.config.variant = p.variant;
      with_default_path(st.config.config);
      return st;
    }
    StageState st = image_state(s.base, s.platform);
    with_default_path(st.config.config);
    st.config.config.on_build.clear();  // the plan runs them after the FROM; the new image does not pass them on
    return st;
  }

  // Everything besides the steps that decides what a stage's layers hold.
  std::string first_key(const PlannedStage& s) const {
    std::string base;
    if (s.base_stage >= 0)
      base = keys_.at(s.base_stage);
    else if (s.base == "scratch")
      base = "scratch";
    else
      base = images_.at(image_key(s.base, s.platform)).descriptor.digest.str();
    std::string layers = std::string(layers::compression_name(options_.compression)) + " timestamp=" +
                         (options_.timestamp ? std::to_string(*options_.timestamp) : "none");
    return base_cache_key(base, oci::format_platform(platform_of(s.platform)) + " " + layers);
  }

  StageState build_stage(BuildEnv& env, const PlannedStage& s) {
    std::string name = s.name.empty() ? "" : s.name + " ";
    size_t total = s.steps.size() + 1;
    auto label = [&](size_t n) { return "[" + name + std::to_string(n) + "/" + std::to_string(total) + "] "; };
    log(label(1) + "FROM " + s.base);
    StageState st = base_state(s);
    st.on_layer = s.index == plan_.target ? options_.on_target_layer : nullptr;
    if (st.on_layer) st.announce_layers();
    st.chroot_dir.clear();  // a kept chroot rootfs belongs to the stage that made it
    std::string first = first_key(s);
    for (size_t i = 0; i < s.steps.size(); ++i) {
      const PlannedStep& step = s.steps[i];
      std::string lbl = label(i + 2);
      log(lbl + step.display);
      auto start = std::chrono::steady_clock::now();
      bool cached = run_one(env, st, step, lbl, first);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (cached) {
        log(lbl + "CACHED");
      } else if (std::holds_alternative<RunCmd>(step.expanded) || std::holds_alternative<CopyCmd>(step.expanded)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "DONE %.1fs", secs);
        log(lbl + buf);
      }
    }
    keys_[s.index] = state_key(first, st);
    return st;
  }

  // Runs a RUN, COPY or ADD, or takes its result from the step cache. Returns true for a cache hit.
  bool cached_step(BuildEnv& env, StageState& st, const std::string& key, const std::string& history,
                   const std::function<void()>& run) {
    if (!options_.no_cache) {
      if (auto hit = steps_.lookup(key, store_)) {
        oci::HistoryEntry h;
        h.created = options_.timestamp ? env.created : hit->created;
        h.created_by = history;
        h.comment = "hoist";
        if (hit->layer) {
          st.dirs.push_back(cache_.ensure(*hit->layer, hit->diff_id, store_blobs()));
          st.layers.push_back(*hit->layer);
          if (st.on_layer) st.on_layer(*hit->layer);
          st.config.diff_ids.push_back(hit->diff_id);
        } else {
          h.empty_layer = true;
        }
        st.config.history.push_back(h);
        return true;
      }
    }
    size_t layers_before = st.layers.size();
    run();
    CacheRecord r;
    r.created = st.config.history.back().created;
    if (st.layers.size() == layers_before) {
      steps_.record(key, r);
      return false;
    }
    r.diff_id = st.config.diff_ids.back();
    // Recorded once the blob is in the store, even when the build fails
    // later: the steps before the failing one stay cached.
    st.pending.back().job->on_success([this, key, r](const oci::Descriptor& layer) mutable {
      r.layer = layer;
      steps_.record(key, r);
    });
    return false;
  }

  // What a stage holds so far, for the keys of its steps: the stage's first
  // key, its layers and its config (dates aside). A step that runs again and
  // makes the very same layer leaves the steps after it cached (kaniko stops
  // looking at the first miss), and a metadata step changes the keys after it
  // only when it changes the config.
  static std::string state_key(const std::string& first, const StageState& st) {
    oci::ImageConfig c = st.config;
    c.history.clear();
    c.created.clear();
    return step_cache_key(first, c.serialize(), {});
  }

  static bool has_url_source(const CopyCmd& copy) {
    if (!copy.add) return false;
    for (const auto& s : copy.sources)
      if (is_remote_url(s) || is_git_url(s)) return true;
    return false;
  }

  // An ADD with URLs: what was downloaded (name, content, Last-Modified) and
  // the digest of its context sources, if it has any.
  std::string url_content(const BuildEnv& env, const StageState& st, const CopyCmd& copy, const AddUrlSources& urls) {
    std::string text;
    for (const auto& d : urls.downloads)
      text += d.name + " " + d.digest.str() + " " + (d.mtime ? std::to_string(*d.mtime) : "-") + "\n";
    CopyCmd local = copy;
    std::erase_if(local.sources, [](const std::string& s) { return is_remote_url(s); });
    if (!local.sources.empty()) {
      std::lock_guard guard(context_mu_);
      text += copy_source_digest(copy_request(env, st, local, ""), context_index_ ? &*context_index_ : nullptr)
                  .digest.str();
    }
    return oci::Digest::of(text).str();
  }

  // Runs one step of the stage whose first key is `first`.
  bool run_one(BuildEnv& env, StageState& st, const PlannedStep& step, const std::string& label,
               const std::string& first) {
    std::string where = env.where(step);
    if (std::holds_alternative<RunCmd>(step.expanded)) {
      std::string key = step_cache_key(state_key(first, st), step.display, step.args);
      return cached_step(env, st, key, run_history(st, step), [&] { run_step(env, st, step, label); });
    }
    if (const auto* copy = std::get_if<CopyCmd>(&step.expanded)) {
      const StageState* from = nullptr;
      std::optional<StageState> image;
      std::string from_name, content;
      std::optional<AddUrlSources> urls;
      std::string url_dir;
      if (copy->from.empty() && has_url_source(*copy)) {
        // Downloaded before the cache is asked: what the URLs serve now is part of the key.
        if (!options_.http) throw Error(where + "ADD from a URL needs network access");
        url_dir = env.make_step_dir();
        try {
          urls = download_url_sources(*options_.http, copy_request(env, st, *copy, ""), copy->checksum, url_dir);
        } catch (const Error& e) {
          env.remove_step_dir(url_dir);
          throw Error(where + e.describe());
        }
        content = url_content(env, st, *copy, *urls);
      } else if (copy->from.empty()) {
        content = with_context(where.substr(0, where.size() - 2), [&] {
          std::lock_guard guard(context_mu_);
          return copy_source_digest(copy_request(env, st, *copy, ""), context_index_ ? &*context_index_ : nullptr)
              .digest.str();
        });
      } else if (int index = stage_index(plan_, copy->from); index >= 0) {
        from = &stages_.at(index);
        from_name = "stage " + copy->from;
        content = keys_.at(index);
      } else {
        std::string ref = publish::parse_docker_ref(copy->from).str();
        image = image_state(ref, "");
        from = &*image;
        from_name = "image " + copy->from;
        content = images_.at(image_key(ref, "")).descriptor.digest.str();
      }
      // A --link layer does not depend on the layers below it: its key leaves
      // them out, so it stays cached when the base image changes.
      std::string below = copy->link ? "link " + st.config.config.working_dir + " " + st.config.config.user
                                     : state_key(first, st);
      std::string key = step_cache_key(below, step.display, step.args, content);
      bool hit = false;
      try {
        hit = cached_step(env, st, key, step.display,
                          [&] { copy_step(env, st, step, from, from_name, urls ? &*urls : nullptr); });
      } catch (...) {
        if (!url_dir.empty()) env.remove_step_dir(url_dir);
        throw;
      }
      if (!url_dir.empty()) env.remove_step_dir(url_dir);
      return hit;
    }
    if (std::holds_alternative<ArgCmd>(step.expanded)) return false;  // the plan has the values
    if (std::holds_alternative<WorkdirCmd>(step.expanded)) {
      try {
        apply_metadata(step.expanded, {st.config, st.cmd_set});
      } catch (const Error& e) {
        throw Error(where + e.describe());
      }
      if (st.config.config.working_dir == "/") {
        add_empty_history(env, st, step.display);
        return false;
      }
      // Its directory is made in a layer of its own when missing, as BuildKit does.
      std::string key = step_cache_key(state_key(first, st), step.display, {});
      return cached_step(env, st, key, step.display, [&] { workdir_step(env, st, step); });
    }
    try {
      if (!apply_metadata(step.expanded, {st.config, st.cmd_set}))
        throw Error(step.instruction.keyword + " cannot be executed here");
    } catch (const Error& e) {
      throw Error(where + e.describe());
    }
    add_empty_history(env, st, step.display);
    return false;
  }

  BuildResult assemble(const BuildEnv& env, StageState& st, const PlannedStage& s) {
    oci::ImageConfig config = st.config;
    // Without --timestamp, the image is as new as its newest step: a fully
    // cached rebuild gives the same image ID, as with BuildKit.
    config.created = env.created;
    if (!options_.timestamp && !config.history.empty()) {
      config.created = config.history.front().created;
      for (const auto& h : config.history) config.created = std::max(config.created, h.created);
    }
    if (config.os.empty() || config.architecture.empty()) {
      oci::Platform p = platform_of(s.platform);
      config.os = p.os;
      config.architecture = p.architecture;
      config.variant = p.variant;
    }
    for (const auto& [k, v] : options_.labels) config.config.labels[k] = v;
    std::string config_bytes = config.serialize();

    oci::Manifest m;
    bool docker = options_.docker_format;
    m.media_type = std::string(docker ? oci::media::kDockerManifest : oci::media::kOciManifest);
    m.config = oci::describe(docker ? oci::media::kDockerConfig : oci::media::kOciConfig, config_bytes);
    st.finish_layers();
    for (auto d : st.layers) {
      d.media_type = layer_media_type(d.media_type, docker);
      m.layers.push_back(d);
    }
    std::string manifest_bytes = m.serialize();
    // Blobs before the manifest, the manifest before the tags.
    store_.put_blob(config_bytes);
    store_.put_blob(manifest_bytes);
    BuildResult r;
    r.manifest = oci::describe(m.media_type, manifest_bytes);
    r.config = m.config.digest;
    for (const auto& t : options_.tags) store_.tag(t, r.manifest);
    return r;
  }

  const ParseResult& dockerfile_;
  PlanOptions plan_options_;
  oci::Store& store_;
  BaseImages& bases_;
  const BuildOptions& options_;
  layers::LayerCache cache_;
  BuildCache steps_;
  std::optional<StatIndex> context_index_;
  std::mutex context_mu_;  // the index is one per build, stages hash the context at once
  std::mutex images_mu_;
  std::map<int, std::string> keys_;  // each built stage's last cache key
  BuildPlan plan_;
  std::map<std::string, LoadedImage> images_;
  std::map<int, StageState> stages_;
};

}  // namespace

BuildResult build(const ParseResult& dockerfile, PlanOptions plan_options, oci::Store& store, BaseImages& bases,
                  const BuildOptions& options) {
  return Executor(dockerfile, std::move(plan_options), store, bases, options).run();
}

}  // namespace hoist::builder
