#include "layers/unpack_fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "tests/unpack_test_support.h"

namespace {

using hoist::UniqueFd;
using hoist::layers::LayerNames;
using hoist::layers::remove_children;
using hoist::layers::remove_entry;
using hoist::layers::set_xattr;
using hoist::test::write_file;

class UnpackFs : public ::testing::Test {
 protected:
  void SetUp() override {
    root = tmp.path() + "/root";
    hoist::fs::mkdir_p(root);
    dir.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(dir.valid());
  }
  bool exists(const std::string& rel) const { return hoist::fs::exists(root + "/" + rel); }

  hoist::fs::TempDir tmp;
  std::string root;
  UniqueFd dir;
};

TEST_F(UnpackFs, LayerNamesAreKeyedByTheirDirectory) {
  hoist::fs::mkdir_p(root + "/a");
  hoist::fs::mkdir_p(root + "/b");
  LayerNames names;
  UniqueFd a(::open((root + "/a").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  names.add(a.get(), "x");
  struct stat sa, sb;
  ASSERT_EQ(::stat((root + "/a").c_str(), &sa), 0);
  ASSERT_EQ(::stat((root + "/b").c_str(), &sb), 0);
  EXPECT_TRUE(names.contains(sa, "x"));
  EXPECT_FALSE(names.contains(sa, "y"));
  EXPECT_FALSE(names.contains(sb, "x"));
}

TEST_F(UnpackFs, RemovesTreesIncludingReadOnlyDirectoriesWithoutFollowingSymlinks) {
  hoist::fs::mkdir_p(root + "/t/sub/deeper");
  write_file(root + "/t/sub/deeper/f", "f");
  write_file(tmp.path() + "/outside", "keep me");
  ASSERT_EQ(::symlink((tmp.path() + "/outside").c_str(), (root + "/t/link").c_str()), 0);
  ASSERT_EQ(::symlink(tmp.path().c_str(), (root + "/t/dirlink").c_str()), 0);
  ::chmod((root + "/t/sub").c_str(), 0500);
  EXPECT_TRUE(remove_entry(dir.get(), "t", nullptr, "t"));
  EXPECT_FALSE(exists("t"));
  EXPECT_EQ(hoist::fs::read_file(tmp.path() + "/outside"), "keep me");
  EXPECT_TRUE(remove_entry(dir.get(), "never-was", nullptr, "never-was"));
}

TEST_F(UnpackFs, SparesKeptNamesAndTheDirectoriesHoldingThem) {
  hoist::fs::mkdir_p(root + "/d/keep-dir/inner");
  hoist::fs::mkdir_p(root + "/d/drop-dir");
  write_file(root + "/d/keep-dir/inner/new", "n");
  write_file(root + "/d/keep-dir/inner/old", "o");
  write_file(root + "/d/old", "o");
  LayerNames keep;
  UniqueFd inner(::open((root + "/d/keep-dir/inner").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  keep.add(inner.get(), "new");
  EXPECT_FALSE(remove_entry(dir.get(), "d", &keep, "d"));
  EXPECT_TRUE(exists("d/keep-dir/inner/new"));
  EXPECT_FALSE(exists("d/keep-dir/inner/old"));
  EXPECT_FALSE(exists("d/drop-dir"));
  EXPECT_FALSE(exists("d/old"));

  UniqueFd d(::open((root + "/d").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  EXPECT_FALSE(remove_children(d.get(), &keep, "d"));
  EXPECT_TRUE(remove_children(d.get(), nullptr, "d"));
  EXPECT_TRUE(exists("d"));
  EXPECT_FALSE(exists("d/keep-dir"));
}

TEST_F(UnpackFs, SetsXattrsOnFilesAndOnSymlinksThemselves) {
  write_file(root + "/f", "f");
  UniqueFd f(::open((root + "/f").c_str(), O_RDONLY | O_CLOEXEC));
  set_xattr(dir.get(), "f", f.get(), S_IFREG, "user.a", "1", "f");
  char buf[16];
  ASSERT_EQ(::getxattr((root + "/f").c_str(), "user.a", buf, sizeof buf), 1);
  EXPECT_EQ(buf[0], '1');

  ASSERT_EQ(::symlink("f", (root + "/l").c_str()), 0);
  // The kernel refuses user.* on symlinks: not an unpack error.
  EXPECT_NO_THROW(set_xattr(dir.get(), "l", -1, S_IFLNK, "user.b", "2", "l"));
  if (::geteuid() == 0) {
    set_xattr(dir.get(), "l", -1, S_IFLNK, "trusted.c", "3", "l");
    EXPECT_EQ(::lgetxattr((root + "/l").c_str(), "trusted.c", buf, sizeof buf), 1);
    EXPECT_LT(::getxattr((root + "/f").c_str(), "trusted.c", buf, sizeof buf), 0);
  }
  // EOPNOTSUPP covers both "filesystem without xattrs" and "unknown namespace".
  EXPECT_NO_THROW(set_xattr(dir.get(), "f", f.get(), S_IFREG, "bogus.namespace", "x", "f"));
  EXPECT_THROW(set_xattr(dir.get(), "f", f.get(), S_IFREG, "user.big", std::string(1 << 17, 'x'), "f"),
               hoist::Error);
}

}  // namespace
