// libFuzzer target: any bytes as an image reference, through every parser of
// publish/reference.h. Errors are fine (hoist::Error); crashes are not, nor is
// a parsed reference that does not parse back to itself from its own text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "publish/reference.h"

namespace {

using namespace hoist::publish;

// What hoist prints for a reference must mean that same reference.
template <typename Parse>
void round_trip(Parse parse, std::string_view text) {
  Reference r;
  try {
    r = parse(text);
  } catch (const hoist::Error&) {
    return;  // an invalid reference is an expected outcome for fuzzed input
  }
  if (parse(r.str()) != r) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  round_trip(parse_reference, text);
  round_trip(parse_normalized, text);
  round_trip(parse_docker_ref, text);
  try {
    parse_any_reference(text);
  } catch (const hoist::Error&) {
  }
  try {
    Reference r = parse_named(text);
    with_default_tag(r).familiar_str();
  } catch (const hoist::Error&) {
  }
  // The text before the first newline as a pattern, the rest as a reference.
  size_t nl = text.find('\n');
  if (nl != std::string_view::npos) {
    try {
      familiar_match(text.substr(0, nl), parse_normalized(text.substr(nl + 1)));
    } catch (const hoist::Error&) {
    }
  }
  return 0;
}
