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

mode_t apply_chmod(std::string_view mode, mode_t perm, bool is_dir) {
  perm &= 07777;
  if (!mode.empty() && mode[0] >= '0' && mode[0] <= '9') {
    mode_t value = 0;
    for (char c : mode) value = value * 8 + static_cast<mode_t>(c - '0');
    return value & 07777;
  }
  size_t pos = 0;
  const size_t n = mode.size();
  while (pos < n) {
    mode_t who = 0;
    for (; pos < n && one_of(mode[pos], "augo"); ++pos) {
      switch (mode[pos]) {
        case 'u': who |= 04700; break;
        case 'g': who |= 02070; break;
        case 'o': who |= 00007; break;
        default: who |= 06777; break;
      }
    }
    const bool all = who == 0 || (who & 06777) == 06777;
    if (who == 0) who = 06777;
    while (pos < n && one_of(mode[pos], "+-=")) {
      const char op = mode[pos++];
      mode_t bits = 0;
      for (; pos < n && one_of(mode[pos], "rstwXxugo"); ++pos) {
        switch (mode[pos]) {
          case 'r': bits |= 0444; break;
          case 'w': bits |= 0222; break;
          case 'x': bits |= 0111; break;
          case 'X':
            if (is_dir || (perm & 0111)) bits |= 0111;
            break;
          // Set-id and sticky bits belong to no class of "other".
          case 's':
            if (who & ~mode_t{07}) bits |= 06000;
            break;
          case 't':
            if (who & ~mode_t{07}) bits |= 01000;
            break;
          case 'u': bits |= ((perm >> 6) & 07) * 0111; break;
          case 'g': bits |= ((perm >> 3) & 07) * 0111; break;
          default: bits |= (perm & 07) * 0111; break;
        }
      }
      const mode_t mask = who | (bits & 01000);
      if (op == '+') {
        perm |= bits & mask;
      } else if (op == '-') {
        perm &= ~(bits & mask);
      } else {
        perm &= ~(all ? mode_t{07777} : who);
        perm |= bits & mask;
      }
    }
    if (pos < n && mode[pos] == ',') ++pos;
  }
  return perm;
}

}  // namespace hoist::builder
