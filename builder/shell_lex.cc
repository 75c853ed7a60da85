#include "builder/shell_lex.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "common/error.h"

namespace hoist::builder {

namespace {

constexpr int32_t kEof = -1;
// What Go decodes a byte that is not valid UTF-8 to; it classifies as neither
// letter, digit nor space.
constexpr int32_t kRuneError = 0xFFFD;
constexpr size_t kNoMatch = std::numeric_limits<size_t>::max();

// Go's unicode.IsLetter(c) || unicode.IsDigit(c) and unicode.IsDigit(c), as
// the ranges above ASCII (tables at the end of this file).
bool is_letter_or_digit(int32_t cp);
bool is_digit(int32_t cp);

// Go's unicode.IsSpace: what splits words.
bool is_space(int32_t cp) {
  switch (cp) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_name_char(int32_t cp) { return cp == '_' || is_letter_or_digit(cp); }

// POSIX special parameters: a name of their own after '$', never set in a Dockerfile.
bool is_special_param(int32_t cp) {
  switch (cp) {
    case '@': case '*': case '#': case '?': case '-': case '$': case '!': case '0':
      return true;
    default:
      return false;
  }
}

// One character of the input: the code point it decodes to, and the bytes it
// was written with. Output is built from the bytes, so text that is not valid
// UTF-8 passes through unchanged where Go would write U+FFFD.
struct Rune {
  int32_t cp = kEof;
  std::string_view text;
};

Rune decode(std::string_view s, size_t pos) {
  auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return {b0, s.substr(pos, 1)};
  size_t len = 0;
  int32_t cp = 0;
  int32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  }
  if (len == 0 || pos + len > s.size()) return {kRuneError, s.substr(pos, 1)};
  for (size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[pos + k]);
    if ((b & 0xC0) != 0x80) return {kRuneError, s.substr(pos, 1)};
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {kRuneError, s.substr(pos, 1)};
  return {cp, s.substr(pos, len)};
}

size_t width_at(std::string_view s, size_t pos) { return pos < s.size() ? decode(s, pos).text.size() : 0; }

std::vector<std::string_view> runes(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size(); i += out.back().size()) out.push_back(decode(s, i).text);
  return out;
}

std::string reversed_runes(std::string_view s) {
  auto parts = runes(s);
  std::string out;
  out.reserve(s.size());
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += *it;
  return out;
}

const char* short_escape(int32_t c) {
  switch (c) {
    case '\a': return "\\a";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\v': return "\\v";
    case '"': return "\\\"";
    case '\\': return "\\\\";
    default: return nullptr;
  }
}

// Characters that are invisible or break lines, which Go's %q also escapes.
bool is_invisible(int32_t c) {
  return (c >= 0x80 && c <= 0xA0) || (c > 0x7F && is_space(c)) || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) || c == 0xFEFF;
}

// Go's %q, so that an error naming the word stays on one line.
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    Rune r = decode(s, i);
    i += r.text.size();
    if (r.cp == kRuneError && r.text.size() == 1) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(r.text[0]));
      out += buf;
    } else if (const char* e = short_escape(r.cp)) {
      out += e;
    } else if (r.cp < 0x20 || r.cp == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(r.cp));
      out += buf;
    } else if (is_invisible(r.cp)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(r.cp));
      out += buf;
    } else {
      out += r.text;
    }
  }
  return out + "\"";
}

Error unsupported_modifier(std::string_view modifier) {
  return Error("unsupported modifier (" + std::string(modifier) + ") in substitution");
}

// A ${VAR#pattern} / ${VAR/pattern/...} pattern. BuildKit turns it into a Go
// regular expression, so it is matched with that regexp's rules: '*' is ".*"
// (or ".*?" for the shortest forms), '?' is ".", neither of which crosses a
// newline; "\*", "\?" and "\\" are literal; '\' before '}' or '/' is dropped;
// everything else, brackets included, is literal.
class Pattern {
 public:
  explicit Pattern(std::string_view text) {
    auto parts = runes(text);
    for (size_t i = 0; i < parts.size(); ++i) {
      std::string_view r = parts[i];
      if (r == "*" || r == "?") {
        tokens_.push_back({r == "*" ? Kind::kStar : Kind::kAny, {}});
        continue;
      }
      if (r == "\\") {
        if (i + 1 < parts.size() && (parts[i + 1] == "}" || parts[i + 1] == "/")) continue;
        if (++i == parts.size()) throw Error("invalid escape '\\' at end of pattern");
        r = parts[i];
        if (r != "*" && r != "?" && r != "\\") throw Error("invalid escape '\\" + std::string(r) + "'");
      }
      if (tokens_.empty() || tokens_.back().kind != Kind::kLiteral) tokens_.push_back({Kind::kLiteral, {}});
      tokens_.back().literal += r;
    }
  }

  // For every start position of `s`: the end of the match a backtracking
  // matcher finds first there (stars trying the longest or the shortest span
  // first), or kNoMatch. That is the match Go's leftmost-first regexp reports.
  // Solved token by token from the last, in O(tokens * |s|).
  std::vector<size_t> match_ends(std::string_view s, bool greedy) const {
    size_t n = s.size();
    std::vector<size_t> next(n + 1), cur(n + 1);
    for (size_t i = 0; i <= n; ++i) next[i] = i;
    for (auto tok = tokens_.rbegin(); tok != tokens_.rend(); ++tok) {
      for (size_t i = n + 1; i-- > 0;) {
        // Where a '*' or '?' may step to from i: not past the end nor over a newline.
        size_t step = i < n && s[i] != '\n' ? i + width_at(s, i) : kNoMatch;
        switch (tok->kind) {
          case Kind::kLiteral:
            cur[i] = s.substr(i).starts_with(tok->literal) ? next[i + tok->literal.size()] : kNoMatch;
            break;
          case Kind::kAny:
            cur[i] = step == kNoMatch ? kNoMatch : next[step];
            break;
          case Kind::kStar: {
            size_t longer = step == kNoMatch ? kNoMatch : cur[step];
            if (greedy) cur[i] = longer != kNoMatch ? longer : next[i];
            else cur[i] = next[i] != kNoMatch ? next[i] : longer;
            break;
          }
        }
      }
      std::swap(cur, next);
    }
    return next;
  }

