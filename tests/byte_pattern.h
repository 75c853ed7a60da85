#pragma once
// Test bytes that differ at every offset, so a chunk written or read twice,
// or skipped, shows in a comparison.
#include <cstddef>
#include <string>

namespace hoist::test {

inline std::string byte_pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 4096) & 0xff);
  return s;
}

}  // namespace hoist::test
