// The registry client through a scripted HttpClient: transient failures
// retried (and only those), one-line errors when the retries run out, a
// restarted download delivering each byte once, and the token dance: tokens
// cached per scope set, fetched before they are needed and before they
// expire, widened once on insufficient_scope, refreshed with the newest OAuth2
// refresh token, and one auth state shared by many threads.
#include "publish/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "common/error.h"
#include "oci/media_types.h"
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

const std::string kHost = "127.0.0.1:5000";
const std::string kManifest =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]})";
const std::string kDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
const std::string kChallenge = R"(Bearer realm="http://auth.test/token",service="reg",scope="repository:team/app:pull,push")";

HttpResponse token(const std::string& json) { return reply(200, {{"content-type", "application/json"}}, json); }

// Answers a request that must carry `authorization`.
ScriptedHttp::Handler with_auth(const std::string& authorization, HttpResponse r) {
  return [=](const SeenRequest& s) {
    EXPECT_EQ(s.header("Authorization"), authorization) << s.method << " " << s.url;
    return r;
  };
}

class RegistryTest : public ::testing::Test {
 protected:
  ScriptedHttp http;
  Registry registry{kHost, http, "http://" + kHost};
  void SetUp() override { registry.set_retry(3, 1ms); }
};

TEST_F(RegistryTest, TransientStatusesAreRetried) {
  http.expect("GET", "/v2/team/app/manifests/1", reply(503))
      .expect("GET", "/v2/team/app/manifests/1", reply(429, {{"retry-after", "0"}}))
      .expect("GET", "/v2/team/app/manifests/1", reply(502))
      .expect("GET", "/v2/team/app/manifests/1", reply(200, {}, kManifest));
  EXPECT_EQ(registry.get_manifest("team/app", "1").bytes, kManifest);
}

TEST_F(RegistryTest, OneLineNamingTheLastStatusWhenRetriesRunOut) {
  registry.set_retry(2, 1ms);
  std::string body = R"({"errors":[{"code":"UNKNOWN","message":"disk on fire"}]})";
  for (int i = 0; i < 3; ++i) http.expect("PUT", "/v2/team/app/manifests/1", reply(500, {}, body));
  auto d = oci::describe(oci::media::kOciManifest, kManifest);
  EXPECT_EQ(error_of([&] { registry.put_manifest("team/app", "1", d, kManifest); }),
            "unknown: disk on fire (pushing manifest 127.0.0.1:5000/team/app:1 at 127.0.0.1:5000, gave up after 2 retries)");
}

TEST_F(RegistryTest, TransportErrorsAreRetried) {
  http.reset("HEAD", "/blobs/" + kDigest, 0).reset("HEAD", "/blobs/", 0).expect("HEAD", "/blobs/", reply(200));
  EXPECT_TRUE(registry.has_blob("team/app", oci::Digest::parse(kDigest)));
}

TEST_F(RegistryTest, TransportErrorAfterTheLastRetry) {
  registry.set_retry(1, 1ms);
  http.reset("HEAD", "/blobs/", 0).reset("HEAD", "/blobs/", 0);
  EXPECT_EQ(error_of([&] { registry.has_blob("team/app", oci::Digest::parse(kDigest)); }),
            "gave up after 1 retry: Recv failure: Connection reset by peer (HEAD http://127.0.0.1:5000/v2/team/app/blobs/" +
                kDigest + ")");
}

TEST_F(RegistryTest, TlsFailuresAndClientErrorsAreNotRetried) {
  http.expect("GET", "/v2/", [](const SeenRequest&) -> HttpResponse {
    throw NotRetryable(Error("TLS error talking to 127.0.0.1:5000: SSL certificate problem"));
  });
  EXPECT_EQ(error_of([&] { registry.check_login(); }), "TLS error talking to 127.0.0.1:5000: SSL certificate problem");
  http.expect("HEAD", "/blobs/", reply(404));
  EXPECT_FALSE(registry.has_blob("team/app", oci::Digest::parse(kDigest)));
  http.expect("GET", "/manifests/2", reply(404, {}, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})"));
  EXPECT_EQ(error_of([&] { registry.get_manifest("team/app", "2"); }),
            "not found: 127.0.0.1:5000/team/app:2 (manifest unknown: manifest unknown)");
  EXPECT_EQ(http.requests.size(), 3u);
}

