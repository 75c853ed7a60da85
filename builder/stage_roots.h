#pragma once
// The root filesystem of a stage as one directory tree, for the steps that
// read it without running anything in it (COPY, COPY --from, WORKDIR,
// --output type=local): an overlay of the stage's layer directories with a
// throwaway upper, mounted in a child process's own mount namespace, so
// nothing is mounted on the host and nothing written reaches a layer.
#include <functional>
#include <string>
#include <vector>

#include "layers/id_map.h"

namespace hoist::builder {

struct StageRootsRequest {
  // Each root's layer directories, top first; an empty list is an empty root (scratch).
  std::vector<std::vector<std::string>> roots;
  // An empty directory on the layer directories' filesystem for mount points and uppers.
  std::string scratch_dir;
  // Rootless: the user namespace the layers were unpacked in (layers/layer_cache.h).
  const layers::IdMap* user_namespace = nullptr;
};

// Runs `fn` in a child process that sees request.roots mounted, and returns
// what `fn` returned; an error `fn` throws comes back as a hoist::Error with
// the same text. `fn` runs after fork(): it must not rely on other threads.
std::string with_stage_roots(const StageRootsRequest& request,
                             const std::function<std::string(const std::vector<std::string>& roots)>& fn);

}  // namespace hoist::builder
