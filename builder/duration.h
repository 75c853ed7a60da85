#pragma once
// Go's time.ParseDuration, which HEALTHCHECK's --interval, --timeout,
// --start-period and --start-interval go through in BuildKit.
#include <cstdint>
#include <string_view>

namespace hoist::builder {

// "300ms", "-1.5h", "1m30s", "0": a signed sequence of decimal numbers, each
// with an optional fraction and a unit (ns, us, µs, μs, ms, s, m, h).
// Returns nanoseconds. Throws hoist::Error with Go's message:
// `time: invalid duration "x"`, `time: missing unit in duration "1"`,
// `time: unknown unit "d" in duration "1d"` (also on overflow of int64).
int64_t parse_go_duration(std::string_view s);

}  // namespace hoist::builder
