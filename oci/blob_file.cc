#include "oci/blob_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::oci {

namespace {

// A multiple of every logical block size, so each full buffer is a valid
// O_DIRECT write at an aligned offset.
constexpr size_t kBufferSize = 1 << 20;

}  // namespace

BlobFile::BlobFile(std::string blobs_dir, const std::string& tmp_dir, Cache cache)
    : blobs_dir_(std::move(blobs_dir)) {
  path_ = tmp_dir + "/blob-XXXXXX";
  fd_.reset(::mkostemp(path_.data(), O_CLOEXEC));
  if (!fd_.valid()) throw_sys("create", path_);
  // A filesystem without O_DIRECT refuses the flag here (EINVAL): it gets buffered writes.
  if (cache == Cache::Bypass) set_direct(true);
}

BlobFile::~BlobFile() {
  if (!committed_) ::unlink(path_.c_str());
}

bool BlobFile::set_direct(bool on) {
  int flags = ::fcntl(fd_.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd_.get(), F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) != 0) return false;
  direct_ = on;
  return true;
}

void BlobFile::write(const void* data, size_t size) {
  sha_.update(data, size);
  auto* p = static_cast<const char*>(data);
  while (size > 0) {
    if (!buffer_) buffer_ = make_aligned_buffer(kBufferSize, path_);
    size_t n = std::min(size, kBufferSize - buffered_);
    std::memcpy(buffer_.get() + buffered_, p, n);
    buffered_ += n;
    p += n;
    size -= n;
    if (buffered_ == kBufferSize) flush();
  }
}

void BlobFile::flush() {
  if (buffered_ == 0) return;
  if (direct_) {
    ssize_t n = ::write(fd_.get(), buffer_.get(), buffered_);
    if (n == static_cast<ssize_t>(buffered_)) {
      buffered_ = 0;
      return;
    }
    // A filesystem may take the flag and still refuse a direct write (EINVAL),
    // or write part of it; the rest goes through the page cache from here on.
    if (n < 0 && errno != EINVAL) throw_sys("write", path_);
    size_t done = n > 0 ? static_cast<size_t>(n) : 0;
    if (!set_direct(false)) throw_sys("fcntl", path_);
    fs::write_all(fd_.get(), buffer_.get() + done, buffered_ - done, path_);
  } else {
    fs::write_all(fd_.get(), buffer_.get(), buffered_, path_);
  }
  buffered_ = 0;
}

Digest BlobFile::commit(const Digest& expected) {
  Digest got = sha_.finish();
  if (!expected.empty() && got != expected)
    throw Error("digest mismatch: expected " + expected.str() + ", got " + got.str());
  // The tail is shorter than a block: it goes through the cache, and the fsync takes it down.
  if (direct_ && buffered_ % kDirectIoAlignment != 0 && !set_direct(false)) throw_sys("fcntl", path_);
  flush();
  if (::fsync(fd_.get()) != 0) throw_sys("fsync", path_);
  fd_.reset();
  std::string dest = blobs_dir_ + "/" + std::string(got.hex());
  if (::rename(path_.c_str(), dest.c_str()) != 0) throw_sys("rename", dest);
  committed_ = true;
  fs::fsync_dir(blobs_dir_);
  return got;
}

}  // namespace hoist::oci
