// with_stage_roots: layer stacks seen as merged roots in a child's own mount
// namespace; nothing mounted on the host, nothing written into a layer.
#include "builder/stage_roots.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/fs.h"
#include "tests/test_support.h"

using namespace hoist;

TEST(StageRoots, StacksAreMergedTopFirstAndLeftUntouched) {
  fs::TempDir tmp;
  std::string low = tmp.path() + "/low", high = tmp.path() + "/high", other = tmp.path() + "/other";
  for (const auto& d : {low, high, other, tmp.path() + "/scratch"}) fs::mkdir_p(d);
  fs::write_file_atomic(low + "/a", "low");
  fs::write_file_atomic(low + "/b", "low");
  fs::write_file_atomic(high + "/a", "high");
  fs::write_file_atomic(other + "/c", "other");
  std::string mounts_before = fs::read_file("/proc/self/mountinfo");

  builder::StageRootsRequest req;
  req.roots = {{high, low}, {}, {other}};
  req.scratch_dir = tmp.path() + "/scratch";
  std::string seen = builder::with_stage_roots(req, [](const std::vector<std::string>& roots) {
    fs::write_file_atomic(roots[0] + "/written", "x");  // goes to a throwaway upper
    return fs::read_file(roots[0] + "/a") + fs::read_file(roots[0] + "/b") + "|" +
           std::to_string(fs::is_empty_dir(roots[1])) + "|" + fs::read_file(roots[2] + "/c");
  });
  EXPECT_EQ(seen, "highlow|1|other");
  EXPECT_FALSE(fs::exists(high + "/written"));
  EXPECT_FALSE(fs::exists(low + "/written"));
  EXPECT_EQ(fs::read_file("/proc/self/mountinfo"), mounts_before);
}

TEST(StageRoots, AnErrorInTheChildComesBackWithItsText) {
  fs::TempDir tmp;
  builder::StageRootsRequest req;
  req.roots = {{}};
  req.scratch_dir = tmp.path();
  EXPECT_EQ(test::error_of([&] {
              builder::with_stage_roots(req, [](const std::vector<std::string>&) -> std::string {
                throw Error("\"x\": not found in the build context");
              });
            }),
            "\"x\": not found in the build context");
}
