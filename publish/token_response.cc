#include "publish/token_response.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace hoist::publish {

namespace {

constexpr std::chrono::seconds kMinLifetime{60};
constexpr std::chrono::seconds kMaxMargin{30};

}  // namespace

TokenResponse parse_token_response(std::string_view body, const std::string& realm) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error("token server " + realm + " sent no JSON");
  TokenResponse t;
  auto text = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  t.token = text("token");
  if (t.token.empty()) t.token = text("access_token");
  if (t.token.empty()) throw Error("token server " + realm + " sent no token");
  t.refresh_token = text("refresh_token");
  if (j.contains("expires_in") && j["expires_in"].is_number()) {
    double s = j["expires_in"].get<double>();
    // Bounded so a silly value cannot overflow time arithmetic: a year is forever for a token.
    t.expires_in = std::chrono::seconds(static_cast<int64_t>(std::clamp(s, 0.0, 365.0 * 24 * 3600)));
  }
  t.expires_in = std::max(t.expires_in, kMinLifetime);
  t.issued_at = parse_rfc3339(text("issued_at"));
  return t;
}

std::chrono::system_clock::time_point refresh_time(const TokenResponse& token,
                                                   std::chrono::system_clock::time_point received) {
  // issued_at spares a slow answer's delay; but a token already expired by it
  // on arrival, or issued in the future, says the clocks disagree: ours decides.
  auto start = received;
  if (token.issued_at && *token.issued_at <= received && *token.issued_at > received - token.expires_in)
    start = *token.issued_at;
  auto margin = std::min<std::chrono::seconds>(token.expires_in / 4, kMaxMargin);
  return start + token.expires_in - margin;
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  std::string s(text);
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed == 0)
    return std::nullopt;
  std::string_view rest = std::string_view(s).substr(static_cast<size_t>(consumed));
  if (rest.starts_with(".")) {
    size_t digits = 1;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 1) return std::nullopt;
    rest.remove_prefix(digits);  // below a second: irrelevant for a token's lifetime
  }
  int64_t offset = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int h = 0, m = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &h, &m) != 2) return std::nullopt;
    offset = (rest[0] == '+' ? 1 : -1) * (h * 3600 + m * 60);
  } else {
    return std::nullopt;
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t t = ::timegm(&tm);
  return std::chrono::system_clock::from_time_t(t - offset);
}

}  // namespace hoist::publish
