#pragma once
// WORKDIR makes its directory when the image lacks it, as BuildKit does: a
// layer holding the new directories (0755, owned by the USER in effect, or
// root), their existing parents with the attributes the image gives them.
#include <string>

#include "builder/build_plan.h"
#include "builder/copy_tree.h"
#include "builder/stage_state.h"

namespace hoist::builder {

// Runs after the WORKDIR is in stage.config (config.working_dir is the path).
void workdir_step(BuildEnv& env, StageState& stage, const PlannedStep& step);

// Writes into `layer_dir` what making `path` (absolute) in `image_root`
// changes; nothing when it is already a directory there. Symlinks on the way
// resolve inside the root. Throws hoist::Error when a component exists and
// is not a directory.
void make_workdir(const std::string& image_root, const std::string& layer_dir, const std::string& path, Owner owner);

}  // namespace hoist::builder
