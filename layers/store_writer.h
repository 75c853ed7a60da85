#pragma once
// Adapts a store blob writer to the layer pipeline's Writer seam.
#include "layers/stream.h"
#include "oci/store.h"

namespace hoist::layers {

class StoreWriter : public Writer {
 public:
  explicit StoreWriter(oci::Store::BlobWriter& w) : w_(w) {}
  void write(const void* d, size_t n) override { w_.write(d, n); }

 private:
  oci::Store::BlobWriter& w_;
};

}  // namespace hoist::layers
