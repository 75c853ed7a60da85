// When registry requests are tried again and how long hoist waits: the
// transient statuses, the doubling backoff and the registry's Retry-After.
#include "publish/retry.h"

#include <gtest/gtest.h>

using namespace hoist;
using namespace hoist::publish;
using namespace std::chrono_literals;

namespace {

// "Wed, 21 Oct 2015 07:28:00 GMT" (RFC 9110's example date).
const auto kDate = std::chrono::system_clock::from_time_t(1445412480);

TEST(Retry, TransientStatuses) {
  for (long s : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(is_transient_status(s)) << s;
  for (long s : {0, 200, 201, 202, 400, 401, 403, 404, 405, 413, 416, 501, 505}) EXPECT_FALSE(is_transient_status(s)) << s;
}

TEST(Retry, BackoffDoublesFromTheFirstDelay) {
  RetryPolicy p{5, 10ms};
  EXPECT_EQ(backoff_delay(p, 0), 10ms);
  EXPECT_EQ(backoff_delay(p, 1), 20ms);
  EXPECT_EQ(backoff_delay(p, 2), 40ms);
  EXPECT_EQ(backoff_delay(p, 3), 80ms);
  RetryPolicy defaults;
  EXPECT_EQ(backoff_delay(defaults, 0), 2s);
  EXPECT_EQ(backoff_delay(defaults, 2), 8s);
}

TEST(Retry, BackoffIsCappedAndNeverOverflows) {
  RetryPolicy p{100, 1s};
  EXPECT_EQ(backoff_delay(p, 20), 5min);
  EXPECT_EQ(backoff_delay(p, 99), 5min);
  EXPECT_EQ(backoff_delay(RetryPolicy{3, 0ms}, 3), 0ms);
  EXPECT_EQ(backoff_delay(RetryPolicy{3, -5ms}, 0), 0ms);
}

TEST(Retry, RetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after("1", kDate), 1s);
  EXPECT_EQ(parse_retry_after(" 120 ", kDate), 120s);
  EXPECT_EQ(parse_retry_after("0", kDate), 0s);
  EXPECT_EQ(parse_retry_after("99999999999", kDate), 5min);
  EXPECT_FALSE(parse_retry_after("", kDate));
  EXPECT_FALSE(parse_retry_after("-1", kDate));
  EXPECT_FALSE(parse_retry_after("1.5", kDate));
  EXPECT_FALSE(parse_retry_after("soon", kDate));
}

TEST(Retry, RetryAfterHttpDateInEachForm) {
  auto before = kDate - 10s;
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", before), 10s);
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", before), 10s);
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:00 2015", before), 10s);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", kDate + 1h), 0s) << "a date past is no wait";
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 PST", before));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015", before));
}

TEST(Retry, DelayIsTheLongerOfBackoffAndRetryAfter) {
  RetryPolicy p{3, 40ms};
  HttpResponse busy;
  busy.status = 429;
  busy.headers = {{"retry-after", "1"}};
  EXPECT_EQ(retry_delay(p, 0, &busy, kDate), 1s);
  busy.headers = {{"retry-after", "0"}};
  EXPECT_EQ(retry_delay(p, 1, &busy, kDate), 80ms);
  busy.headers = {{"retry-after", "86400"}};
  EXPECT_EQ(retry_delay(p, 0, &busy, kDate), 5min) << "a day's wait is capped";
  busy.headers = {{"retry-after", "Wed, 21 Oct 2015 07:28:03 GMT"}};
  EXPECT_EQ(retry_delay(p, 0, &busy, kDate), 3s);
  busy.headers = {{"retry-after", "garbage"}};
  EXPECT_EQ(retry_delay(p, 0, &busy, kDate), 40ms);
  EXPECT_EQ(retry_delay(p, 2, nullptr, kDate), 160ms) << "after a transport failure";
}

}  // namespace
