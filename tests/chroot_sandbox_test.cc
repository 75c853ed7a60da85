// run_chroot against the real kernel on a materialised busybox rootfs: the
// command isolated as the overlay sandbox isolates it where namespaces are
// allowed, and as a plain chroot where they are not (the test drops
// CAP_SYS_ADMIN in a child process, as an unprivileged CI container has
// none); output, exit status, USER, WORKDIR, errors, interrupts; the RUN's
// writes land in the tree, and whatever the run needed there is gone again
// afterwards, directory times included; nothing stays mounted or running.
#include "builder/chroot_sandbox.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "builder/mountpoints.h"
#include "builder/rootfs_materialize.h"
#include "common/error.h"
#include "common/fs.h"
#include "tests/busybox_layer.h"
#include "tests/child_process.h"
#include "tests/tree_snapshot.h"

namespace hoist::builder {
namespace {

struct RunOutcome {
  SandboxResult result;
  std::string output;
};

// Runs `fn` in a child process that has lost CAP_SYS_ADMIN (bounding,
// effective, permitted, inheritable): it may chroot and mknod but not make
// namespaces or mounts. Returns what fn returns; an error as "error: LINE".
std::string without_sys_admin(const std::function<std::string()>& fn) {
  return test::run_in_child([&] {
    std::string out;
    try {
      __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
      __user_cap_data_struct data[2];
      if (::prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) != 0 || ::syscall(SYS_capget, &hdr, data) != 0)
        throw std::runtime_error("cannot read capabilities");
      uint32_t bit = 1u << CAP_SYS_ADMIN;
      data[0].effective &= ~bit;
      data[0].permitted &= ~bit;
      data[0].inheritable &= ~bit;
      if (::syscall(SYS_capset, &hdr, data) != 0) throw std::runtime_error("cannot drop CAP_SYS_ADMIN");
      out = fn();
    } catch (const Error& e) {
      out = "error: " + e.describe();
    } catch (const std::exception& e) {
      out = std::string("error: ") + e.what();
    }
    return out;
  });
}

class ChrootSandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { base_ = new test::BusyboxLayer(); }
  static void TearDownTestSuite() {
    delete base_;
    base_ = nullptr;
  }

  void SetUp() override {
    mounts_before_ = fs::read_file("/proc/self/mountinfo");
    fs::mkdir_p(rootfs());
    materialize_rootfs({base_->lower}, rootfs());
  }

  void TearDown() override {
    EXPECT_EQ(fs::read_file("/proc/self/mountinfo"), mounts_before_) << "a mount was left behind";
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child process was left behind";
    EXPECT_EQ(errno, ECHILD);
  }

  std::string rootfs() const { return dir_.path() + "/rootfs"; }

  static SandboxSpec sh(const std::string& script) {
    SandboxSpec s;
    s.argv = {"/bin/sh", "-c", script};
    s.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    return s;
  }
  RunOutcome run(SandboxSpec s) const {
    RunOutcome r;
    s.output = [&](std::string_view chunk) { r.output.append(chunk); };
    r.result = run_chroot(s, rootfs());
    return r;
  }
  std::string error_of(const SandboxSpec& s) const {
    try {
      run(s);
    } catch (const Error& e) {
      return e.describe();
    }
    return "no error";
  }
  // "exit N: OUTPUT", for runs made in another process.
  std::string summary(const SandboxSpec& s) const {
    RunOutcome r = run(s);
    return "exit " + std::to_string(r.result.exit_code) + ": " + r.output;
  }
  struct timespec mtime(const std::string& rel) const {
    struct stat st;
    if (::lstat((rootfs() + rel).c_str(), &st) != 0) throw_sys("lstat", rootfs() + rel);
    return st.st_mtim;
  }

  static inline test::BusyboxLayer* base_ = nullptr;
  fs::TempDir dir_{"", "hoist-chroot-"};
  std::string mounts_before_;
};

bool same(const struct timespec& a, const struct timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

TEST_F(ChrootSandboxTest, ExitStatusAndOutputAreReported) {
  auto r = run(sh("echo out; echo err >&2; exit 3"));
  EXPECT_EQ(r.result.exit_code, 3);
  EXPECT_EQ(r.result.signal, 0);
  EXPECT_EQ(r.output, "out\nerr\n");
}

TEST_F(ChrootSandboxTest, CommandIsPid1WithTheSandboxesDevProcAndEtc) {
  auto s = sh("echo $$; cat /proc/sys/kernel/hostname; echo /proc/[0-9]*; ls /dev; echo hi > /dev/null;"
              "cat /etc/hostname; cat /etc/hosts; busybox touch /sys/x 2>/dev/null || echo sys-ro");
  s.hostname = "builder-7";
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "1\nbuilder-7\n/proc/1\nfd\nfull\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\n"
                      "urandom\nzero\nbuilder-7\n" +
                          hosts_file("builder-7") + "sys-ro\n");
}

TEST_F(ChrootSandboxTest, TheTreeIsLeftAsTheRunAloneMadeIt) {
  auto before = test::tree_snapshot(rootfs(), true);
  struct timespec root_time = mtime(""), etc_time = mtime("/etc");
  auto r = run(sh("true"));
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(test::tree_snapshot(rootfs(), true), before) << "no /dev, /proc, /sys or /etc files left";
  EXPECT_TRUE(same(mtime(""), root_time)) << "the root's mtime is put back";
  EXPECT_TRUE(same(mtime("/etc"), etc_time)) << "/etc's mtime is put back";

  r = run(sh("echo x > /etc/app.conf; echo y > /new"));
  ASSERT_TRUE(r.result.ok()) << r.output;
  auto after = test::tree_snapshot(rootfs(), true);
  EXPECT_EQ(after.count("/etc/app.conf"), 1u);
  EXPECT_EQ(after.count("/new"), 1u);
  EXPECT_EQ(after.count("/etc/hosts") + after.count("/dev") + after.count("/proc"), 0u);
  EXPECT_FALSE(same(mtime("/etc"), etc_time)) << "the run changed /etc: its time stays the run's";
}

