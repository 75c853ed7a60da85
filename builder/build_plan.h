#pragma once
// The build plan: the stages of a Dockerfile with their steps' arguments
// expanded in the scope Docker gives them (meta ARGs for FROM, then the
// stage's ARG and ENV), the stages the target needs in build order, and
// nothing run. `hoist build --dry-run` prints it; the executor walks it.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/dockerfile_parser.h"
#include "builder/instructions.h"
#include "oci/platform.h"

namespace hoist::builder {

struct PlanOptions {
  std::string filename = "Dockerfile";
  std::map<std::string, std::string> build_args;  // --build-arg K=V
  std::string target;                             // --target; "" = the last stage
  oci::Platform target_platform;                  // TARGETPLATFORM & co.; default: host
  oci::Platform build_platform;                   // BUILDPLATFORM & co.; default: host
  // The Env ("K=V") of the image a stage starts FROM (a normalised reference
  // or "scratch", and the stage's expanded --platform), which later words of
  // the stage see as docker does (`WORKDIR $HOME`, and the default PATH a
  // stage gets when its base sets none). Unset or returning nothing: no variables.
  std::function<std::vector<std::string>(const std::string& image, const std::string& platform)> base_env;
  // The ONBUILD triggers of that image, which docker runs right after the
  // FROM (as do the ONBUILD instructions of a stage that another stage starts FROM).
  std::function<std::vector<std::string>(const std::string& image, const std::string& platform)> base_onbuild;
};

struct PlannedStep {
  Instruction instruction;  // as written (an ONBUILD trigger: with the FROM's line)
  Command expanded;         // words expanded where Docker expands them
  std::string display;      // the expanded instruction as one line, e.g. `COPY --from=build /out /app`
  // The build args in scope with a value (after this step's own ARG), by
  // name: a RUN sees them as environment variables under its ENV.
  std::vector<std::pair<std::string, std::string>> args;
};

struct PlannedStage {
  int index = 0;
  std::string name;         // lower-cased AS name; "" when unnamed
  std::string base;         // expanded base: a normalised image reference, "scratch", or a stage name
  int base_stage = -1;      // index of the stage FROM names, or -1 for an image / scratch
  std::string platform;     // expanded --platform, "" when not given
  int line = 0;             // of the FROM
  std::vector<PlannedStep> steps;
  std::vector<int> depends_on;  // stage indexes: FROM <stage>, COPY --from, RUN --mount from=
};

struct BuildPlan {
  std::vector<PlannedStage> stages;  // every stage, in file order
  std::vector<int> order;            // the stages to build, each after what it needs; the target last
  int target = -1;
  std::vector<std::string> warnings;  // e.g. build args nothing consumed
};

// Throws hoist::Error "FILENAME:LINE: message" for an expansion error, an
// unknown --target, a stage that needs itself, or a Dockerfile with no FROM first.
BuildPlan make_plan(const ParseResult& parsed, const PlanOptions& options);

// The stage `name` (a COPY --from or mount from=) refers to, by AS name or
// index, or -1 when it names an image.
int stage_index(const BuildPlan& plan, const std::string& name);

// One instruction as a Dockerfile line (after expansion, for the plan and logs).
std::string describe(const std::string& keyword, const Command& command);

// Human-readable plan (stages in build order, each step with its line).
std::string plan_text(const BuildPlan& plan);
// The same as JSON.
std::string plan_json(const BuildPlan& plan);

}  // namespace hoist::builder
