#pragma once
// For tests of hoist as an ordinary user: the test (root) makes throwaway
// users in a copy of /etc (with or without /etc/subuid and /etc/subgid
// ranges), runs code as them in a child process, and gives them a base
// layer (samples/make-rootfs.sh's tree) to unpack as they would a pulled
// one. The fixture checks that nothing stays mounted or running, no process
// of the users or of their subordinate ids included.
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

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "layers/layer_cache.h"
#include "layers/layer_writer.h"
#include "layers/stream.h"
#include "oci/descriptor.h"
#include "oci/media_types.h"
#include "tests/child_process.h"

namespace hoist::test {

inline constexpr const char* kRangedUser = "hoist-rootless-test";
inline constexpr const char* kSingleIdUser = "hoist-rootless-1id";
inline constexpr const char* kRange = "300000:65536";

struct TestUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

inline void sh(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

// The users exist only in a copy of /etc under the test's directory, which
// as_user() mounts over /etc in the child's own mount namespace: the host's
// /etc/passwd, /etc/subuid and friends are never touched, and newuidmap (run
// in that namespace) reads the copy.
inline TestUser add_user(const std::string& dir, const std::string& name, bool ranges) {
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
inline std::string as_user(const TestUser& user, const std::string& dir, const std::function<std::string()>& fn) {
  int status = 0;
  std::string out = run_in_child([&] {
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
    return out;
  }, &status);
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

inline BaseLayer make_base(const std::string& dir, bool only_root) {
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

inline std::string unpack(const BaseLayer& base) {
  layers::LayerCache cache(std::getenv("HOIST_ROOT"));
  return cache.ensure(base.desc, base.diff_id,
                      [&](const oci::Descriptor&) { return std::make_unique<layers::FileReader>(base.blob); });
}

inline std::set<uid_t> uids_of_processes() {
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

class RootlessFixture : public ::testing::Test {
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

}  // namespace hoist::test
