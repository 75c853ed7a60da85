// Token server answers and token lifetimes: which field holds the token, the
// 60 s default and floor of expires_in, and when a token is replaced.
#include "publish/token_response.h"

#include <gtest/gtest.h>

#include "common/error.h"

using namespace hoist;
using namespace hoist::publish;
using namespace std::chrono_literals;

namespace {

std::string error_of(std::string_view body) {
  try {
    parse_token_response(body, "http://auth/token");
  } catch (const Error& e) {
    return e.describe();
  }
  return "";
}

std::chrono::system_clock::time_point at(const char* rfc3339) { return parse_rfc3339(rfc3339).value(); }

TEST(TokenResponse, EitherFieldHoldsTheToken) {
  EXPECT_EQ(parse_token_response(R"({"token":"a","access_token":"b"})", "r").token, "a");
  EXPECT_EQ(parse_token_response(R"({"access_token":"b"})", "r").token, "b");
  EXPECT_EQ(parse_token_response(R"({"token":"","access_token":"b"})", "r").token, "b");
  EXPECT_EQ(error_of(R"({"expires_in":60})"), "token server http://auth/token sent no token");
  EXPECT_EQ(error_of("<html>"), "token server http://auth/token sent no JSON");
  EXPECT_EQ(error_of(R"(["token"])"), "token server http://auth/token sent no JSON");
}

TEST(TokenResponse, LifetimeDefaultsAndFloorAre60Seconds) {
  EXPECT_EQ(parse_token_response(R"({"token":"a"})", "r").expires_in, 60s);
  EXPECT_EQ(parse_token_response(R"({"token":"a","expires_in":30})", "r").expires_in, 60s);
  EXPECT_EQ(parse_token_response(R"({"token":"a","expires_in":300})", "r").expires_in, 300s);
  EXPECT_EQ(parse_token_response(R"({"token":"a","expires_in":"300"})", "r").expires_in, 60s);
  EXPECT_EQ(parse_token_response(R"({"token":"a","expires_in":1e300})", "r").expires_in, 365 * 24h);
}

TEST(TokenResponse, RefreshTokenAndIssuedAt) {
  auto t = parse_token_response(
      R"({"access_token":"a","refresh_token":"r2","expires_in":900,"issued_at":"2024-05-01T10:00:00Z","scope":"x"})", "r");
  EXPECT_EQ(t.refresh_token, "r2");
  EXPECT_EQ(t.issued_at, at("2024-05-01T10:00:00Z"));
  EXPECT_FALSE(parse_token_response(R"({"token":"a","issued_at":"yesterday"})", "r").issued_at);
}

TEST(TokenResponse, ReplacedShortlyBeforeExpiry) {
  auto received = at("2024-05-01T12:00:00Z");
  TokenResponse t;
  t.expires_in = 60s;
  EXPECT_EQ(refresh_time(t, received), received + 45s) << "a quarter of a short lifetime early";
  t.expires_in = 300s;
  EXPECT_EQ(refresh_time(t, received), received + 270s) << "at most 30 s early";
  t.issued_at = at("2024-05-01T11:58:00Z");
  EXPECT_EQ(refresh_time(t, received), *t.issued_at + 270s) << "counted from issued_at when given";
}

TEST(TokenResponse, AnIssuedAtThatCannotBeTrueIsIgnored) {
  auto received = at("2024-05-01T12:00:00Z");
  TokenResponse t;
  t.expires_in = 300s;
  t.issued_at = at("2024-05-01T11:00:00Z");
  EXPECT_EQ(refresh_time(t, received), received + 270s) << "expired on arrival: the server's clock is behind";
  t.issued_at = at("2024-05-01T12:10:00Z");
  EXPECT_EQ(refresh_time(t, received), received + 270s) << "issued in the future: the server's clock is ahead";
}

TEST(TokenResponse, Rfc3339Forms) {
  EXPECT_EQ(at("2024-05-01T10:00:00Z"), std::chrono::system_clock::from_time_t(1714557600));
  EXPECT_EQ(at("2024-05-01t10:00:00z"), at("2024-05-01T10:00:00Z"));
  EXPECT_EQ(at("2024-05-01T10:00:00.123456789Z"), at("2024-05-01T10:00:00Z"));
  EXPECT_EQ(at("2024-05-01T12:30:00+02:30"), at("2024-05-01T10:00:00Z"));
  EXPECT_EQ(at("2024-05-01T08:00:00-02:00"), at("2024-05-01T10:00:00Z"));
  for (const char* bad : {"", "2024-05-01", "2024-13-01T00:00:00Z", "2024-05-01T10:00:00", "2024-05-01T10:00:00.Z",
                          "2024-05-01T10:00:00+0200", "2024-05-01T25:00:00Z"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

}  // namespace