TEST_F(RegistryTest, InterruptedDownloadIsRestartedWithoutRepeatingBytes) {
  std::string blob = "0123456789abcdefghij";
  auto d = oci::describe(oci::media::kOciLayer, blob);
  http.cut("GET", "/v2/team/app/blobs/" + d.digest.str(), blob, 7)
      .cut("GET", "/blobs/", blob, 3)
      .expect("GET", "/blobs/", reply(200, {}, blob));
  layers::StringWriter out;
  registry.get_blob("team/app", d, out);
  EXPECT_EQ(out.out, blob);
}

TEST_F(RegistryTest, FailingToStoreADownloadIsNotRetried) {
  struct FullDisk : layers::Writer {
    void write(const void*, size_t) override { throw Error("write /store/tmp/x: No space left on device"); }
  } full;
  std::string blob = "abc";
  auto d = oci::describe(oci::media::kOciLayer, blob);
  http.expect("GET", "/blobs/", reply(200, {}, blob));
  EXPECT_EQ(error_of([&] { registry.get_blob("team/app", d, full); }), "write /store/tmp/x: No space left on device");
}

TEST_F(RegistryTest, TokenIsFetchedOnceForAScopeSetAndReused) {
  http.expect("HEAD", "/blobs/", reply(401, {{"www-authenticate", kChallenge}}))
      .expect("GET", "http://auth.test/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull%2Cpush",
              token(R"({"token":"t1","expires_in":300})"))
      .expect("HEAD", "/blobs/", with_auth("Bearer t1", reply(200)))
      .expect("HEAD", "/blobs/", with_auth("Bearer t1", reply(404)));
  auto d = oci::Digest::parse(kDigest);
  EXPECT_TRUE(registry.has_blob("team/app", d));
  EXPECT_FALSE(registry.has_blob("team/app", d));
}

TEST_F(RegistryTest, TokenForANewScopeSetIsFetchedWithoutA401) {
  http.expect("HEAD", "/blobs/", reply(401, {{"www-authenticate", kChallenge}}))
      .expect("GET", "auth.test/token", token(R"({"token":"t1"})"))
      .expect("HEAD", "/blobs/", with_auth("Bearer t1", reply(200)))
      .expect("GET", "auth.test/token?service=reg&scope=repository%3Abase%2Fimg%3Apull", token(R"({"token":"t2"})"))
      .expect("GET", "/v2/base/img/manifests/1", with_auth("Bearer t2", reply(200, {}, kManifest)));
  registry.has_blob("team/app", oci::Digest::parse(kDigest));
  registry.get_manifest("base/img", "1");
}

// An issued_at making a 60 s token due for replacement by the next request.
std::string nearly_expired() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - 50s);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return std::string(R"("expires_in":60,"issued_at":")") + buf + "\"";
}

TEST_F(RegistryTest, TokenIsReplacedBeforeItExpires) {
  http.expect("HEAD", "/blobs/", reply(401, {{"www-authenticate", kChallenge}}))
      .expect("GET", "auth.test/token", token(R"({"token":"t1",)" + nearly_expired() + "}"))
      .expect("HEAD", "/blobs/", with_auth("Bearer t1", reply(200)))
      .expect("GET", "auth.test/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull%2Cpush", token(R"({"token":"t2"})"))
      .expect("HEAD", "/blobs/", with_auth("Bearer t2", reply(200)))
      .expect("HEAD", "/blobs/", with_auth("Bearer t2", reply(200)));
  for (int i = 0; i < 3; ++i) registry.has_blob("team/app", oci::Digest::parse(kDigest));
}

