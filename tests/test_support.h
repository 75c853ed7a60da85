#pragma once
// Helpers shared by the unit tests.
#include <string>

#include <nlohmann/json.hpp>

namespace hoist::test {

// ../shared/conformance (or $HOIST_CONFORMANCE_DIR); fails the test run if missing.
std::string conformance_dir();
std::string conformance_path(const std::string& relative);
nlohmann::json load_json(const std::string& path);

}  // namespace hoist::test
