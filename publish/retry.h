#pragma once
// When and how long to wait before trying a registry request again: the
// statuses worth a retry, an exponential backoff, and the Retry-After a
// registry sends with 429/503 (RFC 9110 §10.2.3: seconds or an HTTP-date).
#include <chrono>
#include <optional>
#include <string_view>

#include "common/error.h"
#include "publish/http_client.h"

namespace hoist::publish {

struct RetryPolicy {
  int retries = 3;                              // tries after the first
  std::chrono::milliseconds first_delay{2000};  // doubled after each retry
};

// 408, 429, 500, 502, 503, 504: the server may answer differently next time.
bool is_transient_status(long status);

// The wait before retry number `retry` (0 for the first): first_delay * 2^retry,
// capped so a long series never sleeps for hours.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry);

// "120" or "Wed, 21 Oct 2015 07:28:00 GMT" (also the obsolete RFC 850 and
// asctime forms), as a wait from `now`; a date in the past is zero. Nothing for
// a value that is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

// The wait before retry `retry` after `response` (null after a transport
// failure): the backoff, or the Retry-After when that is longer (capped).
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int retry, const HttpResponse* response,
                                      std::chrono::system_clock::time_point now);

}  // namespace hoist::publish
