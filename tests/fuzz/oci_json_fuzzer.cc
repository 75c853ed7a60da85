// libFuzzer target: any bytes as an image manifest, an index and an image
// config (the documents a registry serves). Errors are fine (hoist::Error);
// crashes are not, nor is a document whose serialisation does not read back
// to the same serialisation (a round trip must be stable).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "oci/descriptor.h"
#include "oci/image_config.h"

namespace {

template <typename Doc>
void round_trip(std::string_view bytes) {
  std::string once;
  try {
    once = Doc::parse(bytes).serialize();
  } catch (const hoist::Error&) {
    return;  // an invalid document is an expected outcome for fuzzed input
  }
  if (Doc::parse(once).serialize() != once) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  round_trip<hoist::oci::Manifest>(bytes);
  round_trip<hoist::oci::Index>(bytes);
  round_trip<hoist::oci::ImageConfig>(bytes);
  try {
    hoist::oci::detect_media_type(bytes);
  } catch (const hoist::Error&) {
  }
  return 0;
}
