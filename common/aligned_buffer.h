#pragma once
// Memory for O_DIRECT reads and writes, whose buffers must be aligned to the
// logical block size: 4096 covers every disk.
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/error.h"

namespace hoist {

constexpr size_t kDirectIoAlignment = 4096;

struct AlignedFree {
  void operator()(char* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<char, AlignedFree>;

// `size` a multiple of kDirectIoAlignment; `what` names the file in an error.
inline AlignedBuffer make_aligned_buffer(size_t size, const std::string& what) {
  AlignedBuffer buffer(static_cast<char*>(std::aligned_alloc(kDirectIoAlignment, size)));
  if (!buffer) throw Error("out of memory for " + what);
  return buffer;
}

}  // namespace hoist
