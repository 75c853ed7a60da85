#include "oci/descriptor.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "oci/media_types.h"

using namespace hoist::oci;

namespace {
const char* kManifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                        R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:)"
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                        R"(","size":0},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",)"
                        R"("digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",)"
                        R"("size":0,"x-future":{"a":1}}],"annotations":{"k":"v"},"futureField":[1,2]})";
}

TEST(Manifest, RoundTripKeepsUnknownFields) {
  Manifest m = Manifest::parse(kManifest);
  EXPECT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.annotations.at("k"), "v");
  std::string out = m.serialize();
  EXPECT_NE(out.find(R"("futureField":[1,2])"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("x-future":{"a":1})"), std::string::npos) << out;
  EXPECT_EQ(Manifest::parse(out).serialize(), out);
}

TEST(Manifest, RejectsMalformed) {
  EXPECT_THROW(Manifest::parse("{"), hoist::Error);
  EXPECT_THROW(Manifest::parse("[]"), hoist::Error);
  EXPECT_THROW(Manifest::parse(R"({"schemaVersion":2})"), hoist::Error);  // no config
  EXPECT_THROW(Manifest::parse(R"({"schemaVersion":1,"config":{}})"), hoist::Error);
  EXPECT_THROW(Manifest::parse(R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"md5:00","size":1}})"),
               hoist::Error);
  EXPECT_THROW(Manifest::parse(R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:)"
                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                               R"(","size":-1}})"),
               hoist::Error);
}

// Two parsers reading one document differently is an attack on whoever
// checks it (image-spec's duplicate-key confusion): hoist reads no such document.
TEST(Manifest, RefusesDuplicateKeysAtAnyDepth) {
  std::string config = R"({"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:)"
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                       R"(","size":0})";
  auto error = [](const std::string& doc) {
    try {
      Manifest::parse(doc);
    } catch (const hoist::Error& e) {
      return e.describe();
    }
    return std::string();
  };
  EXPECT_EQ(error(R"({"schemaVersion":2,"config":)" + config + R"(,"config":)" + config + "}"),
            "parsing image manifest: manifest has the key \"config\" twice in one object");
  EXPECT_EQ(error(R"({"schemaVersion":2,"config":)" + config + R"(,"annotations":{"a":"1","a":"2"}})"),
            "parsing image manifest: manifest has the key \"a\" twice in one object");
  EXPECT_EQ(error(R"({"schemaVersion":2,"config":)" + config + R"(,"x":[{"k":1},{"k\u0000":2,"k\u0000":3}]})"),
            "parsing image manifest: manifest has the key \"k\\x00\" twice in one object");
  // The same key in sibling objects is no duplicate.
  EXPECT_EQ(error(R"({"schemaVersion":2,"config":)" + config + R"(,"x":[{"k":1},{"k":2}],"y":{"k":{"k":3}}})"), "");
  EXPECT_THROW(Index::parse(R"({"schemaVersion":2,"manifests":[],"manifests":[]})"), hoist::Error);
  EXPECT_THROW(detect_media_type(R"({"mediaType":"a","mediaType":"b"})"), hoist::Error);
}

TEST(Manifest, RefusesNestingDeeperThanAnyDocumentNeeds) {
  auto nested = [](int depth) {
    return R"({"schemaVersion":2,"manifests":[],"x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  EXPECT_NO_THROW(Index::parse(nested(64)));
  EXPECT_THROW(Index::parse(nested(65)), hoist::Error);
  // Deep enough to exhaust the stack of a recursive dump or copy.
  EXPECT_THROW(Index::parse(nested(1000000)), hoist::Error);
}

TEST(Manifest, WrongTypesAreHoistErrors) {
  const char* digest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_THROW(Manifest::parse(std::string(R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")") + digest +
                               R"(","size":0,"urls":[1]}})"),
               hoist::Error);
  EXPECT_THROW(Index::parse(std::string(R"({"schemaVersion":2,"manifests":[{"mediaType":"x","digest":")") + digest +
                            R"(","size":0,"platform":{"os":"linux","architecture":"amd64","os.features":[{}]}}]})"),
               hoist::Error);
}

TEST(Index, PlatformsAndAnnotations) {
  Index ix = Index::parse(
      R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":7,)"
      R"("platform":{"architecture":"arm64","os":"linux","variant":"v8"},)"
      R"("annotations":{"org.opencontainers.image.ref.name":"1.0"}}]})");
  ASSERT_EQ(ix.manifests.size(), 1u);
  ASSERT_TRUE(ix.manifests[0].platform);
  EXPECT_EQ(ix.manifests[0].platform->architecture, "arm64");
  EXPECT_EQ(ix.manifests[0].platform->variant, "v8");
  EXPECT_EQ(ix.manifests[0].annotation(kRefNameAnnotation), "1.0");
  EXPECT_EQ(Index::parse(ix.serialize()).serialize(), ix.serialize());
}

TEST(MediaTypes, Classification) {
  EXPECT_TRUE(media::is_manifest("application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"));
  EXPECT_TRUE(media::is_index(media::kDockerManifestList));
  EXPECT_TRUE(media::is_layer(media::kDockerForeignLayerGzip));
  EXPECT_FALSE(media::is_layer(media::kOciConfig));
  EXPECT_EQ(detect_media_type(R"({"schemaVersion":2,"manifests":[]})"), media::kOciIndex);
  EXPECT_EQ(detect_media_type(kManifest), media::kOciManifest);
  EXPECT_EQ(media::layer_type("zstd", false), media::kOciLayerZstd);
  EXPECT_EQ(media::layer_type("gzip", true), media::kDockerLayerGzip);
  // An uncompressed layer (e.g. loaded from a docker-archive) keeps a type that says so.
  EXPECT_EQ(media::layer_type("none", true), media::kDockerLayer);
  EXPECT_EQ(media::layer_type("none", false), media::kOciLayer);
}

TEST(Describe, HashesExactBytes) {
  auto d = describe(media::kOciConfig, "{}");
  EXPECT_EQ(d.size, 2);
  EXPECT_EQ(d.digest, Digest::of("{}"));
}
