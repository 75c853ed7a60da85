#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <iterator>

#include "builder/build_plan.h"
#include "builder/context_archive.h"
#include "builder/dockerignore.h"
#include "builder/executor.h"
#include "cli/base_images.h"
#include "cli/build_output.h"
#include "cli/command.h"
#include "common/error.h"
#include "common/fs.h"
#include "oci/gc_lock.h"
#include "publish/blob_sources.h"
#include "publish/reference.h"
#include "publish/registry_image.h"
#include "publish/store_image.h"
#include "publish/upload_ahead.h"

namespace hoist::cli {

namespace {

struct Opts {
  std::string context, file, target, platform, network = "host", compression = "gzip", format = "oci",
      isolation = "auto";
  std::string iidfile, digestfile, progress = "auto";
  std::vector<std::string> tags, build_args, labels, outputs, secrets;
  std::optional<int64_t> timestamp;
  bool dry_run = false, json = false, no_cache = false, pull = false, push = false, quiet = false;
};

std::string read_dockerfile(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  return fs::read_file(path);
}

std::map<std::string, std::string> parse_build_args(const std::vector<std::string>& args) {
  std::map<std::string, std::string> out;
  for (auto& kv : args) {
    auto eq = kv.find('=');
    if (eq == 0) throw Error("invalid --build-arg \"" + kv + "\": want KEY=VALUE or KEY");
    if (eq != std::string::npos) {
      out[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (const char* v = std::getenv(kv.c_str())) {
      out[kv] = v;  // docker takes a bare KEY from the environment, and skips it when unset
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_labels(const std::vector<std::string>& labels) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& kv : labels) {
    auto eq = kv.find('=');
    if (eq == 0) throw Error("invalid --label \"" + kv + "\": want KEY=VALUE");
    out.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
  }
  return out;
}

// build --push: each destination repository's layers go up while the build
// still runs (publish/upload_ahead.h), over the connection the push after the
// build then uses.
struct PushAhead {
  publish::Reference dest;
  std::optional<RemoteRegistry> remote;  // opened by the upload thread, with its first blob
  std::unique_ptr<publish::RegistrySink> sink;
  std::unique_ptr<publish::StoreSource> source;
  std::unique_ptr<publish::UploadAhead> ahead;
};

// One per repository: tags of the same repository share its blobs.
std::map<std::string, PushAhead> push_ahead(const Globals& g, oci::Store& store, const std::vector<std::string>& tags) {
  std::map<std::string, PushAhead> out;
  for (const auto& t : tags) {
    auto dest = publish::parse_normalized(t);
    std::string repo = dest.domain + "/" + dest.path;
    if (out.count(repo)) continue;
    PushAhead& p = out[repo];
    p.dest = dest;
    p.source = std::make_unique<publish::StoreSource>(store, oci::Descriptor{});
    p.ahead = std::make_unique<publish::UploadAhead>(*p.source, [&g, &store, &p]() -> publish::ImageSink& {
      p.remote = open_registry(g, p.dest.domain);
      p.sink = std::make_unique<publish::RegistrySink>(*p.remote->registry, p.dest);
      p.sink->set_mount_sources(publish::mount_sources(store, p.dest));
      return *p.sink;
    });
  }
  return out;
}

layers::Compression parse_compression(const std::string& name) {
  if (name == "gzip") return layers::Compression::Gzip;
  if (name == "zstd") return layers::Compression::Zstd;
  throw Error("invalid --compression \"" + name + "\": want gzip or zstd");
}

void run_build(Globals& g, const Opts& o) {
  std::vector<std::string> tags;
  for (auto& t : o.tags) tags.push_back(normalize_ref(t));  // a bad -t fails before any work
  if (o.json && !o.dry_run) throw Error("--json is only meaningful with --dry-run");
  if (o.network != "host" && o.network != "none" && o.network != "default")
    throw Error("invalid --network \"" + o.network + "\": want host or none");
  if (o.format != "oci" && o.format != "docker") throw Error("invalid --format \"" + o.format + "\": want oci or docker");
  if (o.format == "docker" && o.compression == "zstd")
    throw Error("--compression zstd needs --format oci: Docker's schema2 has no zstd layer type");
  if (o.push && tags.empty()) throw Error("--push needs at least one -t NAME to push to");
  std::vector<BuildOutput> outputs;
  for (auto& spec : o.outputs) outputs.push_back(parse_build_output(spec));
  bool no_context = o.context == "-";
  // A tar file as context is extracted first; its Dockerfile is the default.
  std::string context = o.context;
  // Its blobs are in the store before a tag references them, and its files
  // under $HOIST_ROOT/tmp (an extracted context, secrets) are live: no prune
  // or fsck --repair removes them until it ends (oci/gc_lock.h). Taken
  // before those files are made, released after they are gone.
  oci::GcLock writing(g.open_store().root(), oci::GcLock::Mode::Shared);
  std::unique_ptr<fs::TempDir> extracted;
  if (!no_context && builder::is_context_archive(context)) {
    std::string tmp = g.open_store().root() + "/tmp";
    fs::mkdir_p(tmp, 0700);
    extracted = std::make_unique<fs::TempDir>(tmp, "context-");
    builder::extract_context(context, extracted->path());
    context = extracted->path();
  }
  std::string file = o.file;
  if (file.empty()) file = no_context ? "-" : context + "/Dockerfile";
  if (file.starts_with("./")) file = file.substr(2);

  builder::PlanOptions plan;
  plan.filename = file == "-" ? "Dockerfile" : file;
  plan.target = o.target;
  plan.build_platform = oci::host_platform();
  plan.target_platform = o.platform.empty() ? plan.build_platform : oci::parse_platform(o.platform);
  plan.build_args = parse_build_args(o.build_args);
  auto parsed = builder::parse_dockerfile(read_dockerfile(file), plan.filename);
  for (auto& w : parsed.warnings) std::fprintf(stderr, "%s\n", w.c_str());
  if (o.dry_run) {
    auto p = builder::make_plan(parsed, plan);
    if (o.json) {
      std::fputs(builder::plan_json(p).c_str(), stdout);
    } else {
      for (auto& w : p.warnings) std::fprintf(stderr, "%s\n", w.c_str());
      std::fputs(builder::plan_text(p).c_str(), stdout);
    }
    return;
  }

  if (!no_context && !fs::exists(context + "/.")) throw Error("build context " + o.context + ": not a directory");
  builder::BuildOptions opts;
  std::optional<builder::PatternMatcher> ignore;
  if (!no_context) {
    opts.context_dir = context;
    std::string ignore_file = builder::find_ignore_file(context, o.file.empty() ? "" : file);
    if (!ignore_file.empty())
      ignore.emplace(with_context(ignore_file, [&] { return builder::PatternMatcher(builder::read_ignore_file(fs::read_file(ignore_file))); }));
    if (ignore) opts.ignore = &*ignore;
  }
  opts.tags = tags;
  opts.labels = parse_labels(o.labels);
  opts.timestamp = o.timestamp ? o.timestamp : source_date_epoch();
  opts.compression = parse_compression(o.compression);
  opts.docker_format = o.format == "docker";
  opts.network = o.network == "none" ? builder::NetworkMode::None : builder::NetworkMode::Host;
  if (o.isolation == "auto")
    opts.isolation = builder::BuildOptions::Isolation::Auto;
  else if (o.isolation == "overlay")
    opts.isolation = builder::BuildOptions::Isolation::Overlay;
  else if (o.isolation == "chroot")
    opts.isolation = builder::BuildOptions::Isolation::Chroot;
  else
    throw Error("invalid --isolation \"" + o.isolation + "\": want auto, overlay or chroot");
  opts.no_cache = o.no_cache;
  // Secret values given through the environment wait in private files, removed with the build.
  std::unique_ptr<fs::TempDir> secret_dir;
  if (!o.secrets.empty()) {
    std::string tmp = g.open_store().root() + "/tmp";
    fs::mkdir_p(tmp, 0700);
    secret_dir = std::make_unique<fs::TempDir>(tmp, "secrets-");
    for (auto& spec : o.secrets) opts.secrets.insert(builder::parse_secret_flag(spec, secret_dir->path()));
  }
  if (!o.quiet)
    opts.log = [](std::string_view s) {
      std::fwrite(s.data(), 1, s.size(), stdout);
      std::fflush(stdout);
    };

  auto http = publish::make_curl_client();  // ADD <url>
  opts.http = http.get();
  oci::Store store = g.open_store();
  StoreOrPull bases(g, store, o.pull, o.progress, o.quiet);
  std::map<std::string, PushAhead> ahead;
  if (o.push) {
    ahead = push_ahead(g, store, tags);
    opts.on_target_layer = [&ahead](const oci::Descriptor& d) {
      for (auto& [repo, p] : ahead) p.ahead->add(d);
    };
  }
  builder::BuildResult r = builder::build(parsed, plan, store, bases, opts);
  for (auto& [repo, p] : ahead) p.ahead->stop();
  if (!o.quiet)
    for (auto& t : tags) std::printf("Successfully tagged %s\n", t.c_str());
  std::string name = tags.empty() ? "" : tags.front();
  for (auto& out : outputs) write_build_output(out, store, r.manifest, name);
  if (o.push) {
    for (auto& t : tags) {
      auto dest = publish::parse_normalized(t);
      PushAhead& p = ahead.at(dest.domain + "/" + dest.path);
      push_to_registry(g, store, r.manifest, dest, t, o.progress, o.quiet, p.remote ? p.remote->registry.get() : nullptr,
                       [&p](const oci::Digest& d) { return p.ahead->sent(d); });
      if (!o.quiet) std::printf("%s@%s\n", dest.str().c_str(), r.manifest.digest.str().c_str());
    }
  }
  if (!o.iidfile.empty()) fs::write_file_atomic(o.iidfile, r.config.str());
  if (!o.digestfile.empty()) fs::write_file_atomic(o.digestfile, r.manifest.digest.str());
  std::printf("%s\n", r.config.str().c_str());
}

}  // namespace

void register_build(CLI::App& app, Globals& g) {
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("build", "Build an image from a Dockerfile");
  cmd->add_option("context", o->context,
                  "Build context: a directory, a tar file (plain, gzip or zstd), or - for a Dockerfile on stdin and no context")
      ->required();
  // Repeatable options take one value each time, so that `-t NAME CONTEXT` leaves CONTEXT to the positional.
  cmd->add_option("-t,--tag", o->tags, "Name of the resulting image, NAME[:TAG]")->allow_extra_args(false);
  cmd->add_option("-f,--file", o->file, "Dockerfile (default: CONTEXT/Dockerfile; - for stdin)");
  cmd->add_option("--build-arg", o->build_args, "Set a build-time variable, K=V (K alone: from the environment)")
      ->allow_extra_args(false);
  cmd->add_option("--target", o->target, "Build up to this stage");
  cmd->add_option("--platform", o->platform, "Target platform, os/arch[/variant] (default: this machine)");
  cmd->add_option("--label", o->labels, "Set a label on the image, K=V")->allow_extra_args(false);
  cmd->add_option("--secret", o->secrets, "A secret for RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VAR")
      ->allow_extra_args(false);
  cmd->add_flag("--no-cache", o->no_cache, "Run every step again instead of reusing earlier results");
  cmd->add_flag("--pull", o->pull, "Look up base images in their registry even when the store has them");
  cmd->add_option("--network", o->network, "Network of RUN steps: host (default) or none");
  cmd->add_option("--isolation", o->isolation,
                  "RUN isolation: auto (default: overlay, else chroot), overlay (namespaces + overlayfs) or chroot");
  cmd->add_option("--timestamp", o->timestamp, "Creation time and file time clamp, seconds since 1970 (default: SOURCE_DATE_EPOCH)");
  cmd->add_option("--compression", o->compression, "Layer compression: gzip (default) or zstd");
  cmd->add_option("--format", o->format, "Manifest and config media types: oci (default) or docker");
  cmd->add_flag("--push", o->push, "Push every -t to its registry when the build succeeds");
  cmd->add_option("-o,--output", o->outputs,
                  "Also write the image: type=oci,dest=DIR|FILE.tar, type=docker,dest=FILE.tar, type=local,dest=DIR")
      ->allow_extra_args(false);
  cmd->add_option("--iidfile", o->iidfile, "Write the image ID to this file");
  cmd->add_option("--digestfile", o->digestfile, "Write the image's manifest digest to this file");
  cmd->add_option("--progress", o->progress, "auto, tty or plain (default auto)");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only the image ID");
  cmd->add_flag("--dry-run", o->dry_run, "Print the build plan without running anything");
  cmd->add_flag("--json", o->json, "With --dry-run: print the plan as JSON");
  add_registry_flags(cmd, g);
  cmd->callback([o, &g] { run_build(g, *o); });
}

}  // namespace hoist::cli
