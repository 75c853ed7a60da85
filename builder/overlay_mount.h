#pragma once
// The overlayfs mount of a RUN step: the stage's layer directories as lowers
// (top first) and a fresh upper directory that ends up holding exactly what
// the step changed, in the form the layer writer reads.
#include <string>
#include <vector>

namespace hoist::builder {

struct OverlayDirs {
  std::vector<std::string> lowers;  // top first; at least one
  std::string upper;
  std::string work;  // empty, on the same filesystem as upper
  // Whiteouts and opaque markers as user.overlay.* xattrs (`userxattr`), as
  // overlayfs requires inside a user namespace (rootless).
  bool userxattr = false;
};

// The mount data for `dirs` as given. Metacopy, redirects and the inode index
// are off so that a changed file is copied up whole and a renamed directory is
// a new directory plus a whiteout: nothing in the upper depends on overlay
// bookkeeping that a tar cannot carry. With userxattr the kernel accepts only
// redirect_dir=nofollow, which likewise creates no redirects.
std::string overlay_mount_data(const OverlayDirs& dirs);

// Mounts the overlay on `target` in the calling process's mount namespace.
// Layer paths are passed as /proc/self/fd/N of descriptors opened here, so
// the mount data stays within its one-page limit whatever the paths' length
// and however many layers (up to overlayfs's own limit). Throws hoist::Error
// ("mount overlay on TARGET: Invalid argument").
void mount_overlay(const OverlayDirs& dirs, const std::string& target);

}  // namespace hoist::builder
