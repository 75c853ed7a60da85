#include "builder/parser_text.h"

namespace hoist::builder::text {

Rune decode_rune(std::string_view s, size_t pos) {
  constexpr Rune kInvalid{0xFFFD, 1};
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  unsigned char c0 = b(0);
  if (c0 < 0x80) return {c0, 1};
  size_t left = s.size() - pos;
  auto cont = [&](size_t i) { return i < left && (b(i) & 0xC0) == 0x80; };
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    if (!cont(1)) return kInvalid;
    return {static_cast<char32_t>(((c0 & 0x1F) << 6) | (b(1) & 0x3F)), 2};
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return kInvalid;
    char32_t cp = ((c0 & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    // Overlong forms and UTF-16 surrogates are not valid UTF-8.
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return kInvalid;
    return {cp, 3};
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return kInvalid;
    char32_t cp = ((c0 & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    if (cp < 0x10000 || cp > 0x10FFFF) return kInvalid;
    return {cp, 4};
  }
  return kInvalid;
}

bool is_space(char32_t c) {
  switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

std::string_view trim_left_space(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    Rune r = decode_rune(s, pos);
    if (!is_space(r.cp)) break;
    pos += r.width;
  }
  return s.substr(pos);
}

std::string_view trim_space(std::string_view s) {
  s = trim_left_space(s);
  // Runes are only decodable forwards, so remember where the last non-space one ends.
  size_t end = 0;
  for (size_t pos = 0; pos < s.size();) {
    Rune r = decode_rune(s, pos);
    pos += r.width;
    if (!is_space(r.cp)) end = pos;
  }
  return s.substr(0, end);
}

std::vector<std::string_view> split_blanks(std::string_view s, int n) {
  if (s.empty()) return {std::string_view{}};
  struct Match {
    size_t begin, end;
  };
  std::vector<Match> matches;
  for (size_t i = 0; i < s.size() && (n < 0 || static_cast<int>(matches.size()) < n);) {
    if (!is_blank(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && is_blank(s[j])) ++j;
    matches.push_back({i, j});
    i = j;
  }
  // Go's regexp.Split: a match at offset 0 yields a leading "", and a match
  // reaching the end yields a trailing "".
  std::vector<std::string_view> out;
  size_t beg = 0, end = 0;
  for (const Match& m : matches) {
    if (n > 0 && static_cast<int>(out.size()) == n - 1) break;
    end = m.begin;
    if (m.end != 0) out.push_back(s.substr(beg, end - beg));
    beg = m.end;
  }
  if (end != s.size()) out.push_back(s.substr(beg));
  return out;
}

namespace {

// Go's unicode.IsPrint, approximated outside ASCII: the control, format,
// separator and private-use ranges are excluded; unassigned code points are
// treated as printable.
bool is_print(char32_t c) {
  if (c < 0x80) return c >= 0x20 && c < 0x7F;
  if (c <= 0xA0 || c == 0xAD || c == 0x1680 || c == 0x061C || c == 0x180E) return false;
  if (c >= 0x0600 && c <= 0x0605) return false;
  if (c >= 0x2000 && c <= 0x200F) return false;
  if (c >= 0x2028 && c <= 0x202F) return false;
  if (c >= 0x205F && c <= 0x206F) return false;
  if (c == 0x3000 || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) || c == 0xFFFE || c == 0xFFFF) return false;
  if (c >= 0xE000 && c <= 0xF8FF) return false;
  if (c >= 0xE0000) return false;
  return true;
}

void append_hex(std::string& out, unsigned long v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out += kHex[(v >> (4 * i)) & 0xF];
}

}  // namespace

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (size_t pos = 0; pos < s.size();) {
    Rune r = decode_rune(s, pos);
    std::string_view bytes = s.substr(pos, r.width);
    pos += r.width;
    if (r.cp == 0xFFFD && r.width == 1) {
      out += "\\x";
      append_hex(out, static_cast<unsigned char>(bytes[0]), 2);
      continue;
    }
    if (r.cp == '"' || r.cp == '\\') {
      out += '\\';
      out += bytes;
      continue;
    }
    if (is_print(r.cp)) {
      out += bytes;
      continue;
    }
    switch (r.cp) {
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (r.cp < ' ' || r.cp == 0x7F) {
          out += "\\x";
          append_hex(out, r.cp, 2);
        } else if (r.cp < 0x10000) {
          out += "\\u";
          append_hex(out, r.cp, 4);
        } else {
          out += "\\U";
          append_hex(out, r.cp, 8);
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace hoist::builder::text
