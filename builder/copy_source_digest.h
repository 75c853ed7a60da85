#pragma once
// The content half of a COPY/ADD step's cache key: one digest over exactly
// what the copy would take from its source root, selected by the same
// expansion (builder/copy_sources.h) and the same .dockerignore and
// --exclude rules under copied directories (builder/copy_tree.h), in the
// copy's own order. Each kept entry contributes the name the copy gives it
// (relative to the destination), its type, mode bits, owner (only when the
// copy keeps owners: not from the build context), symlink target, device
// numbers, content digest, and hardlinks among the copied files; heredoc
// sources contribute their name and body. mtimes and inode numbers do not
// count, as in Docker's COPY cache: touching a file does not invalidate the
// step (the cached layer keeps the old mtimes).
#include <cstddef>
#include <cstdint>

#include "builder/copy_files.h"
#include "builder/stat_index.h"
#include "oci/digest.h"

namespace hoist::builder {

struct CopySourceDigest {
  oci::Digest digest;
  // What it cost: regular files read and hashed, and those whose digest the
  // StatIndex already had (nothing read).
  size_t files_read = 0;
  size_t files_from_index = 0;
  uint64_t bytes_read = 0;
};

// Digests what `request` selects from request.source_root. With `index`,
// files whose stat is unchanged are not read again and newly read ones are
// added to it (the caller saves it). Throws the hoist::Error copy_files would
// for a missing or ignored source, a malformed --exclude pattern or a
// request without sources, and hoist::Error naming the path on an I/O error.
CopySourceDigest copy_source_digest(const CopyRequest& request, StatIndex* index = nullptr);

}  // namespace hoist::builder
