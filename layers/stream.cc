#include "layers/stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::layers {

size_t FdReader::read(void* data, size_t size) {
  for (;;) {
    ssize_t n = ::read(fd_, data, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw_sys("read", name_);
  }
}

FileReader::FileReader(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), path_(path) {
  if (fd_ < 0) throw_sys("open", path);
}

FileReader::~FileReader() { ::close(fd_); }

size_t FileReader::read(void* data, size_t size) { return FdReader(fd_, path_).read(data, size); }

void FdWriter::write(const void* data, size_t size) { fs::write_all(fd_, data, size, name_); }

size_t BufferReader::read(void* data, size_t size) {
  size_t n = std::min(size, data_.size());
  std::memcpy(data, data_.data(), n);
  data_.remove_prefix(n);
  return n;
}

void copy_stream(Reader& in, Writer& out) {
  std::string buf(1 << 20, '\0');
  while (size_t n = in.read(buf.data(), buf.size())) out.write(buf.data(), n);
}

void copy_file(const std::string& path, Writer& out) {
  FileReader in(path);
  copy_stream(in, out);
}

}  // namespace hoist::layers