 private:
  enum class Kind { kLiteral, kAny, kStar };
  struct Token {
    Kind kind;
    std::string literal;
  };
  std::vector<Token> tokens_;
};

Pattern compile_pattern(std::string_view text) {
  try {
    return Pattern(text);
  } catch (const Error& e) {
    throw Error("invalid pattern (" + std::string(text) + ") in substitution: " + e.message());
  }
}

// Reverses a pattern rune by rune but keeps each '\x' pair in order, as
// BuildKit does to turn a suffix match into a prefix match.
std::string reversed_pattern(std::string_view pattern) {
  auto parts = runes(pattern);
  size_t n = parts.size();
  std::vector<std::string_view> out(n);
  for (size_t i = 0; i < n;) {
    size_t at = n - 1 - i;
    if (parts[i] == "\\" && i + 1 < n) {
      out[at - 1] = parts[i];
      out[at] = parts[i + 1];
      i += 2;
    } else {
      out[at] = parts[i++];
    }
  }
  std::string joined;
  for (auto p : out) joined += p;
  return joined;
}

std::string trim_prefix(std::string_view pattern, std::string_view value, bool greedy) {
  size_t end = compile_pattern(pattern).match_ends(value, greedy)[0];
  return std::string(end == kNoMatch ? value : value.substr(end));
}

std::string trim_suffix(std::string_view pattern, std::string_view value, bool greedy) {
  // A regexp cannot find the shortest match that ends at the end, so BuildKit
  // matches the reversed pattern at the start of the reversed value; doing the
  // same keeps its quirks (an invalid pattern is reported reversed, and "a*\"
  // reverses to the valid "\*a").
  return reversed_runes(trim_prefix(reversed_pattern(pattern), reversed_runes(value), greedy));
}

// Go's Regexp.Expand of a ${VAR//p/r} replacement: "$$" is '$', "$0" / "${0}"
// is the match, any other $name or ${name} is empty (the pattern has no
// groups), and a '$' not followed by a name is literal.
std::string expand_template(std::string_view repl, std::string_view match) {
  std::string out;
  size_t i = 0;
  while (i < repl.size()) {
    if (repl[i] != '$') {
      out += repl[i++];
      continue;
    }
    ++i;
    if (i < repl.size() && repl[i] == '$') {
      out += '$';
      ++i;
      continue;
    }
    bool brace = i < repl.size() && repl[i] == '{';
    size_t start = i + (brace ? 1 : 0);
    size_t end = start;
    while (end < repl.size() && is_name_char(decode(repl, end).cp)) end += width_at(repl, end);
    if (end == start || (brace && (end >= repl.size() || repl[end] != '}'))) {
      out += '$';
      continue;
    }
    if (repl.substr(start, end - start) == "0") out += match;
    i = end + (brace ? 1 : 0);
  }
  return out;
}

std::string replace(std::string_view pattern, std::string_view value, std::string_view repl, bool all) {
  auto ends = compile_pattern(pattern).match_ends(value, true);
  size_t n = value.size();
  // Leftmost match at or after `from`, stepping over whole characters as Go does.
  auto find = [&](size_t from) {
    for (size_t a = from; a <= n; a += std::max<size_t>(width_at(value, a), 1)) {
      if (ends[a] != kNoMatch) return a;
    }
    return kNoMatch;
  };
  if (!all) {
    size_t a = find(0);
    if (a == kNoMatch) return std::string(value);
    return std::string(value.substr(0, a)) + std::string(repl) + std::string(value.substr(ends[a]));
  }
  // Go's ReplaceAllString: no replacement for an empty match right after a
  // match, and the search always moves on by at least one character.
  std::string out;
  size_t last = 0;
  for (size_t pos = 0; pos <= n;) {
    size_t a = find(pos);
    if (a == kNoMatch) break;
    size_t b = ends[a];
    out.append(value.substr(last, a - last));
    if (b > last || a == 0) out += expand_template(repl, value.substr(a, b - a));
    last = b;
    size_t w = width_at(value, pos);
    if (pos + w > b) pos += w;
    else if (pos + 1 > b) pos += 1;
    else pos = b;
  }
  out.append(value.substr(last));
  return out;
}

// Splits expansion output into words: plain text and variable values split on
// whitespace, quoted text and escaped characters never do.
class WordSplitter {
 public:
  void add_char(const Rune& r) {
    if (!is_space(r.cp)) {
      add_raw(r.text);
    } else if (in_word_ && !word_.empty()) {
      words_.push_back(std::move(word_));
      word_.clear();
      in_word_ = false;
    }
  }
  void add_string(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      Rune r = decode(s, i);
      add_char(r);
      i += r.text.size();
    }
  }
  void add_raw(std::string_view s) {
    word_ += s;
    in_word_ = true;
  }
  std::vector<std::string> finish() {
    if (!word_.empty()) words_.push_back(std::move(word_));
    return std::move(words_);
  }

 private:
  std::string word_;
  std::vector<std::string> words_;
  bool in_word_ = false;
};

// One expansion: a recursive-descent reader over the word, mirroring the
// structure of BuildKit's shellWord so that every corner case lands the same.
class Expander {
 public:
  Expander(std::string_view word, const Env& env, char escape, const LexOptions& options,
           ProcessResult* capture)
      : word_(word),
        env_(env),
        escape_(static_cast<unsigned char>(escape)),
        options_(options),
        capture_(capture),
        raw_escapes_(options.raw_escapes) {}

  std::string run(WordSplitter* words) { return until(kEof, options_.raw_escapes, words); }

 private:
  Rune peek() const { return pos_ < word_.size() ? decode(word_, pos_) : Rune{}; }
  Rune next() {
    Rune r = peek();
    pos_ += r.text.size();
    return r;
  }
  bool at_end() const { return pos_ >= word_.size(); }

