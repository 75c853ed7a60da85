#include "builder/heredoc.h"

#include <climits>

#include "builder/parser_text.h"
#include "common/error.h"

namespace hoist::builder {

namespace {

constexpr int kEof = -1;

// Words accumulated as BuildKit's shell lexer does: unquoted whitespace ends a
// word, quoted or escaped characters never do.
class Words {
 public:
  void add_char(char32_t cp, std::string_view bytes) {
    if (!text::is_space(cp)) {
      word_ += bytes;
    } else if (!word_.empty()) {
      words_.push_back(std::move(word_));
      word_.clear();
    }
  }
  void add_raw(std::string_view bytes) { word_ += bytes; }
  void add_string(std::string_view s) {
    for (size_t pos = 0; pos < s.size();) {
      text::Rune r = text::decode_rune(s, pos);
      add_char(r.cp, s.substr(pos, r.width));
      pos += r.width;
    }
  }
  std::vector<std::string> finish() {
    if (!word_.empty()) words_.push_back(std::move(word_));
    word_.clear();
    return std::move(words_);
  }

 private:
  std::vector<std::string> words_;
  std::string word_;
};

// The subset of BuildKit's shell lexer (shell.Lex with SkipUnsetEnv and no
// variables set) that heredoc detection runs: quotes, `\` escapes and $-forms
// are recognised so words split where a shell would split them, and every
// $VAR / ${…} comes out as written. The escape character is always `\`, as
// upstream, whatever the Dockerfile's escape directive says.
class WordLexer {
 public:
  WordLexer(std::string_view src, bool raw_quotes, bool raw_escapes)
      : src_(src), raw_quotes_(raw_quotes), raw_escapes_(raw_escapes) {}

  // Throws hoist::Error "failed to process \"SRC\": why" when the source is malformed.
  std::vector<std::string> words() {
    try {
      return stop_on(kEof, raw_escapes_).words;
    } catch (const Error& e) {
      throw Error("failed to process " + text::go_quote(src_) + ": " + e.message());
    }
  }

 private:
  struct Processed {
    std::string result;
    std::vector<std::string> words;
  };

  int peek() const { return pos_ < src_.size() ? static_cast<unsigned char>(src_[pos_]) : kEof; }
  // Consumes one character (a whole UTF-8 sequence) and returns its bytes.
  std::string_view next(char32_t* cp) {
    text::Rune r = text::decode_rune(src_, pos_);
    std::string_view bytes = src_.substr(pos_, r.width);
    pos_ += r.width;
    *cp = r.cp;
    return bytes;
  }

  Processed stop_on(int stop, bool raw_escapes) {
    bool saved = raw_escapes_;
    raw_escapes_ = raw_escapes;
    std::string result;
    Words words;
    bool stopped = false;
    while (peek() != kEof) {
      int ch = peek();
      if (stop != kEof && ch == stop) {
        ++pos_;
        stopped = true;
        break;
      }
      if (ch == '$' || ch == '\'' || ch == '"' || ch == '<') {
        std::string piece = ch == '$' ? dollar() : ch == '\'' ? single_quoted() : ch == '"' ? double_quoted() : angle();
        result += piece;
        // A $-form's value is split like unquoted text; a quoted string or a
        // heredoc operator stays inside the current word.
        if (ch == '$') {
          words.add_string(piece);
        } else {
          words.add_raw(piece);
        }
        continue;
      }
      char32_t cp;
      std::string_view bytes = next(&cp);
      if (cp == '\\') {
        if (raw_escapes_) {
          words.add_raw("\\");
          result += '\\';
        }
        if (peek() == kEof) break;
        bytes = next(&cp);
        words.add_raw(bytes);
      } else {
        words.add_char(cp, bytes);
      }
      result += bytes;
    }
    raw_escapes_ = saved;
    if (stop != kEof && !stopped) {
      throw Error(std::string("unexpected end of statement while looking for matching ") + static_cast<char>(stop));
    }
    return {std::move(result), words.finish()};
  }

  std::string single_quoted() {
    ++pos_;
    std::string out = raw_quotes_ ? "'" : "";
    for (;;) {
      if (peek() == kEof) throw Error("unexpected end of statement while looking for matching single-quote");
      char32_t cp;
      std::string_view bytes = next(&cp);
      if (cp == '\'') {
        if (raw_quotes_) out += '\'';
        return out;
      }
      out += bytes;
    }
  }

  std::string double_quoted() {
    ++pos_;
    std::string out = raw_quotes_ ? "\"" : "";
    for (;;) {
      int ch = peek();
      if (ch == kEof) throw Error("unexpected end of statement while looking for matching double-quote");
      if (ch == '"') {
        ++pos_;
        if (raw_quotes_) out += '"';
        return out;
      }
      if (ch == '$') {
        out += dollar();
        continue;
      }
      char32_t cp;
      std::string_view bytes = next(&cp);
      if (cp == '\\') {
        // Upstream writes the escape once for the raw form and once more when
        // it escapes nothing; kept so delimiters compare equal.
        if (raw_escapes_) out += '\\';
        int after = peek();
        if (after == kEof) continue;
        if (after == '"' || after == '$' || after == '\\') bytes = next(&cp);
      }
      out += bytes;
    }
  }

  // `<<` plus the blanks after it, so `<< EOF` stays one word. Also takes a
  // `-` followed by blanks (`<<- EOF`): BuildKit's heredoc tables expect that
  // line to open heredoc EOF, as `sh` would.
  std::string angle() {
    ++pos_;
    if (peek() != '<') return "<";
    ++pos_;
    std::string out = "<<";
    auto blank = [&](size_t i) { return i < src_.size() && (src_[i] == ' ' || src_[i] == '\t'); };
    if (peek() == '-' && blank(pos_ + 1)) {
      out += '-';
      ++pos_;
    }
    while (blank(pos_)) out += src_[pos_++];
    return out;
  }

