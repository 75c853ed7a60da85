// Registry::put_blob's state machine through a scripted HttpClient: one PUT
// for a small blob, PATCH chunks (the registry's Content-Range grammar, its
// newest Location, both Range spellings, OCI-Chunk-Min-Length) for a large
// one, resuming where the registry stands after a reset or a 416, a new
// session when the old one is gone, cancelling when giving up, and
// cross-repository mounts (201 done, 202 an upload session, errors a plain
// upload).
#include <gtest/gtest.h>

#include "common/error.h"
#include "oci/media_types.h"
#include "publish/registry.h"
#include "tests/scripted_http_client.h"
#include "tests/test_support.h"

using hoist::test::error_of;

using namespace hoist;
using namespace hoist::publish;
using hoist::test::reply;
using hoist::test::ScriptedHttp;
using hoist::test::SeenRequest;
using namespace std::chrono_literals;

namespace {

constexpr int64_t MiB = 1 << 20;
const std::string kBase = "http://127.0.0.1:5000";
const std::string kUploads = kBase + "/v2/team/app/blobs/uploads/";

// 40 MiB that no misplaced chunk could match: large enough to go up in chunks.
const std::string& large_blob() {
  static const std::string data = [] {
    std::string s(static_cast<size_t>(40 * MiB), '\0');
    uint32_t x = 12345;
    for (auto& c : s) {
      x = x * 1664525 + 1013904223;
      c = static_cast<char>(x >> 24);
    }
    return s;
  }();
  return data;
}

HttpResponse session(const std::string& location, std::vector<std::pair<std::string, std::string>> more = {}) {
  more.emplace_back("location", location);
  return reply(202, more);
}

// Checks a PATCH of bytes [start, end] of `blob`, then answers `r`.
ScriptedHttp::Handler chunk(const std::string& blob, int64_t start, int64_t end, HttpResponse r) {
  return [&blob, start, end, r](const SeenRequest& s) {
    EXPECT_EQ(s.header("Content-Type"), "application/octet-stream");
    EXPECT_EQ(s.header("Content-Range"), std::to_string(start) + "-" + std::to_string(end));
    EXPECT_EQ(s.header("Content-Length"), std::to_string(end - start + 1));
    EXPECT_TRUE(s.body == blob.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)))
        << "PATCH " << start << "-" << end << " carries other bytes";
    return r;
  };
}

ScriptedHttp::Handler closing_put(const std::string& url, HttpResponse r) {
  return [url, r](const SeenRequest& s) {
    EXPECT_EQ(s.url, url);
    EXPECT_EQ(s.header("Content-Length"), "0");
    EXPECT_TRUE(s.body.empty());
    return r;
  };
}

class BlobUploadTest : public ::testing::Test {
 protected:
  ScriptedHttp http;
  Registry registry{"127.0.0.1:5000", http, "http://127.0.0.1:5000"};
  int opens = 0;

  void SetUp() override { registry.set_retry(3, 1ms); }

  Registry::BlobPut put(const std::string& data, const std::vector<std::string>& mount_from = {}) {
    return put(oci::describe(oci::media::kOciLayer, data), data, mount_from);
  }
  Registry::BlobPut put(const oci::Descriptor& d, const std::string& data,
                        const std::vector<std::string>& mount_from = {}) {
    return registry.put_blob("team/app", d, [&] {
      ++opens;
      return std::make_unique<layers::BufferReader>(data);
    }, mount_from);
  }
};

TEST_F(BlobUploadTest, SmallBlobGoesUpInOnePut) {
  std::string data = "a small layer";
  auto d = oci::describe(oci::media::kOciLayer, data);
  http.expect("POST", kUploads,
              [](const SeenRequest& s) {
                EXPECT_EQ(s.url, kUploads);
                EXPECT_EQ(s.header("Content-Length"), "0");
                return session("/v2/team/app/blobs/uploads/u1?_state=s1");
              })
      .expect("PUT", "/u1", [&](const SeenRequest& s) {
        EXPECT_EQ(s.url, kUploads + "u1?_state=s1&digest=" + d.digest.str());
        EXPECT_EQ(s.header("Content-Type"), "application/octet-stream");
        EXPECT_EQ(s.header("Content-Length"), std::to_string(data.size()));
        EXPECT_EQ(s.body, data);
        return reply(201);
      });
  EXPECT_EQ(put(data), Registry::BlobPut::Uploaded);
  EXPECT_EQ(opens, 1);
}

