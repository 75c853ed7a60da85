#pragma once
// A RUN step: the command in the sandbox over the stage's layers, its
// change set (the overlay upper) as the step's layer.
#include <string>

#include "builder/build_plan.h"
#include "builder/stage_state.h"

namespace hoist::builder {

// `label` prefixes the step's output lines ("[2/5] "). Throws hoist::Error
// "FILE:LINE: RUN failed (exit N): COMMAND" when the command fails.
void run_step(BuildEnv& env, StageState& stage, const PlannedStep& step, const std::string& label);

// The history entry the step gets (`RUN |1 A=b /bin/sh -c make`), as run_step writes it.
std::string run_history(const StageState& stage, const PlannedStep& step);

// The process environment of a RUN: the image's Env, then the build args in
// scope that no ENV of the same name hides, as docker gives them.
std::vector<std::string> run_environment(const oci::RuntimeConfig& config,
                                         const std::vector<std::pair<std::string, std::string>>& args);

// The history entry docker's BuildKit writes for a RUN: `RUN |N K=V... ARGV`.
std::string run_created_by(const std::vector<std::string>& argv,
                           const std::vector<std::pair<std::string, std::string>>& args);

}  // namespace hoist::builder
