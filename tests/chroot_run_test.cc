// run_with_chroot against run_sandboxed: each RUN script runs once over
// overlayfs and once in a materialised plain rootfs, on the same busybox
// base layer; both uppers are written as layers and their entries (names,
// types, modes, owners, content digests, link targets, xattrs; not mtimes,
// which two runs cannot share) must be the same. Where they cannot be, the
// difference is spelled out. Also: the cached layer is never written
// through the rootfs, a stage's next RUN reuses the kept rootfs, and the
// whole path works rootless.
#include "builder/chroot_run.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "builder/sandbox.h"
#include "builder/snapshot.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/layer_writer.h"
#include "layers/stream.h"
#include "oci/digest.h"
#include "oci/store.h"
#include "tests/busybox_layer.h"
#include "tests/layer_entries.h"
#include "tests/rootless_fixture.h"
#include "tests/tree_snapshot.h"

namespace hoist::builder {
namespace {

using Entries = std::map<std::string, std::string>;

// A layer's entries as "type mode uid:gid content-digest -> link xattrs".
Entries entries_of_upper(const std::string& upper) {
  layers::StringWriter out;
  layers::LayerOptions options;
  options.overlay_whiteouts = true;
  options.user_xattr = ::geteuid() != 0;
  layers::write_layer_from_dir(upper, out, options);
  Entries got;
  for (const auto& e : test::read_tar(out.out)) {
    std::string name = e.name;
    if (name.ends_with("/")) name.pop_back();
    char mode[8];
    std::snprintf(mode, sizeof mode, "%o", e.mode);
    std::string d = std::string(1, e.type) + " " + mode + " " + std::to_string(e.uid) + ":" + std::to_string(e.gid);
    if (e.type == 'f') d += " " + std::string(oci::Digest::of(e.content).hex().substr(0, 12));
    if (!e.link.empty()) d += " -> " + e.link;
    for (const auto& [k, v] : e.xattrs) d += " " + k + "=" + v;
    got[name] = d;
  }
  return got;
}

std::vector<std::string> names(const Entries& e) {
  std::vector<std::string> out;
  for (const auto& [k, v] : e) out.push_back(k);
  return out;
}

class ChrootRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { base_ = new test::BusyboxLayer(); }
  static void TearDownTestSuite() {
    delete base_;
    base_ = nullptr;
  }
  void SetUp() override { mounts_before_ = fs::read_file("/proc/self/mountinfo"); }
  void TearDown() override {
    EXPECT_EQ(fs::read_file("/proc/self/mountinfo"), mounts_before_) << "a mount was left behind";
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child process was left behind";
  }

  static SandboxSpec sh(const std::string& script, std::vector<std::string> lowers, const std::string& dir) {
    SandboxSpec s;
    s.layers = {std::move(lowers), dir + "/upper", dir + "/work"};
    s.rootfs = dir + "/rootfs";
    for (const auto& d : {s.layers.upper, s.layers.work, s.rootfs}) fs::mkdir_p(d);
    s.argv = {"/bin/sh", "-c", "set -e; " + script};
    s.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    return s;
  }

  struct Outcome {
    SandboxResult result;
    std::string output;
    Entries entries;
  };

  Outcome overlay(const std::string& script) {
    fs::TempDir dir{"", "hoist-overlay-"};
    SandboxSpec s = sh(script, {base_->lower}, dir.path());
    Outcome o;
    s.output = [&](std::string_view chunk) { o.output.append(chunk); };
    o.result = run_sandboxed(s);
    o.entries = entries_of_upper(s.layers.upper);
    return o;
  }

  Outcome chroot(const std::string& script, std::vector<std::string> lowers = {}, const std::string& scratch = "") {
    fs::TempDir dir{"", "hoist-chroot-run-"};
    if (lowers.empty()) lowers = {base_->lower};
    SandboxSpec s = sh(script, lowers, dir.path());
    Outcome o;
    s.output = [&](std::string_view chunk) { o.output.append(chunk); };
    o.result = run_with_chroot(s, scratch.empty() ? dir.path() + "/scratch" : scratch);
    o.entries = entries_of_upper(s.layers.upper);
    if (!adopt_to_.empty()) {
      // What the layer cache's adopt does with a RUN's upper: a rename.
      if (::rename(s.layers.upper.c_str(), adopt_to_.c_str()) != 0) throw_sys("rename", adopt_to_);
      adopt_to_.clear();
    }
    return o;
  }

