#pragma once
// A blob on its way into a `blobs/sha256` directory: written to a temp file,
// hashed as it goes, and published under its digest only by commit() — after
// the digest is checked and the bytes are fsynced. Dropped uncommitted, it
// leaves nothing behind. Shared by the store and the OCI layout writer.
#include <string>

#include "common/aligned_buffer.h"
#include "common/fd.h"
#include "oci/digest.h"

namespace hoist::oci {

class BlobFile {
 public:
  // Bypass: the bytes go to disk around the page cache (O_DIRECT), where the
  // filesystem allows it. For blobs that arrive in bulk and are not read back
  // soon (a pull; not a load, which a push often follows): a 1 GB pull then
  // neither pushes 1 GB of other files out of the cache nor leaves it all to
  // write back at the fsync.
  // On a VM whose host reclaims idle guest memory, filling fresh page-cache
  // pages made a buffered 500 MB write plus fsync 6x slower than a direct one.
  enum class Cache { Use, Bypass };

  // The temp file is made in `tmp_dir`, which must be on the filesystem of `blobs_dir`.
  BlobFile(std::string blobs_dir, const std::string& tmp_dir, Cache cache = Cache::Use);
  ~BlobFile();
  BlobFile(const BlobFile&) = delete;
  BlobFile& operator=(const BlobFile&) = delete;

  // Small writes (libcurl hands over 16 KiB at a time) are gathered into
  // large ones: one write(2) each cost a 500 MB pull 30,000 syscalls.
  void write(const void* data, size_t size);
  // `expected` empty: the digest of what was written is accepted as is.
  // Throws hoist::Error on a mismatch, naming both digests.
  Digest commit(const Digest& expected = {});

  // Whether writes go around the page cache now (a refused direct write turns it off).
  bool bypasses_cache() const { return direct_; }

 private:
  void flush();
  // False when the filesystem refuses the change.
  bool set_direct(bool on);

  std::string blobs_dir_;
  std::string path_;
  UniqueFd fd_;
  Sha256 sha_;
  AlignedBuffer buffer_;  // made on the first write
  size_t buffered_ = 0;
  bool direct_ = false;
  bool committed_ = false;
};

}  // namespace hoist::oci
