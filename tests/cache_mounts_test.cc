// CacheMounts on a real filesystem: directories made on first use with the
// mount's mode and owner, kept across leases, and the three sharing modes
// between two leases held at once. A lease that must wait is seen waiting in
// /proc/locks (the kernel's list of blocked flock requests), never inferred
// from time passing.
#include "builder/cache_mounts.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <atomic>
#include <cstdio>
#include <sstream>
#include <thread>

#include "builder/run_mount.h"
#include "common/error.h"
#include "common/fs.h"
#include "tests/unpack_test_support.h"

namespace hoist::builder {
namespace {

RunMount cache(const std::string& id, RunMount::Sharing sharing = RunMount::Sharing::Shared) {
  RunMount m;
  m.type = RunMount::Type::Cache;
  m.target = "/cache";
  m.id = id;
  m.sharing = sharing;
  return m;
}

struct stat stat_of(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) throw_sys("stat", path);
  return st;
}

// True while some thread or process waits in flock() on `path`'s inode:
// /proc/locks lists such waiters with "->" before the lock type.
bool someone_waits_on(const std::string& path) {
  struct stat st = stat_of(path);
  char id[64];
  std::snprintf(id, sizeof id, " %02x:%02x:%lu ", major(st.st_dev), minor(st.st_dev),
                static_cast<unsigned long>(st.st_ino));
  std::istringstream in(fs::read_file("/proc/locks"));
  for (std::string line; std::getline(in, line);)
    if (line.find("->") != std::string::npos && line.find(id) != std::string::npos) return true;
  return false;
}

class CacheMountsTest : public ::testing::Test {
 protected:
  fs::TempDir root_;
  CacheMounts caches_{root_.path()};

  // Starts acquire(m) on another thread and returns once it either finished
  // or is seen blocked on the lock of `dir` (its flock is on <dir>.lock);
  // `done` tells which.
  std::thread acquire_in_background(const RunMount& m, const std::string& dir, std::atomic<bool>& done,
                                    std::string& got) {
    std::thread t([&, m] {
      CacheMounts::Lease lease = caches_.acquire(m);
      got = lease.path();
      done = true;
    });
    while (!done && !someone_waits_on(dir + ".lock")) std::this_thread::yield();
    return t;
  }
};

TEST_F(CacheMountsTest, DirNameIsOneSafeNamePerId) {
  std::string a = CacheMounts::dir_name("/root/.cache/pip");
  EXPECT_TRUE(a.starts_with("_root_.cache_pip-")) << a;
  EXPECT_EQ(a.size(), std::string("_root_.cache_pip-").size() + 64);
  for (const std::string& id :
       std::vector<std::string>{"..", ".", "", "../../etc", "a/b", std::string(300, 'x'), "\n\t", "é"}) {
    std::string n = CacheMounts::dir_name(id);
    EXPECT_EQ(n.find('/'), std::string::npos) << id;
    EXPECT_FALSE(n.starts_with(".")) << id;
    EXPECT_LE(n.size(), 32u + 1 + 64) << id;
  }
  EXPECT_NE(CacheMounts::dir_name("a/b"), CacheMounts::dir_name("a_b")) << "the hash tells lossy names apart";
  EXPECT_EQ(CacheMounts::dir_name("x"), CacheMounts::dir_name("x"));
}

TEST_F(CacheMountsTest, CreatedOnFirstUseWithTheMountsModeAndOwnerThenKept) {
  RunMount m = cache("/var/cache/apt");
  m.mode = 0710;
  m.uid = 1234;
  m.gid = 5678;
  std::string path;
  {
    CacheMounts::Lease lease = caches_.acquire(m);
    path = lease.path();
    EXPECT_EQ(path, root_.path() + "/cache/mounts/" + CacheMounts::dir_name("/var/cache/apt"));
    EXPECT_FALSE(lease.temporary());
    struct stat st = stat_of(path);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0710u);
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 5678u);
    test::write_file(path + "/pkg.deb", "data");
  }
  m.mode = 0777;
  m.uid = 1;
  CacheMounts::Lease again = caches_.acquire(m);
  EXPECT_EQ(again.path(), path);
  EXPECT_EQ(fs::read_file(path + "/pkg.deb"), "data") << "a cache outlives its leases";
  EXPECT_EQ(stat_of(path).st_mode & 07777, 0710u) << "mode and owner are set on first use only";
  EXPECT_EQ(stat_of(path).st_uid, 1234u);
  EXPECT_EQ(stat_of(root_.path() + "/cache/mounts").st_mode & 0777, 0700u) << "caches are hoist's alone";
}

TEST_F(CacheMountsTest, DefaultsTo0755OwnedByRoot) {
  CacheMounts::Lease lease = caches_.acquire(cache("d"));
  struct stat st = stat_of(lease.path());
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
}

TEST_F(CacheMountsTest, IdsAreSeparateDirectories) {
  CacheMounts::Lease a = caches_.acquire(cache("a"));
  CacheMounts::Lease b = caches_.acquire(cache("b"));
  EXPECT_NE(a.path(), b.path());
}

