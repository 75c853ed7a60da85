#pragma once
// A stored blob, read. When its first page is not in the page cache (a blob
// pulled around it, or long evicted) it is read around the cache too, in
// 1 MiB direct reads: filling fresh pages cost the push of a 500 MB image it
// had just pulled 0.35 s more system time. A cached blob is read through the
// cache.
#include <string>

#include "common/aligned_buffer.h"
#include "common/fd.h"
#include "layers/stream.h"

namespace hoist::layers {

class BlobReader : public Reader {
 public:
  explicit BlobReader(std::string path);
  size_t read(void* data, size_t size) override;

  // Whether the reads go around the page cache.
  bool bypasses_cache() const { return direct_; }

 private:
  std::string path_;
  UniqueFd fd_;
  int flags_ = 0;
  bool direct_ = false;
  AlignedBuffer buffer_;        // direct reads only
  size_t begin_ = 0, end_ = 0;  // what buffer_ holds and the caller has not taken
};

}  // namespace hoist::layers
