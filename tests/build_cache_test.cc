// Step cache keys (stable, sensitive to every input, blind to arg order) and
// the record store under $HOIST_ROOT/cache/steps: round trips, a pruned
// layer or a damaged record is a miss, concurrent writers leave a whole record.
#include "builder/build_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "common/error.h"
#include "common/fs.h"
#include "oci/media_types.h"
#include "oci/store.h"
#include "tests/test_support.h"

namespace hoist::builder {
namespace {

using Args = std::vector<std::pair<std::string, std::string>>;

TEST(StepCacheKey, SameInputsSameKey) {
  const std::string k = step_cache_key("sha256:parent", "RUN make", {{"A", "1"}}, "content");
  EXPECT_TRUE(oci::Digest::valid(k)) << k;
  EXPECT_EQ(step_cache_key("sha256:parent", "RUN make", {{"A", "1"}}, "content"), k);
}

TEST(StepCacheKey, EveryInputChangesTheKey) {
  const Args args = {{"A", "1"}, {"B", ""}};
  const std::string k = step_cache_key("p", "RUN make", args, "c");
  EXPECT_NE(step_cache_key("q", "RUN make", args, "c"), k);
  EXPECT_NE(step_cache_key("p", "RUN make all", args, "c"), k);
  EXPECT_NE(step_cache_key("p", "RUN make", {{"A", "2"}, {"B", ""}}, "c"), k);
  EXPECT_NE(step_cache_key("p", "RUN make", {{"A", "1"}, {"C", ""}}, "c"), k);
  EXPECT_NE(step_cache_key("p", "RUN make", {{"A", "1"}}, "c"), k);  // an empty arg is still an arg
  EXPECT_NE(step_cache_key("p", "RUN make", {{"A", "1"}, {"B", ""}, {"C", "3"}}, "c"), k);
  EXPECT_NE(step_cache_key("p", "RUN make", args, "d"), k);
  EXPECT_NE(step_cache_key("p", "RUN make", args), k);
}

TEST(StepCacheKey, ArgOrderDoesNotMatter) {
  EXPECT_EQ(step_cache_key("p", "RUN x", {{"B", "2"}, {"A", "1"}, {"C", "3"}}),
            step_cache_key("p", "RUN x", {{"A", "1"}, {"B", "2"}, {"C", "3"}}));
}

TEST(StepCacheKey, NoTextCanShiftIntoAnotherField) {
  EXPECT_NE(step_cache_key("p", "RUN ab", {}, "c"), step_cache_key("p", "RUN a", {}, "bc"));
  EXPECT_NE(step_cache_key("pR", "UN x", {}), step_cache_key("p", "RUN x", {}));
  EXPECT_NE(step_cache_key("p", "RUN x", {{"A", "B=C"}}), step_cache_key("p", "RUN x", {{"A=B", "C"}}));
  EXPECT_NE(step_cache_key("p", "RUN x", {{"A", "1"}}), step_cache_key("p", "RUN x", {}, "A1"));
}

TEST(BaseCacheKey, CoversImageAndPlatform) {
  const std::string digest = oci::Digest::of("manifest").str();
  const std::string k = base_cache_key(digest, "linux/amd64");
  EXPECT_TRUE(oci::Digest::valid(k));
  EXPECT_EQ(base_cache_key(digest, "linux/amd64"), k);
  EXPECT_NE(base_cache_key(digest, "linux/arm64"), k);
  EXPECT_NE(base_cache_key(oci::Digest::of("other").str(), "linux/amd64"), k);
  EXPECT_NE(base_cache_key("scratch", "linux/amd64"), k);
  EXPECT_NE(step_cache_key(digest, "linux/amd64", {}), k);  // never a step's key
}

class BuildCacheTest : public ::testing::Test {
 protected:
  BuildCacheTest() : store(tmp.path()), cache(tmp.path()) {}

  CacheRecord layer_record(const std::string& bytes) {
    CacheRecord r;
    oci::Descriptor d;
    d.media_type = oci::media::kOciLayerGzip;
    d.digest = store.put_blob(bytes);
    d.size = static_cast<int64_t>(bytes.size());
    d.annotations["org.example.note"] = "kept";
    r.layer = d;
    r.diff_id = oci::Digest::of("uncompressed " + bytes);
    r.created = "2024-05-01T12:00:00Z";
    return r;
  }

  static void expect_same(const CacheRecord& got, const CacheRecord& want) {
    ASSERT_EQ(got.layer.has_value(), want.layer.has_value());
    if (want.layer) {
      EXPECT_EQ(got.layer->media_type, want.layer->media_type);
      EXPECT_EQ(got.layer->digest, want.layer->digest);
      EXPECT_EQ(got.layer->size, want.layer->size);
      EXPECT_EQ(got.layer->annotations, want.layer->annotations);
      EXPECT_EQ(got.layer->urls, want.layer->urls);
    }
    EXPECT_EQ(got.diff_id, want.diff_id);
    EXPECT_EQ(got.created, want.created);
  }

