#pragma once
// Bytes that must become text: a Dockerfile, a file name, a label are bytes,
// but JSON (image configs, build plans) is UTF-8.
#include <string>
#include <string_view>

namespace hoist {

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code
// points past U+10FFFF), as Go's utf8.ValidString decides.
bool is_valid_utf8(std::string_view s);

// `s` with every byte that does not start a well-formed sequence replaced by
// U+FFFD, one for each byte: what Go's encoding/json writes for such a
// string, so a config hoist writes decodes as docker's would.
std::string replace_invalid_utf8(std::string_view s);

}  // namespace hoist
