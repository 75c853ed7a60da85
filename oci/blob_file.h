#pragma once
// A blob on its way into a `blobs/sha256` directory: written to a temp file,
// hashed as it goes, and published under its digest only by commit() — after
// the digest is checked and the bytes are fsynced. Dropped uncommitted, it
// leaves nothing behind. Shared by the store and the OCI layout writer.
#include <string>

#include "common/fd.h"
#include "oci/digest.h"

namespace hoist::oci {

class BlobFile {
 public:
  // The temp file is made in `tmp_dir`, which must be on the filesystem of `blobs_dir`.
  BlobFile(std::string blobs_dir, const std::string& tmp_dir);
  ~BlobFile();
  BlobFile(const BlobFile&) = delete;
  BlobFile& operator=(const BlobFile&) = delete;

  void write(const void* data, size_t size);
  // `expected` empty: the digest of what was written is accepted as is.
  // Throws hoist::Error on a mismatch, naming both digests.
  Digest commit(const Digest& expected = {});

 private:
  std::string blobs_dir_;
  std::string path_;
  UniqueFd fd_;
  Sha256 sha_;
  bool committed_ = false;
};

}  // namespace hoist::oci
