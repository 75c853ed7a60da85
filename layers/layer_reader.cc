#include "layers/layer_reader.h"

#include <optional>

#include "common/error.h"
#include "layers/compression.h"
#include "layers/hashing_writer.h"
#include "layers/producer_reader.h"

namespace hoist::layers {

namespace {

// Hashes everything read through it.
class HashingReader : public Reader {
 public:
  explicit HashingReader(Reader& in) : in_(in) {}
  size_t read(void* d, size_t n) override {
    size_t got = in_.read(d, n);
    sha_.update(d, got);
    return got;
  }
  // Reads what the consumer left (tar padding, trailing zero blocks) so the hash covers all of it.
  oci::Digest drain_and_finish() {
    std::string buf(1 << 16, '\0');
    while (read(buf.data(), buf.size()) > 0) {
    }
    return sha_.finish();
  }

 private:
  Reader& in_;
  oci::Sha256 sha_;
};

}  // namespace

UnpackedLayer unpack_layer(Reader& blob, const oci::Digest& expected, const std::string& dest,
                           const UnpackOptions& options) {
  return with_context("unpacking layer " + expected.str(), [&] {
    HashingReader compressed(blob);
    auto plain = make_decompressor(compressed);
    HashingReader tar(*plain);
    // The blob is read, hashed, inflated and hashed on a thread of its own
    // while this one writes the files.
    std::optional<ProducerReader> ahead(std::in_place, [&tar](Writer& out) { copy_stream(tar, out); });
    NullWriter rest;
    UnpackedLayer r;
    auto check_digest = [&] {
      oci::Digest got = compressed.drain_and_finish();
      if (got != expected) throw Error("digest mismatch: expected " + expected.str() + ", got " + got.str());
    };
    try {
      r.stats = unpack_tar(*ahead, dest, options);
      copy_stream(*ahead, rest);  // what the tar reader left (padding, trailing zero blocks) is hashed too
    } catch (const Error&) {
      ahead.reset();  // its thread stops before this one reads `compressed`
      // A corrupt blob often shows first as a broken tar: a digest mismatch is the real cause.
      check_digest();
      throw;
    }
    r.diff_id = tar.drain_and_finish();
    check_digest();
    return r;
  });
}

}  // namespace hoist::layers
