#pragma once
// A pass-through Writer that hashes and counts what flows through it.
#include <cstdint>

#include "layers/stream.h"
#include "oci/digest.h"

namespace hoist::layers {

class HashingWriter : public Writer {
 public:
  explicit HashingWriter(Writer& next) : next_(next) {}
  void write(const void* d, size_t n) override {
    sha_.update(d, n);
    size_ += n;
    next_.write(d, n);
  }
  void close() override { next_.close(); }
  uint64_t size() const { return size_; }
  oci::Digest finish() { return sha_.finish(); }

 private:
  Writer& next_;
  oci::Sha256 sha_;
  uint64_t size_ = 0;
};

// A Writer that drops its input; for measuring digests without storing bytes.
class NullWriter : public Writer {
 public:
  void write(const void*, size_t) override {}
};

}  // namespace hoist::layers
