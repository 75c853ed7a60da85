#include "builder/copy_tree.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "builder/chmod_mode.h"
#include "builder/entry_copy.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

// The source's extended attributes (BuildKit sends them with the context
// and copies them), set after the chown that would clear security.capability.
// Overlay bookkeeping is never copied.
void copy_xattrs(int src_dir, const std::string& name, int dst_fd, const std::string& what) {
  for (const auto& [key, value] : read_xattrs_at(src_dir, name, what))
    if (::fsetxattr(dst_fd, key.c_str(), value.data(), value.size(), 0) != 0) throw_sys("set xattr " + key + " on", what);
}

using layers::PathParts;

PathParts child(const PathParts& parent, const std::string& name) {
  PathParts p = parent;
  p.push_back(name);
  return p;
}

std::string show(const PathParts& p) { return "/" + layers::join_path(p); }

void copy_bytes(int in, int out, const std::string& what) {
  for (;;) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
    if (n == 0) return;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) throw_sys("copy", what);
    break;  // a filesystem pair the kernel cannot copy between: plain reads
  }
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_sys("read", what);
    if (n == 0) return;
    fs::write_all(out, buf, static_cast<size_t>(n), what);
  }
}

// What the image (or an earlier source of this COPY, in the layer) already
// has at `name`: a file cannot replace a directory and a directory cannot be
// copied onto a non-directory, as in BuildKit.
void check_not_dir(int dir_fd, const std::string& name, const std::string& what) {
  struct stat st;
  if (dir_fd >= 0 && ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
    throw Error("cannot overwrite directory " + what + " with a non-directory");
}

}  // namespace

TreeCopier::TreeCopier(CopyAttrs attrs, const PatternMatcher* ignore, const PatternMatcher* exclude,
                       const std::string& layer_dir)
    : attrs_(std::move(attrs)), ignore_(ignore), exclude_(exclude), layer_dir_(layer_dir), layer_(layer_dir) {}

void TreeCopier::apply_owner_mode(int fd, const struct stat& st, const std::string& what) const {
  Owner o = attrs_.owner.value_or(Owner{st.st_uid, st.st_gid});
  if (::fchown(fd, o.uid, o.gid) != 0) throw_sys("chown", what);
  mode_t perm = st.st_mode & 07777;
  if (!attrs_.chmod.empty()) perm = apply_chmod(attrs_.chmod, perm, S_ISDIR(st.st_mode));
  // After the chown, which clears set-id bits.
  if (::fchmod(fd, perm) != 0) throw_sys("chmod", what);
}