TEST_F(RegistryTest, InsufficientScopeWidensTheTokenOnceAndNeverLoops) {
  std::string wider =
      R"(Bearer realm="http://auth.test/token",service="reg",scope="repository:base/img:pull repository:team/app:pull,push",error="insufficient_scope")";
  http.expect("HEAD", "/blobs/", reply(401, {{"www-authenticate", kChallenge}}))
      .expect("GET", "auth.test/token", token(R"({"token":"t1"})"))
      .expect("HEAD", "/blobs/", with_auth("Bearer t1", reply(200)))
      // The registry wants more than the token holds: the challenge's scopes are asked for, first.
      .expect("HEAD", "/blobs/", with_auth("Bearer t1", reply(401, {{"www-authenticate", wider}})))
      .expect("GET",
              "auth.test/token?service=reg&scope=repository%3Abase%2Fimg%3Apull&scope=repository%3Ateam%2Fapp%3Apull%2Cpush",
              token(R"({"token":"t2"})"))
      .expect("HEAD", "/blobs/", with_auth("Bearer t2", reply(200)))
      // Refused again after widening: one more token, one more try, then a clear failure.
      .expect("HEAD", "/blobs/", with_auth("Bearer t2", reply(401, {{"www-authenticate", wider}})))
      .expect("GET", "auth.test/token", token(R"({"token":"t3"})"))
      .expect("HEAD", "/blobs/", with_auth("Bearer t3", reply(401, {{"www-authenticate", wider}})));
  auto d = oci::Digest::parse(kDigest);
  EXPECT_TRUE(registry.has_blob("team/app", d));
  EXPECT_TRUE(registry.has_blob("team/app", d));
  EXPECT_EQ(error_of([&] { registry.has_blob("team/app", d); }),
            "unauthorized: HTTP 401 (checking blob " + kDigest + " in team/app at 127.0.0.1:5000)");
}

TEST_F(RegistryTest, TheSameTokenRefusedTwiceIsNotSentAgain) {
  HttpResponse refused = reply(401, {{"www-authenticate", kChallenge}});
  http.expect("GET", "/v2/", refused)
      .expect("GET", "auth.test/token", token(R"({"token":"same"})"))
      .expect("GET", "/v2/", with_auth("Bearer same", refused))
      .expect("GET", "/v2/", with_auth("Bearer same", refused))
      .expect("GET", "auth.test/token", token(R"({"token":"same"})"));
  EXPECT_FALSE(registry.check_login());
  EXPECT_FALSE(registry.check_login());
}

TEST_F(RegistryTest, MountAsksOneTokenForBothRepositories) {
  std::string blob = "layer";
  auto d = oci::describe(oci::media::kOciLayer, blob);
  http.expect("HEAD", "/v2/team/app/blobs/", reply(401, {{"www-authenticate", kChallenge}}))
      .expect("GET", "auth.test/token", token(R"({"token":"t1"})"))
      .expect("HEAD", "/v2/team/app/blobs/", with_auth("Bearer t1", reply(404)))
      .expect("GET",
              "auth.test/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull%2Cpush&scope=repository%3Abase%2Fimg%3Apull",
              token(R"({"token":"t2"})"))
      .expect("POST", "/v2/team/app/blobs/uploads/?mount=" + d.digest.str() + "&from=base/img",
              with_auth("Bearer t2", reply(201)));
  EXPECT_FALSE(registry.has_blob("team/app", d.digest));
  auto put = registry.put_blob("team/app", d, [&]() -> std::unique_ptr<layers::Reader> {
    ADD_FAILURE() << "a mounted blob is never read";
    return nullptr;
  }, {"base/img"});
  EXPECT_EQ(put, Registry::BlobPut::Mounted);
}

