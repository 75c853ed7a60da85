#include "builder/json_args.h"

#include <optional>

#include "builder/parser_text.h"

namespace hoist::builder {

namespace {

// encoding/json refuses documents nested deeper than this.
constexpr size_t kMaxDepth = 10000;

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A cursor over the JSON text; every method returns false on a syntax error.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool at_end() const { return i_ == s_.size(); }
  int peek() const { return i_ < s_.size() ? static_cast<unsigned char>(s_[i_]) : -1; }
  bool consume(char c) {
    if (peek() != static_cast<unsigned char>(c)) return false;
    ++i_;
    return true;
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  // A string starting at the opening quote; decoded into *out when given.
  bool string(std::string* out) {
    if (!consume('"')) return false;
    for (;;) {
      if (at_end()) return false;
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c != '\\') {
        if (out) *out += static_cast<char>(c);
        ++i_;
        continue;
      }
      ++i_;
      if (at_end()) return false;
      char e = s_[i_++];
      char decoded = 0;
      switch (e) {
        case '"': case '\\': case '/': decoded = e; break;
        case 'b': decoded = '\b'; break;
        case 'f': decoded = '\f'; break;
        case 'n': decoded = '\n'; break;
        case 'r': decoded = '\r'; break;
        case 't': decoded = '\t'; break;
        case 'u': {
          auto cp = hex4();
          if (!cp) return false;
          char32_t r = *cp;
          if (r >= 0xD800 && r < 0xE000) {
            // Go pairs a high surrogate with an immediately following \u low
            // surrogate; anything else decodes to U+FFFD.
            std::optional<char32_t> low;
            if (r < 0xDC00 && i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
              size_t save = i_;
              i_ += 2;
              low = hex4();
              if (!low || *low < 0xDC00 || *low >= 0xE000) {
                low.reset();
                i_ = save;
              }
            }
            r = low ? 0x10000 + ((r - 0xD800) << 10) + (*low - 0xDC00) : 0xFFFD;
          }
          if (out) append_utf8(*out, r);
          continue;
        }
        default:
          return false;
      }
      if (out) *out += decoded;
    }
  }

  // Any JSON value; *is_string tells whether it was a string (decoded into *str).
  bool value(bool* is_string, std::string* str, size_t depth) {
    *is_string = peek() == '"';
    if (*is_string) return string(str);
    // Containers are walked with an explicit stack so hostile nesting cannot
    // exhaust the C++ stack.
    std::string stack;
    for (;;) {
      skip_ws();
      int c = peek();
      if (c == '"') {
        if (!string(nullptr)) return false;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!number()) return false;
      } else if (c == 't' || c == 'f' || c == 'n') {
        if (!literal()) return false;
      } else if (c == '[' || c == '{') {
        ++i_;
        if (depth + stack.size() + 1 > kMaxDepth) return false;
        skip_ws();
        if (!consume(c == '[' ? ']' : '}')) {
          stack += static_cast<char>(c);
          if (c == '{' && !member_key()) return false;
          continue;
        }
      } else {
        return false;
      }
      // After a complete value: close containers or move to the next element.
      for (;;) {
        if (stack.empty()) return true;
        skip_ws();
        char open = stack.back();
        if (consume(',')) {
          if (open == '{' && !member_key()) return false;
          break;
        }
        if (!consume(open == '[' ? ']' : '}')) return false;
        stack.pop_back();
      }
    }
  }

 private:
  std::optional<char32_t> hex4() {
    if (i_ + 4 > s_.size()) return std::nullopt;
    char32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      int h = hex_value(s_[i_ + k]);
      if (h < 0) return std::nullopt;
      v = (v << 4) | static_cast<char32_t>(h);
    }
    i_ += 4;
    return v;
  }

  bool digits() {
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }

  bool number() {
    consume('-');
    if (consume('0')) {
      // a leading zero stands alone
    } else if (peek() >= '1' && peek() <= '9') {
      digits();
    } else {
      return false;
    }
    if (consume('.') && !digits()) return false;
    if (consume('e') || consume('E')) {
      if (!consume('+')) consume('-');
      if (!digits()) return false;
    }
    return true;
  }

  bool literal() {
    for (std::string_view word : {"true", "false", "null"}) {
      if (s_.substr(i_, word.size()) == word) {
        i_ += word.size();
        return true;
      }
    }
    return false;
  }

  // `"key" :` inside an object, leaving the cursor at the member's value.
  bool member_key() {
    skip_ws();
    if (!string(nullptr)) return false;
    skip_ws();
    return consume(':');
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

JsonArgs parse_json_args(std::string_view rest) {
  JsonArgs out;
  rest = text::trim_left_space(rest);
  if (rest.empty() || rest.front() != '[') return out;
  Reader r(rest);
  r.consume('[');
  r.skip_ws();
  std::vector<std::string> items;
  bool all_strings = true;
  if (!r.consume(']')) {
    for (;;) {
      r.skip_ws();
      bool is_string = false;
      std::string item;
      if (!r.value(&is_string, &item, 1)) return out;
      if (is_string) {
        items.push_back(std::move(item));
      } else {
        all_strings = false;
      }
      r.skip_ws();
      if (r.consume(',')) continue;
      if (r.consume(']')) break;
      return out;
    }
  }
  r.skip_ws();
  if (!r.at_end()) return out;
  out.kind = all_strings ? JsonArgs::Kind::kStrings : JsonArgs::Kind::kNotStrings;
  if (all_strings) out.items = std::move(items);
  return out;
}

}  // namespace hoist::builder
