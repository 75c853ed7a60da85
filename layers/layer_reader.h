#pragma once
// The reverse of the layer writer: blob bytes -> digest check -> decompress
// -> diffID -> confined unpack, in one streaming pass.
#include <string>

#include "layers/stream.h"
#include "layers/unpack.h"
#include "oci/digest.h"

namespace hoist::layers {

struct UnpackedLayer {
  UnpackStats stats;
  oci::Digest diff_id;  // of the uncompressed tar that was unpacked
};

// Unpacks the blob read from `blob` into `dest`. The whole blob is read and
// hashed; when its digest is not `expected` this throws hoist::Error naming
// both digests. `dest` may then hold partial content: callers unpack into a
// scratch directory and publish it only when this returns.
UnpackedLayer unpack_layer(Reader& blob, const oci::Digest& expected, const std::string& dest,
                           const UnpackOptions& options = {});

}  // namespace hoist::layers