TEST_F(CacheMountsTest, SharedLeasesHoldTheDirectoryTogether) {
  CacheMounts::Lease a = caches_.acquire(cache("s"));
  CacheMounts::Lease b = caches_.acquire(cache("s"));  // would hang here if it waited
  EXPECT_EQ(a.path(), b.path());
}

TEST_F(CacheMountsTest, LockedLeaseWaitsUntilTheHolderReleases) {
  auto a = std::make_unique<CacheMounts::Lease>(caches_.acquire(cache("l", RunMount::Sharing::Locked)));
  std::string dir = a->path();
  std::atomic<bool> done{false};
  std::string got;
  std::thread t = acquire_in_background(cache("l", RunMount::Sharing::Locked), dir, done, got);
  EXPECT_FALSE(done) << "the second locked lease did not wait";
  a.reset();
  t.join();
  EXPECT_TRUE(done);
  EXPECT_EQ(got, dir);
}

TEST_F(CacheMountsTest, LockedLeaseWaitsForSharedOnesAndSharedForLocked) {
  {
    CacheMounts::Lease shared = caches_.acquire(cache("m"));
    std::string dir = shared.path();
    std::atomic<bool> done{false};
    std::string got;
    std::thread t = acquire_in_background(cache("m", RunMount::Sharing::Locked), dir, done, got);
    EXPECT_FALSE(done);
    shared.release();
    t.join();
    EXPECT_EQ(got, dir);
  }
  CacheMounts::Lease locked = caches_.acquire(cache("m", RunMount::Sharing::Locked));
  std::atomic<bool> done{false};
  std::string got;
  std::thread t = acquire_in_background(cache("m"), locked.path(), done, got);
  EXPECT_FALSE(done);
  locked.release();
  t.join();
  EXPECT_TRUE(done);
}

TEST_F(CacheMountsTest, PrivateLeaseGetsAThrowawayDirectoryWhenTheCacheIsHeld) {
  RunMount p = cache("p", RunMount::Sharing::Private);
  p.mode = 0700;
  CacheMounts::Lease first = caches_.acquire(p);
  EXPECT_FALSE(first.temporary());
  test::write_file(first.path() + "/kept", "1");

  CacheMounts::Lease second = caches_.acquire(p);  // must not wait
  EXPECT_TRUE(second.temporary());
  EXPECT_NE(second.path(), first.path());
  EXPECT_TRUE(second.path().starts_with(root_.path() + "/cache/tmp/")) << second.path();
  EXPECT_TRUE(fs::is_empty_dir(second.path()));
  EXPECT_EQ(stat_of(second.path()).st_mode & 07777, 0700u) << "made like the cache directory would be";
  std::string tmp = second.path();
  test::write_file(tmp + "/scratch", "x");
  second.release();
  EXPECT_FALSE(fs::exists(tmp)) << "removed with what the RUN wrote in it";
  EXPECT_EQ(second.path(), "");

  first.release();
  CacheMounts::Lease third = caches_.acquire(p);
  EXPECT_FALSE(third.temporary()) << "free again, the cache itself is handed out";
  EXPECT_EQ(fs::read_file(third.path() + "/kept"), "1");
}

TEST_F(CacheMountsTest, PrivateLeaseDoesNotShareWithASharedHolder) {
  CacheMounts::Lease shared = caches_.acquire(cache("q"));
  CacheMounts::Lease priv = caches_.acquire(cache("q", RunMount::Sharing::Private));
  EXPECT_TRUE(priv.temporary());
}

TEST_F(CacheMountsTest, MovedLeaseKeepsTheLockAndRemovesItsDirectoryOnce) {
  CacheMounts::Lease held = caches_.acquire(cache("v", RunMount::Sharing::Private));
  CacheMounts::Lease tmp = caches_.acquire(cache("v", RunMount::Sharing::Private));
  std::string tmp_path = tmp.path();
  CacheMounts::Lease moved = std::move(tmp);
  EXPECT_EQ(moved.path(), tmp_path);
  EXPECT_TRUE(moved.temporary());
  EXPECT_TRUE(fs::exists(tmp_path));

  CacheMounts::Lease holder = std::move(held);
  EXPECT_TRUE(caches_.acquire(cache("v", RunMount::Sharing::Private)).temporary()) << "the lock moved along";
  holder = caches_.acquire(cache("w"));  // assigning releases what it held
  EXPECT_FALSE(caches_.acquire(cache("v", RunMount::Sharing::Private)).temporary());
  moved.release();
  EXPECT_FALSE(fs::exists(tmp_path));
}

TEST_F(CacheMountsTest, RefusesOtherMountTypes) {
  RunMount m = cache("x");
  m.type = RunMount::Type::Bind;
  try {
    caches_.acquire(m);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.describe(), "cache mount x: not a type=cache mount");
  }
}

}  // namespace
}  // namespace hoist::builder