TEST_F(ChrootSandboxTest, ExecFormRunsWithExactlyTheGivenEnvironment) {
  SandboxSpec s;
  s.argv = {"env"};
  s.env = {"PATH=/bin", "A=1"};
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "PATH=/bin\nA=1\n");
}

TEST_F(ChrootSandboxTest, UserAndWorkdirAsInTheOverlaySandbox) {
  auto s = sh("pwd; busybox id; busybox touch mine 2>/dev/null || echo not-writable");
  s.workdir = "/srv/app";
  s.user = "app";
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "/srv/app\nuid=1000(app) gid=1000(app) groups=1000(app)\nnot-writable\n");
  struct stat st;
  ASSERT_EQ(::lstat((rootfs() + "/srv/app").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_uid, 0u);
}

TEST_F(ChrootSandboxTest, NetworkNoneHasOnlyLoopbackAndItIsUp) {
  auto s = sh("busybox tail -n +3 /proc/net/dev | busybox cut -d: -f1 | busybox tr -d ' ';"
              "cat /sys/class/net/lo/flags");
  s.network = NetworkMode::None;
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "lo\n0x9\n");
}

TEST_F(ChrootSandboxTest, RunMountsAreThereForTheRunOnly) {
  fs::TempDir cache{"", "hoist-cache-"};
  SandboxMount m;
  m.source = cache.path();
  m.target = "/var/cache/new/deep";
  auto s = sh("echo cached > /var/cache/new/deep/x; ls /var");
  s.mounts = {m};
  auto before = test::tree_snapshot(rootfs(), true);
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "cache\nempty\n");
  EXPECT_EQ(fs::read_file(cache.path() + "/x"), "cached\n");
  EXPECT_EQ(test::tree_snapshot(rootfs(), true), before)
      << "the mount point and the directories made for it are gone; /var, an image directory, stays";
}

TEST_F(ChrootSandboxTest, BackgroundProcessesEndWithTheRun) {
  auto r = run(sh("busybox sleep 1000 & echo started"));
  EXPECT_TRUE(r.result.ok());
  EXPECT_EQ(r.output, "started\n");
}

TEST_F(ChrootSandboxTest, ErrorsAreOneLineAndLeaveTheTreeClean) {
  auto before = test::tree_snapshot(rootfs(), true);
  auto s = sh("true");
  s.user = "ghost";
  EXPECT_EQ(error_of(s), "unknown user ghost: no matching entry in /etc/passwd");
  SandboxSpec missing;
  missing.argv = {"/bin/nope"};
  EXPECT_EQ(error_of(missing), "exec /bin/nope: No such file or directory");
  EXPECT_EQ(test::tree_snapshot(rootfs(), true), before);
}

TEST_F(ChrootSandboxTest, SigtermToHoistKillsTheRun) {
  std::atomic<bool> done = false;
  const std::string started = rootfs() + "/started";
  std::thread killer([&] {
    // Waits for the command to be running: the file it creates shows in the tree.
    while (!done && !fs::exists(started)) ::usleep(10000);
    if (!done) ::kill(::getpid(), SIGTERM);
  });
  SandboxResult r;
  try {
    r = run(sh("busybox touch /started; busybox sleep 1000; echo not reached")).result;
  } catch (...) {
    done = true;
    killer.join();
    throw;
  }
  done = true;
  killer.join();
  EXPECT_EQ(r.interrupted, SIGTERM);
  EXPECT_EQ(r.signal, SIGKILL);
}

TEST_F(ChrootSandboxTest, WithoutNamespacesItFallsBackToAPlainChroot) {
  auto before = test::tree_snapshot(rootfs(), true);
  struct timespec root_time = mtime("");
  auto s = sh("test $$ != 1 && echo not-pid-1; cat /etc/hostname; cat /etc/hosts;"
              "echo hi > /dev/null && busybox head -c 3 /dev/zero | busybox wc -c;"
              "test -e /proc/self || echo no-proc; busybox sleep 1000 & echo /new-file > /new; echo bg-started");
  s.hostname = "plain";
  EXPECT_EQ(without_sys_admin([&] { return summary(s); }),
            "exit 0: not-pid-1\nplain\n" + hosts_file("plain") + "3\nno-proc\nbg-started\n");
  auto after = test::tree_snapshot(rootfs(), true);
  EXPECT_EQ(after.count("/new"), 1u);
  after.erase("/new");
  EXPECT_EQ(after, before) << "the device nodes and /etc files made for the run are gone";
  EXPECT_FALSE(same(mtime(""), root_time)) << "the run made /new in the root";
}

TEST_F(ChrootSandboxTest, PlainChrootRefusesWhatItCannotIsolate) {
  auto s = sh("true");
  s.network = NetworkMode::None;
  std::string out = without_sys_admin([&] { return summary(s); });
  EXPECT_EQ(out, "error: --network none needs a network namespace, which this system does not allow "
                 "(unshare: Operation not permitted)");
  s = sh("true");
  s.mounts = {SandboxMount{SandboxMount::Kind::Tmpfs, "", "/tmp/x", false, std::nullopt, std::nullopt}};
  out = without_sys_admin([&] { return summary(s); });
  EXPECT_EQ(out, "error: RUN --mount needs a mount namespace, which this system does not allow "
                 "(unshare: Operation not permitted)");
}

}  // namespace
}  // namespace hoist::builder
