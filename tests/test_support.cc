#include "tests/test_support.h"

#include <cstdlib>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::test {

std::string conformance_dir() {
  const char* env = std::getenv("HOIST_CONFORMANCE_DIR");
  std::string dir = env && *env ? env : HOIST_CONFORMANCE_DIR;
  if (!fs::exists(dir)) throw Error("conformance data not found at " + dir);
  return dir;
}

std::string conformance_path(const std::string& relative) { return conformance_dir() + "/" + relative; }

nlohmann::json load_json(const std::string& path) { return nlohmann::json::parse(fs::read_file(path)); }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.describe();
  }
  return "";
}

EnvGuard::~EnvGuard() {
  for (auto& [name, old] : saved_) {
    if (old) {
      ::setenv(name.c_str(), old->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
}

void EnvGuard::set(const std::string& name, const std::string& value) {
  save(name);
  ::setenv(name.c_str(), value.c_str(), 1);
}

void EnvGuard::unset(const std::string& name) {
  save(name);
  ::unsetenv(name.c_str());
}

void EnvGuard::save(const std::string& name) {
  if (saved_.count(name)) return;
  const char* v = std::getenv(name.c_str());
  saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
}

}  // namespace hoist::test