void TreeCopier::copy_entry(int src_dir, const std::string& src_name, const PathParts& src_real,
                            const PathParts& dst, int image_dir) {
  struct stat st;
  if (::fstatat(src_dir, src_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("stat", layers::join_path(src_real));
  UniqueFd dst_dir = layer_.open_dir(dst, dst.size() - 1);
  if (!dst_dir.valid()) throw Error(show(dst) + ": parent is not a directory");
  copy_one(src_dir, src_name, st, src_real, {}, dst_dir.get(), dst, image_dir);
}

void TreeCopier::copy_children(int src_root, const PathParts& src_real, const PathParts& dst, int image_dst) {
  const std::string what = src_real.empty() ? "." : layers::join_path(src_real);
  UniqueFd src(::openat(src_root, what.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!src.valid()) throw_sys("open", what);
  UniqueFd dst_path = layer_.open_dir(dst, dst.size());
  if (!dst_path.valid()) throw Error(show(dst) + ": not a directory");
  UniqueFd dst_fd(::openat(dst_path.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dst_fd.valid()) throw_sys("open", show(dst));
  copy_dir_contents(src.get(), src_real, {}, dst_fd.get(), dst, image_dst, false);
}

void TreeCopier::write_file(const PathParts& dst, const std::string& body, int image_dir) {
  UniqueFd dir_path = layer_.open_dir(dst, dst.size() - 1);
  if (!dir_path.valid()) throw Error(show(dst) + ": parent is not a directory");
  const std::string& name = dst.back();
  check_not_dir(image_dir, name, show(dst));
  check_not_dir(dir_path.get(), name, show(dst));
  UniqueFd dir(::openat(dir_path.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) throw_sys("open", show(dst));
  ::unlinkat(dir.get(), name.c_str(), 0);
  UniqueFd fd(::openat(dir.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) throw_sys("create", show(dst));
  fs::write_all(fd.get(), body.data(), body.size(), show(dst));
  struct stat st {};
  st.st_mode = S_IFREG | 0644;
  apply_owner_mode(fd.get(), st, show(dst));
}

size_t TreeCopier::copy_dir_contents(int src_fd, const PathParts& src_real, const PathParts& rel, int dst_fd,
                                     const PathParts& dst, int image_fd, bool dst_fresh) {
  size_t kept = 0;
  for (const auto& name : fs::sorted_entries(src_fd, layer_dir_ + show(dst))) {
    struct stat st;
    if (::fstatat(src_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("stat", layers::join_path(child(src_real, name)));
    kept += copy_one(src_fd, name, st, child(src_real, name), child(rel, name), dst_fd, child(dst, name), image_fd,
                     dst_fresh);
  }
  return kept;
}

size_t TreeCopier::copy_one(int src_dir, const std::string& name, const struct stat& st, const PathParts& src_real,
                            const PathParts& rel, int dst_dir, const PathParts& dst, int image_dir,
                            bool dst_fresh) {
  if (S_ISSOCK(st.st_mode)) return 0;  // a tar cannot carry a socket
  const bool is_dir = S_ISDIR(st.st_mode);
  bool excluded = false;
  if (!rel.empty()) {  // what was named as a source is never filtered, only what is inside it
    if (ignore_) {
      if (ignore_->matches(layers::join_path(src_real))) {
        if (!is_dir || !ignore_->has_exclusions()) return 0;
        excluded = true;
      }
    }
    if (exclude_ && exclude_->matches(layers::join_path(rel))) {
      if (!is_dir || !exclude_->has_exclusions()) return 0;
      excluded = true;
    }
  }
  const std::string& out = dst.back();
  const std::string what = show(dst);

  if (is_dir) {
    struct stat existing;
    if (image_dir >= 0 && ::fstatat(image_dir, out.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISDIR(existing.st_mode))
      throw Error("cannot copy to non-directory: " + what);
    bool fresh = ::mkdirat(dst_dir, out.c_str(), 0700) == 0;
    if (!fresh && errno != EEXIST) throw_sys("mkdir", what);
    UniqueFd d(::openat(dst_dir, out.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!d.valid()) {
      if (errno == ENOTDIR || errno == ELOOP) throw Error("cannot copy to non-directory: " + what);
      throw_sys("open", what);
    }
    UniqueFd src(::openat(src_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!src.valid()) throw_sys("open", layers::join_path(src_real));
    UniqueFd image;
    if (image_dir >= 0) image.reset(::openat(image_dir, out.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    size_t kept =
        copy_dir_contents(src.get(), src_real, rel, d.get(), dst, image.valid() ? image.get() : -1, fresh);
    if (excluded && kept == 0) {
      ::unlinkat(dst_dir, out.c_str(), AT_REMOVEDIR);
      return 0;
    }
    apply_owner_mode(d.get(), st, what);
    copy_xattrs(src_dir, name, d.get(), what);
    dir_times_.emplace_back(dst, st.st_mtim);
    return kept + 1;
  }

  check_not_dir(image_dir, out, what);
  if (!dst_fresh) {
    check_not_dir(dst_dir, out, what);
    if (::unlinkat(dst_dir, out.c_str(), 0) != 0 && errno != ENOENT) throw_sys("remove", what);
  }

  if (st.st_nlink > 1 && S_ISREG(st.st_mode)) {
    auto [it, first] = links_.try_emplace({st.st_dev, st.st_ino}, dst);
    if (!first) {
      UniqueFd from = layer_.open_dir(it->second, it->second.size() - 1);
      if (from.valid() && ::linkat(from.get(), it->second.back().c_str(), dst_dir, out.c_str(), 0) == 0) return 1;
      it->second = dst;  // the first copy is gone (overwritten): this one leads now
    }
  }

  struct timespec times[2] = {st.st_mtim, st.st_mtim};
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlinkat(src_dir, name.c_str(), target.data(), target.size());
    if (n < 0) throw_sys("readlink", layers::join_path(src_real));
    target.resize(static_cast<size_t>(n));
    if (::symlinkat(target.c_str(), dst_dir, out.c_str()) != 0) throw_sys("symlink", what);
    Owner o = attrs_.owner.value_or(Owner{st.st_uid, st.st_gid});
    if (::fchownat(dst_dir, out.c_str(), o.uid, o.gid, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("chown", what);
    if (::utimensat(dst_dir, out.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("utimes", what);
    return 1;
  }
  if (!S_ISREG(st.st_mode)) {  // devices and fifos
    if (::mknodat(dst_dir, out.c_str(), st.st_mode & S_IFMT, st.st_rdev) != 0) throw_sys("mknod", what);
    Owner o = attrs_.owner.value_or(Owner{st.st_uid, st.st_gid});
    if (::fchownat(dst_dir, out.c_str(), o.uid, o.gid, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("chown", what);
    mode_t perm = st.st_mode & 07777;
    if (!attrs_.chmod.empty()) perm = apply_chmod(attrs_.chmod, perm, false);
    if (::fchmodat(dst_dir, out.c_str(), perm, 0) != 0) throw_sys("chmod", what);
    if (::utimensat(dst_dir, out.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("utimes", what);
    return 1;
  }
  UniqueFd in(::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in.valid()) throw_sys("open", layers::join_path(src_real));
  UniqueFd fd(::openat(dst_dir, out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) throw_sys("create", what);
  copy_bytes(in.get(), fd.get(), what);
  apply_owner_mode(fd.get(), st, what);
  copy_xattrs(src_dir, name, fd.get(), what);
  if (::futimens(fd.get(), times) != 0) throw_sys("utimes", what);
  return 1;
}

}  // namespace hoist::builder
