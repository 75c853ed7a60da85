#pragma once
// Filesystem operations of the unpacker that act on (directory fd, name)
// pairs and never follow a symlink: removing trees while sparing what the
// current layer wrote, and setting extended attributes on any kind of file.
#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <unordered_set>

namespace hoist::layers {

// The names the layer being unpacked has created, keyed by the directory
// holding them (device + inode, so any path that reaches it agrees). Whiteouts
// and opaque markers hide only lower layers' files: these are spared.
class LayerNames {
 public:
  void add(int dir_fd, const std::string& name);
  bool contains(const struct stat& dir, const std::string& name) const;

 private:
  struct Key {
    dev_t dev;
    ino_t ino;
    std::string name;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  std::unordered_set<Key, KeyHash> keys_;
};

struct stat stat_fd(int fd, const std::string& what);

// Removes `name` in `dir_fd` and, for a directory, everything below it. With
// `keep`, names in it survive together with the directories leading to them.
// Returns true when `name` is gone. `what` names the path in errors.
bool remove_entry(int dir_fd, const std::string& name, const LayerNames* keep, const std::string& what);

// Removes the children of the directory `dir_fd` (any kind of fd), sparing
// `keep` as remove_entry does. Returns true when the directory is left empty.
bool remove_children(int dir_fd, const LayerNames* keep, const std::string& what);

// Sets one extended attribute on `name` in `dir_fd` without following it,
// or on `fd` when it is an ordinary open fd (>= 0). Errors that only mean
// "this file or this process cannot carry it" (unsupported filesystem, user.*
// on a symlink or device, trusted.* / security.* when unprivileged) are
// ignored, as containerd and moby do; others throw.
void set_xattr(int dir_fd, const std::string& name, int fd, mode_t type, const std::string& key,
               const std::string& value, const std::string& what);

}  // namespace hoist::layers
