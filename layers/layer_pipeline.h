#pragma once
// The chain every layer is written through: tar -> diffID hash -> second
// thread -> compressor -> digest hash -> out. Callers add entries to tar()
// and call finish() once.
#include <memory>

#include "layers/hashing_writer.h"
#include "layers/layer_writer.h"
#include "layers/threaded_writer.h"

namespace hoist::layers {

class LayerPipeline {
 public:
  LayerPipeline(Writer& out, const LayerOptions& options)
      : blob_(out),
        compressor_(make_compressor(options.compression, blob_, options.level)),
        handoff_(*compressor_),
        tar_bytes_(handoff_),
        tar_(tar_bytes_, options.clamp_mtime) {}

  TarWriter& tar() { return tar_; }

  // Ends the tar, flushes the compressor and returns both digests and sizes.
  LayerResult finish() {
    tar_.finish();
    handoff_.close();
    LayerResult r;
    r.diff_id = tar_bytes_.finish();
    r.uncompressed_size = tar_bytes_.size();
    r.digest = blob_.finish();
    r.size = blob_.size();
    r.entries = tar_.entries();
    return r;
  }

 private:
  HashingWriter blob_;
  std::unique_ptr<Writer> compressor_;
  ThreadedWriter handoff_;
  HashingWriter tar_bytes_;
  TarWriter tar_;
};

}  // namespace hoist::layers
