#pragma once
// The build context's ignore file: where BuildKit looks for it and how
// moby/patternmatcher's ignorefile package reads it. Matching the patterns
// is PatternMatcher's job (builder/pattern_matcher.h).
//
// Caller's rule: the Dockerfile and the ignore file are sent to the builder
// even when the patterns exclude them (BuildKit reads both before filtering
// the context), so a `.dockerignore` that lists `Dockerfile` or itself only
// keeps them out of COPY/ADD sources.
#include <string>
#include <string_view>
#include <vector>

namespace hoist::builder {

// ignorefile.ReadAll: one pattern per line (`\n` or `\r\n`); a UTF-8 BOM on
// the first line is dropped; a line starting with `#` is a comment (only in
// column one); lines are trimmed and blank ones skipped; `!` and the spaces
// after it are split off, the rest cleaned (Go's path.Clean) and a leading
// `/` dropped, then `!` is put back. A bare `!` is kept: PatternMatcher
// rejects it. Never throws.
std::vector<std::string> read_ignore_file(std::string_view content);

// The ignore file BuildKit uses: `<dockerfile_path>.dockerignore` (e.g.
// `build.Dockerfile.dockerignore` beside `build.Dockerfile`) when it exists,
// else `<context_dir>/.dockerignore`, else "". An empty dockerfile_path means
// `<context_dir>/Dockerfile`; "-" (Dockerfile on stdin) has no ignore file of
// its own. Throws hoist::Error when a candidate exists but is not a regular
// file, or cannot be examined.
std::string find_ignore_file(const std::string& context_dir, const std::string& dockerfile_path);

}  // namespace hoist::builder
