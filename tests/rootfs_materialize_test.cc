// materialize_rootfs on layer directories in overlay form written by hand:
// the merged tree must be what an overlay mount of them shows (upper entries
// win, whiteouts delete, opaque directories hide, directories merge), every
// kind of entry with its attributes, hardlinks kept, regular files copies
// (never the layer's own inode), and no symlink followed out of the tree.
#include "builder/rootfs_materialize.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <string>

#include "common/error.h"
#include "common/fs.h"
#include "tests/test_support.h"
#include "tests/tree_snapshot.h"
#include "tests/unpack_test_support.h"

namespace hoist::builder {
namespace {

using test::tree_snapshot;

// Writes a file, making its directory first.
void put(const std::string& path, const std::string& content, unsigned mode = 0644) {
  fs::mkdir_p(path.substr(0, path.rfind('/')));
  test::write_file(path, content, mode);
}

void mkdir_mode(const std::string& path, unsigned mode) {
  fs::mkdir_p(path);
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}
void whiteout(const std::string& path) { ASSERT_EQ(::mknod(path.c_str(), S_IFCHR, makedev(0, 0)), 0) << path; }
void opaque(const std::string& path) {
  ASSERT_EQ(::setxattr(path.c_str(), "trusted.overlay.opaque", "y", 1, 0), 0) << path;
}
void set_mtime(const std::string& path, time_t sec, long nsec) {
  const struct timespec t[2] = {{sec, nsec}, {sec, nsec}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW), 0) << path;
}

class MaterializeTest : public ::testing::Test {
 protected:
  std::string layer(const std::string& name) {
    std::string p = dir_.path() + "/" + name;
    fs::mkdir_p(p);
    return p;
  }
  std::string dest() {
    std::string p = dir_.path() + "/rootfs";
    fs::mkdir_p(p);
    return p;
  }
  fs::TempDir dir_{"", "hoist-materialize-"};
};

TEST_F(MaterializeTest, UpperEntriesWinWhiteoutsDeleteOpaqueDirectoriesHide) {
  std::string lower = layer("lower"), mid = layer("mid"), top = layer("top");
  put(lower + "/keep", "lower keep\n");
  put(lower + "/replaced", "lower\n");
  put(lower + "/deleted", "gone\n");
  mkdir_mode(lower + "/tree/sub", 0755);
  put(lower + "/tree/sub/f", "deep\n");
  mkdir_mode(lower + "/merged", 0700);
  put(lower + "/merged/from-lower", "l\n");
  mkdir_mode(lower + "/hidden", 0755);
  put(lower + "/hidden/old", "old\n");
  put(lower + "/dir-becomes-file/x", "x\n");
  put(mid + "/replaced", "mid\n");
  whiteout(mid + "/deleted");
  whiteout(mid + "/tree");
  mkdir_mode(mid + "/merged", 0750);
  put(mid + "/merged/from-mid", "m\n");
  mkdir_mode(mid + "/hidden", 0711);
  opaque(mid + "/hidden");
  put(mid + "/hidden/new", "new\n");
  put(mid + "/dir-becomes-file", "now a file\n");
  put(top + "/replaced", "top\n");
  put(top + "/tree", "a file where the deleted directory was\n");

  std::string out = dest();
  materialize_rootfs({top, mid, lower}, out);
  auto got = tree_snapshot(out, false);
  std::map<std::string, std::string> want = {
      {"/dir-becomes-file", "33188 0:0 data=now a file\n"},
      {"/hidden", "16841 0:0"},
      {"/hidden/new", "33188 0:0 data=new\n"},
      {"/keep", "33188 0:0 data=lower keep\n"},
      {"/merged", "16872 0:0"},
      {"/merged/from-lower", "33188 0:0 data=l\n"},
      {"/merged/from-mid", "33188 0:0 data=m\n"},
      {"/replaced", "33188 0:0 data=top\n"},
      {"/tree", "33188 0:0 data=a file where the deleted directory was\n"},
  };
  EXPECT_EQ(got, want);
  char v[4];
  EXPECT_LT(::getxattr((out + "/hidden").c_str(), "trusted.overlay.opaque", v, sizeof v), 0)
      << "overlay bookkeeping stays in the layers";
}

TEST_F(MaterializeTest, EveryKindOfEntryKeepsItsAttributes) {
  std::string l = layer("l");
  put(l + "/suid", "#!/bin/sh\n", 04755);
  ASSERT_EQ(::chown((l + "/suid").c_str(), 1000, 1000), 0);
  ASSERT_EQ(::chmod((l + "/suid").c_str(), 04755), 0);
  ASSERT_EQ(::setxattr((l + "/suid").c_str(), "user.note", "hi", 2, 0), 0);
  ASSERT_EQ(::setxattr((l + "/suid").c_str(), "trusted.overlay.origin", "x", 1, 0), 0);
  ASSERT_EQ(::symlink("../target", (l + "/link").c_str()), 0);
  ASSERT_EQ(::lchown((l + "/link").c_str(), 7, 8), 0);
  ASSERT_EQ(::mkfifo((l + "/fifo").c_str(), 0620), 0);
  ASSERT_EQ(::chmod((l + "/fifo").c_str(), 0620), 0);
  ASSERT_EQ(::mknod((l + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  mkdir_mode(l + "/sticky", 01777);
  ASSERT_EQ(::chown((l + "/sticky").c_str(), 5, 6), 0);
  put(l + "/sticky/a", "shared\n");
  ASSERT_EQ(::link((l + "/sticky/a").c_str(), (l + "/b").c_str()), 0);
  set_mtime(l + "/suid", 1700000000, 123456789);
  set_mtime(l + "/link", 1600000000, 5);
  set_mtime(l + "/sticky", 1500000000, 42);

  std::string out = dest();
  materialize_rootfs({l}, out);
  EXPECT_EQ(tree_snapshot(out, true), tree_snapshot(l, true));
  struct stat st;
  ASSERT_EQ(::lstat((out + "/suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 123456789);
  ASSERT_EQ(::lstat((out + "/link").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1600000000);
  ASSERT_EQ(::lstat((out + "/sticky").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1500000000) << "directory times are set after their content";
  EXPECT_EQ(st.st_mtim.tv_nsec, 42);
  char v[4];
  EXPECT_LT(::getxattr((out + "/suid").c_str(), "trusted.overlay.origin", v, sizeof v), 0);
}

TEST_F(MaterializeTest, FilesAreCopiesSoWritingThemLeavesTheLayerAlone) {
  std::string l = layer("l");
  put(l + "/etc/config", "original\n");
  std::string out = dest();
  materialize_rootfs({l}, out);
  struct stat a, b;
  ASSERT_EQ(::stat((l + "/etc/config").c_str(), &a), 0);
  ASSERT_EQ(::stat((out + "/etc/config").c_str(), &b), 0);
  EXPECT_NE(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_nlink, 1u) << "no hardlink to the layer's inode";
  UniqueFd fd(::open((out + "/etc/config").c_str(), O_WRONLY | O_APPEND));
  ASSERT_TRUE(fd.valid());
  ASSERT_EQ(::write(fd.get(), "more\n", 5), 5);
  EXPECT_EQ(fs::read_file(l + "/etc/config"), "original\n");
}

TEST_F(MaterializeTest, HardlinksAcrossLayersBreakWhereAnUpperLayerReplacesOneName) {
  std::string lower = layer("lower"), top = layer("top");
  put(lower + "/a", "shared\n");
  ASSERT_EQ(::link((lower + "/a").c_str(), (lower + "/b").c_str()), 0);
  ASSERT_EQ(::link((lower + "/a").c_str(), (lower + "/c").c_str()), 0);
  put(top + "/a", "replaced\n");
  std::string out = dest();
  materialize_rootfs({top, lower}, out);
  struct stat a, b, c;
  ASSERT_EQ(::stat((out + "/a").c_str(), &a), 0);
  ASSERT_EQ(::stat((out + "/b").c_str(), &b), 0);
  ASSERT_EQ(::stat((out + "/c").c_str(), &c), 0);
  EXPECT_EQ(fs::read_file(out + "/a"), "replaced\n");
  EXPECT_EQ(b.st_ino, c.st_ino);
  EXPECT_NE(a.st_ino, b.st_ino);
  EXPECT_EQ(b.st_nlink, 2u);
}

TEST_F(MaterializeTest, NoSymlinkOfALayerIsFollowed) {
  std::string outside = layer("outside");
  std::string lower = layer("lower"), top = layer("top");
  // The top's symlink hides the lower's directory: its file must not land where the link points.
  put(lower + "/etc/passwd", "root\n");
  ASSERT_EQ(::symlink(outside.c_str(), (top + "/etc").c_str()), 0);
  // A lower symlink under an upper directory of the same name: the directory wins.
  put(top + "/var/x", "x\n");
  ASSERT_EQ(::symlink(outside.c_str(), (lower + "/var").c_str()), 0);
  std::string out = dest();
  materialize_rootfs({top, lower}, out);
  EXPECT_TRUE(fs::is_empty_dir(outside));
  EXPECT_EQ(test::read_link(out + "/etc"), outside);
  EXPECT_EQ(fs::read_file(out + "/var/x"), "x\n");
  struct stat st;
  ASSERT_EQ(::lstat((out + "/var").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST_F(MaterializeTest, OpenInLayersFindsWhatTheMergedTreeShows) {
  std::string lower = layer("lower"), top = layer("top");
  put(lower + "/a/f", "lower f\n");
  put(lower + "/a/g", "lower g\n");
  put(lower + "/b/h", "lower h\n");
  put(lower + "/c/i", "lower i\n");
  put(top + "/a/f", "top f\n");
  whiteout(top + "/a/g");
  mkdir_mode(top + "/b", 0755);
  opaque(top + "/b");
  put(top + "/c", "now a file\n");
  auto content = [&](const std::string& rel) -> std::string {
    UniqueFd fd = open_in_layers({top, lower}, rel);
    if (!fd.valid()) return "(none)";
    return fs::read_file("/proc/self/fd/" + std::to_string(fd.get()));
  };
  EXPECT_EQ(content("a/f"), "top f\n");
  EXPECT_EQ(content("a/g"), "(none)") << "whited out";
  EXPECT_EQ(content("b/h"), "(none)") << "below an opaque directory";
  EXPECT_EQ(content("c/i"), "(none)") << "below a file of the top layer";
  EXPECT_EQ(content("a"), "(none)") << "a directory";
  EXPECT_EQ(content("missing"), "(none)");
  EXPECT_EQ(content("c"), "now a file\n");
}

TEST_F(MaterializeTest, DestinationMustBeEmpty) {
  std::string l = layer("l");
  std::string out = dest();
  put(out + "/stray", "x");
  EXPECT_EQ(test::error_of([&] { materialize_rootfs({l}, out); }),
            "materialising the rootfs in " + out + ": not an empty directory: " + out);
}

}  // namespace
}  // namespace hoist::builder
