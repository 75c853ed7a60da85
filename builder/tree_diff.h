#pragma once
// The change set of a RUN without overlayfs (--isolation chroot): the plain
// rootfs is indexed before the run (what stat() and the xattrs say of each
// path, no data), compared with itself afterwards, and what changed is
// written into an empty directory in overlay form: exactly what an overlay
// upper directory would hold, so snapshot_upper() and the layer cache take
// it unchanged.
//
// What counts as a change: an entry is new, or its type, mode, owner, size,
// mtime (ns), device number, symlink target or xattrs differ, or it gained a
// hardlink (the other name can only be written as a link to it). An entry
// with all of those equal but another inode (put back by `cp -p`, `tar x`,
// a package reinstall) is compared by content, with the file `original`
// returns, and kept out of the change set when the bytes are the same.
// Without an original it is a change. Like every scan-based snapshotter
// (docker's vfs driver, kaniko), a write that keeps a file's size and puts
// its mtime back goes unseen.
#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/fd.h"

namespace hoist::builder {

// What a tree looked like, path by path, without its data.
class TreeIndex {
 public:
  struct Entry;
  TreeIndex();
  ~TreeIndex();
  TreeIndex(TreeIndex&&) noexcept;
  TreeIndex& operator=(TreeIndex&&) noexcept;

  // How many paths it holds (the root not counted).
  size_t size() const;

 private:
  friend TreeIndex index_tree(const std::string&, const std::vector<std::string>&);
  friend class TreeDiffer;
  std::unique_ptr<Entry> root_;
};

// Indexes the tree under `root` (`root` itself not included). `excluded`
// are relative paths ("dev", "etc/hosts") left out together with what is
// below them. Throws hoist::Error naming the path.
TreeIndex index_tree(const std::string& root, const std::vector<std::string>& excluded = {});

struct DiffOptions {
  // Relative paths whose changes are not the RUN's own (mount points, the
  // files mounted over /etc): neither recorded nor whited out.
  std::vector<std::string> excluded;
  // The opaque marker is user.overlay.opaque (rootless), else trusted.overlay.opaque.
  bool user_xattr = false;
  // What the regular file at a relative path held before the run, opened
  // read-only, or an invalid fd when unknown.
  std::function<UniqueFd(const std::string& rel)> original;
};

struct DiffCounts {
  size_t written = 0;   // entries copied into the upper (parents included)
  size_t deleted = 0;   // whiteouts
  size_t opaque = 0;    // directories marked opaque
};

// Writes what changed in `root` since `before` was taken into `upper`, an
// existing empty directory, in overlay form: new and changed entries copied
// with their attributes (hardlinks among them kept), the directories above
// them as they are now (as overlayfs copies parents up), a deleted path as
// a 0/0 character device, and a directory that was deleted and made anew
// (another inode, or a non-directory before) marked opaque with everything
// in it copied. Run it where the tree's owners are what the layer must
// record (rootless: inside the user namespace; making whiteouts there needs
// no privilege). Throws hoist::Error naming the path.
DiffCounts write_tree_diff(const std::string& root, const TreeIndex& before, const std::string& upper,
                           const DiffOptions& options);

}  // namespace hoist::builder
