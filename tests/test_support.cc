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

}  // namespace hoist::test
