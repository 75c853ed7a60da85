#include "builder/pattern_matcher.h"

#include <algorithm>

#include "common/error.h"

namespace hoist::builder {
namespace {

// Bytes that are not valid UTF-8 decode to a value above Unicode, one per
// byte, so they compare equal only to the same byte and never to a range.
constexpr char32_t kInvalidBase = 0x110000;

char32_t next_rune(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t len = 0;
  char32_t r = 0;
  char32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, r = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, r = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, r = b0 & 0x07, min = 0x10000;
  }
  if (len != 0 && i + len <= s.size()) {
    size_t k = 1;
    for (; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) break;
      r = (r << 6) | (b & 0x3F);
    }
    if (k == len && r >= min && r <= 0x10FFFF && (r < 0xD800 || r > 0xDFFF)) {
      i += len;
      return r;
    }
  }
  ++i;
  return kInvalidBase + b0;
}

bool is_space(char32_t r) {
  switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// Go's filepath.Dir.
std::string parent_dir(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return lexical_clean(path.substr(0, slash + 1));
}

// Calls fn on each leading run of parent's elements ("a", "a/b", ...), as
// patternmatcher joins strings.Split(parent, "/")[:i+1]; stops when fn does.
template <typename Fn>
bool any_parent_prefix(std::string_view parent, Fn&& fn) {
  for (size_t pos = 0;; ++pos) {
    pos = parent.find('/', pos);
    if (pos == std::string_view::npos) return fn(parent);
    if (fn(parent.substr(0, pos))) return true;
  }
}

[[noreturn]] void bad_pattern(std::string_view original, const std::string& why) {
  throw Error("invalid pattern \"" + std::string(original) + "\": " + why);
}

}  // namespace

