#include "builder/dockerfile_parser.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "builder/heredoc.h"
#include "builder/line_parsers.h"
#include "builder/parser_text.h"
#include "common/error.h"

namespace hoist::builder {

namespace {

// bufio.Scanner's default limit, which BuildKit keeps: longer lines are an error.
constexpr size_t kMaxLine = 65535;

Error located(std::string_view filename, int line, std::string_view message) {
  return Error(std::string(filename) + ":" + std::to_string(line) + ": " + std::string(message));
}

// Physical lines with their line endings (heredoc bodies keep them), counted.
class LineReader {
 public:
  LineReader(std::string_view text, std::string_view filename) : text_(text), filename_(filename) {}

  bool next(std::string_view* line) {
    if (pos_ >= text_.size()) return false;
    size_t nl = text_.find('\n', pos_);
    size_t end = nl == std::string_view::npos ? text_.size() : nl + 1;
    *line = text_.substr(pos_, end - pos_);
    pos_ = end;
    ++count_;
    size_t content = line->size() - (nl == std::string_view::npos ? 0 : 1);
    if (content > kMaxLine) {
      throw located(filename_, count_, "dockerfile line greater than max allowed size of " + std::to_string(kMaxLine));
    }
    return true;
  }
  // Lines read so far; after next() the 1-based number of the line it returned.
  int count() const { return count_; }

 private:
  std::string_view text_;
  std::string_view filename_;
  size_t pos_ = 0;
  int count_ = 0;
};

std::string_view trim_newline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_comment(std::string_view line) {
  line = text::trim_left_space(line);
  return !line.empty() && line.front() == '#';
}

// `# name=value` lines before anything else. The first line that is not a
// recognised directive (a blank line, an instruction, any other comment) ends
// the directive block for good.
class DirectiveReader {
 public:
  explicit DirectiveReader(Directives* out) : out_(out) {}

  // Returns true when `line` (newline and leading space removed) was a
  // directive. Throws hoist::Error with the bare message on a repeated
  // directive or an escape character other than \ and `.
  bool read(std::string_view line) {
    if (done_) return false;
    if (line.empty() || line.front() != '#') {
      done_ = true;
      return false;
    }
    auto parsed = match(text::trim_left_space(line.substr(1)));
    if (!parsed) {
      done_ = true;
      return false;
    }
    auto& [key, value] = *parsed;
    for (char& c : key) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (key != "escape" && key != "syntax" && key != "check") {
      done_ = true;
      return false;
    }
    if (std::find(seen_.begin(), seen_.end(), key) != seen_.end()) {
      throw Error("only one " + key + " parser directive can be used");
    }
    seen_.push_back(key);
    if (key == "escape") {
      if (value != "`" && value != "\\") throw Error("invalid escape token '" + value + "' does not match ` or \\");
      out_->escape = value[0];
    } else {
      (key == "syntax" ? out_->syntax : out_->check) = value;
    }
    return true;
  }

 private:
  static bool is_re_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
  static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

