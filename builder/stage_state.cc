#include "builder/stage_state.h"

#include <algorithm>
#include <cstdlib>

#include "builder/snapshot.h"
#include "common/error.h"
#include "common/fs.h"
#include "oci/media_types.h"

namespace hoist::builder {

std::string BuildEnv::make_step_dir() const {
  std::string tmpl = work_dir + "/step-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw_sys("mkdtemp", tmpl);
  return tmpl;
}

std::string BuildEnv::context_dir() const {
  if (!options.context_dir.empty()) return options.context_dir;
  std::string empty = work_dir + "/no-context";
  fs::mkdir_p(empty, 0755);
  return empty;
}

std::string BuildEnv::where(const PlannedStep& step) const {
  return filename + ":" + std::to_string(step.instruction.line) + ": ";
}

layers::LayerOptions BuildEnv::layer_options() const {
  layers::LayerOptions lo;
  lo.compression = options.compression;
  lo.clamp_mtime = options.timestamp;
  return lo;
}

void BuildEnv::log(const std::string& line) const {
  if (options.log) options.log(line + "\n");
}

void add_layer(BuildEnv& env, StageState& stage, const std::string& dir, const std::string& created_by) {
  std::optional<layers::LayerResult> tar = snapshot_diff_id(dir, env.layer_options());
  if (!tar) {
    env.layers.discard(dir);
    add_empty_history(env, stage, created_by);
    return;
  }
  // From here the tree is the cache's, read-only: the next step mounts it as
  // a lower while the job compresses it.
  std::string layer_dir = env.layers.adopt(tar->diff_id, dir);
  oci::Descriptor d;
  d.media_type = oci::media::layer_type(layers::compression_name(env.options.compression), env.options.docker_format);
  auto job = std::make_shared<LayerJob>(
      [&store = env.store, layer_dir, options = env.layer_options(), diff_id = tar->diff_id, d]() mutable {
        std::optional<layers::LayerResult> layer = snapshot_upper(layer_dir, store, options);
        if (!layer || layer->diff_id != diff_id)
          throw Error("layer " + layer_dir + " changed while it was compressed (expected diffID " + diff_id.str() + ")");
        d.digest = layer->digest;
        d.size = static_cast<int64_t>(layer->size);
        return d;
      });
  stage.dirs.push_back(layer_dir);
  stage.layers.push_back(d);
  if (stage.on_layer) job->on_success(stage.on_layer);
  stage.pending.push_back({stage.layers.size() - 1, std::move(job)});
  stage.config.diff_ids.push_back(tar->diff_id);
  oci::HistoryEntry h;
  h.created = env.created;
  h.created_by = created_by;
  h.comment = "hoist";
  stage.config.history.push_back(h);
}

void StageState::finish_layers() {
  for (auto& p : pending) layers.at(p.index) = p.job->get();
  pending.clear();
}

void StageState::announce_layers() const {
  for (size_t i = 0; i < layers.size(); ++i) {
    auto p = std::find_if(pending.begin(), pending.end(), [&](const PendingLayer& l) { return l.index == i; });
    if (p == pending.end())
      on_layer(layers[i]);
    else
      p->job->on_success(on_layer);
  }
}

void add_empty_history(const BuildEnv& env, StageState& stage, const std::string& created_by) {
  oci::HistoryEntry h;
  // Without --timestamp, the time of the entry before: a rebuild whose steps
  // all come from the cache then writes the very same config.
  h.created = env.options.timestamp || stage.config.history.empty() ? env.created : stage.config.history.back().created;
  h.created_by = created_by;
  h.comment = "hoist";
  h.empty_layer = true;
  stage.config.history.push_back(h);
}

}  // namespace hoist::builder