TEST_F(BlobUploadTest, EmptyBlob) {
  std::string data;
  auto d = oci::describe(oci::media::kOciLayer, data);
  http.expect("POST", kUploads, session(kUploads + "u1"))
      .expect("PUT", "/u1", closing_put(kUploads + "u1?digest=" + d.digest.str(), reply(201)));
  EXPECT_EQ(put(data), Registry::BlobPut::Uploaded);
}

TEST_F(BlobUploadTest, LargeBlobGoesUpInChunksAlwaysToTheNewestLocation) {
  const std::string& data = large_blob();
  auto d = oci::describe(oci::media::kOciLayer, data);
  http.expect("POST", kUploads, session(kUploads + "u?_state=a"))
      .expect("PATCH", "u?_state=a", chunk(data, 0, 16 * MiB - 1, session("u?_state=b", {{"range", "0-16777215"}})))
      .expect("PATCH", kUploads + "u?_state=b",
              chunk(data, 16 * MiB, 32 * MiB - 1, session("/v2/team/app/blobs/uploads/u?_state=c", {{"range", "bytes=0-33554431"}})))
      .expect("PATCH", kUploads + "u?_state=c", chunk(data, 32 * MiB, 40 * MiB - 1, session(kUploads + "u?_state=d")))
      .expect("PUT", "u?_state=d", closing_put(kUploads + "u?_state=d&digest=" + d.digest.str(), reply(201)));
  EXPECT_EQ(put(data), Registry::BlobPut::Uploaded);
  EXPECT_EQ(opens, 1);
}

TEST_F(BlobUploadTest, ChunksAsLargeAsTheRegistryAsks) {
  const std::string& data = large_blob();
  http.expect("POST", kUploads, session(kUploads + "u?_state=a", {{"oci-chunk-min-length", "20971520"}}))
      .expect("PATCH", "_state=a", chunk(data, 0, 20 * MiB - 1, session(kUploads + "u?_state=b", {{"range", "0-20971519"}})))
      .expect("PATCH", "_state=b", chunk(data, 20 * MiB, 40 * MiB - 1, session(kUploads + "u?_state=c")))
      .expect("PUT", "_state=c", reply(201));
  EXPECT_EQ(put(data), Registry::BlobPut::Uploaded);
}

TEST_F(BlobUploadTest, ResetMidChunkResumesWhereTheRegistryStands) {
  const std::string& data = large_blob();
  http.expect("POST", kUploads, session(kUploads + "u?_state=a"))
      .expect("PATCH", "_state=a", chunk(data, 0, 16 * MiB - 1, session(kUploads + "u?_state=b", {{"range", "0-16777215"}})))
      .reset("PATCH", "_state=b", MiB)
      .expect("GET", kUploads + "u?_state=b", reply(204, {{"location", kUploads + "u?_state=b2"}, {"range", "0-16777215"}}))
      .expect("PATCH", "_state=b2",
              chunk(data, 16 * MiB, 32 * MiB - 1, session(kUploads + "u?_state=c", {{"range", "0-33554431"}})))
      .expect("PATCH", "_state=c", chunk(data, 32 * MiB, 40 * MiB - 1, session(kUploads + "u?_state=d")))
      .expect("PUT", "_state=d&digest=", reply(201));
  EXPECT_EQ(put(data), Registry::BlobPut::Uploaded);
  EXPECT_EQ(opens, 2) << "the source had been read past the resume point";
}

