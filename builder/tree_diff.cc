#include "builder/tree_diff.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <unordered_set>
#include <utility>

#include "builder/entry_copy.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/confined_path.h"

namespace hoist::builder {

struct TreeIndex::Entry {
  std::string name;
  uint32_t mode = 0, uid = 0, gid = 0;
  uint64_t ino = 0, nlink = 0, rdev = 0;
  int64_t size = 0, mtime_ns = 0;
  int64_t btime_ns = -1;  // -1 where the filesystem does not record it
  uint64_t xattr_hash = 0;
  std::string link;              // symlinks
  std::vector<Entry> children;  // directories, sorted by name
};

TreeIndex::TreeIndex() : root_(std::make_unique<Entry>()) {}
TreeIndex::~TreeIndex() = default;
TreeIndex::TreeIndex(TreeIndex&&) noexcept = default;
TreeIndex& TreeIndex::operator=(TreeIndex&&) noexcept = default;

namespace {

using Entry = TreeIndex::Entry;

int64_t ns(const struct timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

// lstat() plus the birth time: an inode number alone does not tell a
// directory made anew from the one deleted before it, since ext4 hands a
// freed inode number out again at once.
struct Meta {
  struct stat st;
  int64_t btime_ns = -1;
};

Meta meta_at(int dir_fd, const std::string& name, const std::string& what) {
  struct statx sx;
  if (::statx(dir_fd, name.c_str(), AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME,
              &sx) != 0)
    throw_sys("stat", what);
  Meta m;
  struct stat& st = m.st;
  st = {};
  st.st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
  st.st_ino = sx.stx_ino;
  st.st_mode = sx.stx_mode;
  st.st_nlink = sx.stx_nlink;
  st.st_uid = sx.stx_uid;
  st.st_gid = sx.stx_gid;
  st.st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
  st.st_size = static_cast<off_t>(sx.stx_size);
  st.st_atim = {static_cast<time_t>(sx.stx_atime.tv_sec), sx.stx_atime.tv_nsec};
  st.st_mtim = {static_cast<time_t>(sx.stx_mtime.tv_sec), sx.stx_mtime.tv_nsec};
  st.st_ctim = {static_cast<time_t>(sx.stx_ctime.tv_sec), sx.stx_ctime.tv_nsec};
  if (sx.stx_mask & STATX_BTIME)
    m.btime_ns = static_cast<int64_t>(sx.stx_btime.tv_sec) * 1'000'000'000 + sx.stx_btime.tv_nsec;
  return m;
}

// FNV-1a over the sorted (name, value) pairs: equal attribute sets, equal hashes.
uint64_t xattr_hash(int dir_fd, const std::string& name, const std::string& what) {
  Xattrs xs = read_xattrs_at(dir_fd, name, what);
  if (xs.empty()) return 0;
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;  // a separator no byte sequence can fake across fields
    h = (h ^ s.size()) * 1099511628211ULL;
  };
  for (const auto& [k, v] : xs) {
    mix(k);
    mix(v);
  }
  return h;
}

std::string child_of(const std::string& rel, const std::string& name) { return rel.empty() ? name : rel + "/" + name; }

std::unordered_set<std::string> clean_set(const std::vector<std::string>& paths) {
  std::unordered_set<std::string> out;
  for (const auto& p : paths) out.insert(layers::join_path(layers::clean_path(p)));
  return out;
}

UniqueFd open_dir(int parent, const std::string& name, const std::string& what) {
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", what);
  return fd;
}

Entry make_entry(int dir_fd, const std::string& name, const Meta& m, const std::string& what) {
  Entry e;
  e.name = name;
  e.mode = m.st.st_mode;
  e.uid = m.st.st_uid;
  e.gid = m.st.st_gid;
  e.ino = m.st.st_ino;
  e.nlink = m.st.st_nlink;
  e.rdev = m.st.st_rdev;
  e.size = m.st.st_size;
  e.mtime_ns = ns(m.st.st_mtim);
  e.btime_ns = m.btime_ns;
  e.xattr_hash = xattr_hash(dir_fd, name, what);
  if (S_ISLNK(m.st.st_mode)) e.link = fs::read_link_at(dir_fd, name, what);
  return e;
}

void index_dir(int fd, const std::string& root, const std::string& rel, const std::unordered_set<std::string>& excluded,
               Entry& into, size_t& count) {
  for (const std::string& name : fs::sorted_entries(fd, root + "/" + rel)) {
    std::string crel = child_of(rel, name);
    if (excluded.count(crel)) continue;
    std::string what = root + "/" + crel;
    Meta m = meta_at(fd, name, what);
    into.children.push_back(make_entry(fd, name, m, what));
    ++count;
    if (S_ISDIR(m.st.st_mode)) {
      UniqueFd sub = open_dir(fd, name, what);
      index_dir(sub.get(), root, crel, excluded, into.children.back(), count);
    }
  }
}

size_t count_entries(const Entry& e) {
  size_t n = e.children.size();
  for (const auto& c : e.children) n += count_entries(c);
  return n;
}

const Entry* find_child(const Entry& dir, const std::string& name) {
  auto it = std::lower_bound(dir.children.begin(), dir.children.end(), name,
                             [](const Entry& e, const std::string& n) { return e.name < n; });
  return it != dir.children.end() && it->name == name ? &*it : nullptr;
}

bool same_identity(const Entry& b, const Meta& m) {
  return b.ino == m.st.st_ino && (b.btime_ns == m.btime_ns);
}

}  // namespace

size_t TreeIndex::size() const { return count_entries(*root_); }

TreeIndex index_tree(const std::string& root, const std::vector<std::string>& excluded) {
  return with_context("indexing " + root, [&] {
    TreeIndex index;
    UniqueFd fd = open_dir(AT_FDCWD, root, root);
    size_t count = 0;
    index_dir(fd.get(), root, "", clean_set(excluded), *index.root_, count);
    return index;
  });
}

// Walks the tree after the run with the index of before in step. Each
// directory of the walk has a frame; its copy in the upper is made only
// when something below it (or its own attributes) changed, together with
// the frames above it that have none yet, as overlayfs copies parents up.
class TreeDiffer {
 public:
  TreeDiffer(const std::string& root, const std::string& upper, const DiffOptions& options)
      : root_(root), upper_path_(upper), options_(options), excluded_(clean_set(options.excluded)) {
    Frame f;
    f.after = open_dir(AT_FDCWD, root, root);
    f.upper = open_dir(AT_FDCWD, upper, upper);
    upper_root_ = f.upper.get();
    frames_.push_back(std::move(f));
    if (!fs::sorted_entries(upper_root_, upper).empty()) throw Error("not an empty directory: " + upper);
  }

