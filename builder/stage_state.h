#pragma once
// What the executor knows about a stage while it builds it, and what the
// step runners share: the image so far (config, layers, their unpacked
// directories) and the build's store, layer cache and options.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "builder/build_plan.h"
#include "builder/executor.h"
#include "builder/layer_job.h"
#include "layers/layer_cache.h"
#include "layers/layer_writer.h"
#include "oci/image_config.h"

namespace hoist::builder {

struct StageState {
  oci::ImageConfig config;
  std::vector<oci::Descriptor> layers;  // manifest descriptors, bottom first
  std::vector<std::string> dirs;        // their unpacked directories, bottom first
  bool cmd_set = false;                 // CMD given in this stage: a later ENTRYPOINT keeps it
  std::string chroot_dir;               // --isolation chroot: where the stage's plain rootfs is kept between RUNs
  // Layers whose blobs are still being compressed: their descriptors in
  // `layers` lack digest and size until finish_layers().
  struct PendingLayer {
    size_t index;
    std::shared_ptr<LayerJob> job;
  };
  std::vector<PendingLayer> pending;
  // BuildOptions::on_target_layer while this is the target stage, else empty.
  std::function<void(const oci::Descriptor&)> on_layer;
  // The stack for an overlay mount: top first.
  std::vector<std::string> lowers() const { return {dirs.rbegin(), dirs.rend()}; }
  // Waits for the layers still compressing and fills in their descriptors;
  // rethrows the first failure.
  void finish_layers();
  // Passes each layer to on_layer: now when its blob is stored, else when its job ends.
  void announce_layers() const;
};

struct BuildEnv {
  oci::Store& store;
  layers::LayerCache& layers;
  const BuildOptions& options;
  std::string filename;  // of the Dockerfile, for errors
  std::string work_dir;  // this build's scratch space, on the layer cache's filesystem
  std::string created;   // RFC 3339 time for `created` and history entries
  // The one layer directory of the stage or image `from` names, for RUN
  // --mount=type=bind,from=...; nullopt when it has several layers.
  std::function<std::optional<std::string>(const std::string& from)> from_root;
  // Set once overlay isolation was refused under --isolation auto: RUNs use chroot from then on.
  std::atomic<bool> chroot_fallback{false};

  // The build context; an empty directory when there is none (a Dockerfile on stdin).
  std::string context_dir() const;
  // A fresh empty directory under work_dir.
  std::string make_step_dir() const;
  // Removes a step directory (as root of the user namespace when rootless).
  void remove_step_dir(const std::string& dir) const { layers.discard(dir); }
  layers::LayerOptions layer_options() const;
  // "FILE:LINE: ", the prefix of a step's errors.
  std::string where(const PlannedStep& step) const;
  void log(const std::string& line) const;
};

// Adds the change set in `dir` (a RUN's overlay upper or a COPY's layer
// tree; deletions as overlay whiteouts) to the stage: the directory in the
// layer cache and its diffID at once, the compressed blob in the store by a
// job in the background (stage.pending), with its history entry; a `dir`
// with nothing in it adds only a history entry marked empty_layer. `dir` is
// gone afterwards.
void add_layer(BuildEnv& env, StageState& stage, const std::string& dir, const std::string& created_by);

// A history entry that adds no layer (ENV, CMD, ...), dated as the entry before it.
void add_empty_history(const BuildEnv& env, StageState& stage, const std::string& created_by);

}  // namespace hoist::builder