TEST(RegistryAuthTest, RefreshTokenFromTheTokenServerIsUsedForLaterGrants) {
  ScriptedHttp http;
  Credentials creds;
  creds.identity_token = "id1";
  Registry registry(kHost, http, "http://" + kHost, creds);
  auto form_has = [](std::vector<std::string> parts, HttpResponse r) {
    return [=](const SeenRequest& s) {
      EXPECT_EQ(s.header("Content-Type"), "application/x-www-form-urlencoded");
      for (auto& p : parts) EXPECT_NE(s.body.find(p), std::string::npos) << s.body << " lacks " << p;
      return r;
    };
  };
  http.expect("HEAD", "/blobs/", reply(401, {{"www-authenticate", kChallenge}}))
      .expect("POST", "http://auth.test/token",
              form_has({"grant_type=refresh_token", "refresh_token=id1", "service=reg",
                        "scope=repository%3Ateam%2Fapp%3Apull%2Cpush"},
                       token(R"({"access_token":"t1","refresh_token":"id2",)" + nearly_expired() + "}")))
      .expect("HEAD", "/blobs/", with_auth("Bearer t1", reply(200)))
      .expect("POST", "http://auth.test/token", form_has({"refresh_token=id2"}, token(R"({"access_token":"t2"})")))
      .expect("HEAD", "/blobs/", with_auth("Bearer t2", reply(200)));
  registry.has_blob("team/app", oci::Digest::parse(kDigest));
  registry.has_blob("team/app", oci::Digest::parse(kDigest));
  for (auto& r : http.requests) EXPECT_EQ(r.header("Authorization").find("id"), std::string::npos);
}

TEST(RegistryAuthTest, TokenServerRefusingIsOneLineAndNotRetried) {
  ScriptedHttp http;
  Credentials creds;
  creds.username = "ci";
  creds.password = "wrong";
  Registry registry(kHost, http, "http://" + kHost, creds);
  registry.set_retry(3, 1ms);
  http.expect("GET", "/v2/", reply(401, {{"www-authenticate", kChallenge}}))
      .expect("GET", "auth.test/token", with_auth("Basic Y2k6d3Jvbmc=", reply(401)));
  EXPECT_EQ(error_of([&] { registry.check_login(); }),
            "unauthorized: the token server http://auth.test/token refused the credentials for 127.0.0.1:5000");
}

TEST(RegistryAuthTest, BasicCredentialsAreSentOnceAsked) {
  ScriptedHttp http;
  Credentials creds;
  creds.username = "ci";
  creds.password = "pw";
  Registry registry(kHost, http, "http://" + kHost, creds);
  http.expect("GET", "/v2/", reply(401, {{"www-authenticate", R"(Basic realm="test")"}}))
      .expect("GET", "/v2/", with_auth("Basic Y2k6cHc=", reply(200)))
      .expect("HEAD", "/blobs/", with_auth("Basic Y2k6cHc=", reply(200)));
  EXPECT_TRUE(registry.check_login());
  EXPECT_TRUE(registry.has_blob("team/app", oci::Digest::parse(kDigest)));
}

TEST(RegistryAuthTest, ManyThreadsShareOneAuthState) {
  ScriptedHttp http;
  http.route([](const SeenRequest& s) {
    if (s.url.starts_with("http://auth.test/token")) return token(R"({"token":"tok"})");
    if (s.header("Authorization") != "Bearer tok") return reply(401, {{"www-authenticate", kChallenge}});
    return reply(200);
  });
  Registry registry(kHost, http, "http://" + kHost);
  std::atomic<int> found{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 25; ++i) found += registry.has_blob("team/app", oci::Digest::parse(kDigest));
      });
  }
  EXPECT_EQ(found, 200);
}

// A hostile or broken registry: every refusal is one line naming what is at
// fault, and nothing unbounded is read or retried.

// A manifest of exactly `size` bytes (padded in an annotation).
std::string manifest_of_size(size_t size) {
  std::string head = kManifest.substr(0, kManifest.size() - 1) + R"(,"annotations":{"pad":")";
  std::string tail = "\"}}";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

TEST_F(RegistryTest, ManifestOfFourMiBIsReadButOneByteMoreIsRefusedAndNotRetried) {
  std::string max = manifest_of_size(4 << 20);
  http.expect("GET", "/manifests/1", reply(200, {}, max));
  EXPECT_EQ(registry.get_manifest("team/app", "1").bytes.size(), size_t{4 << 20});
  http.expect("GET", "/manifests/2", reply(200, {}, manifest_of_size((4 << 20) + 1)));
  EXPECT_EQ(error_of([&] { registry.get_manifest("team/app", "2"); }),
            "manifest of 127.0.0.1:5000/team/app:2 is larger than 4 MiB");
}