std::string lexical_clean(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path.front() == '/';
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

std::string_view trim_space(std::string_view text) {
  while (!text.empty()) {
    size_t i = 0;
    if (!is_space(next_rune(text, i))) break;
    text.remove_prefix(i);
  }
  while (!text.empty()) {
    // The last rune starts at the last byte that is not a continuation byte.
    size_t start = text.size() - 1;
    while (start > 0 && text.size() - start < 4 &&
           (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
      --start;
    }
    size_t i = start;
    const char32_t r = next_rune(text, i);
    if (i != text.size() || !is_space(r)) break;
    text.remove_suffix(text.size() - start);
  }
  return text;
}

// Classifies the pattern as patternmatcher's compile() does, so that the
// exact / prefix / suffix shortcuts apply to the same patterns, and checks
// the syntax as filepath.Match does.
Pattern::Pattern(std::string text, bool exclusion, std::string_view original)
    : text_(std::move(text)), exclusion_(exclusion) {
  const std::string_view p = text_;
  size_t i = 0;
  auto add = [this](Op op, char32_t rune = 0) { tokens_.push_back(Token{op, rune}); };
  // One class member, possibly escaped; `-` and `]` must be escaped here.
  auto class_rune = [&]() -> char32_t {
    if (i >= p.size()) bad_pattern(original, "unterminated character class");
    if (p[i] == '-' || p[i] == ']') bad_pattern(original, "unescaped '" + std::string(1, p[i]) + "' in character class");
    if (p[i] == '\\' && ++i >= p.size()) bad_pattern(original, "unterminated character class");
    const char32_t r = next_rune(p, i);
    if (r >= kInvalidBase) bad_pattern(original, "invalid UTF-8 in character class");
    return r;
  };
  while (i < p.size()) {
    const bool at_start = i == 0;
    const char32_t c = next_rune(p, i);
    if (c == '*') {
      if (i < p.size() && p[i] == '*') {
        ++i;
        if (i < p.size() && p[i] == '/') ++i;  // `**/` is `**`
        if (i == p.size()) {
          // A trailing `**` matches everything below (as .gitignore does).
          if (kind_ == Kind::exact) {
            kind_ = Kind::prefix;
          } else {
            add(Op::rest);
            kind_ = Kind::glob;
          }
        } else {
          add(Op::dirs);
          kind_ = Kind::glob;
        }
        if (at_start) kind_ = Kind::suffix;
      } else {
        add(Op::star);
        kind_ = Kind::glob;
      }
    } else if (c == '?') {
      add(Op::one);
      kind_ = Kind::glob;
    } else if (c == '\\') {
      if (i == p.size()) bad_pattern(original, "trailing backslash");
      add(Op::literal, next_rune(p, i));
      kind_ = Kind::glob;
    } else if (c == '[') {
      const bool negated = i < p.size() && p[i] == '^';
      if (negated) ++i;
      Token token{negated ? Op::not_set : Op::set, 0, static_cast<std::uint32_t>(ranges_.size())};
      while (!(i < p.size() && p[i] == ']' && token.count > 0)) {
        const char32_t lo = class_rune();
        char32_t hi = lo;
        if (i < p.size() && p[i] == '-') {
          ++i;
          hi = class_rune();
        }
        if (lo > hi) bad_pattern(original, "reversed range in character class");
        ranges_.push_back(Range{lo, hi});
        ++token.count;
      }
      ++i;
      tokens_.push_back(token);
      kind_ = Kind::glob;
    } else if (c == ']') {
      // patternmatcher hands a stray `]` to the regexp engine, which makes
      // the pattern a regexp (and so not a suffix/prefix shortcut).
      add(Op::literal, c);
      kind_ = Kind::glob;
    } else {
      add(Op::literal, c);
    }
  }
}

bool Pattern::matches(std::string_view path) const {
  switch (kind_) {
    case Kind::exact:
      return path == text_;
    case Kind::prefix:
      return path.starts_with(std::string_view(text_).substr(0, text_.size() - 2));
    case Kind::suffix: {
      const std::string_view suffix = std::string_view(text_).substr(2);
      if (path.ends_with(suffix)) return true;
      // `**/foo` matches "foo" itself.
      return !suffix.empty() && suffix.front() == '/' && path == suffix.substr(1);
    }
    case Kind::glob:
      return glob_matches(path);
  }
  return false;
}

// A Thompson simulation over the tokens: linear in the path whatever the
// pattern, where backtracking would be exponential for `*a*a*a...`.
// at[k]: about to match token k (k == size: matched). inside[k]: within the
// `.*` of a `dirs` token, which may end only after a `/`.
bool Pattern::glob_matches(std::string_view path) const {
  const size_t n = tokens_.size();
  // Four state rows in one buffer, on the stack for ordinary patterns: this
  // runs for every path of a build context.
  const size_t row = n + 1;
  char small[4 * 64];
  std::vector<char> large;
  char* buf = small;
  if (4 * row > sizeof small) {
    large.resize(4 * row);
    buf = large.data();
  }
  std::fill(buf, buf + 4 * row, 0);
  char* at = buf;
  char* inside = buf + row;
  char* next_at = buf + 2 * row;
  char* next_inside = buf + 3 * row;
  auto close = [&](char* a, char* in) {
    for (size_t k = 0; k < n; ++k) {
      if (!a[k]) continue;
      const Op op = tokens_[k].op;
      if (op == Op::star || op == Op::rest || op == Op::dirs) a[k + 1] = 1;
      if (op == Op::dirs) in[k] = 1;
    }
  };
  auto in_ranges = [this](const Token& t, char32_t r) {
    const auto* first = ranges_.data() + t.first;
    return std::any_of(first, first + t.count, [r](const Range& g) { return g.lo <= r && r <= g.hi; });
  };
  at[0] = 1;
  close(at, inside);
  for (size_t i = 0; i < path.size();) {
    const char32_t r = next_rune(path, i);
    std::fill(next_at, next_at + row, 0);
    std::fill(next_inside, next_inside + row, 0);
    bool any = false;
    for (size_t k = 0; k < n; ++k) {
      const Token& t = tokens_[k];
      if (t.op == Op::dirs && inside[k]) {
        next_inside[k] = 1;
        if (r == '/') next_at[k + 1] = 1;
        any = true;
      }
      if (!at[k]) continue;
      bool advance = false;
      switch (t.op) {
        case Op::literal: advance = r == t.rune; break;
        case Op::one: advance = r != '/'; break;
        case Op::set: advance = in_ranges(t, r); break;
        case Op::not_set: advance = !in_ranges(t, r); break;
        case Op::star:
          if (r != '/') next_at[k] = 1, any = true;
          break;
        case Op::rest: next_at[k] = 1, any = true; break;
        case Op::dirs: break;  // consumes only through inside[k]
      }
      if (advance) next_at[k + 1] = 1, any = true;
    }
    if (!any) return false;
    std::swap(at, next_at);
    std::swap(inside, next_inside);
    close(at, inside);
  }
  return at[n] != 0;
}

PatternMatcher::PatternMatcher(const std::vector<std::string>& patterns) {
  patterns_.reserve(patterns.size());
  for (const std::string& original : patterns) {
    const std::string_view trimmed = trim_space(original);
    if (trimmed.empty()) continue;
    std::string text = lexical_clean(trimmed);
    const bool exclusion = text.front() == '!';
    if (exclusion) {
      if (text.size() == 1) throw Error("illegal exclusion pattern: \"!\"");
      text = lexical_clean(std::string_view(text).substr(1));
    }
    if (text.size() > 1 && text.front() == '/') text.erase(0, 1);
    patterns_.push_back(Pattern(std::move(text), exclusion, original));
    has_exclusions_ = has_exclusions_ || exclusion;
  }
  for (const Pattern& p : patterns_) {
    if (!p.exclusion()) continue;
    std::string_view body = p.text();
    if (body.ends_with("/**")) body.remove_suffix(3);
    if (body.ends_with("/*")) body.remove_suffix(2);
    if (body.find_first_of("*[]?^\\") != std::string_view::npos) only_prefix_exceptions_ = false;
    exception_prefixes_.push_back(std::string(body) + "/");
  }
}

bool PatternMatcher::matches(std::string_view path) const {
  const std::string file = lexical_clean(path);
  if (file == ".") return false;  // the context root itself is never excluded
  const std::string parent = parent_dir(file);
  bool matched = false;
  for (const Pattern& p : patterns_) {
    // Only a pattern that could change the answer is evaluated.
    if (p.exclusion() != matched) continue;
    bool m = p.matches(file);
    if (!m && parent != ".") {
      m = any_parent_prefix(parent, [&p](std::string_view dir) { return p.matches(dir); });
    }
    if (m) matched = !p.exclusion();
  }
  return matched;
}

bool PatternMatcher::matches_exact(std::string_view path) const {
  bool matched = false;
  for (const Pattern& p : patterns_) {
    if (p.exclusion() != matched) continue;
    if (p.matches(path)) matched = !p.exclusion();
  }
  return matched;
}

PatternMatcher::Result PatternMatcher::matches_using_parent_results(std::string_view path,
                                                                   const MatchInfo& parent) const {
  const std::vector<bool>& parent_matched = parent.parent_matched_;
  const bool known = !parent_matched.empty();
  if (known && parent_matched.size() != patterns_.size()) {
    throw Error("pattern match info of another matcher (" + std::to_string(parent_matched.size()) +
                " results for " + std::to_string(patterns_.size()) + " patterns)");
  }
  Result result{false, {}};
  result.info.parent_matched_.resize(patterns_.size());
  for (size_t i = 0; i < patterns_.size(); ++i) {
    const Pattern& p = patterns_[i];
    // A pattern that matched the parent matches everything under it.
    bool m = known && parent_matched[i];
    if (!m) {
      if (p.exclusion() != result.matched) continue;
      m = p.matches(path);
      if (!m && !known) {
        const std::string dir = parent_dir(path);
        if (dir != ".") m = any_parent_prefix(dir, [&p](std::string_view d) { return p.matches(d); });
      }
    }
    result.info.parent_matched_[i] = m;
    if (m) result.matched = !p.exclusion();
  }
  return result;
}

bool PatternMatcher::can_skip_excluded_dir(std::string_view dir) const {
  if (!has_exclusions_) return true;
  if (!only_prefix_exceptions_) return false;
  // An exception at or below dir/ may take back something inside it.
  return std::none_of(exception_prefixes_.begin(), exception_prefixes_.end(), [dir](const std::string& e) {
    return e.size() > dir.size() && e[dir.size()] == '/' && std::string_view(e).starts_with(dir);
  });
}

ExcludeWalker::Verdict ExcludeWalker::visit(std::string_view path, bool is_dir) {
  while (!parents_.empty() && !path.starts_with(parents_.back().prefix)) parents_.pop_back();
  auto result = parents_.empty() ? matcher_.matches_using_parent_results(path)
                                 : matcher_.matches_using_parent_results(path, parents_.back().info);
  if (result.matched && is_dir && matcher_.can_skip_excluded_dir(path)) return Verdict::skip_dir;
  if (is_dir) parents_.push_back(Dir{std::string(path) + "/", std::move(result.info)});
  return result.matched ? Verdict::exclude : Verdict::keep;
}

}  // namespace hoist::builder
