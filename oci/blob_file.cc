#include "oci/blob_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::oci {

BlobFile::BlobFile(std::string blobs_dir, const std::string& tmp_dir) : blobs_dir_(std::move(blobs_dir)) {
  path_ = tmp_dir + "/blob-XXXXXX";
  fd_.reset(::mkostemp(path_.data(), O_CLOEXEC));
  if (!fd_.valid()) throw_sys("create", path_);
}

BlobFile::~BlobFile() {
  if (!committed_) ::unlink(path_.c_str());
}

void BlobFile::write(const void* data, size_t size) {
  sha_.update(data, size);
  fs::write_all(fd_.get(), data, size, path_);
}

Digest BlobFile::commit(const Digest& expected) {
  Digest got = sha_.finish();
  if (!expected.empty() && got != expected)
    throw Error("digest mismatch: expected " + expected.str() + ", got " + got.str());
  if (::fsync(fd_.get()) != 0) throw_sys("fsync", path_);
  fd_.reset();
  std::string dest = blobs_dir_ + "/" + std::string(got.hex());
  if (::rename(path_.c_str(), dest.c_str()) != 0) throw_sys("rename", dest);
  committed_ = true;
  fs::fsync_dir(blobs_dir_);
  return got;
}

}  // namespace hoist::oci
