// OCI layouts: reading the go-containerregistry layout fixtures (unknown
// media types in index.json must not be an error), and writing one.
#include "publish/oci_layout.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/fs.h"
#include "oci/media_types.h"
#include "oci/store.h"
#include "publish/store_image.h"
#include "tests/test_support.h"

using hoist::test::error_of;

using namespace hoist;

namespace {

std::string fixture(const std::string& name) {
  return test::conformance_path("ggcr-fixtures/pkg/v1/layout/testdata/" + name);
}

// Copies the named image of a fixture into a fresh store; returns what was tagged.
oci::Descriptor load(const std::string& dir, const std::string& name) {
  fs::TempDir t;
  oci::Store store(t.path());
  publish::OciLayoutSource src(dir, name);
  publish::StoreSink sink(store);
  publish::copy(src, sink, {"docker.io/library/loaded:1"});
  auto d = store.resolve("docker.io/library/loaded:1");
  EXPECT_TRUE(d);
  EXPECT_TRUE(store.has_blob(d->digest));
  return *d;
}

}  // namespace

TEST(OciLayout, ReadsEveryImageOfAnIndexWithUnknownEntries) {
  // test_index lists an image (1), an entry of an unknown media type (2), an OCI index (3) and a Docker list (4).
  EXPECT_TRUE(oci::media::is_manifest(load(fixture("test_index"), "1").media_type));
  EXPECT_EQ(load(fixture("test_index"), "3").media_type, oci::media::kOciIndex);
  EXPECT_EQ(load(fixture("test_index"), "4").media_type, oci::media::kDockerManifestList);
  EXPECT_NE(error_of([] { load(fixture("test_index"), "2"); }).find("no image named \"2\""), std::string::npos);
  EXPECT_NE(error_of([] { load(fixture("test_index"), ""); }).find("available: 1, 3, 4"), std::string::npos);
}

TEST(OciLayout, GarbageCollectionFixtures) {
  EXPECT_TRUE(oci::media::is_manifest(load(fixture("test_gc_index"), "1").media_type));
  EXPECT_EQ(load(fixture("test_gc_index"), "3").media_type, oci::media::kOciIndex);
  // Only an entry of an unknown media type: readable, but it names no image.
  EXPECT_NE(error_of([] { load(fixture("test_gc_image_unknown_mediatype"), ""); }).find("available: none"),
            std::string::npos);
}

TEST(OciLayout, SingleUnnamedImage) {
  EXPECT_TRUE(oci::media::is_manifest(load(fixture("test_index_media_type"), "").media_type));
}

TEST(OciLayout, CompactIndexOfOneImage) {
  EXPECT_EQ(load(fixture("test_index_one_image"), "").digest.hex(),
            "98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46");
}

TEST(OciLayout, MissingBlobIsAClearError) {
  fs::TempDir t;
  std::string dir = t.path() + "/layout";
  ASSERT_EQ(std::system(("cp -r " + fixture("test_index_one_image") + " " + dir + " && chmod -R u+w " + dir +
                         " && rm " + dir + "/blobs/sha256/381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810")
                            .c_str()),
            0);
  std::string err = error_of([&] { load(dir, ""); });
  EXPECT_NE(err.find("381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810"), std::string::npos) << err;
}

TEST(OciLayout, NotALayout) {
  fs::TempDir t;
  EXPECT_NE(error_of([&] { publish::OciLayoutSource(t.path(), ""); }).find("not an OCI layout"), std::string::npos);
}

TEST(OciLayout, WritesDirAndTarThatReadBack) {
  fs::TempDir t;
  oci::Store store(t.path() + "/root");
  {
    publish::OciLayoutSource src(fixture("test_index"), "1");
    publish::StoreSink sink(store);
    publish::copy(src, sink, {"example.com/app:1.0"});
  }
  for (std::string dest : {t.path() + "/layout", t.path() + "/layout.tar"}) {
    publish::StoreSource src(store, "example.com/app:1.0");
    publish::OciLayoutSink sink(dest);
    publish::copy(src, sink, {"example.com/app:1.0"});
  }
  std::string index = fs::read_file(t.path() + "/layout/index.json");
  EXPECT_NE(index.find(R"("org.opencontainers.image.ref.name":"1.0")"), std::string::npos) << index;
  EXPECT_NE(index.find(R"("io.containerd.image.name":"example.com/app:1.0")"), std::string::npos) << index;
  publish::OciLayoutSource back(t.path() + "/layout", "1.0");
  EXPECT_EQ(back.root().digest, store.resolve("example.com/app:1.0")->digest);
  EXPECT_TRUE(fs::exists(t.path() + "/layout.tar"));
  EXPECT_FALSE(fs::exists(t.path() + "/layout.tar.partial"));
}