  // ^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$ with Go's leftmost-first choices:
  // the value is what follows `=` with surrounding \s trimmed, except that a
  // value of only \s keeps its last character.
  static std::optional<std::pair<std::string, std::string>> match(std::string_view s) {
    if (s.empty() || !is_alpha(s[0])) return std::nullopt;
    size_t i = 1;
    while (i < s.size() && (is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9'))) ++i;
    std::string key(s.substr(0, i));
    while (i < s.size() && is_re_space(s[i])) ++i;
    if (i == s.size() || s[i] != '=') return std::nullopt;
    std::string_view value = s.substr(i + 1);
    if (value.empty()) return std::nullopt;
    size_t begin = 0;
    while (begin < value.size() && is_re_space(value[begin])) ++begin;
    if (begin == value.size()) return std::pair{key, std::string(value.substr(value.size() - 1))};
    size_t end = value.size();
    while (end > begin && is_re_space(value[end - 1])) --end;
    return std::pair{key, std::string(value.substr(begin, end - begin))};
  }

  Directives* out_;
  std::vector<std::string> seen_;
  bool done_ = false;
};

// The line with a trailing escape character (plus spaces/tabs) removed, and
// whether that was the end of the instruction (no continuation). An escape
// preceded by another escape is an escaped escape, not a continuation.
std::pair<std::string_view, bool> trim_continuation(std::string_view line, char escape) {
  size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  if (end == 0 || line[end - 1] != escape) return {line, true};
  size_t p = end - 1;
  if (p == 0) return {std::string_view{}, false};
  if (line[p - 1] == escape) return {line, true};
  return {line.substr(0, p), false};
}

bool can_contain_heredoc(const Node& node) {
  const Node* n = &node;
  if (n->value == "onbuild" && !n->children.empty()) n = &n->children.front();
  return (n->value == "run" || n->value == "copy" || n->value == "add") && !n->json;
}

}  // namespace

ParseResult parse_dockerfile(std::string_view text, std::string_view filename) {
  ParseResult result;
  Node& root = result.ast;
  DirectiveReader directives(&result.directives);
  LineReader in(text, filename);
  std::vector<std::string> comments;
  bool any = false;

  // Leading whitespace is dropped from an instruction's first line only;
  // comment lines become "" so they are skipped. Returns the text and whether
  // the line was a directive.
  auto process_line = [&](std::string_view raw, bool strip_left) -> std::pair<std::string_view, bool> {
    std::string_view token = trim_newline(raw);
    if (strip_left) token = text::trim_left_space(token);
    bool directive;
    try {
      directive = directives.read(token);
    } catch (const Error& e) {
      throw located(filename, in.count(), e.message());
    }
    return {is_comment(token) ? std::string_view{} : token, directive};
  };

  std::string_view raw;
  while (in.next(&raw)) {
    if (in.count() == 1 && raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);
    if (is_comment(raw)) {
      // Upstream drops only the first byte before trimming, so an indented
      // comment keeps its `#`.
      std::string_view comment = text::trim_space(raw.substr(1));
      if (comment.empty()) {
        comments.clear();
      } else {
        comments.emplace_back(comment);
      }
    }
    auto [first, directive] = process_line(raw, true);
    if (directive) comments.pop_back();
    const int start = in.count();
    auto [piece, end_of_line] = trim_continuation(first, result.directives.escape);
    if (end_of_line && piece.empty()) continue;

    std::string line(piece);
    bool empty_continuation = false;
    while (!end_of_line && in.next(&raw)) {
      std::string_view next = process_line(raw, false).first;
      // Comment and blank lines inside a continuation are dropped and do not end it.
      if (is_comment(raw)) continue;
      if (text::trim_left_space(next).empty()) {
        empty_continuation = true;
        continue;
      }
      std::tie(piece, end_of_line) = trim_continuation(next, result.directives.escape);
      line += piece;
    }
    if (empty_continuation) {
      result.warnings.push_back(std::string(filename) + ":" + std::to_string(in.count()) +
                                ": Empty continuation line found in: " + line);
    }

    Node child;
    try {
      child = node_from_line(line, result.directives.escape);
    } catch (const Error& e) {
      throw located(filename, start, e.message());
    }
    child.comments = std::move(comments);
    comments.clear();

    if (can_contain_heredoc(child) && line.find("<<") != std::string::npos) {
      std::vector<Heredoc> docs;
      try {
        docs = heredocs_from_line(line);
      } catch (const Error& e) {
        throw located(filename, start, e.message());
      }
      // Bodies follow the line one after another, in the order the heredocs
      // were opened; each ends at a line equal to its delimiter (after tabs
      // for `<<-`).
      for (Heredoc& doc : docs) {
        bool terminated = false;
        while (in.next(&raw)) {
          std::string_view candidate = trim_newline(raw);
          if (doc.chomp) candidate.remove_prefix(std::min(candidate.find_first_not_of('\t'), candidate.size()));
          if (candidate == doc.name) {
            terminated = true;
            break;
          }
          doc.content += raw;
        }
        if (!terminated) throw located(filename, start, "unterminated heredoc");
        child.heredocs.push_back(std::move(doc));
      }
    }

    child.start_line = start;
    child.end_line = in.count();
    // Upstream leaves ONBUILD's nested node without lines; it spans the same ones.
    for (Node& nested : child.children) {
      nested.start_line = child.start_line;
      nested.end_line = child.end_line;
    }
    if (!any) root.start_line = start;
    any = true;
    root.end_line = child.end_line;
    root.children.push_back(std::move(child));
  }

  if (!any) throw located(filename, std::max(1, in.count()), "file with no instructions");
  return result;
}

}  // namespace hoist::builder