TEST_F(RegistryTest, ManifestIsCutOffAtTheLimitWhileItArrives) {
  // Delivered in 64 KiB pieces as libcurl does: the sink refuses the piece
  // that crosses 4 MiB, so the rest of an endless body is never asked for.
  size_t delivered = 0;
  struct Endless : ScriptedHttp {
    size_t* delivered;
    HttpResponse send(const HttpRequest& req, layers::Writer* sink) override {
      std::string piece(64 << 10, ' ');
      for (int i = 0; i < 1024; ++i) {  // 64 MiB unless cut off
        sink->write(piece.data(), piece.size());
        *delivered += piece.size();
      }
      return ScriptedHttp::send(req, sink);
    }
  } endless;
  endless.delivered = &delivered;
  Registry r(kHost, endless, "http://" + kHost);
  r.set_retry(3, 1ms);
  EXPECT_EQ(error_of([&] { r.get_manifest("team/app", "1"); }), "manifest of 127.0.0.1:5000/team/app:1 is larger than 4 MiB");
  EXPECT_EQ(delivered, size_t{4 << 20});
}

TEST_F(RegistryTest, ManifestMustBeAsLongAsItsDescriptorSays) {
  auto d = oci::describe(oci::media::kOciManifest, kManifest);
  http.expect("GET", "/manifests/" + kDigest, reply(200, {}, kManifest));
  EXPECT_EQ(error_of([&] { registry.get_manifest("team/app", kDigest, d.size - 1); }),
            "manifest of 127.0.0.1:5000/team/app@" + kDigest + " is longer than the " + std::to_string(d.size - 1) +
                " bytes its descriptor says");
  // The right bytes but a descriptor claiming more of them.
  http.expect("GET", "/manifests/" + d.digest.str(), reply(200, {}, kManifest));
  EXPECT_EQ(error_of([&] { registry.get_manifest("team/app", d.digest.str(), d.size + 5); }),
            "manifest of 127.0.0.1:5000/team/app@" + d.digest.str() + " is " + std::to_string(d.size) +
                " bytes where its descriptor says " + std::to_string(d.size + 5));
  EXPECT_EQ(error_of([&] { registry.get_manifest("team/app", d.digest.str(), int64_t{1} << 40); }),
            "manifest of 127.0.0.1:5000/team/app@" + d.digest.str() +
                " is larger than 4 MiB (its descriptor says 1099511627776 bytes)");
}

TEST_F(RegistryTest, BlobLongerThanItsDescriptorIsRefusedWhenTheExtraBytesArriveAndNotRetried) {
  std::string blob = "0123456789";
  auto d = oci::describe(oci::media::kOciLayer, blob);
  d.size = 4;
  struct Counting : layers::Writer {
    std::string got;
    void write(const void* p, size_t n) override { got.append(static_cast<const char*>(p), n); }
  } out;
  http.expect("GET", "/blobs/" + d.digest.str(), reply(200, {}, blob));
  EXPECT_EQ(error_of([&] { registry.get_blob("team/app", d, out); }),
            "blob " + d.digest.str() + " from 127.0.0.1:5000/team/app is longer than the 4 bytes its descriptor says");
  EXPECT_EQ(out.got, "");
  EXPECT_EQ(http.requests.size(), 1u);
}

TEST_F(RegistryTest, BlobShorterThanItsDescriptorIsCorrupt) {
  std::string blob = "0123456789";
  auto d = oci::describe(oci::media::kOciLayer, blob);
  d.size = 20;
  layers::StringWriter out;
  http.expect("GET", "/blobs/", reply(200, {}, blob));
  EXPECT_EQ(error_of([&] { registry.get_blob("team/app", d, out); }),
            "blob " + d.digest.str() + " from 127.0.0.1:5000/team/app is corrupt: got " + d.digest.str() + ", 10 bytes");
}

