#pragma once
// Helpers shared by the unit tests.
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hoist::test {

// ../shared/conformance (or $HOIST_CONFORMANCE_DIR); fails the test run if missing.
std::string conformance_dir();
std::string conformance_path(const std::string& relative);
nlohmann::json load_json(const std::string& path);

// The one-line message of the hoist::Error `fn` throws, or "" when it throws none.
std::string error_of(const std::function<void()>& fn);

// Sets environment variables for one test and puts the old values back.
class EnvGuard {
 public:
  ~EnvGuard();
  void set(const std::string& name, const std::string& value);
  void unset(const std::string& name);

 private:
  void save(const std::string& name);
  std::map<std::string, std::optional<std::string>> saved_;
};

}  // namespace hoist::test
