#include "builder/duration.h"

#include <optional>
#include <string>

#include "common/error.h"

namespace hoist::builder {

namespace {

constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;

// The time package's own quoting (not strconv's): every byte of a non-ASCII
// or control character is written as \xHH.
std::string time_quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || c < ' ') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

std::optional<uint64_t> unit_nanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;  // µ (U+00B5) and μ (U+03BC)
  if (unit == "ms") return 1000'000;
  if (unit == "s") return 1000'000'000;
  if (unit == "m") return 60 * uint64_t{1000'000'000};
  if (unit == "h") return 3600 * uint64_t{1000'000'000};
  return std::nullopt;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

int64_t parse_go_duration(std::string_view s) {
  const std::string_view orig = s;
  auto invalid = [&] { return Error("time: invalid duration " + time_quote(orig)); };
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) throw invalid();

  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s[0]))) throw invalid();

    // Integer part; overflow is an error.
    uint64_t whole = 0;
    size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (whole > kMaxMagnitude / 10) throw invalid();
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      if (whole > kMaxMagnitude) throw invalid();
    }
    bool had_whole = i > 0;
    s.remove_prefix(i);

    // Fraction: digits past the precision of uint64 are read and dropped.
    uint64_t fraction = 0;
    double scale = 1;
    bool had_fraction = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      size_t j = 0;
      for (; j < s.size() && is_digit(s[j]); ++j) {
        if (overflow) continue;
        if (fraction > (kMaxMagnitude - 1) / 10) {
          overflow = true;
          continue;
        }
        uint64_t next = fraction * 10 + static_cast<uint64_t>(s[j] - '0');
        if (next > kMaxMagnitude) {
          overflow = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
      had_fraction = j > 0;
      s.remove_prefix(j);
    }
    if (!had_whole && !had_fraction) throw invalid();

    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !is_digit(s[u])) ++u;
    if (u == 0) throw Error("time: missing unit in duration " + time_quote(orig));
    std::string_view unit_name = s.substr(0, u);
    s.remove_prefix(u);
    std::optional<uint64_t> unit = unit_nanos(unit_name);
    if (!unit) throw Error("time: unknown unit " + time_quote(unit_name) + " in duration " + time_quote(orig));

    if (whole > kMaxMagnitude / *unit) throw invalid();
    uint64_t value = whole * *unit;
    if (fraction > 0) {
      // Go uses float64 here too, to stay nanosecond-exact for fractions of hours.
      value += static_cast<uint64_t>(static_cast<double>(fraction) * (static_cast<double>(*unit) / scale));
      if (value > kMaxMagnitude) throw invalid();
    }
    total += value;
    if (total > kMaxMagnitude) throw invalid();
  }
  if (negative) return total == kMaxMagnitude ? INT64_MIN : -static_cast<int64_t>(total);
  if (total > kMaxMagnitude - 1) throw invalid();
  return static_cast<int64_t>(total);
}

}  // namespace hoist::builder
