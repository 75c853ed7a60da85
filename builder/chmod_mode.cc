#include "builder/chmod_mode.h"

#include <cstdint>

namespace hoist::builder {

namespace {

bool one_of(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

bool valid_octal(std::string_view mode) {
  uint32_t value = 0;
  for (char c : mode) {
    if (c < '0' || c > '7') return false;
    value = value * 8 + static_cast<uint32_t>(c - '0');
    if (value > 07777) return false;
  }
  return true;
}

}  // namespace

bool valid_chmod(std::string_view mode) {
  if (mode.empty()) return false;
  if (mode[0] >= '0' && mode[0] <= '9') return valid_octal(mode);

  // BSD setmode(3) as ported by the Go package BuildKit uses. Where the port
  // would index past the end of the string (a clause of only [ugoa], or a
  // trailing comma) it panics; that is reported here as invalid.
  size_t pos = 0;
  const size_t n = mode.size();
  while (true) {
    while (pos < n && one_of(mode[pos], "augo")) ++pos;
    if (pos == n) return false;
    while (true) {  // one or more operations, each with its permissions
      if (pos == n || !one_of(mode[pos], "+-=")) return false;
      ++pos;
      while (pos < n && one_of(mode[pos], "rstwXxugo")) ++pos;
      if (pos == n) return true;
      if (mode[pos] == ',') break;
    }
    ++pos;
  }
}

}  // namespace hoist::builder