TEST_F(BlobUploadTest, TheRegistryKeepingLessThanSentIsFollowed) {
  const std::string& data = large_blob();
  http.expect("POST", kUploads, session(kUploads + "u?_state=a"))
      .expect("PATCH", "_state=a", chunk(data, 0, 16 * MiB - 1, session(kUploads + "u?_state=b", {{"range", "0-999"}})))
      .expect("PATCH", "_state=b", chunk(data, 1000, 1000 + 16 * MiB - 1, session(kUploads + "u?_state=c")))
      .expect("PATCH", "_state=c", chunk(data, 1000 + 16 * MiB, 1000 + 32 * MiB - 1, session(kUploads + "u?_state=d")))
      .expect("PATCH", "_state=d", chunk(data, 1000 + 32 * MiB, 40 * MiB - 1, session(kUploads + "u?_state=e")))
      .expect("PUT", "_state=e&digest=", reply(201));
  EXPECT_EQ(put(data), Registry::BlobPut::Uploaded);
}

TEST_F(BlobUploadTest, A416AsksTheRegistryForItsOffset) {
  const std::string& data = large_blob();
  http.expect("POST", kUploads, session(kUploads + "u?_state=a"))
      .expect("PATCH", "_state=a", chunk(data, 0, 16 * MiB - 1, session(kUploads + "u?_state=b", {{"range", "0-16777215"}})))
      .expect("PATCH", "_state=b", reply(416))
      .expect("GET", "_state=b", reply(204, {{"location", kUploads + "u?_state=b2"}, {"range", "0-16777215"}}))
      .expect("PATCH", "_state=b2", chunk(data, 16 * MiB, 32 * MiB - 1, session(kUploads + "u?_state=c")))
      .expect("PATCH", "_state=c", chunk(data, 32 * MiB, 40 * MiB - 1, session(kUploads + "u?_state=d")))
      .expect("PUT", "_state=d", reply(201));
  EXPECT_EQ(put(data), Registry::BlobPut::Uploaded);
}

TEST_F(BlobUploadTest, TransientFailureOpeningTheSessionIsRetried) {
  http.expect("POST", kUploads, reply(503, {{"retry-after", "0"}}))
      .reset("POST", kUploads, 0)
      .expect("POST", kUploads, session(kUploads + "u1"))
      .expect("PUT", "u1?digest=", reply(201));
  EXPECT_EQ(put("data"), Registry::BlobPut::Uploaded);
}

TEST_F(BlobUploadTest, FailedPutIsSentAgainToTheSameSession) {
  http.expect("POST", kUploads, session(kUploads + "u1?_state=a"))
      .reset("PUT", "u1?_state=a&digest=", 2)
      .expect("GET", kUploads + "u1?_state=a", reply(204, {{"location", kUploads + "u1?_state=a2"}, {"range", "0-0"}}))
      .expect("PUT", "u1?_state=a2&digest=", [](const SeenRequest& s) {
        EXPECT_EQ(s.body, "data");
        return reply(201);
      });
  EXPECT_EQ(put("data"), Registry::BlobPut::Uploaded);
}

TEST_F(BlobUploadTest, ASessionThatIsGoneIsCancelledAndTheBlobStartedAgain) {
  http.expect("POST", kUploads, session(kUploads + "u1"))
      .expect("PUT", "u1?digest=", reply(503))
      .expect("GET", kUploads + "u1", reply(404, {}, R"({"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]})"))
      .expect("DELETE", kUploads + "u1", reply(404))
      .expect("POST", kUploads, session(kUploads + "u2"))
      .expect("PUT", "u2?digest=", reply(201));
  EXPECT_EQ(put("data"), Registry::BlobPut::Uploaded);
}