  // Reads up to `stop` (consumed) or, for kEof, to the end. The escape mode
  // holds for quotes nested inside and is restored on the way out.
  std::string until(int32_t stop, bool raw_escapes, WordSplitter* words) {
    struct Restore {
      bool& flag;
      bool saved;
      ~Restore() { flag = saved; }
    } restore{raw_escapes_, raw_escapes_};
    raw_escapes_ = raw_escapes;

    std::string out;
    while (!at_end()) {
      Rune r = peek();
      if (stop != kEof && r.cp == stop) {
        next();
        return out;
      }
      if (r.cp == '$') {
        std::string value = dollar();
        out += value;
        if (words) words->add_string(value);
        continue;
      }
      if (!options_.skip_process_quotes && (r.cp == '\'' || r.cp == '"')) {
        std::string quoted = r.cp == '\'' ? single_quote() : double_quote();
        out += quoted;
        if (words) words->add_raw(quoted);
        continue;
      }
      next();
      if (r.cp != escape_) {
        out += r.text;
        if (words) words->add_char(r);
        continue;
      }
      if (raw_escapes_) {
        out += r.text;
        if (words) words->add_raw(r.text);
      }
      r = next();
      if (r.cp == kEof) break;  // an escape at the very end is dropped
      out += r.text;
      if (words) words->add_raw(r.text);
    }
    if (stop != kEof) {
      throw Error("unexpected end of statement while looking for matching " +
                  std::string(1, static_cast<char>(stop)));
    }
    return out;
  }

  // Like until(), but an input that ends first is reported as the missing
  // delimiter, whatever went wrong inside, as BuildKit does.
  std::string until_delimiter(int32_t stop, bool raw_escapes, const char* missing) {
    try {
      return until(stop, raw_escapes, nullptr);
    } catch (const Error&) {
      if (at_end()) throw Error(missing);
      throw;
    }
  }

  // Everything up to the closing ' is literal; there is no escape inside.
  std::string single_quote() {
    std::string out;
    Rune open = next();
    if (options_.raw_quotes) out += open.text;
    for (;;) {
      Rune r = next();
      if (r.cp == kEof) throw Error("unexpected end of statement while looking for matching single-quote");
      if (r.cp == '\'') {
        if (options_.raw_quotes) out += r.text;
        return out;
      }
      out += r.text;
    }
  }

  // $ expands inside; the escape character escapes only '"', '$' and itself
  // and is kept before anything else.
  std::string double_quote() {
    std::string out;
    Rune open = next();
    if (options_.raw_quotes) out += open.text;
    for (;;) {
      Rune r = peek();
      if (r.cp == kEof) throw Error("unexpected end of statement while looking for matching double-quote");
      if (r.cp == '"') {
        next();
        if (options_.raw_quotes) out += r.text;
        return out;
      }
      if (r.cp == '$') {
        out += dollar();
        continue;
      }
      next();
      if (r.cp == escape_) {
        if (raw_escapes_) out += r.text;
        int32_t after = peek().cp;
        if (after == kEof) continue;  // then the missing quote is reported
        if (after == '"' || after == '$' || after == escape_) r = next();
      }
      out += r.text;
    }
  }

  // A name after '$': a run of digits (a positional parameter), one special
  // parameter character, or letters, digits and '_'. Empty when none follows.
  std::string name() {
    std::string out;
    int32_t first = peek().cp;
    if (is_digit(first)) {
      while (is_digit(peek().cp)) out += next().text;
    } else if (is_special_param(first)) {
      out = next().text;
    } else {
      while (is_name_char(peek().cp)) out += next().text;
    }
    return out;
  }

  std::optional<std::string> lookup(const std::string& name) {
    auto value = env_.get(name);
    if (capture_) (value ? capture_->matched : capture_->unmatched).insert(name);
    return value;
  }

  std::string dollar() {
    next();  // '$'
    if (peek().cp != '{') {
      std::string n = name();
      if (n.empty()) return "$";
      auto value = lookup(n);
      if (!value && options_.skip_unset_env) return "$" + n;
      return value.value_or("");
    }
    next();  // '{'
    if (++depth_ > kMaxNesting) throw Error("syntax error: ${} nested too deeply");
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    switch (peek().cp) {
      case kEof:
        throw Error("syntax error: missing '}'");
      case '{': case '}': case ':':
        throw Error("syntax error: bad substitution");
    }
    std::string n = name();
    Rune op = next();
    switch (op.cp) {
      case kEof:
        // BuildKit reports "unsupported modifier (\uFFFD)" here; the brace is what is missing.
        throw Error("syntax error: missing '}'");
      case '}': {
        auto value = lookup(n);
        if (!value && options_.skip_unset_env) return "${" + n + "}";
        return value.value_or("");
      }
      case '/':
        return substitute(n);
      case ':': case '+': case '-': case '?': case '#': case '%':
        return modify(n, op);
      default:
        throw unsupported_modifier(op.text);
    }
  }

  // ${name<op>word} for every op but '/'.
  std::string modify(const std::string& n, Rune op) {
    std::string ops(op.text);
    bool null_is_unset = op.cp == ':';
    if (null_is_unset) {
      op = next();
      ops += op.text;
    }
    // Patterns keep their escapes so the matcher can tell "\*" from '*'.
    bool pattern = op.cp == '#' || op.cp == '%';
    if (null_is_unset && pattern) throw unsupported_modifier(ops);
    std::string word = until_delimiter('}', pattern, "syntax error: missing '}'");

    auto value = lookup(n);
    if (!value && options_.skip_unset_env) return "${" + n + ops + word + "}";
    bool empty = !value || (null_is_unset && value->empty());
    switch (op.cp) {
      case '-':
        return empty ? word : *value;
      case '+':
        return empty ? "" : word;
      case '?':
        if (!value) throw Error(n + ": " + (word.empty() ? "is not allowed to be unset" : word));
        if (empty) throw Error(n + ": " + (word.empty() ? "is not allowed to be empty" : word));
        return *value;
      case '#': case '%': {
        // A doubled operator asks for the longest match.
        bool greedy = !word.empty() && word[0] == static_cast<char>(op.cp);
        std::string_view pat = greedy ? std::string_view(word).substr(1) : std::string_view(word);
        std::string v = value.value_or("");
        return op.cp == '%' ? trim_suffix(pat, v, greedy) : trim_prefix(pat, v, greedy);
      }
      default:
        throw unsupported_modifier(ops);
    }
  }

