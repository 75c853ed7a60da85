// Where local blobs are known to live in registries (the store's record under
// $HOIST_ROOT/sources) and the mount candidates a push derives from it: other
// repositories of the same host only, most recent first, bounded, and nothing
// lost when several hoist processes record at once.
#include "publish/blob_sources.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <unistd.h>

#include "common/fs.h"
#include "oci/media_types.h"
#include "publish/reference.h"

using namespace hoist;
using namespace hoist::publish;
using oci::Digest;

namespace {

struct Image {
  oci::Descriptor manifest;
  Digest config, layer;
};

Image put_image(oci::Store& s, const std::string& layer_bytes) {
  std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  oci::Manifest m;
  m.media_type = std::string(oci::media::kOciManifest);
  m.config = oci::describe(oci::media::kOciConfig, config);
  m.layers = {oci::describe(oci::media::kOciLayer, layer_bytes)};
  s.put_blob(config);
  s.put_blob(layer_bytes);
  std::string bytes = m.serialize();
  s.put_blob(bytes);
  return {oci::describe(oci::media::kOciManifest, bytes), m.config.digest, m.layers[0].digest};
}

class BlobSourcesTest : public ::testing::Test {
 protected:
  fs::TempDir dir;
  oci::Store store{dir.path()};
};

TEST_F(BlobSourcesTest, NothingKnownAtFirst) {
  EXPECT_TRUE(store.blob_sources(Digest::of("x")).empty());
  EXPECT_TRUE(mount_sources(store, parse_docker_ref("127.0.0.1:5000/app/img:1"))(Digest::of("x")).empty());
}

TEST_F(BlobSourcesTest, IndexesListingAChildOverAndOverAreWalkedOnce) {
  Image img = put_image(store, "layer");
  oci::Descriptor d = img.manifest;
  // 32 levels of 64 entries each: 64^32 paths, 33 documents.
  for (int i = 0; i < 32; ++i) {
    oci::Index ix;
    ix.media_type = std::string(oci::media::kOciIndex);
    ix.manifests = std::vector<oci::Descriptor>(64, d);
    std::string bytes = ix.serialize();
    store.put_blob(bytes);
    d = oci::describe(oci::media::kOciIndex, bytes);
  }
  EXPECT_EQ(image_blobs(store, d), (std::vector<Digest>{img.config, img.layer}));
}

TEST_F(BlobSourcesTest, APulledImageCanBeMountedInAnotherRepositoryOfTheHost) {
  Image img = put_image(store, "layer");
  record_blob_sources(store, img.manifest, parse_docker_ref("127.0.0.1:5000/base/img:1"));
  EXPECT_EQ(store.blob_sources(img.layer), std::vector<std::string>{"127.0.0.1:5000/base/img"});
  EXPECT_EQ(store.blob_sources(img.config), std::vector<std::string>{"127.0.0.1:5000/base/img"});
  EXPECT_TRUE(store.blob_sources(img.manifest.digest).empty()) << "manifests are not mounted";

  auto candidates = mount_sources(store, parse_docker_ref("127.0.0.1:5000/app/img:1"));
  EXPECT_EQ(candidates(img.layer), std::vector<std::string>{"base/img"});
  EXPECT_TRUE(mount_sources(store, parse_docker_ref("127.0.0.1:5000/base/img:2"))(img.layer).empty())
      << "not from the repository pushed to";
  EXPECT_TRUE(mount_sources(store, parse_docker_ref("127.0.0.1:5001/app/img:1"))(img.layer).empty())
      << "not from another registry";
  EXPECT_TRUE(mount_sources(store, parse_docker_ref("127.0.0.1:50/app/img:1"))(img.layer).empty())
      << "a host that is a prefix of another is not that host";
}

TEST_F(BlobSourcesTest, MostRecentFirstWithoutDuplicatesAndBounded) {
  Image img = put_image(store, "layer");
  for (int i = 0; i < 20; ++i)
    record_blob_sources(store, img.manifest, parse_docker_ref("reg.example/team/r" + std::to_string(i)));
  record_blob_sources(store, img.manifest, parse_docker_ref("reg.example/team/r5"));
  auto sources = store.blob_sources(img.layer);
  ASSERT_EQ(sources.size(), 16u);
  EXPECT_EQ(sources[0], "reg.example/team/r5");
  EXPECT_EQ(sources[1], "reg.example/team/r19");
  EXPECT_EQ(std::count(sources.begin(), sources.end(), "reg.example/team/r5"), 1);
  EXPECT_EQ(sources[15], "reg.example/team/r4");
}

TEST_F(BlobSourcesTest, IndexChildrenAreFollowedAndMissingOnesSkipped) {
  Image a = put_image(store, "layer-a");
  Image b = put_image(store, "layer-b");
  oci::Index ix;
  ix.media_type = std::string(oci::media::kOciIndex);
  oci::Descriptor absent = oci::describe(oci::media::kOciManifest, "not in the store");
  ix.manifests = {a.manifest, absent, b.manifest};
  std::string bytes = ix.serialize();
  store.put_blob(bytes);
  auto blobs = image_blobs(store, oci::describe(oci::media::kOciIndex, bytes));
  EXPECT_EQ(blobs.size(), 3u) << "one shared config and two layers";
  for (auto d : {a.config, a.layer, b.layer}) EXPECT_NE(std::find(blobs.begin(), blobs.end(), d), blobs.end());
}

TEST_F(BlobSourcesTest, ConcurrentProcessesLoseNothing) {
  Image img = put_image(store, "shared");
  constexpr int kProcs = 4, kRepos = 3;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      oci::Store s(dir.path());
      for (int i = 0; i < kRepos; ++i)
        record_blob_sources(s, img.manifest, parse_docker_ref("reg.example/p" + std::to_string(p) + "/r" + std::to_string(i)));
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int st = 0;
    waitpid(k, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  EXPECT_EQ(store.blob_sources(img.layer).size(), static_cast<size_t>(kProcs * kRepos));
}

}  // namespace
