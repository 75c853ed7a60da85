#include "layers/blob_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace hoist::layers {

namespace {

constexpr size_t kBufferSize = 1 << 20;

// Whether the file's first page is in the page cache. mincore() of a mapping
// only looks; a read, even with RWF_NOWAIT, starts readahead. An empty file
// counts as cached: there is nothing to read around it.
bool first_page_cached(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || st.st_size == 0) return true;
  void* page = ::mmap(nullptr, 1, PROT_READ, MAP_SHARED, fd, 0);
  if (page == MAP_FAILED) return true;
  unsigned char resident = 0;
  bool cached = ::mincore(page, 1, &resident) != 0 || (resident & 1);
  ::munmap(page, 1);
  return cached;
}

}  // namespace

BlobReader::BlobReader(std::string path) : path_(std::move(path)), fd_(::open(path_.c_str(), O_RDONLY | O_CLOEXEC)) {
  if (!fd_.valid()) throw_sys("open", path_);
  flags_ = ::fcntl(fd_.get(), F_GETFL);
  if (flags_ < 0) throw_sys("fcntl", path_);
  if (!first_page_cached(fd_.get()) && ::fcntl(fd_.get(), F_SETFL, flags_ | O_DIRECT) == 0) {
    direct_ = true;
    buffer_ = make_aligned_buffer(kBufferSize, path_);
  }
}

size_t BlobReader::read(void* data, size_t size) {
  if (!direct_) return FdReader(fd_.get(), path_).read(data, size);
  if (begin_ == end_) {
    ssize_t n;
    do n = ::read(fd_.get(), buffer_.get(), kBufferSize);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EINVAL) {
      // A filesystem may take the flag and refuse the read: the rest through the cache.
      if (::fcntl(fd_.get(), F_SETFL, flags_) != 0) throw_sys("fcntl", path_);
      direct_ = false;
      return read(data, size);
    }
    if (n < 0) throw_sys("read", path_);
    begin_ = 0;
    end_ = static_cast<size_t>(n);
  }
  size_t n = std::min(size, end_ - begin_);
  std::memcpy(data, buffer_.get() + begin_, n);
  begin_ += n;
  return n;
}

}  // namespace hoist::layers