  // ${name/pattern/replacement} and ${name//pattern/replacement}.
  std::string substitute(const std::string& n) {
    bool all = peek().cp == '/';
    if (all) next();
    std::string pattern = until_delimiter('/', true, "syntax error: missing '/' in ${}");
    std::string replacement = until_delimiter('}', true, "syntax error: missing '}'");
    auto value = lookup(n);
    if (!value && options_.skip_unset_env) {
      // BuildKit writes a single '/' back for '//' too, turning replace-all into replace-first.
      return "${" + n + (all ? "//" : "/") + pattern + "/" + replacement + "}";
    }
    return replace(pattern, value.value_or(""), replacement, all);
  }

  // Nested ${...} recurse; the bound keeps a hostile word from exhausting the
  // stack (BuildKit has none: Go stacks grow), far above any real nesting.
  static constexpr int kMaxNesting = 200;

  std::string_view word_;
  size_t pos_ = 0;
  int depth_ = 0;
  const Env& env_;
  int32_t escape_;
  const LexOptions& options_;
  ProcessResult* capture_;
  bool raw_escapes_;
};

template <typename Fn>
auto naming_word(std::string_view word, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (Error& e) {
    e.context("failed to process " + go_quote(word));
    throw;
  }
}

}  // namespace

EnvList EnvList::from_strings(const std::vector<std::string>& entries) {
  EnvList env;
  for (const auto& e : entries) {
    auto eq = e.find('=');
    if (eq == std::string::npos) env.set(e, "");
    else env.set(e.substr(0, eq), e.substr(eq + 1));
  }
  return env;
}

void EnvList::set(std::string name, std::string value) { vars_.emplace_back(std::move(name), std::move(value)); }

std::optional<std::string> EnvList::get(std::string_view name) const {
  for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return std::nullopt;
}

ShellLex::ShellLex(char escape, LexOptions options) : escape_(escape), options_(options) {
  if (escape != '\\' && escape != '`') {
    throw Error(std::string("invalid escape character '") + escape + "': must be '\\' or '`'");
  }
}

ProcessResult ShellLex::process_word(std::string_view word, const Env& env) const {
  ProcessResult result;
  Expander expander(word, env, escape_, options_, &result);
  result.result = naming_word(word, [&] { return expander.run(nullptr); });
  return result;
}

std::vector<std::string> ShellLex::process_words(std::string_view word, const Env& env) const {
  Expander expander(word, env, escape_, options_, nullptr);
  WordSplitter words;
  naming_word(word, [&] { return expander.run(&words); });
  return words.finish();
}

