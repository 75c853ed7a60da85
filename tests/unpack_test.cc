#include "layers/unpack.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "layers/confined_path.h"
#include "tests/unpack_test_support.h"

namespace {

using hoist::Error;
using hoist::layers::UnpackOptions;
using hoist::layers::WhiteoutMode;
using namespace hoist::test;

bool is_root() { return ::geteuid() == 0; }

std::string xattr_of(const std::string& path, const std::string& key) {
  char buf[256];
  ssize_t n = ::lgetxattr(path.c_str(), key.c_str(), buf, sizeof buf);
  return n < 0 ? std::string("<none>") : std::string(buf, static_cast<size_t>(n));
}

// dest is tmp/root; anything that appears in tmp/ beside it is an escape.
// Every test runs twice: with openat2 resolution and with the userspace walk.
class Unpack : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    hoist::layers::use_kernel_resolution(GetParam());
    root = tmp.path() + "/root";
    hoist::fs::mkdir_p(root);
    hoist::fs::mkdir_p(tmp.path() + "/outside");
    write_file(tmp.path() + "/outside/secret", "secret", 0640);
    outside_before = snapshot_tree(tmp.path(), {root});
    host_passwd = snapshot_path("/etc/passwd");
  }
  void TearDown() override {
    hoist::layers::use_kernel_resolution(true);
    EXPECT_EQ(snapshot_tree(tmp.path(), {root}), outside_before) << "something changed outside the root";
    EXPECT_EQ(snapshot_path("/etc/passwd"), host_passwd);
  }
  std::string p(const std::string& rel) const { return root + "/" + rel; }
  std::string read(const std::string& rel) const { return hoist::fs::read_file(p(rel)); }
  mode_t mode(const std::string& rel) const { return lstat_path(p(rel))->st_mode; }

  hoist::fs::TempDir tmp;
  std::string root;
  std::map<std::string, std::string> outside_before;
  std::string host_passwd;
};

TEST_P(Unpack, CreatesFilesDirectoriesSymlinksAndHardlinks) {
  auto stats = unpack(make_tar({tar_dir("etc/", 0755), tar_file("etc/hosts", "127.0.0.1 localhost\n"),
                                tar_hardlink("etc/hosts", "etc/hosts.allow"), tar_symlink("../etc/hosts", "etc/link"),
                                tar_symlink("/does/not/exist", "dangling"), tar_file("a/b/c.txt", "deep", 0600)}),
                      root);
  EXPECT_EQ(stats.entries, 6u);
  EXPECT_EQ(stats.bytes, 24u);
  EXPECT_EQ(read("etc/hosts"), "127.0.0.1 localhost\n");
  EXPECT_EQ(lstat_path(p("etc/hosts"))->st_ino, lstat_path(p("etc/hosts.allow"))->st_ino);
  EXPECT_EQ(read_link(p("etc/link")), "../etc/hosts");
  EXPECT_EQ(read_link(p("dangling")), "/does/not/exist");
  EXPECT_EQ(read("a/b/c.txt"), "deep");
  EXPECT_EQ(mode("a/b/c.txt") & 07777, 0600u);
  EXPECT_TRUE(S_ISDIR(mode("a")));
}

TEST_P(Unpack, AppliesModesIncludingSetuidSetgidAndStickyAfterOwner) {
  auto suid = tar_file("bin/su", "x", 04755);
  suid.uid = 1000;
  suid.gid = 1000;
  auto sgid = tar_dir("srv/", 02775);
  sgid.gid = 50;
  auto tmpdir = tar_dir("tmp/", 01777);
  auto ro = tar_file("ro", "r", 0400);
  unpack(make_tar({suid, sgid, tmpdir, ro}), root);
  EXPECT_EQ(mode("bin/su") & 07777, 04755u);
  EXPECT_EQ(mode("srv") & 07777, 02775u);
  EXPECT_EQ(mode("tmp") & 07777, 01777u);
  EXPECT_EQ(mode("ro") & 07777, 0400u);
  if (is_root()) {
    EXPECT_EQ(lstat_path(p("bin/su"))->st_uid, 1000u);
    EXPECT_EQ(lstat_path(p("srv"))->st_gid, 50u);
  }
}

TEST_P(Unpack, KeepsOwnerOfTheUnpackerWhenPreserveOwnerIsOff) {
  auto f = tar_file("f", "x");
  f.uid = 4242;
  f.gid = 4343;
  UnpackOptions options;
  EXPECT_EQ(options.preserve_owner, is_root());
  options.preserve_owner = false;
  unpack(make_tar({f}), root, options);
  EXPECT_EQ(lstat_path(p("f"))->st_uid, ::geteuid());
}

