// The two renderings of a build plan: text for people, JSON for tools.
#include <nlohmann/json.hpp>

#include "builder/build_plan.h"
#include "oci/json_text.h"

namespace hoist::builder {

namespace {

std::string stage_label(const PlannedStage& s) {
  return "stage " + std::to_string(s.index) + (s.name.empty() ? "" : " (" + s.name + ")");
}

}  // namespace

std::string plan_text(const BuildPlan& plan) {
  std::string out;
  for (int i : plan.order) {
    const auto& s = plan.stages[static_cast<size_t>(i)];
    out += stage_label(s) + ": FROM " +
           (s.base_stage >= 0 ? stage_label(plan.stages[static_cast<size_t>(s.base_stage)]) : s.base) +
           (s.platform.empty() ? "" : " [" + s.platform + "]") + (i == plan.target ? "  <- target" : "") + "\n";
    for (auto& st : s.steps) out += "  " + std::to_string(st.instruction.line) + ": " + st.display + "\n";
  }
  return out;
}

std::string plan_json(const BuildPlan& plan) {
  nlohmann::ordered_json j;
  j["target"] = plan.target;
  j["order"] = plan.order;
  j["warnings"] = plan.warnings;
  auto stages = nlohmann::ordered_json::array();
  for (auto& s : plan.stages) {
    nlohmann::ordered_json js;
    js["index"] = s.index;
    js["name"] = s.name;
    js["base"] = s.base;
    if (s.base_stage >= 0) js["baseStage"] = s.base_stage;
    if (!s.platform.empty()) js["platform"] = s.platform;
    js["line"] = s.line;
    js["dependsOn"] = s.depends_on;
    auto steps = nlohmann::ordered_json::array();
    for (auto& st : s.steps)
      steps.push_back({{"line", st.instruction.line}, {"instruction", st.instruction.keyword}, {"text", st.display}});
    js["steps"] = steps;
    stages.push_back(js);
  }
  j["stages"] = stages;
  return oci::json::dump_text(j, 2) + "\n";  // Dockerfile text may be any bytes
}

}  // namespace hoist::builder
