#include "builder/line_parsers.h"

#include <string>
#include <utility>
#include <vector>

#include "builder/json_args.h"
#include "builder/parser_text.h"
#include "common/error.h"

namespace hoist::builder {

namespace {

struct SplitLine {
  std::string_view keyword;
  std::vector<std::string> flags;
  std::string_view rest;
};

// Leading words starting with `--` are flags, up to the first other word or a
// bare `--`. Quotes are removed and `\` escapes the next byte, whatever the
// escape directive says (as upstream). Bytes are scanned one at a time, so
// only ASCII whitespace separates words.
std::pair<std::string_view, std::vector<std::string>> extract_flags(std::string_view line) {
  enum Phase { kSpaces, kWord, kQuote };
  std::vector<std::string> words;
  Phase phase = kSpaces;
  std::string word;
  char quote = 0;
  bool blank_ok = false;  // a quoted empty string still makes a word
  const size_t n = line.size();
  for (size_t pos = 0; pos <= n; ++pos) {
    char ch = pos < n ? line[pos] : 0;
    if (phase == kSpaces) {
      if (pos == n) break;
      if (text::is_ascii_space(ch)) continue;
      if (ch != '-' || pos + 1 == n || line[pos + 1] != '-') return {line.substr(pos), std::move(words)};
      phase = kWord;
    }
    if (pos == n) {
      if (word != "--" && (blank_ok || !word.empty())) words.push_back(word);
      break;
    }
    if (phase == kWord) {
      if (text::is_ascii_space(ch)) {
        phase = kSpaces;
        if (word == "--") return {line.substr(pos), std::move(words)};
        if (blank_ok || !word.empty()) words.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = kQuote;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == n) continue;
        ch = line[++pos];
      }
      word += ch;
      continue;
    }
    if (ch == quote) {
      phase = kWord;
      continue;
    }
    if (ch == '\\') {
      if (pos + 1 == n) {
        phase = kWord;
        continue;
      }
      ch = line[++pos];
    }
    word += ch;
  }
  return {std::string_view{}, std::move(words)};
}

SplitLine split_line(std::string_view line) {
  SplitLine out;
  std::vector<std::string_view> parts = text::split_blanks(text::trim_space(line), 2);
  out.keyword = parts[0];
  if (parts.size() == 2) {
    auto [rest, flags] = extract_flags(parts[1]);
    out.rest = text::trim_space(rest);
    out.flags = std::move(flags);
  }
  return out;
}

// Words separated by Unicode whitespace; quotes and escapes are kept in the
// word (the instruction stage removes them while expanding variables).
// Inside single quotes the escape character is literal.
std::vector<std::string> parse_words(std::string_view rest, char escape) {
  enum Phase { kSpaces, kWord, kQuote };
  std::vector<std::string> words;
  Phase phase = kSpaces;
  char32_t quote = 0;
  bool blank_ok = false;
  std::string word;
  const size_t n = rest.size();
  text::Rune ch{0, 1};
  std::string_view bytes;
  auto read = [&](size_t pos) {
    ch = text::decode_rune(rest, pos);
    bytes = rest.substr(pos, ch.width);
  };
  for (size_t pos = 0; pos <= n; pos += ch.width) {
    if (pos != n) read(pos);
    if (phase == kSpaces) {
      if (pos == n) break;
      if (text::is_space(ch.cp)) continue;
      phase = kWord;
    }
    if (pos == n) {
      if (blank_ok || !word.empty()) words.push_back(word);
      break;
    }
    if (phase == kWord) {
      if (text::is_space(ch.cp)) {
        phase = kSpaces;
        if (blank_ok || !word.empty()) words.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch.cp == '\'' || ch.cp == '"') {
        quote = ch.cp;
        blank_ok = true;
        phase = kQuote;
      }
      if (ch.cp == static_cast<unsigned char>(escape)) {
        if (pos + ch.width == n) continue;  // a trailing escape is dropped
        word += bytes;
        pos += ch.width;
        read(pos);
      }
      word += bytes;
      continue;
    }
    if (ch.cp == quote) phase = kWord;
    if (ch.cp == static_cast<unsigned char>(escape) && quote != '\'') {
      if (pos + ch.width == n) {
        phase = kWord;
        continue;
      }
      pos += ch.width;
      word += bytes;
      read(pos);
    }
    word += bytes;
  }
  return words;
}

void whitespace_delimited(std::string_view rest, Node& node) {
  if (rest.empty()) return;
  for (std::string_view word : text::split_blanks(rest, -1)) node.args.emplace_back(word);
}

void plain_string(std::string_view rest, Node& node) {
  if (!rest.empty()) node.args.emplace_back(rest);
}

// Returns true when `rest` was a JSON array of strings (now in node.args).
bool json_form(std::string_view rest, Node& node) {
  JsonArgs json = parse_json_args(rest);
  if (json.kind == JsonArgs::Kind::kNotStrings) {
    throw Error("when using JSON array syntax, arrays must be comprised of strings only");
  }
  if (json.kind != JsonArgs::Kind::kStrings) return false;
  node.args = std::move(json.items);
  node.json = true;
  return true;
}

// RUN, CMD, ENTRYPOINT, SHELL: exec form, else the whole text as one argument.
void maybe_json(std::string_view rest, Node& node) {
  if (rest.empty()) return;
  if (!json_form(rest, node)) node.args.emplace_back(rest);
}

// COPY, ADD, VOLUME: exec form, else a whitespace-separated list.
void maybe_json_to_list(std::string_view rest, Node& node) {
  if (!json_form(rest, node)) whitespace_delimited(rest, node);
}

// ENV and LABEL: (key, value, separator) triples. `KEY name value…` (the
// legacy form, separator "") is chosen when the first word has no `=`.
void name_value(std::string_view rest, const char* keyword, char escape, Node& node) {
  std::vector<std::string> words = parse_words(rest, escape);
  if (words.empty()) return;
  if (words[0].find('=') == std::string::npos) {
    std::vector<std::string_view> parts = text::split_blanks(rest, 2);
    if (parts.size() < 2) throw Error(std::string(keyword) + " must have two arguments");
    node.args = {std::string(parts[0]), std::string(parts[1]), ""};
    return;
  }
  for (const std::string& word : words) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      throw Error("Syntax error - can't find = in " + text::go_quote(word) + ". Must be of the form: name=value");
    }
    node.args.push_back(word.substr(0, eq));
    node.args.push_back(word.substr(eq + 1));
    node.args.emplace_back("=");
  }
}