TEST_P(Unpack, SetsMtimesAndDirectoryMtimesAfterTheirChildren) {
  auto d = tar_dir("d/");
  d.mtime = 1000000000;
  auto f = tar_file("d/f", "x");
  f.mtime = 1200000000;
  f.mtime_nsec = 5000;
  auto l = tar_symlink("f", "d/l");
  l.mtime = 1300000000;
  unpack(make_tar({d, f, l}), root);
  EXPECT_EQ(lstat_path(p("d"))->st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(lstat_path(p("d/f"))->st_mtim.tv_sec, 1200000000);
  EXPECT_EQ(lstat_path(p("d/f"))->st_mtim.tv_nsec, 5000);
  EXPECT_EQ(lstat_path(p("d/l"))->st_mtim.tv_sec, 1300000000);
}

TEST_P(Unpack, SetsExtendedAttributes) {
  auto f = tar_file("f", "x");
  f.xattrs = {{"user.note", "hello"}};
  auto d = tar_dir("d/");
  d.xattrs = {{"user.dir", std::string("a\0b", 3)}};
  std::vector<TarEntry> entries = {f, d};
  if (is_root()) {
    auto l = tar_symlink("f", "l");
    l.xattrs = {{"trusted.link", "on-the-link"}};
    entries.push_back(l);
  }
  unpack(make_tar(entries), root);
  EXPECT_EQ(xattr_of(p("f"), "user.note"), "hello");
  EXPECT_EQ(xattr_of(p("d"), "user.dir"), std::string("a\0b", 3));
  if (is_root()) {
    EXPECT_EQ(xattr_of(p("l"), "trusted.link"), "on-the-link");
    EXPECT_EQ(xattr_of(p("f"), "trusted.link"), "<none>");
  }
}

TEST_P(Unpack, CreatesDeviceNodesAndFifos) {
  auto fifo = tar_file("run/fifo", "", 0620);
  fifo.type = '6';
  std::vector<TarEntry> entries = {fifo};
  if (is_root()) {
    auto null = tar_file("dev/null", "", 0666);
    null.type = '3';
    null.devmajor = 1;
    null.devminor = 3;
    entries.push_back(null);
  }
  unpack(make_tar(entries), root);
  EXPECT_TRUE(S_ISFIFO(mode("run/fifo")));
  EXPECT_EQ(mode("run/fifo") & 07777, 0620u);
  if (is_root()) {
    auto st = lstat_path(p("dev/null"));
    EXPECT_TRUE(S_ISCHR(st->st_mode));
    EXPECT_EQ(st->st_rdev, makedev(1, 3));
  }
}

TEST_P(Unpack, RejectsDeviceNumbersOutOfRange) {
  auto blk = tar_file("dev/sda", "");
  blk.type = '4';
  blk.devmajor = 4294967296LL;
  try {
    unpack(make_tar({blk}), root);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("invalid archive"), std::string::npos) << e.describe();
    EXPECT_NE(e.describe().find("dev/sda"), std::string::npos) << e.describe();
  }
  EXPECT_FALSE(lstat_path(p("dev")));
}

TEST_P(Unpack, DirectoryOverDirectoryKeepsChildrenAndTakesNewAttributes) {
  unpack(make_tar({tar_dir("d/", 0755), tar_file("d/old", "old")}), root);
  unpack(make_tar({tar_dir("d/", 0700), tar_file("d/new", "new")}), root);
  EXPECT_EQ(read("d/old"), "old");
  EXPECT_EQ(read("d/new"), "new");
  EXPECT_EQ(mode("d") & 07777, 0700u);
}

TEST_P(Unpack, ReplacesOtherEntriesAndNeverWritesThroughASymlink) {
  hoist::fs::mkdir_p(p("dir/sub"));
  write_file(p("dir/sub/x"), "x");
  ASSERT_EQ(::symlink((tmp.path() + "/outside/secret").c_str(), p("link").c_str()), 0);
  ASSERT_EQ(::symlink((tmp.path() + "/outside").c_str(), p("linkdir").c_str()), 0);
  unpack(make_tar({tar_file("dir", "now a file"), tar_file("link", "replaced"), tar_dir("linkdir/"),
                   tar_file("linkdir/inside", "in")}),
         root);
  EXPECT_EQ(read("dir"), "now a file");
  EXPECT_TRUE(S_ISREG(mode("link")));
  EXPECT_EQ(read("link"), "replaced");
  EXPECT_TRUE(S_ISDIR(mode("linkdir")));
  EXPECT_EQ(read("linkdir/inside"), "in");
}