TEST_F(RegistryTest, UncheckedDigestStillEnforcesTheSize) {
  // check_digest=false: the sink's BlobUpload checks the digest; the length is still the download's to check.
  std::string blob = "0123456789";
  auto d = oci::describe(oci::media::kOciLayer, blob);
  layers::StringWriter out;
  http.expect("GET", "/blobs/", reply(200, {}, "not the blob"));
  d.size = 20;
  EXPECT_EQ(error_of([&] { registry.get_blob("team/app", d, out, false); }),
            "blob " + d.digest.str() + " from 127.0.0.1:5000/team/app is corrupt: got 12 bytes");
  d.size = 10;
  layers::StringWriter out2;
  http.expect("GET", "/blobs/", reply(200, {}, "0123456789x"));
  EXPECT_EQ(error_of([&] { registry.get_blob("team/app", d, out2, false); }),
            "blob " + d.digest.str() + " from 127.0.0.1:5000/team/app is longer than the 10 bytes its descriptor says");
  layers::StringWriter out3;
  http.expect("GET", "/blobs/", reply(200, {}, "9876543210"));
  registry.get_blob("team/app", d, out3, false);  // the wrong bytes at the right length pass here: commit() refuses them
  EXPECT_EQ(out3.out, "9876543210");
}

const std::string kProxyPage =
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>\n"
    "<body><center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx/1.25.3</center>\n</body></html>\n";

TEST_F(RegistryTest, HtmlErrorPageIsQuotedShortOnOneLine) {
  registry.set_retry(1, 1ms);
  for (int i = 0; i < 2; ++i)
    http.expect("GET", "/manifests/1", reply(502, {{"content-type", "text/html"}}, kProxyPage));
  EXPECT_EQ(error_of([&] { registry.get_manifest("team/app", "1"); }),
            "HTTP 502: \"502 Bad Gateway 502 Bad Gateway nginx/1.25.3\" (127.0.0.1:5000/team/app:1 at 127.0.0.1:5000, "
            "gave up after 1 retry)");
  std::string long_page = "<html><body>" + std::string(300, 'y') + "\x01\n</body></html>";
  http.expect("HEAD", "/blobs/", reply(403, {{"content-type", "text/html; charset=utf-8"}}, long_page));
  EXPECT_EQ(error_of([&] { registry.has_blob("team/app", oci::Digest::parse(kDigest)); }),
            "HTTP 403: \"" + std::string(80, 'y') + "...\" (checking blob " + kDigest + " in team/app at 127.0.0.1:5000)");
}

TEST_F(RegistryTest, HtmlInsteadOfAManifestIsNamedAsSuch) {
  http.expect("GET", "/manifests/1", reply(200, {{"content-type", "text/html"}}, "<html><h1>Sign in</h1>\r\n</html>"));
  EXPECT_EQ(error_of([&] { registry.get_manifest("team/app", "1"); }),
            "manifest of 127.0.0.1:5000/team/app:1 is not JSON: the registry sent text/html: \"Sign in\"");
  http.expect("GET", "/manifests/2", reply(200, {}, ""));
  EXPECT_EQ(error_of([&] { registry.get_manifest("team/app", "2"); }),
            "manifest of 127.0.0.1:5000/team/app:2 is not JSON: the registry sent something else, empty");
}

TEST_F(RegistryTest, ManifestWithADuplicateKeyIsRefused) {
  std::string twice = R"({"schemaVersion":2,"config":{"mediaType":"a","digest":")" + kDigest +
                      R"(","size":2},"layers":[],"layers":[{"mediaType":"b","digest":")" + kDigest + R"(","size":2}]})";
  http.expect("GET", "/manifests/1", reply(200, {}, twice));
  EXPECT_EQ(error_of([&] { registry.get_manifest("team/app", "1"); }),
            "manifest of 127.0.0.1:5000/team/app:1: manifest has the key \"layers\" twice in one object");
}

