// run_sandboxed against the real kernel (root, namespaces, overlayfs) on the
// busybox base layer: exit status, namespaces, /dev /proc /sys /etc, USER,
// WORKDIR, the exact environment, one-line errors, interrupts, and that
// nothing is left mounted, running, or in the upper directory.
#include "builder/sandbox.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <sstream>
#include <thread>

#include "builder/mountpoints.h"
#include "builder/snapshot.h"
#include "common/error.h"
#include "common/fs.h"
#include "oci/digest.h"
#include "tests/sandbox_fixture.h"
#include "tests/unpack_test_support.h"

namespace hoist::builder {
namespace {

using test::SandboxFixture;
using SandboxTest = SandboxFixture;

std::set<std::string> lines(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.insert(l);
  return out;
}

std::set<std::string> dir_names(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) throw_sys("opendir", dir);
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.insert(n);
  }
  ::closedir(d);
  return out;
}

TEST_F(SandboxTest, ExitStatusIsPropagated) {
  auto r = run(sh("echo out; echo err >&2; exit 3"));
  EXPECT_EQ(r.result.exit_code, 3);
  EXPECT_EQ(r.result.signal, 0);
  EXPECT_FALSE(r.result.ok());
  EXPECT_EQ(r.output, "out\nerr\n");
  EXPECT_TRUE(upper_is_empty(upper()));
}

TEST_F(SandboxTest, WithoutACallbackOutputGoesToHoistsOwnStdout) {
  testing::internal::CaptureStdout();
  SandboxResult r = run_sandboxed(sh("echo to-stdout"));
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "to-stdout\n");
  EXPECT_TRUE(r.ok());
}

TEST_F(SandboxTest, CommandIsPid1OfItsOwnNamespaces) {
  // The shell expands the glob itself, before forking anything: it sees only itself.
  auto s = sh("echo $$; cat /proc/sys/kernel/hostname; echo /proc/[0-9]*");
  s.hostname = "builder-7";
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "1\nbuilder-7\n/proc/1\n");
}

TEST_F(SandboxTest, ExecFormRunsWithExactlyTheGivenEnvironment) {
  auto s = spec({"env"});
  s.env = {"PATH=/bin", "A=1", "B=two words"};
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(lines(r.output), (std::set<std::string>{"PATH=/bin", "A=1", "B=two words"}));
}

TEST_F(SandboxTest, MinimalDevProcAndReadOnlySysLeaveNoTraceInTheUpper) {
  auto r = run(sh(
      "ls /dev; echo hi > /dev/null; busybox head -c 5 /dev/zero | busybox wc -c;"
      "echo shm > /dev/shm/x && cat /dev/shm/x; busybox touch /sys/x 2>/dev/null || echo sys-ro;"
      "busybox readlink /proc/self/exe"));
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output,
            "fd\nfull\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n"
            "5\nshm\nsys-ro\n/bin/busybox\n");
  EXPECT_TRUE(upper_is_empty(upper())) << "/dev, /proc, /sys were created for the run only";
}

TEST_F(SandboxTest, EtcFilesAreUsableAndNotLeftInTheUpper) {
  auto s = sh("cat /etc/resolv.conf; echo --; cat /etc/hosts; echo --; cat /etc/hostname;"
              "echo 'nameserver 192.0.2.1' > /etc/resolv.conf && echo edited");
  s.hostname = "box";
  std::string host_resolv = fs::exists("/etc/resolv.conf") ? fs::read_file("/etc/resolv.conf") : "";
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, host_resolv + "--\n" + hosts_file("box") + "--\nbox\nedited\n");
  EXPECT_EQ(fs::exists("/etc/resolv.conf") ? fs::read_file("/etc/resolv.conf") : "", host_resolv)
      << "the host's file is never written";
  EXPECT_TRUE(upper_is_empty(upper())) << "the image has /etc but no such files: nothing may remain";
}

TEST_F(SandboxTest, EtcKeepsTheRunsChangesOnly) {
  auto r = run(sh("echo x > /etc/app.conf"));
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(dir_names(upper()), (std::set<std::string>{"etc"}));
  EXPECT_EQ(dir_names(upper() + "/etc"), (std::set<std::string>{"app.conf"}));
}

TEST_F(SandboxTest, EtcCreatedForTheRunIsRemovedWhenTheImageHasNone) {
  // A layer on top of the base that deletes /etc (an overlay whiteout).
  std::string top = step_.path() + "/no-etc";
  fs::mkdir_p(top);
  ASSERT_EQ(::mknod((top + "/etc").c_str(), S_IFCHR | 0000, makedev(0, 0)), 0);
  auto s = sh("cat /etc/hostname; ls /etc");
  s.layers.lowers.insert(s.layers.lowers.begin(), top);
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "hoist\nhostname\nhosts\nresolv.conf\n");
  EXPECT_TRUE(upper_is_empty(upper()));
}

