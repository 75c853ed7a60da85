#include "oci/store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <thread>

#include "common/error.h"
#include "common/fs.h"
#include "oci/gc_lock.h"
#include "oci/media_types.h"

using namespace hoist;
using namespace hoist::oci;

namespace {

Descriptor put_image(Store& s, const std::string& layer_bytes) {
  Digest layer = s.put_blob(layer_bytes);
  std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  Manifest m;
  m.media_type = std::string(media::kOciManifest);
  m.config = describe(media::kOciConfig, config);
  Descriptor ld = describe(media::kOciLayer, layer_bytes);
  m.layers = {ld};
  EXPECT_EQ(ld.digest, layer);
  s.put_blob(config);
  std::string bytes = m.serialize();
  s.put_blob(bytes);
  return describe(media::kOciManifest, bytes);
}

}  // namespace

TEST(Store, CreatesLayout) {
  fs::TempDir t;
  Store s(t.path());
  EXPECT_EQ(fs::read_file(t.path() + "/store/oci-layout"), R"({"imageLayoutVersion":"1.0.0"})");
  EXPECT_TRUE(s.list().empty());
}

TEST(Store, TagResolveUntag) {
  fs::TempDir t;
  Store s(t.path());
  auto a = put_image(s, "layer-a");
  auto b = put_image(s, "layer-b");
  s.tag("docker.io/library/x:1", a);
  s.tag("docker.io/library/x:2", a);
  s.tag("docker.io/library/x:1", b);  // moves the tag
  EXPECT_EQ(s.list().size(), 2u);
  EXPECT_EQ(s.resolve("docker.io/library/x:1")->digest, b.digest);
  EXPECT_EQ(s.resolve("docker.io/library/x:2")->digest, a.digest);
  EXPECT_FALSE(s.resolve("docker.io/library/x:3"));
  EXPECT_TRUE(s.untag("docker.io/library/x:2"));
  EXPECT_FALSE(s.untag("docker.io/library/x:2"));
  // Reopening sees the same state.
  Store again(t.path());
  EXPECT_EQ(again.list().size(), 1u);
}

TEST(Store, BlobWriterVerifiesDigest) {
  fs::TempDir t;
  Store s(t.path());
  {
    auto w = s.blob_writer();
    w->write("abc", 3);
    EXPECT_THROW(w->commit(Digest::of("abd")), Error);
  }
  EXPECT_FALSE(s.has_blob(Digest::of("abc")));
  EXPECT_FALSE(s.has_blob(Digest::of("abd")));
  EXPECT_TRUE(fs::read_file(t.path() + "/store/index.json").find("manifests") != std::string::npos);
  {
    auto w = s.blob_writer();
    w->write("abc", 3);
  }  // dropped without commit: leaves nothing
  auto w = s.blob_writer();
  w->write("abc", 3);
  EXPECT_EQ(w->commit(), Digest::of("abc"));
  EXPECT_EQ(s.read_blob(Digest::of("abc")), "abc");
}

TEST(Store, DetectsCorruptBlob) {
  fs::TempDir t;
  Store s(t.path());
  Digest d = s.put_blob("content");
  fs::write_file_atomic(s.blob_path(d), "tampered");
  EXPECT_THROW(s.read_blob(d), Error);
}

TEST(Store, PruneKeepsReferenced) {
  fs::TempDir t;
  Store s(t.path());
  auto a = put_image(s, "keep-me");
  s.tag("docker.io/library/a:1", a);
  auto b = put_image(s, "drop-me");
  Digest stray = s.put_blob("stray");
  auto r = s.prune();
  EXPECT_EQ(r.blobs, 3u);  // b's manifest, b's layer, the stray blob (b's config is shared with a)
  EXPECT_TRUE(s.has_blob(a.digest));
  EXPECT_TRUE(s.has_blob(Digest::of("keep-me")));
  EXPECT_FALSE(s.has_blob(b.digest));
  EXPECT_FALSE(s.has_blob(stray));
}

// A writer's blobs are unreferenced until it tags: prune must wait for it
// rather than take them. Seen through on_wait, never through time passing.
TEST(Store, PruneWaitsForRunningWriters) {
  fs::TempDir t;
  Store s(t.path());
  Digest untagged = s.put_blob("a build's layer, not tagged yet");
  std::optional<GcLock> writer(std::in_place, t.path(), GcLock::Mode::Shared);
  std::atomic<bool> waited = false, finished = false;
  Store::PruneResult r;
  std::thread prune([&] {
    r = s.prune([&] { waited = true; });
    finished = true;
  });
  while (!waited && !finished) std::this_thread::yield();
  EXPECT_TRUE(waited) << "prune did not wait for the writer";
  EXPECT_TRUE(s.has_blob(untagged)) << "prune removed a running writer's blob";
  writer.reset();
  prune.join();
  EXPECT_EQ(r.blobs, 1u);
  EXPECT_FALSE(s.has_blob(untagged));
}

TEST(Store, PruneWithNoWriterDoesNotWait) {
  fs::TempDir t;
  Store s(t.path());
  s.put_blob("stray");
  EXPECT_EQ(s.prune([] { ADD_FAILURE() << "waited with no writer running"; }).blobs, 1u);
  // Prune let go of the lock: a writer starts at once.
  EXPECT_TRUE(GcLock::try_take(t.path(), GcLock::Mode::Shared));
}

TEST(Store, ConcurrentTaggersLoseNothing) {
  fs::TempDir t;
  {
    Store s(t.path());
    put_image(s, "shared");
  }
  constexpr int kProcs = 4, kTags = 25;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      Store s(t.path());
      auto d = put_image(s, "shared");
      for (int i = 0; i < kTags; ++i) s.tag("docker.io/library/p" + std::to_string(p) + ":" + std::to_string(i), d);
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int st = 0;
    waitpid(k, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  EXPECT_EQ(Store(t.path()).list().size(), static_cast<size_t>(kProcs * kTags));
}
