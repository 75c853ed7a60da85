// A RUN as an ordinary user, end to end: the test (root) makes two throwaway
// users, one with /etc/subuid and /etc/subgid ranges and one without, and as
// each of them unpacks a busybox base layer through the LayerCache, runs the
// sandbox on it and snapshots the upper. The layer must record the owners the
// RUN gave (0, 1000), not the host ids they are stored under; whiteouts must
// survive; and nothing may stay mounted or running.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <set>
#include <stdexcept>

#include "builder/sandbox.h"
#include "builder/snapshot.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/layer_cache.h"
#include "layers/layer_writer.h"
#include "oci/media_types.h"
#include "oci/store.h"
#include "tests/layer_entries.h"

namespace hoist::builder {
namespace {

constexpr const char* kRangedUser = "hoist-rootless-test";
constexpr const char* kSingleIdUser = "hoist-rootless-1id";
constexpr const char* kRange = "300000:65536";

struct TestUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

void sh(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

// The users exist only in a copy of /etc under the test's directory, which
// as_user() mounts over /etc in the child's own mount namespace: the host's
// /etc/passwd, /etc/subuid and friends are never touched, and newuidmap (run
// in that namespace) reads the copy.
TestUser add_user(const std::string& dir, const std::string& name, bool ranges) {
  std::string etc = dir + "/etc";
  if (!fs::exists(etc)) sh("cp -a /etc " + etc);
  // An id of this test process alone (tests run in parallel, and TearDown
  // looks for leftover processes by uid), free on the host and in the copy.
  uid_t id = 70000 + static_cast<uid_t>(::getpid() % 100000);
  while (::getpwuid(id) || ::getgrgid(id) ||
         fs::read_file(etc + "/passwd").find(":" + std::to_string(id) + ":") != std::string::npos)
    ++id;
  std::string n = std::to_string(id);
  auto append = [](const std::string& file, const std::string& line) {
    std::string text = fs::exists(file) ? fs::read_file(file) : "";
    fs::write_file_atomic(file, text + line + "\n", 0644);
  };
  append(etc + "/passwd", name + ":x:" + n + ":" + n + "::/nonexistent:/usr/sbin/nologin");
  append(etc + "/group", name + ":x:" + n + ":");
  if (ranges)
    for (const char* file : {"/subuid", "/subgid"}) append(etc + file, name + ":" + kRange);
  return {name, id, id};
}

// Runs `fn` in a child that has become `user` (no supplementary groups, as a
// login would give it, dumpable as an ordinary process is) with HOIST_ROOT
// and TMPDIR inside `dir`. Returns fn's result; its hoist::Error comes back
// as a std::runtime_error carrying the same line.
std::string as_user(const TestUser& user, const std::string& dir, const std::function<std::string()>& fn) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    try {
      if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
          ::mount((dir + "/etc").c_str(), "/etc", nullptr, MS_BIND | MS_REC, nullptr) != 0)
        throw std::runtime_error("cannot put the test's /etc in place");
      if (::setgroups(0, nullptr) != 0 || ::setgid(user.gid) != 0 || ::setuid(user.uid) != 0)
        throw std::runtime_error("cannot become " + user.name);
      // A process that changed its uid is not dumpable, which makes its
      // /proc files root's: newuidmap could then not map its children.
      ::prctl(PR_SET_DUMPABLE, 1);
      ::setenv("HOIST_ROOT", (dir + "/hoist").c_str(), 1);
      ::setenv("TMPDIR", (dir + "/tmp").c_str(), 1);
      out = "+" + fn();
    } catch (const Error& e) {
      out = "-" + e.describe();
    } catch (const std::exception& e) {
      out = std::string("-") + e.what();
    }
    fs::write_all(fds[1], out.data(), out.size(), "result");
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (out.starts_with("+")) return out.substr(1);
  if (out.starts_with("-")) throw std::runtime_error(out.substr(1));
  throw std::runtime_error("child as " + user.name + " ended without a result, status " + std::to_string(status));
}

// samples/make-rootfs.sh's tree as a layer blob in `dir` (readable by the
// test users); `only_root` gives every file to 0:0 first.
struct BaseLayer {
  std::string blob;
  oci::Descriptor desc;
  oci::Digest diff_id;
};

BaseLayer make_base(const std::string& dir, bool only_root) {
  std::string rootfs = dir + "/base-rootfs";
  sh("bash " HOIST_SOURCE_DIR "/samples/make-rootfs.sh " + rootfs);
  if (only_root) sh("chown -hR 0:0 " + rootfs);
  layers::StringWriter out;
  layers::LayerResult r = layers::write_layer_from_dir(rootfs, out, layers::LayerOptions{});
  fs::remove_all(rootfs);
  BaseLayer b;
  b.blob = dir + "/base.tar.gz";
  fs::write_file_atomic(b.blob, out.out, 0644);
  b.desc.media_type = oci::media::kOciLayerGzip;
  b.desc.digest = r.digest;
  b.desc.size = static_cast<int64_t>(r.size);
  b.diff_id = r.diff_id;
  return b;
}

std::string unpack(const BaseLayer& base) {
  layers::LayerCache cache(std::getenv("HOIST_ROOT"));
  return cache.ensure(base.desc, base.diff_id, [&](const oci::Descriptor&) {
    return std::make_unique<layers::FileReader>(base.blob);
  });
}

// Runs `script` on `lower` in a fresh step directory and snapshots it into
// the store; returns "<blob path>\n<output>".
std::string run_and_snapshot(const std::string& lower, const std::string& script) {
  std::string root = std::getenv("HOIST_ROOT");
  std::string step = root + "/step";
  SandboxSpec s;
  s.layers = {{lower}, step + "/upper", step + "/work"};
  s.rootfs = step + "/rootfs";
  for (const auto& d : {s.layers.upper, s.layers.work, s.rootfs}) fs::mkdir_p(d);
  s.argv = {"/bin/sh", "-c", script};
  s.env = {"PATH=/bin:/usr/bin"};
  std::string output;
  s.output = [&](std::string_view chunk) { output.append(chunk); };
  SandboxResult r = run_sandboxed(s);
  if (!r.ok()) throw Error("RUN failed (exit " + std::to_string(r.exit_code) + "): " + output);
  oci::Store store(root);
  auto layer = snapshot_upper(s.layers.upper, store, layers::LayerOptions{});
  if (!layer) throw Error("the RUN left no layer");
  return store.blob_path(layer->digest) + "\n" + output;
}

std::set<uid_t> uids_of_processes() {
  std::set<uid_t> out;
  DIR* d = ::opendir("/proc");
  while (dirent* e = ::readdir(d)) {
    struct stat st;
    std::string p = std::string("/proc/") + e->d_name;
    if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && ::stat(p.c_str(), &st) == 0) out.insert(st.st_uid);
  }
  ::closedir(d);
  return out;
}

class RootlessSandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "the test mounts its own /etc and becomes its users: it must run as root";
    mounts_before_ = fs::read_file("/proc/self/mountinfo");
  }
  void TearDown() override {
    EXPECT_EQ(fs::read_file("/proc/self/mountinfo"), mounts_before_) << "a mount was left behind";
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child process was left behind";
    std::set<uid_t> uids = uids_of_processes();
    for (const auto& u : users_) EXPECT_EQ(uids.count(u.uid), 0u) << "a process of " << u.name << " is still running";
    for (uid_t u : uids) EXPECT_FALSE(u >= 300000 && u < 300000 + 65536) << "a process of subordinate uid " << u;
  }

  // A directory the user owns, for its HOIST_ROOT and TMPDIR.
  std::string home_for(const TestUser& u) {
    users_.push_back(u);
    for (const char* sub : {"/hoist", "/tmp"}) {
      fs::mkdir_p(dir_.path() + sub);
      if (::chown((dir_.path() + sub).c_str(), u.uid, u.gid) != 0) throw std::runtime_error("chown");
    }
    if (::chmod(dir_.path().c_str(), 0755) != 0) throw std::runtime_error("chmod");
    return dir_.path();
  }

  fs::TempDir dir_{"", "hoist-rootless-"};
  std::string mounts_before_;
  std::vector<TestUser> users_;
};

