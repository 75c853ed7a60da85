#pragma once
// Text helpers shared by the Dockerfile parser files. BuildKit's parser is Go,
// and which characters count as "space" differs between its helpers: strings
// and word splitting use Unicode (unicode.IsSpace), the instruction/argument
// split uses the regexp class [\t\v\f\r ]. Each helper here names the Go
// behaviour it reproduces so the parser files can pick the right one.
//
// Bytes are never rewritten: where Go would turn an invalid UTF-8 byte into
// U+FFFD, these helpers treat it as a one-byte, non-space character and keep it.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hoist::builder::text {

// One decoded code point: `cp` is U+FFFD and `width` 1 for an invalid byte.
struct Rune {
  char32_t cp;
  size_t width;
};
Rune decode_rune(std::string_view s, size_t pos);

// Go's unicode.IsSpace.
bool is_space(char32_t c);
// The regexp class [\t\v\f\r ] BuildKit splits instructions and word lists on.
inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }
// ASCII whitespace: what Go's unicode.IsSpace(rune(byte)) means for the byte
// scanners, minus 0x85 and 0xA0 (UTF-8 continuation bytes Go would mistake for
// spaces inside multi-byte characters).
inline bool is_ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// strings.TrimSpace / TrimLeftFunc(unicode.IsSpace).
std::string_view trim_space(std::string_view s);
std::string_view trim_left_space(std::string_view s);

// regexp `[\t\v\f\r ]+`.Split(s, n) for n == -1 (all) or n >= 1.
std::vector<std::string_view> split_blanks(std::string_view s, int n);

// strconv.Quote: a double-quoted string with Go escapes (printable Unicode kept).
std::string go_quote(std::string_view s);

}  // namespace hoist::builder::text