  DiffCounts run(const TreeIndex& before) {
    walk(before.root_.get(), "");
    return counts_;
  }

 private:
  struct Frame {
    UniqueFd after, upper;
    std::string name, rel;
    struct stat st {};
  };

  void walk(const Entry* before, const std::string& rel) {
    std::string what = root_ + (rel.empty() ? "" : "/" + rel);
    std::vector<std::string> names = fs::sorted_entries(frames_.back().after.get(), what);
    if (before) {
      for (const Entry& b : before->children) {
        std::string crel = child_of(rel, b.name);
        if (!std::binary_search(names.begin(), names.end(), b.name) && !excluded_.count(crel)) whiteout(b.name, crel);
      }
    }
    for (const std::string& name : names) {
      std::string crel = child_of(rel, name);
      if (excluded_.count(crel)) continue;
      int after = frames_.back().after.get();
      Meta m = meta_at(after, name, root_ + "/" + crel);
      const Entry* b = before ? find_child(*before, name) : nullptr;
      if (S_ISDIR(m.st.st_mode)) {
        directory(b, name, crel, m);
      } else if (!b || S_ISDIR(b->mode) || changed(*b, m, name, crel)) {
        // A directory replaced by a non-directory needs no whiteout: the
        // upper's entry hides the lower one whole.
        copy_here(name, crel, m);
      }
    }
  }

