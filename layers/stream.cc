#include "layers/stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace hoist::layers {

size_t FdReader::read(void* data, size_t size) {
  for (;;) {
    ssize_t n = ::read(fd_, data, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw_sys("read", name_);
  }
}

void FdWriter::write(const void* data, size_t size) { fs::write_all(fd_, data, size, name_); }

size_t BufferReader::read(void* data, size_t size) {
  size_t n = std::min(size, data_.size());
  std::memcpy(data, data_.data(), n);
  data_.remove_prefix(n);
  return n;
}

void copy_file(const std::string& path, Writer& out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", path);
  FdReader in(fd.get(), path);
  std::string buf(1 << 20, '\0');
  while (size_t n = in.read(buf.data(), buf.size())) out.write(buf.data(), n);
}

}  // namespace hoist::layers
