#pragma once
// The root filesystem of a RUN without overlayfs (--isolation chroot): the
// stage's layer directories, each in overlay form (deletions as 0/0
// character devices, opaque directories marked with a trusted.overlay.opaque
// or user.overlay.opaque xattr), merged into one plain directory tree that
// shows exactly what an overlay mount of them would.
//
// Regular files are copied, never hardlinked to the layer: a hardlink shares
// its inode with the cached layer, so a RUN writing into such a file in place
// (`>>`, sed without -i, a package manager's database) would change the
// layer that the cache and every later build trust. The copy is a reflink
// (FICLONE) where the filesystem has them (btrfs, xfs, bcachefs): instant and
// without extra space until the RUN writes; elsewhere the kernel copies the
// bytes (copy_file_range).
#include <string>
#include <vector>

#include "common/fd.h"

namespace hoist::builder {

// Fills `dest`, an existing empty directory, with the merged tree of
// `lowers` (top first, as OverlayDirs::lowers): a lower layer's entry shows
// where no layer above has a name at that path, a whiteout above, or an
// opaque directory above it; directories present in several layers merge,
// the topmost one's attributes winning. Entries keep mode, owner, times and
// xattrs (overlay bookkeeping left out); hardlinks within a layer stay
// hardlinks in `dest`. `dest` itself takes the top layer root's attributes.
// Nothing is followed: symlinks are recreated as symlinks, and every write
// is made through directory fds opened without following links. Throws
// hoist::Error naming the layer and the path.
void materialize_rootfs(const std::vector<std::string>& lowers, const std::string& dest);

// The regular file that an overlay of `lowers` shows at `rel` (relative to
// the root, no "..", no symlink on the way), opened read-only; an invalid fd
// when the merged tree has no regular file there. For comparing a file with
// what it held before a RUN without keeping a copy of the whole tree.
UniqueFd open_in_layers(const std::vector<std::string>& lowers, const std::string& rel);

}  // namespace hoist::builder
