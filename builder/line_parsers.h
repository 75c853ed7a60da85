#pragma once
// One logical Dockerfile line (continuations already joined) → one
// instruction node: keyword, leading --flags, and the arguments split the way
// that instruction's BuildKit line parser splits them. Used by
// dockerfile_parser.cc; separate so each argument form reads on its own.
#include <string_view>

#include "builder/dockerfile_parser.h"

namespace hoist::builder {

// `escape` is the escape character in force (directive `# escape=`). Lines are
// not set. Throws hoist::Error carrying the bare message (no file or line) on
// ENV/LABEL syntax errors and JSON arrays holding non-strings.
Node node_from_line(std::string_view line, char escape);

}  // namespace hoist::builder