// The realm a registry names decides where its credentials go.
class RealmTest : public ::testing::Test {
 protected:
  ScriptedHttp http;
  Credentials creds() {
    Credentials c;
    c.username = "ci";
    c.password = "secret";
    return c;
  }
  // One 401 naming `realm`, answered from `peer`, then nothing: the realm is refused.
  std::string refused(const std::string& base, const std::string& realm, const std::string& peer = "") {
    Registry registry("registry.test", http, base, creds());
    HttpResponse challenge = reply(401, {{"www-authenticate", "Bearer realm=\"" + realm + "\",service=\"reg\""}});
    challenge.peer_ip = peer;
    http.expect("GET", "/v2/", challenge);
    std::string e = error_of([&] { registry.check_login(); });
    for (auto& r : http.requests) EXPECT_EQ(r.header("Authorization"), "") << r.url;
    return e;
  }
};

TEST_F(RealmTest, LinkLocalRealmIsRefusedWithoutSendingAnything) {
  EXPECT_EQ(refused("http://registry.test", "http://169.254.169.254/latest/meta-data"),
            "refusing the token server \"http://169.254.169.254/latest/meta-data\" that registry registry.test named: "
            "a link-local, unspecified or multicast address");
  EXPECT_EQ(http.requests.size(), 1u);
  EXPECT_NE(refused("https://registry.test", "https://[fe80::1]/token"), "");
  EXPECT_NE(refused("https://registry.test", "https://2852039166/token"), "");  // 169.254.169.254 in disguise
}

TEST_F(RealmTest, HttpRealmOnlyForARegistryReachedOverHttp) {
  EXPECT_EQ(refused("https://registry.test", "http://auth.registry.test/token"),
            "refusing the token server \"http://auth.registry.test/token\" that registry registry.test named: it is "
            "http, and the registry is reached over https");
  EXPECT_EQ(refused("https://registry.test", "file:///etc/shadow"),
            "refusing the token server \"file:///etc/shadow\" that registry registry.test named: its scheme is not https");
  EXPECT_EQ(refused("http://registry.test", "ftp://auth.test/token"),
            "refusing the token server \"ftp://auth.test/token\" that registry registry.test named: its scheme is not "
            "https");
}

TEST_F(RealmTest, LoopbackAndPrivateRealmsOnlyFromARegistryThatIsItselfThere) {
  EXPECT_EQ(refused("https://registry.test", "https://127.0.0.1:8080/token", "93.184.216.34"),
            "refusing the token server \"https://127.0.0.1:8080/token\" that registry registry.test named: a loopback "
            "address, and the registry is not on this machine");
  EXPECT_EQ(refused("https://registry.test", "https://10.0.0.7/token", "93.184.216.34"),
            "refusing the token server \"https://10.0.0.7/token\" that registry registry.test named: a private address, "
            "and the registry is not on a private network");
  // A registry on the local network may have its token server there too.
  Registry lan("registry.test", http, "https://registry.test", creds());
  HttpResponse challenge = reply(401, {{"www-authenticate", R"(Bearer realm="https://10.0.0.7/token",service="reg")"}});
  challenge.peer_ip = "10.0.0.5";
  http.expect("GET", "/v2/", challenge)
      .expect("GET", "https://10.0.0.7/token", with_auth("Basic Y2k6c2VjcmV0", token(R"({"token":"t"})")))
      .expect("GET", "/v2/", with_auth("Bearer t", reply(200)));
  EXPECT_TRUE(lan.check_login());
}

TEST_F(RealmTest, TokenRequestsRefuseLinkLocalPeersAndDowngrades) {
  Registry registry("registry.test", http, "https://registry.test", creds());
  http.expect("GET", "/v2/", reply(401, {{"www-authenticate", R"(Bearer realm="https://auth.test/token")"}}))
      .expect("GET", "https://auth.test/token", [](const SeenRequest& s) {
        // The realm's name is checked where it resolves, redirects included.
        EXPECT_TRUE(s.https_only);
        EXPECT_TRUE(s.check_peer);
        if (s.check_peer) {
          EXPECT_NE(s.check_peer("169.254.169.254"), "");
          EXPECT_NE(s.check_peer("fe80::1"), "");
          EXPECT_EQ(s.check_peer("93.184.216.34"), "");
        }
        return token(R"({"token":"t"})");
      })
      .expect("GET", "/v2/", reply(200));
  EXPECT_TRUE(registry.check_login());
}

}  // namespace