TEST_F(SandboxTest, ManyLayersWithLongPathsFitTheMountData) {
  // 150 lowers named like cache entries (64 hex digits): ~14 KB of paths, far over a page.
  auto s = sh("ls / | busybox grep -c '^layer-'; cat /layer-0 /layer-149");
  for (int i = 0; i < 150; ++i) {
    std::string dir = step_.path() + "/" + std::string(oci::Digest::of(std::to_string(i)).hex());
    fs::mkdir_p(dir);
    test::write_file(dir + "/layer-" + std::to_string(i), std::to_string(i) + "\n");
    s.layers.lowers.insert(s.layers.lowers.begin(), dir);
  }
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "150\n0\n149\n");
}

TEST_F(SandboxTest, NetworkNoneHasOnlyLoopbackAndItIsUp) {
  auto s = sh("busybox tail -n +3 /proc/net/dev | busybox cut -d: -f1 | busybox tr -d ' '; ls /sys/class/net;"
              "cat /sys/class/net/lo/flags");
  s.network = NetworkMode::None;
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "lo\nlo\n0x9\n");
}

TEST_F(SandboxTest, HostNetworkSeesTheHostsInterfaces) {
  auto r = run(sh("ls /sys/class/net"));
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(lines(r.output), dir_names("/sys/class/net"));
}

TEST_F(SandboxTest, UserByNameGetsSupplementaryGroupsFromTheImage) {
  // A first step adds the groups; its upper is the second step's top layer.
  auto first = run(sh("echo 'wheel:x:10:root,app' >> /etc/group; echo 'staff:x:50:other,app' >> /etc/group"));
  ASSERT_TRUE(first.result.ok()) << first.output;
  fs::TempDir next{"", "hoist-step-"};
  for (const char* d : {"/upper", "/work", "/rootfs"}) fs::mkdir_p(next.path() + d);
  auto s = spec({"id"});
  s.layers = {{upper(), base_->lower}, next.path() + "/upper", next.path() + "/work"};
  s.rootfs = next.path() + "/rootfs";
  s.user = "app";
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  // The kernel keeps supplementary groups sorted.
  EXPECT_EQ(r.output, "uid=1000(app) gid=1000(app) groups=10(wheel),50(staff),1000(app)\n");
}

TEST_F(SandboxTest, NumericUserNeedsNoPasswdEntry) {
  auto s = sh("busybox id -u; busybox id -g; busybox id -G");
  s.user = "4242:4343";
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "4242\n4343\n4343\n");
}

TEST_F(SandboxTest, WorkdirIsCreatedOwnedByRoot) {
  auto s = sh("pwd; busybox touch mine 2>/dev/null || echo not-writable");
  s.workdir = "/srv/app";
  s.user = "app";
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "/srv/app\nnot-writable\n");
  struct stat st;
  ASSERT_EQ(::lstat((upper() + "/srv/app").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
}

TEST_F(SandboxTest, BackgroundProcessesEndWithTheRun) {
  auto r = run(sh("busybox sleep 1000 & echo started"));
  EXPECT_TRUE(r.result.ok());
  EXPECT_EQ(r.output, "started\n");
}

TEST_F(SandboxTest, UnknownUserIsAOneLineErrorNamingIt) {
  auto s = sh("true");
  s.user = "ghost";
  EXPECT_EQ(error_of(s), "unknown user ghost: no matching entry in /etc/passwd");
  EXPECT_TRUE(upper_is_empty(upper()));
}

TEST_F(SandboxTest, MissingExecutableIsAOneLineErrorNamingIt) {
  EXPECT_EQ(error_of(spec({"/bin/nope", "arg"})), "exec /bin/nope: No such file or directory");
  EXPECT_EQ(error_of(spec({"nope"})), "exec nope: executable file not found in $PATH");
}

TEST_F(SandboxTest, FailingMountNamesTheOperationAndPath) {
  auto s = sh("true");
  s.layers.work = upper() + "/work";  // overlayfs refuses a workdir inside the upperdir
  fs::mkdir_p(s.layers.work);
  EXPECT_EQ(error_of(s), "mount overlay on " + rootfs() + ": Invalid argument");
}

TEST_F(SandboxTest, SigtermToHoistKillsTheSandbox) {
  std::atomic<bool> done = false;
  const std::string started = upper() + "/started";
  std::thread killer([&] {
    // Waits for the command to be running: a file it creates shows in the upper.
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

}  // namespace
}  // namespace hoist::builder
