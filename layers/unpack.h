#pragma once
// Confined extraction of a layer tar into a directory. Every path of the
// archive is resolved inside `dest` (openat2 RESOLVE_IN_ROOT), so `..`,
// absolute names, symlinks and hardlinks in a hostile layer can never read or
// write outside it. OCI whiteouts are applied per the image-spec rules.
#include <cstdint>
#include <string>

#include "layers/stream.h"

namespace hoist::layers {

enum class WhiteoutMode {
  // `.wh.name` deletes `name` already in dest (from lower layers); an opaque
  // marker empties its directory of lower content. The flattened rootfs
  // (as `umoci unpack` / `docker export` see it).
  Apply,
  // Whiteouts become overlayfs whiteouts (0/0 char device, opaque xattr) so
  // the directory can serve as an overlay lower layer on its own.
  Overlay,
};

struct UnpackOptions {
  WhiteoutMode whiteouts = WhiteoutMode::Apply;
  // chown entries to the archive's uid/gid; default: only when running as root.
  bool preserve_owner;
  // With Overlay: use `user.overlay.*` xattrs (rootless, userxattr) rather than `trusted.overlay.*`.
  bool user_xattr = false;
  UnpackOptions();
};

struct UnpackStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;  // regular file content written
};

// Reads an uncompressed tar stream from `tar` and extracts it into `dest`
// (which must exist). Throws hoist::Error naming the entry at fault.
// Names, symlinks and hardlink targets resolve as inside a chroot at `dest`
// (`..` at the top stays there, absolute symlinks restart at `dest`), so a
// hostile archive is written inside `dest` or refused, never outside it.
// Entries naming `dest` itself ("./") are skipped; invalid whiteout names,
// out-of-range device numbers, hardlinks to directories, names and hardlink
// targets whose path under `dest` is past PATH_MAX, and (in Overlay form)
// hardlinks to a file this layer whited out are errors. A truncated body is an error once the bytes that
// came are written; sparse files keep their holes.
UnpackStats unpack_tar(Reader& tar, const std::string& dest, const UnpackOptions& options = {});

}  // namespace hoist::layers
