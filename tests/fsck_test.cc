// builder::fsck over a whole root: damage of every part found, repaired in
// one run (blobs before the tags and cache records that need them), a second
// run clean; temp entries left alone while a writer holds the GcLock; a
// scratch tree with a mount under it never removed.
#include "builder/fsck.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builder/build_cache.h"
#include "common/fs.h"
#include "layers/layer_cache.h"
#include "oci/gc_lock.h"
#include "oci/media_types.h"

namespace hoist::builder {
namespace {

using Kind = oci::Finding::Kind;

std::string lines(const oci::FsckReport& r) {
  std::string s;
  for (const auto& f : r.findings) s += f.line() + "\n";
  return s + r.summary() + "\n";
}

class FsckTest : public ::testing::Test {
 protected:
  FsckTest() : store_(root_.path()) {
    std::string config = R"({"architecture":"amd64","os":"linux"})";
    layer_ = "the only layer";
    oci::Manifest m;
    m.media_type = std::string(oci::media::kOciManifest);
    m.config = oci::describe(oci::media::kOciConfig, config);
    m.layers = {oci::describe(oci::media::kOciLayer, layer_)};
    store_.put_blob(config);
    store_.put_blob(layer_);
    std::string bytes = m.serialize();
    store_.put_blob(bytes);
    store_.tag("docker.io/library/app:1", oci::describe(oci::media::kOciManifest, bytes));
    CacheRecord r;
    r.layer = m.layers[0];
    r.diff_id = oci::Digest::of("diff");
    r.created = "2024-01-01T00:00:00Z";
    BuildCache(root_.path()).record(oci::Digest::of("step").str(), r);
  }

  fs::TempDir root_;
  oci::Store store_;
  std::string layer_;
};

TEST_F(FsckTest, DamageEverywhereIsRepairedInOneRun) {
  std::string blob = store_.blob_path(oci::Digest::of(layer_));
  fs::write_file_atomic(blob, "the only layeR");
  fs::write_file_atomic(root_.path() + "/tmp/blob-k1LLed", "half");
  layers::LayerCache cache(root_.path());
  std::string made = root_.path() + "/made";
  fs::mkdir_p(made);
  std::string layer_dir = cache.adopt(oci::Digest::of("x"), made);
  ASSERT_EQ(::unlink(layers::LayerCache::marker_path(layer_dir).c_str()), 0);
  fs::mkdir_p(root_.path() + "/build/999999-aBcDeF/rootfs");

  oci::FsckReport r = fsck(store_, false);
  EXPECT_EQ(r.count(Kind::Problem), 2u) << lines(r);   // the blob, the tag
  EXPECT_EQ(r.count(Kind::Leftover), 3u) << lines(r);  // temp blob, layer directory, scratch
  EXPECT_FALSE(r.sound());

  r = fsck(store_, true);
  EXPECT_TRUE(r.sound()) << lines(r);
  // The record of the corrupt layer goes in the same run, once the blob has.
  EXPECT_EQ(r.count(Kind::Leftover), 4u) << lines(r);
  for (const auto& f : r.findings) EXPECT_TRUE(f.repaired) << f.line();

  r = fsck(store_, false);
  EXPECT_TRUE(r.findings.empty()) << lines(r);
  EXPECT_EQ(r.summary(), "checked 2 blobs, 0 tags, 0 unpacked layers, 0 build cache records: no problems");
}

TEST_F(FsckTest, TempEntriesOfARunningWriterAreLeftAlone) {
  std::string temp = root_.path() + "/tmp/blob-r3ad1n";
  fs::write_file_atomic(temp, "in flight");
  {
    oci::GcLock writer(root_.path(), oci::GcLock::Mode::Shared);
    oci::FsckReport r = fsck(store_, true);
    EXPECT_TRUE(r.findings.empty()) << lines(r);
    EXPECT_EQ(r.in_use, 1u);
    EXPECT_TRUE(fs::exists(temp));
  }
  oci::FsckReport r = fsck(store_, true);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_EQ(r.findings[0].subject, temp);
  EXPECT_FALSE(fs::exists(temp));
}

TEST_F(FsckTest, AScratchTreeWithAMountIsReportedNotRemoved) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting needs root";
  std::string scratch = root_.path() + "/build/999999-mOuNtd";
  fs::mkdir_p(scratch + "/rootfs/data");
  fs::write_file_atomic(scratch + "/rootfs/data/keep", "x");
  // In a child with a mount namespace of its own, so nothing leaks into ours.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", (scratch + "/rootfs/data").c_str(), "tmpfs", 0, nullptr) != 0)
      ::_exit(2);
    oci::FsckReport r = fsck(store_, true);
    bool reported = r.count(Kind::Problem) == 1 && !r.sound() &&
                    r.findings[0].what.find("still mounted") != std::string::npos;
    ::_exit(reported && fs::exists(scratch + "/rootfs/data") ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: could not mount; 1: the mounted tree was not reported, or removed";
  EXPECT_TRUE(fs::exists(scratch + "/rootfs/data/keep"));
}

}  // namespace
}  // namespace hoist::builder