  void directory(const Entry* b, const std::string& name, const std::string& rel, const Meta& m) {
    Frame f;
    f.after = open_dir(frames_.back().after.get(), name, root_ + "/" + rel);
    f.name = name;
    f.rel = rel;
    f.st = m.st;
    frames_.push_back(std::move(f));
    // Deleted and made anew (or a non-directory before): nothing of the
    // lower one shows through, as overlayfs marks a directory made over a whiteout.
    bool recreated = b && (!S_ISDIR(b->mode) || !same_identity(*b, m));
    if (!b || recreated) {
      ensure_upper();
      if (recreated) mark_opaque(rel);
      walk(nullptr, rel);
    } else {
      if (b->mode != m.st.st_mode || b->uid != m.st.st_uid || b->gid != m.st.st_gid ||
          b->mtime_ns != ns(m.st.st_mtim) || b->xattr_hash != xattr_hash(frames_[frames_.size() - 2].after.get(), name,
                                                                         root_ + "/" + rel))
        ensure_upper();
      walk(b, rel);
    }
    // Its entries are all written: its times hold now.
    Frame done = std::move(frames_.back());
    frames_.pop_back();
    if (done.upper.valid()) copy_times_at(frames_.back().upper.get(), name, done.st, upper_path_ + "/" + rel);
  }

  bool changed(const Entry& b, const Meta& m, const std::string& name, const std::string& rel) {
    const struct stat& st = m.st;
    int dir = frames_.back().after.get();
    std::string what = root_ + "/" + rel;
    if (b.mode != st.st_mode || b.uid != st.st_uid || b.gid != st.st_gid || b.rdev != st.st_rdev ||
        b.size != st.st_size || b.mtime_ns != ns(st.st_mtim))
      return true;
    // A new name for the inode: the layer can hold it only as a hardlink to this one.
    if (st.st_nlink > b.nlink) return true;
    if (S_ISLNK(st.st_mode) && fs::read_link_at(dir, name, what) != b.link) return true;
    if (xattr_hash(dir, name, what) != b.xattr_hash) return true;
    if (same_identity(b, m)) return false;
    // Another inode with every attribute equal: a symlink, device or fifo
    // is then the same; a file only if its bytes are.
    if (!S_ISREG(st.st_mode)) return false;
    if (!options_.original) return true;
    UniqueFd was = options_.original(rel);
    if (!was.valid()) return true;
    UniqueFd now(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!now.valid()) throw_sys("open", what);
    return !same_content(was.get(), now.get(), what);
  }

  // Makes the upper copies of the frames that have none yet, top down.
  void ensure_upper() {
    for (size_t i = 1; i < frames_.size(); ++i) {
      Frame& f = frames_[i];
      if (f.upper.valid()) continue;
      std::string what = upper_path_ + "/" + f.rel;
      copy_entry_at(frames_[i - 1].after.get(), f.name, f.st, frames_[i - 1].upper.get(), f.name, what);
      f.upper = open_dir(frames_[i - 1].upper.get(), f.name, what);
      ++counts_.written;
    }
  }

  void mark_opaque(const std::string& rel) {
    const char* key = options_.user_xattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
    if (::fsetxattr(frames_.back().upper.get(), key, "y", 1, 0) != 0)
      throw_sys(std::string("setxattr ") + key, upper_path_ + "/" + rel);
    ++counts_.opaque;
  }

  void whiteout(const std::string& name, const std::string& rel) {
    ensure_upper();
    if (::mknodat(frames_.back().upper.get(), name.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
      throw_sys("make whiteout", upper_path_ + "/" + rel);
    ++counts_.deleted;
  }

  void copy_here(const std::string& name, const std::string& rel, const Meta& m) {
    ensure_upper();
    Frame& f = frames_.back();
    std::string what = upper_path_ + "/" + rel;
    if (S_ISREG(m.st.st_mode) && m.st.st_nlink > 1) {
      auto [it, first] = links_.try_emplace({m.st.st_dev, m.st.st_ino}, rel);
      if (!first) {
        // The first name's path holds only directories this diff made.
        if (::linkat(upper_root_, it->second.c_str(), f.upper.get(), name.c_str(), 0) != 0) throw_sys("link", what);
        ++counts_.written;
        return;
      }
    }
    if (copy_entry_at(f.after.get(), name, m.st, f.upper.get(), name, what)) ++counts_.written;
  }

  std::string root_, upper_path_;
  const DiffOptions& options_;
  std::unordered_set<std::string> excluded_;
  std::vector<Frame> frames_;
  int upper_root_ = -1;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // an inode's first name in the upper
  DiffCounts counts_;
};

DiffCounts write_tree_diff(const std::string& root, const TreeIndex& before, const std::string& upper,
                           const DiffOptions& options) {
  return with_context("writing the changes of " + root + " into " + upper,
                      [&] { return TreeDiffer(root, upper, options).run(before); });
}

}  // namespace hoist::builder
