#pragma once
// The exec form of RUN/CMD/ENTRYPOINT/SHELL/COPY/ADD/VOLUME/HEALTHCHECK:
// a JSON array of strings, accepted by the rules of Go's encoding/json
// (which is what decides exec form versus shell form in BuildKit).
#include <string>
#include <string_view>
#include <vector>

namespace hoist::builder {

struct JsonArgs {
  enum class Kind {
    kNotJson,     // not a JSON array (or not valid JSON): the caller falls back to shell form
    kNotStrings,  // a valid JSON array with a non-string element: a parse error
    kStrings,     // a valid JSON array of strings: `items`
  };
  Kind kind = Kind::kNotJson;
  std::vector<std::string> items;
};

// Leading Unicode whitespace is skipped; the array must then be the whole of
// `rest` apart from trailing JSON whitespace. Strings are decoded as Go does
// (\uXXXX, surrogate pairs, a lone surrogate becomes U+FFFD); raw bytes,
// valid UTF-8 or not, are kept as they are.
JsonArgs parse_json_args(std::string_view rest);

}  // namespace hoist::builder