  static bool is_special_param(int c) {
    return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!' || c == '0';
  }

  // A variable name: digits, one special parameter, or letters/digits/_.
  // Non-ASCII characters other than spaces count as letters (Go asks
  // unicode.IsLetter; only the error-or-not outcome of ${…} can differ).
  std::string name() {
    std::string out;
    while (peek() != kEof) {
      int c = peek();
      if (out.empty() && c >= '0' && c <= '9') {
        while (peek() >= '0' && peek() <= '9') out += src_[pos_++];
        return out;
      }
      if (out.empty() && is_special_param(c)) {
        ++pos_;
        return std::string(1, static_cast<char>(c));
      }
      text::Rune r = text::decode_rune(src_, pos_);
      bool letter = c < 0x80 ? ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
                             : !(r.cp == 0xFFFD && r.width == 1) && !text::is_space(r.cp);
      if (!letter) break;
      out += src_.substr(pos_, r.width);
      pos_ += r.width;
    }
    return out;
  }

  // Every variable is unset, so each form is reproduced as written (nested
  // words processed); only malformed forms fail.
  std::string dollar() {
    ++pos_;
    if (peek() != '{') {
      std::string n = name();
      return "$" + n;
    }
    ++pos_;
    int first = peek();
    if (first == kEof) throw Error("syntax error: missing '}'");
    if (first == '{' || first == '}' || first == ':') throw Error("syntax error: bad substitution");
    std::string n = name();
    // Go's scanner yields U+FFFD for the missing character.
    if (peek() == kEof) throw Error("unsupported modifier (\xEF\xBF\xBD) in substitution");
    char32_t cp;
    std::string modifier(next(&cp));
    if (cp == '}') return "${" + n + "}";
    if (cp == ':') {
      if (peek() != kEof) modifier += next(&cp);
      return "${" + n + modifier + nested('}', cp == '#' || cp == '%', "syntax error: missing '}'") + "}";
    }
    if (cp == '+' || cp == '-' || cp == '?' || cp == '#' || cp == '%') {
      return "${" + n + modifier + nested('}', cp == '#' || cp == '%', "syntax error: missing '}'") + "}";
    }
    if (cp == '/') {
      // `${v//p/r}` loses its second slash upstream too.
      if (peek() == '/') ++pos_;
      std::string pattern = nested('/', true, "syntax error: missing '/' in ${}");
      std::string replacement = nested('}', true, "syntax error: missing '}'");
      return "${" + n + "/" + pattern + "/" + replacement + "}";
    }
    throw Error("unsupported modifier (" + modifier + ") in substitution");
  }

  std::string nested(int stop, bool raw_escapes, const char* at_eof) {
    try {
      return stop_on(stop, raw_escapes).result;
    } catch (const Error&) {
      if (peek() == kEof) throw Error(at_eof);
      throw;
    }
  }

  std::string_view src_;
  size_t pos_ = 0;
  bool raw_quotes_;
  bool raw_escapes_;
};

size_t count_quotes(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (c == '\'' || c == '"');
  return n;
}

}  // namespace

std::optional<Heredoc> parse_heredoc(std::string_view word) {
  // The word must match ^(\d*)<<(-?)\s*([^<]*)$.
  size_t i = 0;
  while (i < word.size() && word[i] >= '0' && word[i] <= '9') ++i;
  std::string_view digits = word.substr(0, i);
  if (word.substr(i, 2) != "<<") return std::nullopt;
  i += 2;
  Heredoc doc;
  if (i < word.size() && word[i] == '-') {
    doc.chomp = true;
    ++i;
  }
  while (i < word.size() && (word[i] == ' ' || word[i] == '\t' || word[i] == '\n' || word[i] == '\f' || word[i] == '\r')) ++i;
  std::string_view rest = word.substr(i);
  if (rest.empty() || rest.find('<') != std::string_view::npos) return std::nullopt;

  // Go's ParseUint error leaves 0 for "" and the maximum on overflow.
  unsigned long long fd = 0;
  for (char c : digits) {
    fd = fd * 10 + static_cast<unsigned>(c - '0');
    if (fd > UINT_MAX) {
      fd = UINT_MAX;
      break;
    }
  }
  doc.file_descriptor = static_cast<unsigned>(fd);

  // The delimiter is lexed with and without its quotes: any quote that
  // disappears was a real (not escaped) quote, which turns expansion off.
  std::vector<std::string> plain = WordLexer(rest, false, false).words();
  if (plain.size() != 1) return std::nullopt;
  std::vector<std::string> raw = WordLexer(rest, true, false).words();
  if (raw.size() != plain.size()) {
    throw Error("internal lexing of heredoc produced inconsistent results: " + std::string(rest));
  }
  doc.name = plain[0];
  doc.expand = count_quotes(plain[0]) == count_quotes(raw[0]);
  return doc;
}

std::vector<Heredoc> heredocs_from_line(std::string_view line) {
  std::vector<std::string> words;
  try {
    words = WordLexer(line, true, true).words();
  } catch (const Error&) {
    return {};
  }
  std::vector<Heredoc> docs;
  for (const std::string& word : words) {
    if (auto doc = parse_heredoc(word)) docs.push_back(std::move(*doc));
  }
  return docs;
}

std::string chomp_heredoc_content(std::string_view content) {
  std::string out;
  out.reserve(content.size());
  bool line_start = true;
  for (char c : content) {
    if (line_start && c == '\t') continue;
    line_start = c == '\n';
    out += c;
  }
  return out;
}

}  // namespace hoist::builder