  static inline test::BusyboxLayer* base_ = nullptr;
  std::string mounts_before_;
  std::string adopt_to_;
};

struct Case {
  const char* what;
  const char* script;
};

// The table the chroot path must match the overlay path on, entry for entry.
const Case kSameAsOverlay[] = {
    {"create files", "echo a > /a.txt; mkdir /d; echo b > /d/b.txt; echo c > /tmp/c"},
    {"modify a file in place", "echo root2:x:0:0::/:/bin/sh >> /etc/passwd"},
    {"chmod", "chmod 600 /etc/group; chmod 4711 /bin/busybox"},
    {"chown 1000", "busybox chown 1000 /etc/passwd; busybox chown 1000:1000 /root"},
    {"delete a file", "rm /usr/bin/suid-tool"},
    {"delete a directory and make it again with other content",
     "rm -r /home/app && mkdir /home/app && echo n > /home/app/new"},
    {"create a symlink", "ln -s /etc/motd /motd.link; ln -s ../bin/busybox /usr/bin/bb"},
    {"rename a directory", "mv /home/app /home/app2"},
    {"mkdir -p a deep path", "mkdir -p /a/b/c/d/e; busybox chown -R 1000 /a/b"},
    {"touch without changing the content", "busybox touch /etc/group"},
    {"hard link", "ln /etc/passwd /etc/passwd.link; echo x > /new; ln /new /new.link"},
    {"delete one name of a hardlinked file", "rm /etc/motd.hardlink"},
    {"replace a file by a directory and a directory by a file",
     "rm /etc/group && mkdir /etc/group && echo g > /etc/group/x; rm -r /var/empty && echo f > /var/empty"},
    {"write and delete again", "echo tmp > /tmp/t && rm /tmp/t; mkdir /gone && rmdir /gone"},
    {"nothing", "true"},
};

TEST_F(ChrootRunTest, ChangeSetsAreTheOverlaysEntryForEntry) {
  for (const Case& c : kSameAsOverlay) {
    SCOPED_TRACE(c.what);
    Outcome o = overlay(c.script);
    Outcome r = chroot(c.script);
    ASSERT_TRUE(o.result.ok()) << o.output;
    ASSERT_TRUE(r.result.ok()) << r.output;
    EXPECT_EQ(r.output, o.output);
    EXPECT_EQ(r.entries, o.entries) << c.script;
  }
}

TEST_F(ChrootRunTest, WritingOneNameOfAHardlinkedFileIsWhereTheyDiffer) {
  // /etc/motd and /etc/motd.hardlink are one inode in the base layer. An
  // overlay copies up only the name written to (it runs without `index`, so
  // the link is broken and motd.hardlink keeps the old bytes); the plain
  // rootfs has the one inode, so both names change and the layer holds the
  // new content once, with the other name as a hardlink. Both are valid
  // images; the chroot one is what a kernel without overlayfs (docker's vfs
  // driver) gives too.
  const char* script = "echo more >> /etc/motd";
  Outcome o = overlay(script);
  Outcome r = chroot(script);
  ASSERT_TRUE(o.result.ok() && r.result.ok()) << o.output << r.output;
  EXPECT_EQ(names(o.entries), (std::vector<std::string>{"etc", "etc/motd"}));
  EXPECT_EQ(names(r.entries), (std::vector<std::string>{"etc", "etc/motd", "etc/motd.hardlink"}));
  EXPECT_EQ(r.entries["etc/motd"], o.entries["etc/motd"]);
  EXPECT_EQ(r.entries["etc/motd.hardlink"], "h 644 0:0 -> etc/motd user.hoist.sample=yes");
}

TEST_F(ChrootRunTest, TheCachedLayerIsNeverWrittenThroughTheRootfs) {
  auto before = test::tree_snapshot(base_->lower, true);
  Outcome r = chroot(
      "echo more >> /etc/motd; echo x >> /etc/passwd; chmod 600 /etc/group; busybox chown 1000 /bin/busybox;"
      "busybox touch /usr/bin/suid-tool; echo in-place > /home/app/notes.txt");
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(test::tree_snapshot(base_->lower, true), before);
  EXPECT_EQ(r.entries.count("home/app/notes.txt"), 1u);
}

TEST_F(ChrootRunTest, AStagesNextRunReusesTheKeptRootfs) {
  fs::TempDir stage{"", "hoist-stage-"};
  std::string scratch = stage.path() + "/scratch";
  std::string cached = stage.path() + "/layer-1";
  adopt_to_ = cached;
  Outcome first = chroot("echo 1 > /step1", {}, scratch);
  ASSERT_TRUE(first.result.ok()) << first.output;
  struct stat a, b;
  ASSERT_EQ(::lstat((scratch + "/rootfs/bin/busybox").c_str(), &a), 0);

  Outcome second = chroot("cat /step1; echo 2 > /step2", {cached, base_->lower}, scratch);
  ASSERT_TRUE(second.result.ok()) << second.output;
  EXPECT_EQ(second.output, "1\n");
  EXPECT_EQ(names(second.entries), (std::vector<std::string>{"step2"}));
  ASSERT_EQ(::lstat((scratch + "/rootfs/bin/busybox").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "the rootfs was kept, not copied again";

  // The same scratch under other layers: made afresh, without the earlier steps' files.
  Outcome other = chroot("test -e /step1 || echo fresh", {}, scratch);
  ASSERT_TRUE(other.result.ok()) << other.output;
  EXPECT_EQ(other.output, "fresh\n");
  EXPECT_TRUE(other.entries.empty());
}

TEST_F(ChrootRunTest, AFailedRunStillLeavesItsChangesAndReportsItsStatus) {
  Outcome r = chroot("echo partial > /p; exit 4");
  EXPECT_EQ(r.result.exit_code, 4);
  EXPECT_EQ(names(r.entries), (std::vector<std::string>{"p"}));
}

TEST_F(ChrootRunTest, SigtermStopsTheRunAndIsReported) {
  fs::TempDir dir{"", "hoist-chroot-run-"};
  SandboxSpec s = sh("busybox touch /started; busybox sleep 1000", {base_->lower}, dir.path());
  std::atomic<bool> done = false;
  const std::string started = dir.path() + "/scratch/rootfs/started";
  std::thread killer([&] {
    // Waits for the command to be running: the file it creates shows in the kept rootfs.
    while (!done && !fs::exists(started)) ::usleep(10000);
    if (!done) ::kill(::getpid(), SIGTERM);
  });
  SandboxResult r;
  try {
    r = run_with_chroot(s, dir.path() + "/scratch");
  } catch (...) {
    done = true;
    killer.join();
    throw;
  }
  done = true;
  killer.join();
  EXPECT_EQ(r.interrupted, SIGTERM);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_FALSE(fs::exists(dir.path() + "/scratch/rootfs.stack")) << "the interrupted tree is not kept for reuse";
}

TEST_F(ChrootRunTest, AnErrorBeforeTheCommandIsHoistsOneLine) {
  fs::TempDir dir{"", "hoist-chroot-run-"};
  SandboxSpec s = sh("true", {base_->lower}, dir.path());
  s.user = "ghost";
  std::string error;
  try {
    run_with_chroot(s, dir.path() + "/scratch");
  } catch (const Error& e) {
    error = e.describe();
  }
  EXPECT_EQ(error, "unknown user ghost: no matching entry in /etc/passwd");
  EXPECT_TRUE(upper_is_empty(s.layers.upper));
}

using RootlessChrootRunTest = test::RootlessFixture;

TEST_F(RootlessChrootRunTest, LayerRecordsTheOwnersGivenInsideAndTheWhiteouts) {
  std::string dir = dir_.path();
  test::TestUser user = test::add_user(dir, test::kRangedUser, true);
  home_for(user);
  test::BaseLayer base = test::make_base(dir, false);
  std::string out = test::as_user(user, dir, [&] {
    std::string root = std::getenv("HOIST_ROOT");
    std::string step = root + "/step";
    SandboxSpec s;
    s.layers = {{test::unpack(base)}, step + "/upper", step + "/work"};
    fs::mkdir_p(s.layers.upper);
    s.argv = {"/bin/sh", "-c", R"(set -e; b=/bin/busybox
$b stat -c '%u:%g %n' /home/app/notes.txt /etc/motd
echo pid $$; echo hi > /dev/null; $b touch /sys/x 2>/dev/null || echo sys-ro
echo root > /by-root
echo app > /by-app && $b chown 1000:1000 /by-app
$b mkdir /app-dir && $b chown 1000:1000 /app-dir && echo in > /app-dir/f && $b chown 1000:1000 /app-dir/f
$b rm /etc/motd.hardlink
$b rm -r /var/empty
$b rm -r /home/app && $b mkdir /home/app && echo n > /home/app/new
)"};
    s.env = {"PATH=/bin:/usr/bin"};
    std::string output;
    s.output = [&](std::string_view chunk) { output.append(chunk); };
    SandboxResult r = run_with_chroot(s, step + "/scratch");
    if (!r.ok()) throw Error("RUN failed (exit " + std::to_string(r.exit_code) + "): " + output);
    oci::Store store(root);
    auto layer = snapshot_upper(s.layers.upper, store, layers::LayerOptions{});
    if (!layer) throw Error("the RUN left no layer");
    return store.blob_path(layer->digest) + "\n" + output;
  });
  std::string blob = out.substr(0, out.find('\n'));
  EXPECT_EQ(out.substr(out.find('\n') + 1), "1000:1000 /home/app/notes.txt\n0:0 /etc/motd\npid 1\nsys-ro\n");
  std::map<std::string, std::string> got;
  for (const auto& [name, e] : test::read_layer(blob))
    got[name] = std::string(1, e.type) + " " + std::to_string(e.uid) + ":" + std::to_string(e.gid);
  std::map<std::string, std::string> want = {
      {"app-dir", "d 1000:1000"},
      {"app-dir/f", "f 1000:1000"},
      {"by-app", "f 1000:1000"},
      {"by-root", "f 0:0"},
      {"etc", "d 0:0"},
      {"etc/.wh.motd.hardlink", "f 0:0"},
      {"home", "d 0:0"},
      {"home/app", "d 0:0"},
      {"home/app/.wh..wh..opq", "f 0:0"},
      {"home/app/new", "f 0:0"},
      {"var", "d 0:0"},
      {"var/.wh.empty", "f 0:0"},
  };
  EXPECT_EQ(got, want) << "the same entries as the overlay sandbox's rootless test";
}

}  // namespace
}  // namespace hoist::builder
