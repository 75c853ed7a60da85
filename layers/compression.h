#pragma once
// gzip through ISA-L (igzip), zstd through libzstd, or none; decompression
// sniffs the magic bytes rather than trusting a media type.
#include <memory>
#include <string>
#include <string_view>

#include "layers/stream.h"

namespace hoist::layers {

enum class Compression { None, Gzip, Zstd };

Compression parse_compression(std::string_view name);  // "gzip", "zstd", "none"
std::string_view compression_name(Compression c);

// A Writer that compresses into `out` (not owned). close() writes the trailer
// and does not close `out`. level -1 = fast default.
std::unique_ptr<Writer> make_compressor(Compression c, Writer& out, int level = -1);

// A Reader that yields the decompressed bytes of `in`, detecting gzip / zstd /
// plain from the first bytes.
std::unique_ptr<Reader> make_decompressor(Reader& in);

}  // namespace hoist::layers