TEST_F(RootlessSandboxTest, LayerRecordsTheOwnersGivenInsideAndTheWhiteouts) {
  std::string dir = dir_.path();
  TestUser user = add_user(dir, kRangedUser, true);
  home_for(user);
  BaseLayer base = make_base(dir, false);
  std::string out = as_user(user, dir, [&] {
    return run_and_snapshot(unpack(base), R"(set -e; b=/bin/busybox
$b stat -c '%u:%g %n' /home/app/notes.txt /etc/motd
echo pid $$; echo hi > /dev/null; $b touch /sys/x 2>/dev/null || echo sys-ro; $b test -d /sys/class/net && echo sys
echo root > /by-root
echo app > /by-app && $b chown 1000:1000 /by-app
$b mkdir /app-dir && $b chown 1000:1000 /app-dir && echo in > /app-dir/f && $b chown 1000:1000 /app-dir/f
$b rm /etc/motd.hardlink
$b rm -r /var/empty
$b rm -r /home/app && $b mkdir /home/app && echo n > /home/app/new
)");
  });
  std::string blob = out.substr(0, out.find('\n'));
  EXPECT_EQ(out.substr(out.find('\n') + 1), "1000:1000 /home/app/notes.txt\n0:0 /etc/motd\npid 1\nsys-ro\nsys\n")
      << "the lower keeps its owners when unpacked rootless; /proc, /dev and a read-only /sys are there";

  auto entries = test::read_layer(blob);
  std::map<std::string, std::string> got;
  for (const auto& [name, e] : entries)
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
  EXPECT_EQ(got, want);
}

TEST_F(RootlessSandboxTest, SingleIdUserRunsAsRootAndOtherIdsFailInsideTheCommand) {
  std::string dir = dir_.path();
  TestUser user = add_user(dir, kSingleIdUser, false);
  home_for(user);
  BaseLayer base = make_base(dir, true);
  std::string out = as_user(user, dir, [&] {
    return run_and_snapshot(unpack(base),
                            "echo hi > /x; echo y > /y; /bin/busybox chown 1000 /y 2>&1 || echo chown-refused");
  });
  std::string blob = out.substr(0, out.find('\n'));
  EXPECT_EQ(out.substr(out.find('\n') + 1), "chown: /y: Invalid argument\nchown-refused\n");
  auto entries = test::read_layer(blob);
  ASSERT_EQ(entries.count("x"), 1u);
  EXPECT_EQ(entries["x"].content, "hi\n");
  EXPECT_EQ(entries["x"].uid, 0);
  EXPECT_EQ(entries["x"].gid, 0);
  EXPECT_EQ(entries["y"].uid, 0);
}

TEST_F(RootlessSandboxTest, SingleIdUserCannotUnpackALayerWithOtherOwners) {
  std::string dir = dir_.path();
  TestUser user = add_user(dir, kSingleIdUser, false);
  home_for(user);
  BaseLayer base = make_base(dir, false);  // home/app is 1000:1000
  std::string error;
  try {
    as_user(user, dir, [&] { return unpack(base); });
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  std::string start = "caching layer " + base.diff_id.str() + ": unpacking layer " + base.desc.digest.str() +
                      ": unpacking entry \"home/app/notes.txt\": chown 1000:1000 ";
  std::string end = "/home/app/notes.txt: Invalid argument (the user namespace has only id 0: " +
                    std::string(kSingleIdUser) +
                    " has no range in /etc/subuid or /etc/subgid for the layer's other owners)";
  EXPECT_TRUE(error.starts_with(start) && error.ends_with(end)) << error;
  std::set<std::string> left;
  DIR* d = ::opendir((dir + "/hoist/layers").c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.' || std::string(e->d_name).starts_with(".tmp")) left.insert(e->d_name);
  ::closedir(d);
  EXPECT_EQ(left, (std::set<std::string>{std::string(base.diff_id.hex()) + ".lock"}))
      << "the half-unpacked layer is removed";
}

}  // namespace
}  // namespace hoist::builder
