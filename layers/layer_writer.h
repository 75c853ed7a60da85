#pragma once
// Directory (or a list of entries) -> tar (pax) -> compressor -> blob, with the
// diffID (uncompressed) and digest (compressed) computed in the same pass.
#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layers/compression.h"
#include "layers/stream.h"
#include "oci/digest.h"

struct archive_entry;

namespace hoist::layers {

struct LayerOptions {
  Compression compression = Compression::Gzip;
  int level = -1;  // -1: the compressor's fast default
  // SOURCE_DATE_EPOCH / --timestamp: every mtime later than this is clamped to it.
  std::optional<int64_t> clamp_mtime;
  // The directory is an overlayfs upper dir: 0/0 char devices become `.wh.`
  // entries and opaque directories get `.wh..wh..opq`.
  bool overlay_whiteouts = false;
  bool user_xattr = false;  // opaque marker is user.overlay.opaque (rootless)
};

struct LayerResult {
  oci::Digest digest;   // of the compressed blob
  oci::Digest diff_id;  // of the uncompressed tar
  uint64_t size = 0;    // compressed bytes
  uint64_t uncompressed_size = 0;
  uint64_t entries = 0;
};

// Streams a tar to `out`. Entries are added in the order given; callers that
// want reproducible output add them sorted (write_layer_from_dir does).
class TarWriter {
 public:
  TarWriter(Writer& out, std::optional<int64_t> clamp_mtime);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // Adds the file at `path` on disk as `name` (relative, no leading "/").
  // Hardlinks to an earlier added inode become tar hardlinks.
  void add_path(const std::string& path, const std::string& name);
  void add_path(int dirfd, const std::string& relpath, const std::string& name,
                const struct stat& st);
  // An empty regular file (e.g. a `.wh.` marker), mode 0644, owned by root.
  void add_empty_file(const std::string& name, int64_t mtime);
  // Copies an entry read from another archive; its data (size() bytes) comes from `data`.
  void add_entry(archive_entry* entry, Reader& data);
  void finish();
  uint64_t entries() const { return entries_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t entries_ = 0;
};

// Writes the whole tree under `dir` (not `dir` itself) as a layer to `out`.
LayerResult write_layer_from_dir(const std::string& dir, Writer& out, const LayerOptions& options);

// Re-writes a tar stream (plain, gzip or zstd) as a layer: entries keep their
// order, owners and modes; names are made relative, mtimes clamped. A name
// with a `..` component is an error naming the entry.
LayerResult write_layer_from_tar(Reader& tar, Writer& out, const LayerOptions& options);

}  // namespace hoist::layers