TEST_P(Unpack, ImpliedDirectoriesAre0755WhateverTheUmask) {
  mode_t old = ::umask(077);
  unpack(make_tar({tar_file("deeply/nested/file", "x", 0666), tar_dir("explicit/", 0777)}), root);
  ::umask(old);
  EXPECT_EQ(mode("deeply") & 07777, 0755u);
  EXPECT_EQ(mode("deeply/nested") & 07777, 0755u);
  EXPECT_EQ(mode("deeply/nested/file") & 07777, 0666u);
  EXPECT_EQ(mode("explicit") & 07777, 0777u);
  if (is_root()) {
    EXPECT_EQ(lstat_path(p("deeply"))->st_uid, 0u);
  }
}

TEST_P(Unpack, FillsDirectoriesWhoseModeForbidsWriting) {
  unpack(make_tar({tar_dir("ro/", 0500), tar_dir("ro/inner/", 0000), tar_file("ro/inner/f", "x")}), root);
  EXPECT_EQ(mode("ro") & 07777, 0500u);
  EXPECT_EQ(mode("ro/inner") & 07777, 0000u);
  ::chmod(p("ro/inner").c_str(), 0700);
  EXPECT_EQ(read("ro/inner/f"), "x");
}

TEST_P(Unpack, SkipsEntriesNamingTheRoot) {
  ::chmod(root.c_str(), 0711);
  unpack(make_tar({tar_dir("./", 0777), tar_dir("/", 0777), tar_file("./a", "a")}), root);
  EXPECT_EQ(lstat_path(root)->st_mode & 07777, 0711u);
  EXPECT_EQ(read("a"), "a");
}

TEST_P(Unpack, KeepsNonAsciiNames) {
  std::string long_name;  // past ustar's 100 bytes: stored as a pax UTF-8 record
  for (int i = 0; i < 60; ++i) long_name += "\xc3\xa9";
  unpack(make_tar({tar_file("caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt", "x"), tar_file(long_name, "y"),
                   tar_symlink(long_name, "to-long")}),
         root);
  EXPECT_EQ(read("caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt"), "x");
  EXPECT_EQ(read(long_name), "y");
  EXPECT_EQ(read_link(p("to-long")), long_name);
}

TEST_P(Unpack, EmptyStreamHasNoEntries) {
  EXPECT_EQ(unpack("", root).entries, 0u);
  EXPECT_EQ(unpack(std::string(1024, '\0'), root).entries, 0u);
}

TEST_P(Unpack, PropagatesReaderErrorsAndRejectsGarbage) {
  struct Failing : hoist::layers::Reader {
    size_t read(void*, size_t) override { throw Error("network went away"); }
  } failing;
  try {
    hoist::layers::unpack_tar(failing, root);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("network went away"), std::string::npos) << e.describe();
  }
  EXPECT_THROW(unpack(std::string(4096, 'x'), root), Error);
  std::string truncated = make_tar({tar_file("big", std::string(10000, 'b'))}).substr(0, 2048);
  EXPECT_THROW(unpack(truncated, root), Error);
}

TEST_P(Unpack, ClampsDotDotNamesInsideTheRoot) {
  unpack(make_tar({tar_file("../escape", "1"), tar_file("/../../abs-escape", "2"), tar_file("a/../../b", "3")}),
         root);
  EXPECT_EQ(read("escape"), "1");
  EXPECT_EQ(read("abs-escape"), "2");
  EXPECT_EQ(read("b"), "3");
}

TEST_P(Unpack, ResolvesAbsoluteSymlinksInsideTheRoot) {
  unpack(make_tar({tar_dir("etc/"), tar_symlink("/etc", "localetc"), tar_file("localetc/passwd", "inside")}), root);
  EXPECT_EQ(read("etc/passwd"), "inside");
  EXPECT_EQ(read_link(p("localetc")), "/etc");
}

TEST_P(Unpack, ResolvesEscapingRelativeSymlinksInsideTheRoot) {
  unpack(make_tar({tar_symlink("../../../outside", "up"), tar_file("up/secret", "mine")}), root);
  EXPECT_EQ(read("outside/secret"), "mine");
}

TEST_P(Unpack, ResolvesHardlinkTargetsInsideTheRoot) {
  write_file(p("passwd-in-root"), "root's own");
  EXPECT_THROW(unpack(make_tar({tar_hardlink("../../etc/passwd", "stolen")}), root), Error);
  EXPECT_FALSE(lstat_path(p("stolen")));
  EXPECT_THROW(unpack(make_tar({tar_hardlink("../outside/secret", "stolen")}), root), Error);
  unpack(make_tar({tar_symlink("/", "toroot"), tar_hardlink("toroot/passwd-in-root", "mine")}), root);
  EXPECT_EQ(lstat_path(p("mine"))->st_ino, lstat_path(p("passwd-in-root"))->st_ino);
}