namespace {

struct Range {
  uint32_t lo, hi;
};

// Generated from ICU 72 (Unicode 15.0, the version of Go's unicode package
// since Go 1.21): general categories L* plus Nd, and Nd alone, above U+007F.
constexpr Range kLetterOrDigit[] = {
    {0xAA, 0xAA}, {0xB5, 0xB5}, {0xBA, 0xBA}, {0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x2C1}, {0x2C6, 0x2D1},
    {0x2E0, 0x2E4}, {0x2EC, 0x2EC}, {0x2EE, 0x2EE}, {0x370, 0x374}, {0x376, 0x377}, {0x37A, 0x37D},
    {0x37F, 0x37F}, {0x386, 0x386}, {0x388, 0x38A}, {0x38C, 0x38C}, {0x38E, 0x3A1}, {0x3A3, 0x3F5},
    {0x3F7, 0x481}, {0x48A, 0x52F}, {0x531, 0x556}, {0x559, 0x559}, {0x560, 0x588}, {0x5D0, 0x5EA},
    {0x5EF, 0x5F2}, {0x620, 0x64A}, {0x660, 0x669}, {0x66E, 0x66F}, {0x671, 0x6D3}, {0x6D5, 0x6D5},
    {0x6E5, 0x6E6}, {0x6EE, 0x6FC}, {0x6FF, 0x6FF}, {0x710, 0x710}, {0x712, 0x72F}, {0x74D, 0x7A5},
    {0x7B1, 0x7B1}, {0x7C0, 0x7EA}, {0x7F4, 0x7F5}, {0x7FA, 0x7FA}, {0x800, 0x815}, {0x81A, 0x81A},
    {0x824, 0x824}, {0x828, 0x828}, {0x840, 0x858}, {0x860, 0x86A}, {0x870, 0x887}, {0x889, 0x88E},
    {0x8A0, 0x8C9}, {0x904, 0x939}, {0x93D, 0x93D}, {0x950, 0x950}, {0x958, 0x961}, {0x966, 0x96F},
    {0x971, 0x980}, {0x985, 0x98C}, {0x98F, 0x990}, {0x993, 0x9A8}, {0x9AA, 0x9B0}, {0x9B2, 0x9B2},
    {0x9B6, 0x9B9}, {0x9BD, 0x9BD}, {0x9CE, 0x9CE}, {0x9DC, 0x9DD}, {0x9DF, 0x9E1}, {0x9E6, 0x9F1},
    {0x9FC, 0x9FC}, {0xA05, 0xA0A}, {0xA0F, 0xA10}, {0xA13, 0xA28}, {0xA2A, 0xA30}, {0xA32, 0xA33},
    {0xA35, 0xA36}, {0xA38, 0xA39}, {0xA59, 0xA5C}, {0xA5E, 0xA5E}, {0xA66, 0xA6F}, {0xA72, 0xA74},
    {0xA85, 0xA8D}, {0xA8F, 0xA91}, {0xA93, 0xAA8}, {0xAAA, 0xAB0}, {0xAB2, 0xAB3}, {0xAB5, 0xAB9},
    {0xABD, 0xABD}, {0xAD0, 0xAD0}, {0xAE0, 0xAE1}, {0xAE6, 0xAEF}, {0xAF9, 0xAF9}, {0xB05, 0xB0C},
    {0xB0F, 0xB10}, {0xB13, 0xB28}, {0xB2A, 0xB30}, {0xB32, 0xB33}, {0xB35, 0xB39}, {0xB3D, 0xB3D},
    {0xB5C, 0xB5D}, {0xB5F, 0xB61}, {0xB66, 0xB6F}, {0xB71, 0xB71}, {0xB83, 0xB83}, {0xB85, 0xB8A},
    {0xB8E, 0xB90}, {0xB92, 0xB95}, {0xB99, 0xB9A}, {0xB9C, 0xB9C}, {0xB9E, 0xB9F}, {0xBA3, 0xBA4},
    {0xBA8, 0xBAA}, {0xBAE, 0xBB9}, {0xBD0, 0xBD0}, {0xBE6, 0xBEF}, {0xC05, 0xC0C}, {0xC0E, 0xC10},
    {0xC12, 0xC28}, {0xC2A, 0xC39}, {0xC3D, 0xC3D}, {0xC58, 0xC5A}, {0xC5D, 0xC5D}, {0xC60, 0xC61},
    {0xC66, 0xC6F}, {0xC80, 0xC80}, {0xC85, 0xC8C}, {0xC8E, 0xC90}, {0xC92, 0xCA8}, {0xCAA, 0xCB3},
    {0xCB5, 0xCB9}, {0xCBD, 0xCBD}, {0xCDD, 0xCDE}, {0xCE0, 0xCE1}, {0xCE6, 0xCEF}, {0xCF1, 0xCF2},
    {0xD04, 0xD0C}, {0xD0E, 0xD10}, {0xD12, 0xD3A}, {0xD3D, 0xD3D}, {0xD4E, 0xD4E}, {0xD54, 0xD56},
    {0xD5F, 0xD61}, {0xD66, 0xD6F}, {0xD7A, 0xD7F}, {0xD85, 0xD96}, {0xD9A, 0xDB1}, {0xDB3, 0xDBB},
    {0xDBD, 0xDBD}, {0xDC0, 0xDC6}, {0xDE6, 0xDEF}, {0xE01, 0xE30}, {0xE32, 0xE33}, {0xE40, 0xE46},
    {0xE50, 0xE59}, {0xE81, 0xE82}, {0xE84, 0xE84}, {0xE86, 0xE8A}, {0xE8C, 0xEA3}, {0xEA5, 0xEA5},
    {0xEA7, 0xEB0}, {0xEB2, 0xEB3}, {0xEBD, 0xEBD}, {0xEC0, 0xEC4}, {0xEC6, 0xEC6}, {0xED0, 0xED9},
    {0xEDC, 0xEDF}, {0xF00, 0xF00}, {0xF20, 0xF29}, {0xF40, 0xF47}, {0xF49, 0xF6C}, {0xF88, 0xF8C},
    {0x1000, 0x102A}, {0x103F, 0x1049}, {0x1050, 0x1055}, {0x105A, 0x105D}, {0x1061, 0x1061},
    {0x1065, 0x1066}, {0x106E, 0x1070}, {0x1075, 0x1081}, {0x108E, 0x108E}, {0x1090, 0x1099},
    {0x10A0, 0x10C5}, {0x10C7, 0x10C7}, {0x10CD, 0x10CD}, {0x10D0, 0x10FA}, {0x10FC, 0x1248},
    {0x124A, 0x124D}, {0x1250, 0x1256}, {0x1258, 0x1258}, {0x125A, 0x125D}, {0x1260, 0x1288},
    {0x128A, 0x128D}, {0x1290, 0x12B0}, {0x12B2, 0x12B5}, {0x12B8, 0x12BE}, {0x12C0, 0x12C0},
    {0x12C2, 0x12C5}, {0x12C8, 0x12D6}, {0x12D8, 0x1310}, {0x1312, 0x1315}, {0x1318, 0x135A},
    {0x1380, 0x138F}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD}, {0x1401, 0x166C}, {0x166F, 0x167F},
    {0x1681, 0x169A}, {0x16A0, 0x16EA}, {0x16F1, 0x16F8}, {0x1700, 0x1711}, {0x171F, 0x1731},
    {0x1740, 0x1751}, {0x1760, 0x176C}, {0x176E, 0x1770}, {0x1780, 0x17B3}, {0x17D7, 0x17D7},
    {0x17DC, 0x17DC}, {0x17E0, 0x17E9}, {0x1810, 0x1819}, {0x1820, 0x1878}, {0x1880, 0x1884},
    {0x1887, 0x18A8}, {0x18AA, 0x18AA}, {0x18B0, 0x18F5}, {0x1900, 0x191E}, {0x1946, 0x196D},
    {0x1970, 0x1974}, {0x1980, 0x19AB}, {0x19B0, 0x19C9}, {0x19D0, 0x19D9}, {0x1A00, 0x1A16},
    {0x1A20, 0x1A54}, {0x1A80, 0x1A89}, {0x1A90, 0x1A99}, {0x1AA7, 0x1AA7}, {0x1B05, 0x1B33},
    {0x1B45, 0x1B4C}, {0x1B50, 0x1B59}, {0x1B83, 0x1BA0}, {0x1BAE, 0x1BE5}, {0x1C00, 0x1C23},
    {0x1C40, 0x1C49}, {0x1C4D, 0x1C7D}, {0x1C80, 0x1C88}, {0x1C90, 0x1CBA}, {0x1CBD, 0x1CBF},
    {0x1CE9, 0x1CEC}, {0x1CEE, 0x1CF3}, {0x1CF5, 0x1CF6}, {0x1CFA, 0x1CFA}, {0x1D00, 0x1DBF},
    {0x1E00, 0x1F15}, {0x1F18, 0x1F1D}, {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57},
    {0x1F59, 0x1F59}, {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4},
    {0x1FB6, 0x1FBC}, {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3},
    {0x1FD6, 0x1FDB}, {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2071, 0x2071},
    {0x207F, 0x207F}, {0x2090, 0x209C}, {0x2102, 0x2102}, {0x2107, 0x2107}, {0x210A, 0x2113},
    {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126}, {0x2128, 0x2128},
    {0x212A, 0x212D}, {0x212F, 0x2139}, {0x213C, 0x213F}, {0x2145, 0x2149}, {0x214E, 0x214E},
    {0x2183, 0x2184}, {0x2C00, 0x2CE4}, {0x2CEB, 0x2CEE}, {0x2CF2, 0x2CF3}, {0x2D00, 0x2D25},
    {0x2D27, 0x2D27}, {0x2D2D, 0x2D2D}, {0x2D30, 0x2D67}, {0x2D6F, 0x2D6F}, {0x2D80, 0x2D96},
    {0x2DA0, 0x2DA6}, {0x2DA8, 0x2DAE}, {0x2DB0, 0x2DB6}, {0x2DB8, 0x2DBE}, {0x2DC0, 0x2DC6},
    {0x2DC8, 0x2DCE}, {0x2DD0, 0x2DD6}, {0x2DD8, 0x2DDE}, {0x2E2F, 0x2E2F}, {0x3005, 0x3006},
    {0x3031, 0x3035}, {0x303B, 0x303C}, {0x3041, 0x3096}, {0x309D, 0x309F}, {0x30A1, 0x30FA},
    {0x30FC, 0x30FF}, {0x3105, 0x312F}, {0x3131, 0x318E}, {0x31A0, 0x31BF}, {0x31F0, 0x31FF},
    {0x3400, 0x4DBF}, {0x4E00, 0xA48C}, {0xA4D0, 0xA4FD}, {0xA500, 0xA60C}, {0xA610, 0xA62B},
    {0xA640, 0xA66E}, {0xA67F, 0xA69D}, {0xA6A0, 0xA6E5}, {0xA717, 0xA71F}, {0xA722, 0xA788},
    {0xA78B, 0xA7CA}, {0xA7D0, 0xA7D1}, {0xA7D3, 0xA7D3}, {0xA7D5, 0xA7D9}, {0xA7F2, 0xA801},
    {0xA803, 0xA805}, {0xA807, 0xA80A}, {0xA80C, 0xA822}, {0xA840, 0xA873}, {0xA882, 0xA8B3},
    {0xA8D0, 0xA8D9}, {0xA8F2, 0xA8F7}, {0xA8FB, 0xA8FB}, {0xA8FD, 0xA8FE}, {0xA900, 0xA925},
    {0xA930, 0xA946}, {0xA960, 0xA97C}, {0xA984, 0xA9B2}, {0xA9CF, 0xA9D9}, {0xA9E0, 0xA9E4},
    {0xA9E6, 0xA9FE}, {0xAA00, 0xAA28}, {0xAA40, 0xAA42}, {0xAA44, 0xAA4B}, {0xAA50, 0xAA59},
    {0xAA60, 0xAA76}, {0xAA7A, 0xAA7A}, {0xAA7E, 0xAAAF}, {0xAAB1, 0xAAB1}, {0xAAB5, 0xAAB6},
    {0xAAB9, 0xAABD}, {0xAAC0, 0xAAC0}, {0xAAC2, 0xAAC2}, {0xAADB, 0xAADD}, {0xAAE0, 0xAAEA},
    {0xAAF2, 0xAAF4}, {0xAB01, 0xAB06}, {0xAB09, 0xAB0E}, {0xAB11, 0xAB16}, {0xAB20, 0xAB26},
    {0xAB28, 0xAB2E}, {0xAB30, 0xAB5A}, {0xAB5C, 0xAB69}, {0xAB70, 0xABE2}, {0xABF0, 0xABF9},
    {0xAC00, 0xD7A3}, {0xD7B0, 0xD7C6}, {0xD7CB, 0xD7FB}, {0xF900, 0xFA6D}, {0xFA70, 0xFAD9},
    {0xFB00, 0xFB06}, {0xFB13, 0xFB17}, {0xFB1D, 0xFB1D}, {0xFB1F, 0xFB28}, {0xFB2A, 0xFB36},
    {0xFB38, 0xFB3C}, {0xFB3E, 0xFB3E}, {0xFB40, 0xFB41}, {0xFB43, 0xFB44}, {0xFB46, 0xFBB1},
    {0xFBD3, 0xFD3D}, {0xFD50, 0xFD8F}, {0xFD92, 0xFDC7}, {0xFDF0, 0xFDFB}, {0xFE70, 0xFE74},
    {0xFE76, 0xFEFC}, {0xFF10, 0xFF19}, {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0xFF66, 0xFFBE},
    {0xFFC2, 0xFFC7}, {0xFFCA, 0xFFCF}, {0xFFD2, 0xFFD7}, {0xFFDA, 0xFFDC}, {0x10000, 0x1000B},
    {0x1000D, 0x10026}, {0x10028, 0x1003A}, {0x1003C, 0x1003D}, {0x1003F, 0x1004D}, {0x10050, 0x1005D},
    {0x10080, 0x100FA}, {0x10280, 0x1029C}, {0x102A0, 0x102D0}, {0x10300, 0x1031F}, {0x1032D, 0x10340},
    {0x10342, 0x10349}, {0x10350, 0x10375}, {0x10380, 0x1039D}, {0x103A0, 0x103C3}, {0x103C8, 0x103CF},
    {0x10400, 0x1049D}, {0x104A0, 0x104A9}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB}, {0x10500, 0x10527},
    {0x10530, 0x10563}, {0x10570, 0x1057A}, {0x1057C, 0x1058A}, {0x1058C, 0x10592}, {0x10594, 0x10595},
    {0x10597, 0x105A1}, {0x105A3, 0x105B1}, {0x105B3, 0x105B9}, {0x105BB, 0x105BC}, {0x10600, 0x10736},
    {0x10740, 0x10755}, {0x10760, 0x10767}, {0x10780, 0x10785}, {0x10787, 0x107B0}, {0x107B2, 0x107BA},
    {0x10800, 0x10805}, {0x10808, 0x10808}, {0x1080A, 0x10835}, {0x10837, 0x10838}, {0x1083C, 0x1083C},
    {0x1083F, 0x10855}, {0x10860, 0x10876}, {0x10880, 0x1089E}, {0x108E0, 0x108F2}, {0x108F4, 0x108F5},
    {0x10900, 0x10915}, {0x10920, 0x10939}, {0x10980, 0x109B7}, {0x109BE, 0x109BF}, {0x10A00, 0x10A00},
    {0x10A10, 0x10A13}, {0x10A15, 0x10A17}, {0x10A19, 0x10A35}, {0x10A60, 0x10A7C}, {0x10A80, 0x10A9C},
    {0x10AC0, 0x10AC7}, {0x10AC9, 0x10AE4}, {0x10B00, 0x10B35}, {0x10B40, 0x10B55}, {0x10B60, 0x10B72},
    {0x10B80, 0x10B91}, {0x10C00, 0x10C48}, {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x10D00, 0x10D23},
    {0x10D30, 0x10D39}, {0x10E80, 0x10EA9}, {0x10EB0, 0x10EB1}, {0x10F00, 0x10F1C}, {0x10F27, 0x10F27},
    {0x10F30, 0x10F45}, {0x10F70, 0x10F81}, {0x10FB0, 0x10FC4}, {0x10FE0, 0x10FF6}, {0x11003, 0x11037},
    {0x11066, 0x1106F}, {0x11071, 0x11072}, {0x11075, 0x11075}, {0x11083, 0x110AF}, {0x110D0, 0x110E8},
    {0x110F0, 0x110F9}, {0x11103, 0x11126}, {0x11136, 0x1113F}, {0x11144, 0x11144}, {0x11147, 0x11147},
    {0x11150, 0x11172}, {0x11176, 0x11176}, {0x11183, 0x111B2}, {0x111C1, 0x111C4}, {0x111D0, 0x111DA},
    {0x111DC, 0x111DC}, {0x11200, 0x11211}, {0x11213, 0x1122B}, {0x1123F, 0x11240}, {0x11280, 0x11286},
    {0x11288, 0x11288}, {0x1128A, 0x1128D}, {0x1128F, 0x1129D}, {0x1129F, 0x112A8}, {0x112B0, 0x112DE},
    {0x112F0, 0x112F9}, {0x11305, 0x1130C}, {0x1130F, 0x11310}, {0x11313, 0x11328}, {0x1132A, 0x11330},
    {0x11332, 0x11333}, {0x11335, 0x11339}, {0x1133D, 0x1133D}, {0x11350, 0x11350}, {0x1135D, 0x11361},
    {0x11400, 0x11434}, {0x11447, 0x1144A}, {0x11450, 0x11459}, {0x1145F, 0x11461}, {0x11480, 0x114AF},
    {0x114C4, 0x114C5}, {0x114C7, 0x114C7}, {0x114D0, 0x114D9}, {0x11580, 0x115AE}, {0x115D8, 0x115DB},
    {0x11600, 0x1162F}, {0x11644, 0x11644}, {0x11650, 0x11659}, {0x11680, 0x116AA}, {0x116B8, 0x116B8},
    {0x116C0, 0x116C9}, {0x11700, 0x1171A}, {0x11730, 0x11739}, {0x11740, 0x11746}, {0x11800, 0x1182B},
    {0x118A0, 0x118E9}, {0x118FF, 0x11906}, {0x11909, 0x11909}, {0x1190C, 0x11913}, {0x11915, 0x11916},
    {0x11918, 0x1192F}, {0x1193F, 0x1193F}, {0x11941, 0x11941}, {0x11950, 0x11959}, {0x119A0, 0x119A7},
    {0x119AA, 0x119D0}, {0x119E1, 0x119E1}, {0x119E3, 0x119E3}, {0x11A00, 0x11A00}, {0x11A0B, 0x11A32},
    {0x11A3A, 0x11A3A}, {0x11A50, 0x11A50}, {0x11A5C, 0x11A89}, {0x11A9D, 0x11A9D}, {0x11AB0, 0x11AF8},
    {0x11C00, 0x11C08}, {0x11C0A, 0x11C2E}, {0x11C40, 0x11C40}, {0x11C50, 0x11C59}, {0x11C72, 0x11C8F},
    {0x11D00, 0x11D06}, {0x11D08, 0x11D09}, {0x11D0B, 0x11D30}, {0x11D46, 0x11D46}, {0x11D50, 0x11D59},
    {0x11D60, 0x11D65}, {0x11D67, 0x11D68}, {0x11D6A, 0x11D89}, {0x11D98, 0x11D98}, {0x11DA0, 0x11DA9},
    {0x11EE0, 0x11EF2}, {0x11F02, 0x11F02}, {0x11F04, 0x11F10}, {0x11F12, 0x11F33}, {0x11F50, 0x11F59},
    {0x11FB0, 0x11FB0}, {0x12000, 0x12399}, {0x12480, 0x12543}, {0x12F90, 0x12FF0}, {0x13000, 0x1342F},
    {0x13441, 0x13446}, {0x14400, 0x14646}, {0x16800, 0x16A38}, {0x16A40, 0x16A5E}, {0x16A60, 0x16A69},
    {0x16A70, 0x16ABE}, {0x16AC0, 0x16AC9}, {0x16AD0, 0x16AED}, {0x16B00, 0x16B2F}, {0x16B40, 0x16B43},
    {0x16B50, 0x16B59}, {0x16B63, 0x16B77}, {0x16B7D, 0x16B8F}, {0x16E40, 0x16E7F}, {0x16F00, 0x16F4A},
    {0x16F50, 0x16F50}, {0x16F93, 0x16F9F}, {0x16FE0, 0x16FE1}, {0x16FE3, 0x16FE3}, {0x17000, 0x187F7},
    {0x18800, 0x18CD5}, {0x18D00, 0x18D08}, {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE},
    {0x1B000, 0x1B122}, {0x1B132, 0x1B132}, {0x1B150, 0x1B152}, {0x1B155, 0x1B155}, {0x1B164, 0x1B167},
    {0x1B170, 0x1B2FB}, {0x1BC00, 0x1BC6A}, {0x1BC70, 0x1BC7C}, {0x1BC80, 0x1BC88}, {0x1BC90, 0x1BC99},
    {0x1D400, 0x1D454}, {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F}, {0x1D4A2, 0x1D4A2}, {0x1D4A5, 0x1D4A6},
    {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9}, {0x1D4BB, 0x1D4BB}, {0x1D4BD, 0x1D4C3}, {0x1D4C5, 0x1D505},
    {0x1D507, 0x1D50A}, {0x1D50D, 0x1D514}, {0x1D516, 0x1D51C}, {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E},
    {0x1D540, 0x1D544}, {0x1D546, 0x1D546}, {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A5}, {0x1D6A8, 0x1D6C0},
    {0x1D6C2, 0x1D6DA}, {0x1D6DC, 0x1D6FA}, {0x1D6FC, 0x1D714}, {0x1D716, 0x1D734}, {0x1D736, 0x1D74E},
    {0x1D750, 0x1D76E}, {0x1D770, 0x1D788}, {0x1D78A, 0x1D7A8}, {0x1D7AA, 0x1D7C2}, {0x1D7C4, 0x1D7CB},
    {0x1D7CE, 0x1D7FF}, {0x1DF00, 0x1DF1E}, {0x1DF25, 0x1DF2A}, {0x1E030, 0x1E06D}, {0x1E100, 0x1E12C},
    {0x1E137, 0x1E13D}, {0x1E140, 0x1E149}, {0x1E14E, 0x1E14E}, {0x1E290, 0x1E2AD}, {0x1E2C0, 0x1E2EB},
    {0x1E2F0, 0x1E2F9}, {0x1E4D0, 0x1E4EB}, {0x1E4F0, 0x1E4F9}, {0x1E7E0, 0x1E7E6}, {0x1E7E8, 0x1E7EB},
    {0x1E7ED, 0x1E7EE}, {0x1E7F0, 0x1E7FE}, {0x1E800, 0x1E8C4}, {0x1E900, 0x1E943}, {0x1E94B, 0x1E94B},
    {0x1E950, 0x1E959}, {0x1EE00, 0x1EE03}, {0x1EE05, 0x1EE1F}, {0x1EE21, 0x1EE22}, {0x1EE24, 0x1EE24},
    {0x1EE27, 0x1EE27}, {0x1EE29, 0x1EE32}, {0x1EE34, 0x1EE37}, {0x1EE39, 0x1EE39}, {0x1EE3B, 0x1EE3B},
    {0x1EE42, 0x1EE42}, {0x1EE47, 0x1EE47}, {0x1EE49, 0x1EE49}, {0x1EE4B, 0x1EE4B}, {0x1EE4D, 0x1EE4F},
    {0x1EE51, 0x1EE52}, {0x1EE54, 0x1EE54}, {0x1EE57, 0x1EE57}, {0x1EE59, 0x1EE59}, {0x1EE5B, 0x1EE5B},
    {0x1EE5D, 0x1EE5D}, {0x1EE5F, 0x1EE5F}, {0x1EE61, 0x1EE62}, {0x1EE64, 0x1EE64}, {0x1EE67, 0x1EE6A},
    {0x1EE6C, 0x1EE72}, {0x1EE74, 0x1EE77}, {0x1EE79, 0x1EE7C}, {0x1EE7E, 0x1EE7E}, {0x1EE80, 0x1EE89},
    {0x1EE8B, 0x1EE9B}, {0x1EEA1, 0x1EEA3}, {0x1EEA5, 0x1EEA9}, {0x1EEAB, 0x1EEBB}, {0x1FBF0, 0x1FBF9},
    {0x20000, 0x2A6DF}, {0x2A700, 0x2B739}, {0x2B740, 0x2B81D}, {0x2B820, 0x2CEA1}, {0x2CEB0, 0x2EBE0},
    {0x2F800, 0x2FA1D}, {0x30000, 0x3134A}, {0x31350, 0x323AF},
};

