#include "builder/rootfs_materialize.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <unordered_set>
#include <utility>

#include "builder/entry_copy.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/confined_path.h"
#include "layers/layer_stack.h"

namespace hoist::builder {

namespace {

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

// As root a layer carries trusted.overlay.opaque, unpacked rootless
// user.overlay.opaque (overlayfs's `userxattr`); either marks it.
bool is_opaque(int dir_fd) {
  char v[2];
  for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"})
    if (::fgetxattr(dir_fd, name, v, sizeof v) == 1 && v[0] == 'y') return true;
  return false;
}

UniqueFd open_dir(int parent, const std::string& name, const std::string& what) {
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", what);
  return fd;
}

std::string child_of(const std::string& rel, const std::string& name) { return rel.empty() ? name : rel + "/" + name; }

// Top layer first: an entry is written by the topmost layer that has it, so
// nothing is copied only to be replaced, and a lower layer fills in only the
// names still free. What a layer hides from those below it (its whiteouts,
// the contents of its opaque directories) becomes a mask once the layer is done.
class Materializer {
 public:
  explicit Materializer(const std::string& dest) : dest_path_(dest), dest_(open_dir(AT_FDCWD, dest, dest)) {}

  void add_layer(const std::string& layer, bool top) {
    layer_ = layer;
    UniqueFd src = open_dir(AT_FDCWD, layer, layer);
    if (top) {
      struct stat st;
      if (::fstat(src.get(), &st) != 0) throw_sys("stat", layer);
      if (::fchown(dest_.get(), st.st_uid, st.st_gid) != 0) throw_sys("chown", dest_path_);
      if (::fchmod(dest_.get(), st.st_mode & 07777) != 0) throw_sys("chmod", dest_path_);
      root_times_ = st;
    }
    merge(src.get(), dest_.get(), "");
    masked_.insert(pending_.begin(), pending_.end());
    pending_.clear();
  }

  // Directory times last: every entry made in a directory changes its mtime.
  void finish() {
    for (const auto& [rel, st] : dir_times_) copy_times_at(dest_.get(), rel, st, dest_path_ + "/" + rel);
    const struct timespec times[2] = {root_times_.st_atim, root_times_.st_mtim};
    if (::futimens(dest_.get(), times) != 0) throw_sys("set times of", dest_path_);
  }

 private:
  void merge(int src, int dst, const std::string& rel) {
    std::string src_what = layer_ + (rel.empty() ? "" : "/" + rel);
    for (const std::string& name : fs::sorted_entries(src, src_what)) {
      std::string crel = child_of(rel, name);
      if (masked_.count(crel)) continue;
      std::string what = layer_ + "/" + crel;
      struct stat st;
      if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("stat", what);
      if (is_whiteout(st)) {
        pending_.push_back(crel);
        continue;
      }
      struct stat have;
      if (::fstatat(dst, name.c_str(), &have, AT_SYMLINK_NOFOLLOW) == 0) {
        // A layer above has this name: its entry wins, and only two
        // directories merge.
        if (S_ISDIR(st.st_mode) && S_ISDIR(have.st_mode)) descend(src, dst, name, crel, what);
        continue;
      }
      if (errno != ENOENT) throw_sys("stat", dest_path_ + "/" + crel);
      if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
        auto [it, first] = links_.try_emplace({st.st_dev, st.st_ino}, crel);
        if (!first) {
          // The first name's path holds only directories this pass made: nothing to follow.
          if (::linkat(dest_.get(), it->second.c_str(), dst, name.c_str(), 0) != 0) throw_sys("link", what);
          continue;
        }
      }
      if (!copy_entry_at(src, name, st, dst, name, what) || !S_ISDIR(st.st_mode)) continue;
      dir_times_.emplace_back(crel, st);
      descend(src, dst, name, crel, what);
    }
  }

  void descend(int src, int dst, const std::string& name, const std::string& rel, const std::string& what) {
    UniqueFd s = open_dir(src, name, what);
    UniqueFd d = open_dir(dst, name, dest_path_ + "/" + rel);
    if (is_opaque(s.get())) pending_.push_back(rel);
    merge(s.get(), d.get(), rel);
  }

  std::string dest_path_;
  UniqueFd dest_;
  std::string layer_;
  struct stat root_times_ {};
  std::unordered_set<std::string> masked_;  // lower layers contribute nothing at or below these
  std::vector<std::string> pending_;        // masks of the layer being merged
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // a layer inode's first name in dest
  std::vector<std::pair<std::string, struct stat>> dir_times_;
};

}  // namespace

void materialize_rootfs(const std::vector<std::string>& lowers, const std::string& dest) {
  with_context("materialising the rootfs in " + dest, [&] {
    if (lowers.empty()) throw Error("no layers");
    if (!fs::is_empty_dir(dest)) throw Error("not an empty directory: " + dest);
    Materializer m(dest);
    std::vector<std::string> stack = layers::visible_layers(lowers);
    for (size_t i = 0; i < stack.size(); ++i) m.add_layer(stack[i], i == 0);
    m.finish();
  });
}

UniqueFd open_in_layers(const std::vector<std::string>& lowers, const std::string& rel) {
  layers::PathParts parts = layers::clean_path(rel);
  if (parts.empty()) return {};
  for (const auto& layer : layers::visible_layers(lowers)) {
    UniqueFd dir(::open(layer.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid()) throw_sys("open", layer);
    bool last_layer = false;  // an opaque directory on the way hides the layers below
    bool missing = false;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      struct stat st;
      if (::fstatat(dir.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) throw_sys("stat", layer + "/" + layers::join_path(parts, i + 1));
        missing = true;
        break;
      }
      if (!S_ISDIR(st.st_mode)) return {};  // a whiteout or a non-directory hides the path in every layer below
      dir = open_dir(dir.get(), parts[i], layer + "/" + layers::join_path(parts, i + 1));
      if (is_opaque(dir.get())) last_layer = true;
    }
    if (!missing) {
      struct stat st;
      if (::fstatat(dir.get(), parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISREG(st.st_mode)) return {};
        UniqueFd fd(::openat(dir.get(), parts.back().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd.valid()) throw_sys("open", layer + "/" + rel);
        return fd;
      }
      if (errno != ENOENT) throw_sys("stat", layer + "/" + rel);
    }
    if (last_layer) return {};
  }
  return {};
}

}  // namespace hoist::builder
