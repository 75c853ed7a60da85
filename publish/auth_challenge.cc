#include "publish/auth_challenge.h"

#include <cstddef>
#include <utility>

#include "common/error.h"

namespace hoist::publish {
namespace {

// RFC 7230 tchar: visible ASCII except the separators.
bool is_tchar(char c) {
  if (c <= ' ' || c >= 0x7f) return false;
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=': case '{': case '}':
      return false;
    default:
      return true;
  }
}

// CR and LF count as space like in the upstream parsers, so an unfolded obs-fold line
// still parses.
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_token68_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// Reads one header value. Every step either consumes input or ends the parse, and no step
// rescans more than the element it is looking at, so the work is linear in the header length.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::vector<Challenge>& out) : s_(text), out_(out) {}

  void run() {
    // Whether params may attach to out_.back(): false before this header's first scheme and
    // after a token68, which ends its challenge.
    bool in_challenge = false;
    // Right after "scheme SP" is the one place a token68 may stand.
    bool after_scheme = false;
    for (;;) {
      skip_space();
      if (done()) return;
      if (peek() == ',') {  // list separator; repeated ones are empty list elements
        ++pos_;
        after_scheme = false;
        continue;
      }
      auto param = auth_param();
      if (failed_) return;
      if (param) {
        if (!in_challenge) return;  // nothing for it to belong to
        // Stored before the separator check: like upstream, `realm="r" junk` keeps realm.
        out_.back().params[lower(param->first)] = std::move(param->second);
        if (!at_separator()) return;
        after_scheme = false;
        continue;
      }
      if (after_scheme) {
        if (!token68()) return;
        in_challenge = false;
        after_scheme = false;
        continue;
      }
      // A new challenge may only start the header or follow a comma.
      std::string_view scheme = token();
      if (scheme.empty()) return;
      std::size_t scheme_end = pos_;
      skip_space();
      if (!done() && peek() == '=') return;  // `abc==`: a misplaced token68, not a scheme
      pos_ = scheme_end;
      // Kept even if junk follows (`Bearer;x`), as upstream keeps it.
      out_.push_back(Challenge{lower(scheme), {}});
      in_challenge = true;
      if (!done() && !is_space(peek()) && peek() != ',') return;
      after_scheme = !done() && is_space(peek());
    }
  }

 private:
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }

  void skip_space() {
    while (!done() && is_space(peek())) ++pos_;
  }

  // Whether only OWS stands between here and the next list separator or the end.
  bool at_separator() {
    skip_space();
    return done() || peek() == ',';
  }

  std::string_view token() {
    std::size_t start = pos_;
    while (!done() && is_tchar(peek())) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // `token BWS "=" BWS ( token / quoted-string )`. nullopt (input untouched) when the text is
  // not shaped like a param; sets failed_ for an unterminated quoted-string, whose value is
  // unknown (containerd stores "" there, distribution drops it).
  std::optional<std::pair<std::string, std::string>> auth_param() {
    std::size_t start = pos_;
    std::string_view key = token();
    skip_space();
    if (key.empty() || done() || peek() != '=') {
      pos_ = start;
      return std::nullopt;
    }
    ++pos_;
    skip_space();
    if (!done() && peek() == '=') {  // "abc==" is a token68, not a param
      pos_ = start;
      return std::nullopt;
    }
    std::string value;
    if (!done() && peek() == '"') {
      if (!quoted_string(value)) {
        failed_ = true;
        return std::nullopt;
      }
    } else {
      // An empty unquoted value (`key=,`) is kept as "" like containerd does.
      value = token();
    }
    return std::pair{std::string(key), std::move(value)};
  }

  // RFC 7230 quoted-string; a backslash escapes any byte. False if the closing quote is missing.
  bool quoted_string(std::string& value) {
    ++pos_;  // opening quote
    while (!done()) {
      char c = s_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (done()) return false;
        c = s_[pos_++];
      }
      value.push_back(c);
    }
    return false;
  }

  // `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`, then only a separator.
  bool token68() {
    std::size_t start = pos_;
    while (!done() && is_token68_char(peek())) ++pos_;
    if (pos_ == start) return false;
    while (!done() && peek() == '=') ++pos_;
    return at_separator();
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  std::vector<Challenge>& out_;
};

}  // namespace

std::vector<Challenge> parse_challenges(const std::vector<std::string>& www_authenticate_headers) {
  std::vector<Challenge> out;
  for (const std::string& header : www_authenticate_headers) HeaderParser(header, out).run();
  return out;
}

std::optional<Challenge> find_challenge(const std::vector<Challenge>& challenges, std::string_view scheme) {
  for (const Challenge& c : challenges)
    if (iequals(c.scheme, scheme)) return c;
  return std::nullopt;
}

BearerParams bearer_params(const Challenge& challenge) {
  if (!iequals(challenge.scheme, "bearer"))
    throw Error("expected a Bearer auth challenge, got \"" + challenge.scheme + "\"");
  auto get = [&](const char* key) {
    auto it = challenge.params.find(key);
    return it == challenge.params.end() ? std::string() : it->second;
  };
  BearerParams p;
  p.realm = get("realm");
  if (p.realm.empty()) throw Error("malformed WWW-Authenticate Bearer challenge: no realm");
  p.service = get("service");
  p.error = get("error");
  std::string scope = get("scope");
  std::size_t i = 0;
  while (i < scope.size()) {
    while (i < scope.size() && is_space(scope[i])) ++i;
    std::size_t start = i;
    while (i < scope.size() && !is_space(scope[i])) ++i;
    if (i > start) p.scopes.push_back(scope.substr(start, i - start));
  }
  return p;
}

}  // namespace hoist::publish
