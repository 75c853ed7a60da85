#include "publish/retry.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string>

namespace hoist::publish {

namespace {

// Past a few minutes a registry is down rather than busy: failing tells the
// user more than a silent wait, whatever the schedule or the server asks.
constexpr std::chrono::milliseconds kMaxDelay = std::chrono::minutes(5);

std::optional<std::time_t> parse_http_date(const std::string& s) {
  // IMF-fixdate first (the one servers must send), then the two obsolete forms recipients must accept.
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = ::strptime(s.c_str(), format, &tm);
    if (end && *end == '\0') return ::timegm(&tm);
  }
  return std::nullopt;
}

}  // namespace

bool is_transient_status(long status) {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry) {
  auto d = std::max(policy.first_delay, std::chrono::milliseconds(0));
  for (int i = 0; i < retry && d < kMaxDelay; ++i) d *= 2;
  return std::min(d, kMaxDelay);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  std::string v(value);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(0, 1);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (v.size() > 9) return kMaxDelay;  // more than 30 years: not worth parsing exactly
    return std::chrono::seconds(std::stol(v));
  }
  auto when = parse_http_date(v);
  if (!when) return std::nullopt;
  auto wait = std::chrono::system_clock::from_time_t(*when) - now;
  return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(wait), std::chrono::milliseconds(0));
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int retry, const HttpResponse* response,
                                      std::chrono::system_clock::time_point now) {
  auto delay = backoff_delay(policy, retry);
  if (response) {
    if (auto asked = parse_retry_after(response->header("retry-after"), now)) delay = std::max(delay, *asked);
  }
  return std::min(delay, kMaxDelay);
}

}  // namespace hoist::publish
