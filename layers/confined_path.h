#pragma once
// Path resolution for confined extraction. Archive names are cleaned
// lexically, then resolved inside a root directory with chroot semantics:
// `..` at the top stays at the top and absolute symlinks restart at the root,
// so no name or symlink in a layer can reach a file outside it.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/fd.h"

namespace hoist::layers {

using PathParts = std::vector<std::string>;

// Splits an archive name into components: empty and "." parts are dropped
// and ".." removes the previous component; a ".." with nothing left to remove
// is dropped, as the kernel does for `/..`.
PathParts clean_path(std::string_view name);

// The kernel's own limit on symlinks followed in one lookup (ELOOP beyond it).
inline constexpr int kMaxSymlinks = 40;

// A symlink target split at every "/", ".." and empty parts kept: they must
// act on the directories the walk reaches, not be folded lexically.
PathParts split_link_target(std::string_view target);

// "a/b/c" from the first `count` parts (all by default); "" for the root.
std::string join_path(const PathParts& parts, size_t count = static_cast<size_t>(-1));

// Resolution uses openat2(RESOLVE_IN_ROOT) where the kernel has it and a
// userspace walk with the same semantics elsewhere. Turning the kernel path
// off makes every lookup take the walk: for tests of that fallback, and for
// sandboxes whose seccomp filter fails openat2 with an unexpected error.
void use_kernel_resolution(bool enabled);

// Called for each directory created while resolving, with the directory it
// was created in; lets the caller set its owner and mode and remember it.
using DirCreatedHook = std::function<void(int parent_fd, const std::string& name)>;

class ConfinedRoot {
 public:
  // Opens `dir`, which must be an existing directory.
  explicit ConfinedRoot(const std::string& dir);

  int fd() const { return root_.get(); }
  const std::string& path() const { return path_; }

  // Opens (O_PATH) the directory named by the first `count` parts, resolved
  // inside the root. When a component is missing: with `on_create` it is
  // created (mode 0755 before the hook adjusts it), following a dangling
  // symlink to where it points inside the root; without, an invalid fd is
  // returned. A component that exists but is not a directory gives an
  // invalid fd without `on_create` and an error with it.
  UniqueFd open_dir(const PathParts& parts, size_t count,
                    const DirCreatedHook* on_create = nullptr) const;

 private:
  UniqueFd open_kernel(const std::string& rel, bool& missing) const;
  UniqueFd walk(const PathParts& parts, size_t count, const DirCreatedHook* on_create) const;

  std::string path_;
  UniqueFd root_;
};

}  // namespace hoist::layers
