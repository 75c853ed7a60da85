#pragma once
// Here-documents in RUN/COPY/ADD lines, recognised the way BuildKit does it:
// the line is split into shell words (quotes and escapes kept), and each word
// of the form `[fd]<<[-]DELIM` opens a heredoc whose body follows the line.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/dockerfile_parser.h"

namespace hoist::builder {

// Reads one heredoc word ("<<EOF", "3<<-'EOF'", "<< EOF"). Returns nullopt
// when the word is not a heredoc (including a delimiter that is more than one
// shell word); throws hoist::Error when it is one whose quotes do not close.
// The result has no content yet.
std::optional<Heredoc> parse_heredoc(std::string_view word);

// The heredocs opened by an instruction line, in order. A line that cannot be
// split into shell words (an unclosed quote, a bad ${…}) opens none; throws
// hoist::Error only where parse_heredoc does.
std::vector<Heredoc> heredocs_from_line(std::string_view line);

// The body of a `<<-` heredoc with the leading tabs of every line removed.
std::string chomp_heredoc_content(std::string_view content);

}  // namespace hoist::builder