TEST_P(Unpack, RejectsHardlinksToDirectoriesAndTheRoot) {
  EXPECT_THROW(unpack(make_tar({tar_dir("d/"), tar_hardlink("d", "l")}), root), Error);
  EXPECT_THROW(unpack(make_tar({tar_hardlink("/", "l2")}), root), Error);
}

// The four cases containerd's TestBreakouts appends outside the table on
// non-Darwin systems (so they are not in tar_test_tables.json).
TEST_P(Unpack, HardlinkToSymlinkBeforeItsTargetExists) {
  unpack(make_tar({tar_dir("etc/", 0770), tar_symlink("/etc/passwd", "localpasswd"),
                   tar_hardlink("localpasswd", "localpasswd-dup"), tar_file("/etc/passwd", "after")}),
         root);
  // The link is to the symlink itself, whose target is not touched; read
  // through the root it is the layer's /etc/passwd.
  EXPECT_EQ(lstat_path(p("localpasswd-dup"))->st_ino, lstat_path(p("localpasswd"))->st_ino);
  EXPECT_EQ(read_link(p("localpasswd-dup")), "/etc/passwd");
  EXPECT_EQ(read("etc/passwd"), "after");
}

TEST_P(Unpack, HardlinkToEscapingSymlinksLinksTheSymlinkItself) {
  unpack(make_tar({tar_dir("etc/", 0770), tar_file("/etc/passwd", "inside"),
                   tar_symlink("../../../../../etc/passwd", "passwdlink"), tar_hardlink("/passwdlink", "localpasswd"),
                   tar_symlink("/etc/passwd", "abslink"), tar_hardlink("/abslink", "abspasswd")}),
         root);
  EXPECT_EQ(read_link(p("localpasswd")), "../../../../../etc/passwd");
  EXPECT_EQ(read_link(p("abspasswd")), "/etc/passwd");
}

TEST_P(Unpack, HardlinkToSymlinkNeverChmodsWhatItPointsTo) {
  std::string perm400 = tmp.path() + "/outside/perm400";
  std::string ep = tmp.path() + "/outside/also-exists-outside-root";
  write_file(perm400, "...", 0400);
  write_file(ep, "...", 0640);
  outside_before = snapshot_tree(tmp.path(), {root});
  auto link = tar_hardlink(ep, "sketchylink");
  link.mode = 0777;
  unpack(make_tar({tar_symlink(perm400, ep), link}), root);
  EXPECT_EQ(lstat_path(perm400)->st_mode & 07777, 0400u);
  EXPECT_TRUE(S_ISLNK(mode("sketchylink")));
}

TEST_P(Unpack, WhiteoutsHideLowerFilesButNotTheSameLayers) {
  unpack(make_tar({tar_file("a", "lower"), tar_dir("d/"), tar_file("d/x", "lower"), tar_file("keep", "k")}), root);
  unpack(make_tar({tar_file("new", "upper"), tar_file(".wh.new", ""), tar_file(".wh.a", ""), tar_file("d/.wh.x", ""),
                   tar_file(".wh.missing", ""), tar_file("gone/.wh.parent-missing", "")}),
         root);
  EXPECT_FALSE(lstat_path(p("a")));
  EXPECT_FALSE(lstat_path(p("d/x")));
  EXPECT_EQ(read("new"), "upper");
  EXPECT_EQ(read("keep"), "k");
  EXPECT_FALSE(lstat_path(p(".wh.new")));
  EXPECT_FALSE(lstat_path(p("gone")));
}

TEST_P(Unpack, OpaqueMarkerAppliesFirstWhereverItIsInTheTar) {
  unpack(make_tar({tar_dir("d/"), tar_file("d/lower", "l"), tar_dir("d/sub/"), tar_file("d/sub/lower", "l"),
                   tar_file("other", "o")}),
         root);
  unpack(make_tar({tar_dir("d/"), tar_file("d/upper", "u"), tar_dir("d/sub/"), tar_file("d/sub/upper", "u"),
                   tar_file("d/.wh..wh..opq", "")}),
         root);
  EXPECT_EQ(read("d/upper"), "u");
  EXPECT_EQ(read("d/sub/upper"), "u");
  EXPECT_FALSE(lstat_path(p("d/lower")));
  EXPECT_FALSE(lstat_path(p("d/sub/lower")));
  EXPECT_FALSE(lstat_path(p("d/.wh..wh..opq")));
  EXPECT_EQ(read("other"), "o");
}