constexpr Range kDigit[] = {
    {0x660, 0x669}, {0x6F0, 0x6F9}, {0x7C0, 0x7C9}, {0x966, 0x96F}, {0x9E6, 0x9EF}, {0xA66, 0xA6F},
    {0xAE6, 0xAEF}, {0xB66, 0xB6F}, {0xBE6, 0xBEF}, {0xC66, 0xC6F}, {0xCE6, 0xCEF}, {0xD66, 0xD6F},
    {0xDE6, 0xDEF}, {0xE50, 0xE59}, {0xED0, 0xED9}, {0xF20, 0xF29}, {0x1040, 0x1049}, {0x1090, 0x1099},
    {0x17E0, 0x17E9}, {0x1810, 0x1819}, {0x1946, 0x194F}, {0x19D0, 0x19D9}, {0x1A80, 0x1A89},
    {0x1A90, 0x1A99}, {0x1B50, 0x1B59}, {0x1BB0, 0x1BB9}, {0x1C40, 0x1C49}, {0x1C50, 0x1C59},
    {0xA620, 0xA629}, {0xA8D0, 0xA8D9}, {0xA900, 0xA909}, {0xA9D0, 0xA9D9}, {0xA9F0, 0xA9F9},
    {0xAA50, 0xAA59}, {0xABF0, 0xABF9}, {0xFF10, 0xFF19}, {0x104A0, 0x104A9}, {0x10D30, 0x10D39},
    {0x11066, 0x1106F}, {0x110F0, 0x110F9}, {0x11136, 0x1113F}, {0x111D0, 0x111D9}, {0x112F0, 0x112F9},
    {0x11450, 0x11459}, {0x114D0, 0x114D9}, {0x11650, 0x11659}, {0x116C0, 0x116C9}, {0x11730, 0x11739},
    {0x118E0, 0x118E9}, {0x11950, 0x11959}, {0x11C50, 0x11C59}, {0x11D50, 0x11D59}, {0x11DA0, 0x11DA9},
    {0x11F50, 0x11F59}, {0x16A60, 0x16A69}, {0x16AC0, 0x16AC9}, {0x16B50, 0x16B59}, {0x1D7CE, 0x1D7FF},
    {0x1E140, 0x1E149}, {0x1E2F0, 0x1E2F9}, {0x1E4F0, 0x1E4F9}, {0x1E950, 0x1E959}, {0x1FBF0, 0x1FBF9},
};
template <size_t N>
bool in_ranges(const Range (&table)[N], int32_t cp) {
  auto c = static_cast<uint32_t>(cp);
  auto it = std::upper_bound(std::begin(table), std::end(table), c,
                             [](uint32_t v, const Range& r) { return v < r.lo; });
  return it != std::begin(table) && c <= std::prev(it)->hi;
}

bool is_letter_or_digit(int32_t cp) {
  if (cp < 0x80) {
    return cp >= 0 && ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'));
  }
  return in_ranges(kLetterOrDigit, cp);
}

bool is_digit(int32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return in_ranges(kDigit, cp);
}

}  // namespace

}  // namespace hoist::builder