TEST_F(BlobUploadTest, GivingUpCancelsTheSessionWithOneLine) {
  registry.set_retry(1, 1ms);
  std::string data = "data";
  auto d = oci::describe(oci::media::kOciLayer, data);
  std::string body = R"({"errors":[{"code":"UNKNOWN","message":"storage unavailable"}]})";
  http.expect("POST", kUploads, session(kUploads + "u1"))
      .expect("PUT", "u1?digest=", reply(500, {}, body))
      .expect("GET", kUploads + "u1", reply(204, {{"range", "0-0"}}))
      .expect("PUT", "u1?digest=", reply(500, {}, body))
      .expect("DELETE", kUploads + "u1", [](const SeenRequest& s) {
        EXPECT_EQ(s.header("Content-Length"), "0");
        return reply(204);
      });
  EXPECT_EQ(error_of([&] { put(d, data); }), "unknown: storage unavailable (uploading blob " + d.digest.str() +
                                                 " to 127.0.0.1:5000/team/app at 127.0.0.1:5000, gave up after 1 retry)");
}

TEST_F(BlobUploadTest, AnErrorOfTheRegistryIsNotRetried) {
  http.expect("POST", kUploads, reply(404, {}, R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]})"));
  EXPECT_EQ(error_of([&] { put("data"); }),
            "not found: uploading blob " + oci::describe(oci::media::kOciLayer, "data").digest.str() +
                " to 127.0.0.1:5000/team/app (name unknown: repository name not known to registry)");
}

TEST_F(BlobUploadTest, FailingToReadTheSourceIsNotRetried) {
  struct Broken : layers::Reader {
    size_t read(void*, size_t) override { throw Error("read /store/blobs/x: Input/output error"); }
  };
  auto d = oci::describe(oci::media::kOciLayer, "data");
  http.expect("POST", kUploads, session(kUploads + "u1"))
      .expect("PUT", "u1?digest=", reply(201))
      .expect("DELETE", "u1", reply(204));
  EXPECT_EQ(error_of([&] { registry.put_blob("team/app", d, [] { return std::make_unique<Broken>(); }); }),
            "read /store/blobs/x: Input/output error");
}

TEST_F(BlobUploadTest, ASourceShorterThanItsDescriptorIsNotRetried) {
  auto d = oci::describe(oci::media::kOciLayer, "0123456789");
  http.expect("POST", kUploads, session(kUploads + "u1"))
      .expect("PUT", "u1?digest=", reply(201))
      .expect("DELETE", "u1", reply(204));
  EXPECT_EQ(error_of([&] { put(d, "01234"); }), "blob " + d.digest.str() + " ended after 5 bytes");
}

TEST_F(BlobUploadTest, MountedFromAnotherRepository) {
  auto d = oci::describe(oci::media::kOciLayer, "data");
  http.expect("POST", kUploads + "?mount=" + d.digest.str() + "&from=base/img", reply(201));
  EXPECT_EQ(put(d, "data", {"base/img"}), Registry::BlobPut::Mounted);
  EXPECT_EQ(opens, 0);
}

TEST_F(BlobUploadTest, AMountAnsweredWithASessionUploadsToIt) {
  http.expect("POST", "?mount=", session(kUploads + "m1"))
      .expect("PUT", kUploads + "m1?digest=", reply(201));
  EXPECT_EQ(put("data", {"base/img"}), Registry::BlobPut::Uploaded);
  EXPECT_EQ(opens, 1);
}

TEST_F(BlobUploadTest, AFailedMountTriesTheNextSourceThenAPlainUpload) {
  http.expect("POST", "&from=base/one", reply(404))
      .reset("POST", "&from=base/two", 0)
      .expect("POST", kUploads, [](const SeenRequest& s) {
        EXPECT_EQ(s.url, kUploads);
        return session(kUploads + "u1");
      })
      .expect("PUT", "u1?digest=", reply(201));
  EXPECT_EQ(put("data", {"base/one", "base/two"}), Registry::BlobPut::Uploaded);
}

TEST_F(BlobUploadTest, AMountIsNotTriedAgainWhenTheUploadIsRetried) {
  http.expect("POST", "?mount=", reply(503))
      .expect("POST", kUploads, reply(503))
      .expect("POST", kUploads, [](const SeenRequest& s) {
        EXPECT_EQ(s.url, kUploads);
        return session(kUploads + "u1");
      })
      .expect("PUT", "u1?digest=", reply(201));
  EXPECT_EQ(put("data", {"base/img"}), Registry::BlobPut::Uploaded);
}

}  // namespace
