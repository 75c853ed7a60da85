// index_tree + write_tree_diff on real trees: a base layer is materialised,
// indexed, changed by shell commands as a RUN would, and diffed into an
// upper directory. The upper must hold exactly the changes in overlay form
// (whiteouts, opaque markers, parents), and the upper over the base must
// give back the changed tree, file times included.
#include "builder/tree_diff.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "builder/rootfs_materialize.h"
#include "common/error.h"
#include "common/fs.h"
#include "tests/test_support.h"
#include "tests/tree_snapshot.h"
#include "tests/unpack_test_support.h"

namespace hoist::builder {
namespace {

using test::tree_snapshot;

void put(const std::string& path, const std::string& content, unsigned mode = 0644) {
  fs::mkdir_p(path.substr(0, path.rfind('/')));
  test::write_file(path, content, mode);
}

// Every path of `dir` with what it is in overlay form: "whiteout",
// "opaque dir", "dir", "file", "link -> target", "fifo".
std::map<std::string, std::string> upper_kinds(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& [rel, desc] : tree_snapshot(dir, false)) {
    struct stat st;
    std::string p = dir + rel;
    if (::lstat(p.c_str(), &st) != 0) throw_sys("lstat", p);
    std::string kind;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
      kind = "whiteout";
    } else if (S_ISDIR(st.st_mode)) {
      char v[2];
      kind = ::getxattr(p.c_str(), "trusted.overlay.opaque", v, sizeof v) == 1 ? "opaque dir" : "dir";
    } else if (S_ISLNK(st.st_mode)) {
      kind = "link -> " + test::read_link(p);
    } else if (S_ISFIFO(st.st_mode)) {
      kind = "fifo";
    } else {
      kind = "file";
    }
    out[rel.substr(1)] = kind;
  }
  return out;
}

class TreeDiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = dir_.path() + "/base";
    root_ = dir_.path() + "/root";
    upper_ = dir_.path() + "/upper";
    put(base_ + "/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    put(base_ + "/etc/motd", "hello\n");
    put(base_ + "/etc/hosts", "127.0.0.1 localhost\n");
    put(base_ + "/usr/bin/tool", "#!/bin/sh\n", 0755);
    put(base_ + "/usr/share/doc/a", "a\n");
    put(base_ + "/usr/share/doc/b", "b\n");
    put(base_ + "/srv/app/data", "data\n");
    put(base_ + "/srv/app/keep", "keep\n");
    put(base_ + "/var/lib/db", "db\n");
    put(base_ + "/dev/null-ish", "not a device\n");
    put(base_ + "/home/app/notes", "notes\n");
    fs::mkdir_p(base_ + "/empty");
    ASSERT_EQ(::symlink("passwd", (base_ + "/etc/pw").c_str()), 0);
    // Old fixed times, as layers have: a change in the run always moves them.
    sh("find " + base_ + " -exec touch -h -d '2024-01-01 00:00:00 UTC' {} +");
    fs::mkdir_p(root_);
    fs::mkdir_p(upper_);
    materialize_rootfs({base_}, root_);
  }

  static void sh(const std::string& cmd) { ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd; }
  void in_root(const std::string& script) { sh("cd " + root_ + " && set -e && " + script); }

  DiffOptions with_original() const {
    DiffOptions o;
    o.original = [this](const std::string& rel) { return open_in_layers({base_}, rel); };
    return o;
  }

  // The upper over the base, materialised: must be the tree after the run.
  void expect_round_trip() {
    std::string again = dir_.path() + "/again";
    fs::mkdir_p(again);
    materialize_rootfs({upper_, base_}, again);
    EXPECT_EQ(tree_snapshot(again, true), tree_snapshot(root_, true));
  }

  fs::TempDir dir_{"", "hoist-tree-diff-"};
  std::string base_, root_, upper_;
};

TEST_F(TreeDiffTest, UnchangedTreeGivesAnEmptyUpper) {
  TreeIndex before = index_tree(root_);
  EXPECT_EQ(before.size(), 25u);
  in_root("cat etc/passwd usr/share/doc/a > /dev/null; ls -R > /dev/null");
  DiffCounts c = write_tree_diff(root_, before, upper_, with_original());
  EXPECT_EQ(c.written + c.deleted + c.opaque, 0u);
  EXPECT_TRUE(fs::is_empty_dir(upper_));
}