TEST_P(Unpack, WhiteoutOfADirectoryAfterItsNewChildrenKeepsThem) {
  unpack(make_tar({tar_dir("d/"), tar_file("d/lower", "l")}), root);
  unpack(make_tar({tar_file("d/upper", "u"), tar_file(".wh.d", "")}), root);
  EXPECT_EQ(read("d/upper"), "u");
  EXPECT_FALSE(lstat_path(p("d/lower")));
}

TEST_P(Unpack, RejectsInvalidWhiteoutNames) {
  write_file(p("f"), "f");
  for (const char* name : {".wh.", ".wh..", ".wh...", "etc/.wh..", "etc/.wh..."}) {
    EXPECT_THROW(unpack(make_tar({tar_file(name, "")}), root), Error) << name;
  }
  EXPECT_EQ(read("f"), "f");
}

TEST_P(Unpack, WhiteoutThroughASymlinkStaysInsideTheRoot) {
  write_file(tmp.path() + "/outside/victim", "v");
  outside_before = snapshot_tree(tmp.path(), {root});
  ASSERT_EQ(::symlink((tmp.path() + "/outside").c_str(), p("out").c_str()), 0);
  unpack(make_tar({tar_file("out/.wh.victim", ""), tar_file("out/.wh..wh..opq", "")}), root);
  EXPECT_TRUE(lstat_path(tmp.path() + "/outside/victim"));
}

// Unprivileged, overlay whiteouts work too (the kernel allows 0/0 character
// devices to anyone since 5.8) with user.* xattrs, as rootless overlay uses.
UnpackOptions overlay_options() {
  UnpackOptions options;
  options.whiteouts = WhiteoutMode::Overlay;
  options.user_xattr = !is_root();
  return options;
}
std::string opaque_key() { return is_root() ? "trusted.overlay.opaque" : "user.overlay.opaque"; }

TEST_P(Unpack, OverlayModeWritesOverlayWhiteouts) {
  UnpackOptions options = overlay_options();
  unpack(make_tar({tar_file(".wh.gone", ""), tar_dir("d/"), tar_file("d/.wh..wh..opq", ""), tar_file("d/f", "f"),
                   tar_file("x/.wh.y", ""), tar_file("same", "s"), tar_file(".wh.same", "")}),
         root, options);
  auto st = lstat_path(p("gone"));
  ASSERT_TRUE(st);
  EXPECT_TRUE(S_ISCHR(st->st_mode));
  EXPECT_EQ(st->st_rdev, makedev(0, 0));
  EXPECT_TRUE(S_ISCHR(mode("x/y")));
  EXPECT_EQ(xattr_of(p("d"), opaque_key()), "y");
  EXPECT_EQ(read("same"), "s");
  for (const char* wh : {".wh.gone", "d/.wh..wh..opq", "x/.wh.y", ".wh.same"}) EXPECT_FALSE(lstat_path(p(wh))) << wh;
}

TEST_P(Unpack, OverlayModeUsesUserXattrsWhenAsked) {
  UnpackOptions options;
  options.whiteouts = WhiteoutMode::Overlay;
  options.user_xattr = true;
  unpack(make_tar({tar_dir("d/"), tar_file("d/.wh..wh..opq", "")}), root, options);
  EXPECT_EQ(xattr_of(p("d"), "user.overlay.opaque"), "y");
  EXPECT_EQ(xattr_of(p("d"), "trusted.overlay.opaque"), "<none>");
}

TEST_P(Unpack, OverlayModeMakesADirectoryOpaqueWhenItReplacesAWhiteout) {
  unpack(make_tar({tar_file(".wh.d", ""), tar_dir("d/"), tar_file("d/f", "f"), tar_dir("e/"), tar_file(".wh.e", "")}),
         root, overlay_options());
  EXPECT_TRUE(S_ISDIR(mode("d")));
  EXPECT_EQ(xattr_of(p("d"), opaque_key()), "y");
  EXPECT_TRUE(S_ISDIR(mode("e")));
  EXPECT_EQ(xattr_of(p("e"), opaque_key()), "y");
}

TEST_P(Unpack, NamesTheEntryAtFault) {
  try {
    unpack(make_tar({tar_file("ok", "x"), tar_hardlink("nowhere/to/be/found", "bad-link")}), root);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("bad-link"), std::string::npos) << e.describe();
    EXPECT_NE(e.describe().find("nowhere/to/be/found"), std::string::npos) << e.describe();
  }
}

INSTANTIATE_TEST_SUITE_P(UnpackResolution, Unpack, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Openat2" : "UserspaceWalk"; });

}  // namespace
