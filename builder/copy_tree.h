#pragma once
// Copies files, symlinks, devices and whole directories into the directory
// tree of a new layer, with COPY's attribute rules: mode and mtime kept
// (--chmod applied to what is copied), owner the --chown one, root for the
// build context, or the source's. Symlinks are copied, never followed.
// Hardlinks among copied files stay hardlinks. Every write goes through
// directory fds opened without following links, so a symlink placed in the
// layer by one source cannot redirect another source's files.
#include <sys/stat.h>
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "builder/pattern_matcher.h"
#include "layers/confined_path.h"

namespace hoist::builder {

struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
  bool operator==(const Owner&) const = default;
};

struct CopyAttrs {
  std::optional<Owner> owner;  // nullopt: keep each source file's owner
  std::string chmod;           // --chmod, already validated; "" for none
};

// Directory mtimes to set once nothing more is written into them.
using DirTimes = std::vector<std::pair<layers::PathParts, struct timespec>>;

class TreeCopier {
 public:
  // `ignore` filters by the path relative to the source root (.dockerignore),
  // `exclude` by the path relative to the copied directory (--exclude); both
  // may be null and must outlive the copier.
  TreeCopier(CopyAttrs attrs, const PatternMatcher* ignore, const PatternMatcher* exclude, const std::string& layer_dir);

  // Copies `src_name` in `src_dir` as `dst` (layer-relative, its parent
  // already a directory of the layer). `src_real` is its path in the source
  // root (for .dockerignore); `image_dir` the fd of the image's directory at
  // dst's parent (-1 when the image has none), so that a directory is not
  // copied over an image file nor a file over an image directory. A directory
  // is copied with everything under it. Throws hoist::Error naming the path.
  void copy_entry(int src_dir, const std::string& src_name, const layers::PathParts& src_real,
                  const layers::PathParts& dst, int image_dir);

  // Copies what is inside the directory `src_real` (of the root `src_root`)
  // into the layer directory `dst`, which exists; `image_dst` is the image's
  // directory at `dst` or -1.
  void copy_children(int src_root, const layers::PathParts& src_real, const layers::PathParts& dst, int image_dst);

  // Writes a regular file with `body`, mode 0644 before --chmod (heredocs).
  void write_file(const layers::PathParts& dst, const std::string& body, int image_dir);

  DirTimes& dir_times() { return dir_times_; }
  // Files copied from here on are not hardlinked to those copied before.
  void forget_links() { links_.clear(); }

 private:
  // Returns how many entries were kept (for an excluded directory that stays
  // only to hold kept entries). `dst_fresh`: this copy made dst_fd just now,
  // so nothing in it needs checking or replacing.
  size_t copy_dir_contents(int src_fd, const layers::PathParts& src_real, const layers::PathParts& rel,
                           int dst_fd, const layers::PathParts& dst, int image_fd, bool dst_fresh);
  size_t copy_one(int src_dir, const std::string& name, const struct stat& st, const layers::PathParts& src_real,
                  const layers::PathParts& rel, int dst_dir, const layers::PathParts& dst, int image_dir,
                  bool dst_fresh = false);
  void apply_owner_mode(int fd, const struct stat& st, const std::string& what) const;

  CopyAttrs attrs_;
  const PatternMatcher* ignore_;
  const PatternMatcher* exclude_;
  std::string layer_dir_;
  layers::ConfinedRoot layer_;
  std::map<std::pair<dev_t, ino_t>, layers::PathParts> links_;
  DirTimes dir_times_;
};

}  // namespace hoist::builder
