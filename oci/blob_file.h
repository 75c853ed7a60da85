#pragma once
// A blob on its way into a `blobs/sha256` directory: written to a temp file,
// hashed as it goes, and published under its digest only by commit() — after
// the digest is checked and the bytes are fsynced. Dropped uncommitted, it
// leaves nothing behind. Shared by the store and the OCI layout writer.
#include <cstdlib>
#include <memory>
#include <string>

#include "common/fd.h"
#include "layers/stream.h"
#include "oci/digest.h"

namespace hoist::oci {

// Frees what std::aligned_alloc gave: the buffers of O_DIRECT reads and writes.
struct AlignedFree {
  void operator()(char* p) const { std::free(p); }
};

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

  // Whether the bytes written so far went around the page cache.
  bool bypasses_cache() const { return direct_; }

 private:
  void flush();
  // False when the filesystem refuses the change.
  bool set_direct(bool on);

  std::string blobs_dir_;
  std::string path_;
  UniqueFd fd_;
  Sha256 sha_;
  std::unique_ptr<char, AlignedFree> buffer_;  // aligned for O_DIRECT; made on the first write
  size_t buffered_ = 0;
  bool direct_ = false;
  bool committed_ = false;
};

// A stored blob, read. When its first page is not in the page cache (a blob
// pulled around it, or long evicted) it is read around the cache too, in
// 1 MiB direct reads: filling fresh pages cost the push of a 500 MB image it
// had just pulled 0.35 s more system time. A cached blob is read through the cache.
class BlobReader : public layers::Reader {
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
  std::unique_ptr<char, AlignedFree> buffer_;  // direct reads only
  size_t begin_ = 0, end_ = 0;                 // what buffer_ holds and the caller has not taken
};

}  // namespace hoist::oci