TEST_F(TreeDiffTest, EveryKindOfChangeInOverlayForm) {
  TreeIndex before = index_tree(root_);
  in_root(
      "echo new > etc/new.conf;"
      "echo more >> etc/motd;"
      "chmod 600 etc/passwd;"
      "chown 1000:1000 home/app/notes;"
      "rm usr/bin/tool;"
      "rm -r usr/share/doc;"
      "rm -r srv/app && mkdir srv/app && echo other > srv/app/data;"
      "ln -s /etc/motd motd.link;"
      "mv var/lib var/lib2;"
      "mkdir -p a/b/c/d && echo deep > a/b/c/d/e;"
      "touch etc/hosts;"
      "ln etc/passwd etc/passwd.hard;"
      "ln -sf motd etc/pw;"
      "mkfifo fifo;"
      "rmdir empty && echo now-a-file > empty;"
      "setfattr -n user.tag -v v home/app");
  DiffCounts c = write_tree_diff(root_, before, upper_, with_original());
  std::map<std::string, std::string> want = {
      {"a", "dir"},
      {"a/b", "dir"},
      {"a/b/c", "dir"},
      {"a/b/c/d", "dir"},
      {"a/b/c/d/e", "file"},
      {"empty", "file"},
      {"etc", "dir"},
      {"etc/hosts", "file"},
      {"etc/motd", "file"},
      {"etc/new.conf", "file"},
      {"etc/passwd", "file"},
      {"etc/passwd.hard", "file"},
      {"etc/pw", "link -> motd"},
      {"fifo", "fifo"},
      {"home", "dir"},
      {"home/app", "dir"},
      {"home/app/notes", "file"},
      {"motd.link", "link -> /etc/motd"},
      {"srv", "dir"},
      {"srv/app", "opaque dir"},
      {"srv/app/data", "file"},
      {"usr", "dir"},
      {"usr/bin", "dir"},
      {"usr/bin/tool", "whiteout"},
      {"usr/share", "dir"},
      {"usr/share/doc", "whiteout"},
      {"var", "dir"},
      {"var/lib", "whiteout"},
      {"var/lib2", "dir"},
      {"var/lib2/db", "file"},
  };
  EXPECT_EQ(upper_kinds(upper_), want);
  EXPECT_EQ(c.deleted, 3u);
  EXPECT_EQ(c.opaque, 1u);
  struct stat a, b;
  ASSERT_EQ(::lstat((upper_ + "/etc/passwd").c_str(), &a), 0);
  ASSERT_EQ(::lstat((upper_ + "/etc/passwd.hard").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "a hardlink stays one in the upper";
  EXPECT_EQ(a.st_mode & 07777, 0600u);
  ASSERT_EQ(::lstat((upper_ + "/home/app/notes").c_str(), &a), 0);
  EXPECT_EQ(a.st_uid, 1000u);
  expect_round_trip();
}

TEST_F(TreeDiffTest, ParentsAreCopiedWithTheirAttributes) {
  // Set before the index: srv itself is unchanged by the "run", only passed through.
  in_root("chown 7:8 srv; chmod 0700 srv; touch -d '2020-02-02 UTC' srv");
  TreeIndex before = index_tree(root_);
  in_root("echo x > srv/app/keep");
  write_tree_diff(root_, before, upper_, with_original());
  EXPECT_EQ(upper_kinds(upper_), (std::map<std::string, std::string>{
                                     {"srv", "dir"}, {"srv/app", "dir"}, {"srv/app/keep", "file"}}));
  struct stat st;
  ASSERT_EQ(::lstat((upper_ + "/srv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, 7u);
  EXPECT_EQ(st.st_gid, 8u);
  struct stat was;
  ASSERT_EQ(::lstat((root_ + "/srv").c_str(), &was), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, was.st_mtim.tv_sec) << "the parent's times are set after its entries";
  expect_round_trip();
}

TEST_F(TreeDiffTest, AFilePutBackUnchangedIsNoChangeWhenTheOriginalIsKnown) {
  TreeIndex before = index_tree(root_);
  in_root("cp -p etc/motd etc/motd.tmp && mv etc/motd.tmp etc/motd");
  write_tree_diff(root_, before, upper_, with_original());
  EXPECT_EQ(upper_kinds(upper_), (std::map<std::string, std::string>{{"etc", "dir"}}))
      << "another inode, same attributes, same bytes: only /etc, whose entries changed, is in the upper";

  std::string upper2 = dir_.path() + "/upper2";
  fs::mkdir_p(upper2);
  write_tree_diff(root_, before, upper2, DiffOptions{});
  EXPECT_EQ(upper_kinds(upper2), (std::map<std::string, std::string>{{"etc", "dir"}, {"etc/motd", "file"}}))
      << "without the original, another inode is a change";
}

TEST_F(TreeDiffTest, SameSizeAndTimeButOtherBytesIsAChange) {
  TreeIndex before = index_tree(root_);
  in_root("printf 'HELLO\\n' > etc/motd.tmp && touch -r etc/motd etc/motd.tmp && mv etc/motd.tmp etc/motd");
  write_tree_diff(root_, before, upper_, with_original());
  EXPECT_EQ(fs::read_file(upper_ + "/etc/motd"), "HELLO\n");
  expect_round_trip();
}

TEST_F(TreeDiffTest, ExcludedPathsAreNeitherRecordedNorWhitedOut) {
  TreeIndex before = index_tree(root_, {"dev", "etc/hosts"});
  in_root("rm dev/null-ish && echo x > dev/new; rm etc/hosts; echo y > etc/hosts.bak");
  DiffOptions o = with_original();
  o.excluded = {"dev", "etc/hosts"};
  write_tree_diff(root_, before, upper_, o);
  EXPECT_EQ(upper_kinds(upper_), (std::map<std::string, std::string>{{"etc", "dir"}, {"etc/hosts.bak", "file"}}));
}

TEST_F(TreeDiffTest, RootlessMarkerIsTheUserXattr) {
  TreeIndex before = index_tree(root_);
  in_root("rm -r usr/share && mkdir usr/share");
  DiffOptions o = with_original();
  o.user_xattr = true;
  write_tree_diff(root_, before, upper_, o);
  char v[2];
  EXPECT_EQ(::getxattr((upper_ + "/usr/share").c_str(), "user.overlay.opaque", v, sizeof v), 1);
  EXPECT_LT(::getxattr((upper_ + "/usr/share").c_str(), "trusted.overlay.opaque", v, sizeof v), 0);
}

TEST_F(TreeDiffTest, UpperMustBeEmpty) {
  TreeIndex before = index_tree(root_);
  put(upper_ + "/stray", "x");
  EXPECT_EQ(test::error_of([&] { write_tree_diff(root_, before, upper_, DiffOptions{}); }),
            "writing the changes of " + root_ + " into " + upper_ + ": not an empty directory: " + upper_);
}

}  // namespace
}  // namespace hoist::builder
