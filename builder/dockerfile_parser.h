#pragma once
// Dockerfile text → AST with line ranges, as BuildKit's
// frontend/dockerfile/parser does it. This stage knows the shape of each
// instruction's arguments (JSON or shell form, name=value pairs, flags,
// heredocs) but not what instructions mean: an unknown instruction parses
// fine and is rejected by the instruction stage that follows.
#include <string>
#include <string_view>
#include <vector>

namespace hoist::builder {

// A here-document attached to RUN, COPY or ADD (`<<EOF` … `EOF`).
struct Heredoc {
  std::string name;          // the delimiter word, quotes removed
  std::string content;       // the body lines verbatim, each with its line ending
  bool expand = true;        // false when any part of the delimiter was quoted
  bool chomp = false;        // `<<-`: leading tabs are to be stripped (see chomp_heredoc_content)
  unsigned file_descriptor = 0;  // `3<<EOF` → 3; 0 when not given
};

// One instruction (or the root). Mirrors BuildKit's parser.Node with the
// linked list of argument nodes flattened into `args`.
struct Node {
  std::string value;                 // instruction keyword, lower-cased ("" for the root)
  std::vector<std::string> flags;    // leading `--name=value` words, quotes removed
  std::vector<std::string> args;     // arguments as the instruction's line parser split them
  std::vector<Node> children;        // root: the instructions; ONBUILD: the nested instruction
  std::string original;              // the instruction's text, continuations joined
  int start_line = 0;                // 1-based, inclusive; heredoc bodies count towards end_line
  int end_line = 0;
  std::vector<Heredoc> heredocs;     // in the order their bodies appear (on the ONBUILD node for ONBUILD)
  bool json = false;                 // arguments came from a JSON array (exec form)
  std::vector<std::string> comments; // comment lines directly above the instruction, `#` removed
};

// Parser directives read from the top of the file.
struct Directives {
  char escape = '\\';
  std::string syntax;
  std::string check;
};

struct ParseResult {
  Node ast;  // children = instructions
  Directives directives;
  // Non-fatal findings, one line each: "Dockerfile:LINE: Empty continuation line found in: …".
  std::vector<std::string> warnings;
};

// Parses a whole Dockerfile. Throws hoist::Error with a one-line message
// "FILENAME:LINE: what" on a parse error: an invalid or repeated directive,
// ENV/LABEL without a value or with a word lacking `=`, a JSON array holding a
// non-string, an unterminated heredoc, a line over 65535 bytes, or a file with
// no instructions.
ParseResult parse_dockerfile(std::string_view text, std::string_view filename = "Dockerfile");

}  // namespace hoist::builder
