// libFuzzer target: any bytes through the Dockerfile parser and the word
// expander. Errors are fine (hoist::Error); crashes, hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "builder/dockerfile_parser.h"
#include "builder/shell_lex.h"
#include "common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto parsed = hoist::builder::parse_dockerfile(text);
    hoist::builder::ShellLex lex(parsed.directives.escape);
    hoist::builder::EnvList env{{"A", "a b"}, {"EMPTY", ""}, {"PATH", "/usr/bin:/bin"}};
    for (auto& node : parsed.ast.children) {
      for (auto& arg : node.args) {
        try {
          lex.process_word(arg, env);
          lex.process_words(arg, env);
        } catch (const hoist::Error&) {
          // an invalid word is an expected outcome for fuzzed input
        }
      }
    }
  } catch (const hoist::Error&) {
    // a parse error is an expected outcome for fuzzed input
  }
  return 0;
}