// HEALTHCHECK: the first word (CMD, NONE, …) then the command as for CMD.
void health_config(std::string_view rest, Node& node) {
  size_t sep = 0;
  while (sep < rest.size() && !text::is_ascii_space(rest[sep])) ++sep;
  if (sep == 0) return;
  size_t next = sep;
  while (next < rest.size() && text::is_ascii_space(rest[next])) ++next;
  Node command;
  maybe_json(rest.substr(next), command);
  node.args.emplace_back(rest.substr(0, sep));
  for (std::string& arg : command.args) node.args.push_back(std::move(arg));
  node.json = command.json;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

Node node_from_line(std::string_view line, char escape) {
  SplitLine split = split_line(line);
  Node node;
  node.value = ascii_lower(split.keyword);
  node.flags = std::move(split.flags);
  node.original = std::string(line);
  const std::string& k = node.value;
  std::string_view rest = split.rest;
  if (k == "add" || k == "copy" || k == "volume") {
    maybe_json_to_list(rest, node);
  } else if (k == "run" || k == "cmd" || k == "entrypoint" || k == "shell") {
    maybe_json(rest, node);
  } else if (k == "from" || k == "expose") {
    whitespace_delimited(rest, node);
  } else if (k == "maintainer" || k == "stopsignal" || k == "user" || k == "workdir") {
    plain_string(rest, node);
  } else if (k == "arg") {
    node.args = parse_words(rest, escape);
  } else if (k == "env") {
    name_value(rest, "ENV", escape, node);
  } else if (k == "label") {
    name_value(rest, "LABEL", escape, node);
  } else if (k == "healthcheck") {
    health_config(rest, node);
  } else if (k == "onbuild") {
    if (!rest.empty()) node.children.push_back(node_from_line(rest, escape));
  } else {
    // Unknown instructions keep one empty argument, as upstream's parseIgnore
    // does; the instruction stage reports them.
    node.args.emplace_back();
  }
  return node;
}

}  // namespace hoist::builder
