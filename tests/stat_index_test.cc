// StatIndex: a digest comes back only under the stat it was stored with,
// survives a save and a reload, a damaged file is an empty index, the
// index stays bounded, and concurrent saves never leave a torn file.
#include "builder/stat_index.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "common/fs.h"

namespace hoist::builder {
namespace {

struct stat make_stat(uint64_t ino, int64_t size = 10) {
  struct stat st {};
  st.st_dev = 0x803;
  st.st_ino = ino;
  st.st_size = size;
  st.st_mode = S_IFREG | 0644;
  st.st_mtim = {1700000000, 123456789};
  st.st_ctim = {1700000001, 987654321};
  return st;
}

const oci::Digest kA = oci::Digest::of("a");
const oci::Digest kB = oci::Digest::of("b");

class StatIndexTest : public ::testing::Test {
 protected:
  std::string file() const { return tmp.path() + "/cache/context-index/abc"; }
  fs::TempDir tmp;
};

TEST_F(StatIndexTest, DigestComesBackUnderTheSameStat) {
  StatIndex index(file());
  EXPECT_EQ(index.lookup("/ctx/a", make_stat(1)), std::nullopt);
  index.store("/ctx/a", make_stat(1), kA);
  EXPECT_EQ(index.lookup("/ctx/a", make_stat(1)), kA);
  EXPECT_EQ(index.lookup("/ctx/b", make_stat(1)), std::nullopt);  // by path, not by inode
}

TEST_F(StatIndexTest, AnyChangedStatFieldIsAMiss) {
  StatIndex index(file());
  const struct stat base = make_stat(7);
  index.store("/ctx/f", base, kA);
  std::vector<std::pair<const char*, void (*)(struct stat&)>> changes = {
      {"dev", [](struct stat& s) { s.st_dev += 1; }},
      {"ino", [](struct stat& s) { s.st_ino += 1; }},
      {"size", [](struct stat& s) { s.st_size += 1; }},
      {"mode", [](struct stat& s) { s.st_mode ^= 0100; }},
      {"mtime s", [](struct stat& s) { s.st_mtim.tv_sec += 1; }},
      {"mtime ns", [](struct stat& s) { s.st_mtim.tv_nsec += 1; }},
      {"ctime s", [](struct stat& s) { s.st_ctim.tv_sec += 1; }},
      {"ctime ns", [](struct stat& s) { s.st_ctim.tv_nsec += 1; }},
  };
  for (const auto& [what, change] : changes) {
    struct stat st = base;
    change(st);
    EXPECT_EQ(index.lookup("/ctx/f", st), std::nullopt) << what;
  }
  struct stat atime_only = base;
  atime_only.st_atim.tv_sec = 42;  // reading a file is no change
  EXPECT_EQ(index.lookup("/ctx/f", atime_only), kA);
}

TEST_F(StatIndexTest, SaveAndReload) {
  {
    StatIndex index(file());
    index.store("/ctx/a", make_stat(1), kA);
    index.store("/ctx/with space\nand newline", make_stat(2), kB);
    index.store("/ctx/a", make_stat(1, 11), kB);  // stored again: the last one counts
    index.save();
  }
  StatIndex index(file());
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.lookup("/ctx/a", make_stat(1, 11)), kB);
  EXPECT_EQ(index.lookup("/ctx/with space\nand newline", make_stat(2)), kB);
  struct stat st;
  ASSERT_EQ(::stat(file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(StatIndexTest, SaveWithoutChangesWritesNothing) {
  StatIndex unused(file());
  unused.save();
  EXPECT_FALSE(fs::exists(file()));
  StatIndex looked(file());
  EXPECT_EQ(looked.lookup("/ctx/a", make_stat(1)), std::nullopt);
  looked.save();
  EXPECT_FALSE(fs::exists(file()));
}

TEST_F(StatIndexTest, DamagedFileIsAnEmptyIndex) {
  {
    StatIndex index(file());
    for (uint64_t i = 0; i < 20; ++i) index.store("/ctx/" + std::to_string(i), make_stat(i), kA);
    index.save();
  }
  const std::string good = fs::read_file(file());
  for (const std::string& bad : {good.substr(0, good.size() - 3), std::string("garbage"), std::string(),
                                 std::string("hoist-stat-index 1\nnot a record")}) {
    fs::write_file_atomic(file(), bad);
    StatIndex index(file());
    EXPECT_EQ(index.size(), 0u);
    EXPECT_EQ(index.lookup("/ctx/0", make_stat(0)), std::nullopt);
    index.store("/ctx/0", make_stat(0), kB);  // and it is replaced by a good one
    index.save();
    EXPECT_EQ(StatIndex(file()).lookup("/ctx/0", make_stat(0)), kB);
  }
}

TEST_F(StatIndexTest, PastItsBoundUnusedEntriesAreDropped) {
  {
    StatIndex index(file(), 2);
    for (uint64_t i = 0; i < 3; ++i) index.store("/ctx/" + std::to_string(i), make_stat(i), kA);
    index.save();  // all three were used by this build: kept
  }
  {
    StatIndex index(file(), 2);
    EXPECT_EQ(index.size(), 3u);
    EXPECT_EQ(index.lookup("/ctx/1", make_stat(1)), kA);
    index.save();
  }
  StatIndex index(file(), 2);
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.lookup("/ctx/1", make_stat(1)), kA);
}

TEST_F(StatIndexTest, SettledOnlyWhenCtimeIsBeforeTheRead) {
  struct stat st = make_stat(1);
  EXPECT_TRUE(StatIndex::settled(st, {1700000002, 0}));
  EXPECT_FALSE(StatIndex::settled(st, {1700000001, 987654321}));  // same instant: a write may follow unseen
  EXPECT_FALSE(StatIndex::settled(st, {1700000001, 0}));
}

TEST_F(StatIndexTest, ConcurrentSavesNeverLeaveATornFile) {
  // Both writers store the same 200 paths: every whole file has 200 entries,
  // a torn one would parse as none.
  auto fill = [&](const oci::Digest& d) {
    StatIndex index(file());
    for (uint64_t i = 0; i < 200; ++i) index.store("/ctx/" + std::to_string(i), make_stat(i), d);
    index.save();
  };
  fill(kA);
  std::atomic<bool> done = false;
  std::atomic<int> bad = 0;
  std::thread reader([&] {
    while (!done) {
      if (StatIndex(file()).size() != 200) ++bad;
    }
  });
  std::thread a([&] {
    for (int i = 0; i < 20; ++i) fill(kA);
  });
  std::thread b([&] {
    for (int i = 0; i < 20; ++i) fill(kB);
  });
  a.join();
  b.join();
  done = true;
  reader.join();
  EXPECT_EQ(bad, 0);
  StatIndex last(file());
  EXPECT_EQ(last.size(), 200u);
  auto d = last.lookup("/ctx/0", make_stat(0));
  EXPECT_TRUE(d == kA || d == kB);
}

}  // namespace
}  // namespace hoist::builder