  std::string record_file(const std::string& key) const {
    return tmp.path() + "/cache/steps/" + key.substr(std::string("sha256:").size());
  }

  fs::TempDir tmp;
  oci::Store store;
  BuildCache cache;
  const std::string key = step_cache_key("p", "COPY . /app", {}, "content");
};

TEST_F(BuildCacheTest, MissingRecordIsAMiss) {
  EXPECT_EQ(cache.lookup(key, store), std::nullopt);
  EXPECT_FALSE(fs::exists(tmp.path() + "/cache"));  // a lookup creates nothing
}

TEST_F(BuildCacheTest, LayerRecordRoundTrip) {
  const CacheRecord r = layer_record("layer one");
  cache.record(key, r);
  auto got = cache.lookup(key, store);
  ASSERT_TRUE(got);
  expect_same(*got, r);
  EXPECT_TRUE(fs::exists(record_file(key)));
}

TEST_F(BuildCacheTest, EmptyLayerRecordRoundTrip) {
  CacheRecord r;
  r.created = "2024-05-01T12:00:00Z";
  cache.record(key, r);
  auto got = cache.lookup(key, store);
  ASSERT_TRUE(got);
  expect_same(*got, r);
}

TEST_F(BuildCacheTest, RecordReplacesTheOldOne) {
  cache.record(key, layer_record("first"));
  const CacheRecord second = layer_record("second");
  cache.record(key, second);
  expect_same(*cache.lookup(key, store), second);
}

TEST_F(BuildCacheTest, PrunedLayerIsAMissAndTheRecordGoes) {
  cache.record(key, layer_record("only the cache knows me"));
  ASSERT_TRUE(cache.lookup(key, store));
  // Nothing in index.json references the blob: prune takes it, as the header says.
  EXPECT_EQ(store.prune().blobs, 1u);
  EXPECT_EQ(cache.lookup(key, store), std::nullopt);
  EXPECT_FALSE(fs::exists(record_file(key)));
}

TEST_F(BuildCacheTest, DamagedRecordIsAMiss) {
  const std::string good = [&] {
    cache.record(key, layer_record("layer"));
    return fs::read_file(record_file(key));
  }();
  const std::vector<std::string> bad = {
      good.substr(0, good.size() / 2),  // torn
      "",
      "garbage",
      "[]",
      R"({"layer":null})",                                                          // no created
      R"({"layer":{"mediaType":"x","digest":"sha256:nothex","size":1},"diffID":"sha256:00","created":"t"})",
      R"({"layer":{"mediaType":"x","digest":")" + layer_record("layer").layer->digest.str() +
          R"(","size":"big"},"diffID":")" + oci::Digest::of("d").str() + R"(","created":"t"})",
      R"({"layer":{"mediaType":"x","digest":")" + layer_record("layer").layer->digest.str() +
          R"(","size":5},"created":"t"})",  // a layer without a diffID
      R"({"layer":null,"created":5})",
  };
  for (const auto& bytes : bad) {
    fs::write_file_atomic(record_file(key), bytes);
    EXPECT_EQ(test::error_of([&] { EXPECT_EQ(cache.lookup(key, store), std::nullopt) << bytes; }), "");
    EXPECT_FALSE(fs::exists(record_file(key))) << bytes;
  }
}

TEST_F(BuildCacheTest, KeysThatAreNotDigestsAreRefused) {
  EXPECT_EQ(test::error_of([&] { cache.lookup("../../etc/passwd", store); }),
            "invalid build cache key \"../../etc/passwd\"");
  EXPECT_NE(test::error_of([&] { cache.record("sha256:../x", CacheRecord{}); }), "");
}

TEST_F(BuildCacheTest, LayerWithoutDiffIdIsRefused) {
  CacheRecord r = layer_record("layer");
  r.diff_id = {};
  EXPECT_EQ(test::error_of([&] { cache.record(key, r); }),
            "build cache record " + key + " has a layer but no diff_id");
}

TEST_F(BuildCacheTest, ConcurrentRecordsOfOneKeyLeaveAWholeRecord) {
  const CacheRecord a = layer_record("layer a");
  const CacheRecord b = layer_record("layer b, somewhat longer than a");
  auto writer = [&](const CacheRecord& r) {
    BuildCache mine(tmp.path());  // as another build would have
    for (int i = 0; i < 100; ++i) mine.record(key, r);
  };
  std::thread ta(writer, std::cref(a));
  std::thread tb(writer, std::cref(b));
  ta.join();
  tb.join();
  auto got = cache.lookup(key, store);
  ASSERT_TRUE(got);
  expect_same(*got, got->layer->digest == a.layer->digest ? a : b);
  size_t files = 0;  // the record, and no temp file left behind
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tmp.path() + "/cache/steps")) ++files;
  EXPECT_EQ(files, 1u);
}

}  // namespace
}  // namespace hoist::builder
