#include "builder/entry_copy.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/unpack_fs.h"

namespace hoist::builder {

namespace {

// The l*xattr calls have no *at() form; through the directory's magic link
// only the last component is looked up, and not followed.
std::string proc_path(int dir_fd, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dir_fd) + "/" + name;
}

// Reflink first (a shared extent: no data written, and later writes to
// either copy leave the other alone), then the kernel's own copy, then
// read/write for filesystems that support neither.
void copy_data(int in, int out, const std::string& what) {
  if (::ioctl(out, FICLONE, in) == 0) return;
  bool kernel_copy = true;
  std::vector<char> buf;
  for (;;) {
    ssize_t n;
    if (kernel_copy) {
      n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
        kernel_copy = false;  // nothing was copied by the failed call: go on from the current offsets
        continue;
      }
    } else {
      buf.resize(1 << 16);
      n = ::read(in, buf.data(), buf.size());
      if (n > 0) fs::write_all(out, buf.data(), static_cast<size_t>(n), what);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_sys("copy", what);
    }
    if (n == 0) return;
  }
}

void copy_xattrs(int src_dir, const std::string& src_name, int dst_dir, const std::string& dst_name, int dst_fd,
                 mode_t type, const std::string& what) {
  for (const auto& [k, v] : read_xattrs_at(src_dir, src_name, what))
    layers::set_xattr(dst_dir, dst_name, dst_fd, type, k, v, what);
}

// chmod of a node just made, through an O_PATH fd: fchmodat would follow a symlink.
void chmod_node(int dir_fd, const std::string& name, mode_t mode, const std::string& what) {
  UniqueFd fd(::openat(dir_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", what);
  if (::chmod(("/proc/self/fd/" + std::to_string(fd.get())).c_str(), mode) != 0) throw_sys("chmod", what);
}

}  // namespace

bool is_overlay_xattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

Xattrs read_xattrs_at(int dir_fd, const std::string& name, const std::string& what) {
  Xattrs out;
  std::string path = proc_path(dir_fd, name);
  ssize_t len = ::llistxattr(path.c_str(), nullptr, 0);
  if (len < 0 && errno != ENOTSUP) throw_sys("listxattr", what);
  if (len <= 0) return out;
  std::string names(static_cast<size_t>(len), '\0');
  len = ::llistxattr(path.c_str(), names.data(), names.size());
  if (len < 0) throw_sys("listxattr", what);
  names.resize(static_cast<size_t>(len));
  for (size_t pos = 0; pos < names.size();) {
    std::string key(names.c_str() + pos);
    pos += key.size() + 1;
    if (key.empty() || is_overlay_xattr(key)) continue;
    ssize_t vlen = ::lgetxattr(path.c_str(), key.c_str(), nullptr, 0);
    if (vlen < 0) {
      if (errno == ENODATA) continue;
      throw_sys("getxattr " + key, what);
    }
    std::string value(static_cast<size_t>(vlen), '\0');
    vlen = ::lgetxattr(path.c_str(), key.c_str(), value.data(), value.size());
    if (vlen < 0) throw_sys("getxattr " + key, what);
    value.resize(static_cast<size_t>(vlen));
    out.emplace_back(std::move(key), std::move(value));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool copy_entry_at(int src_dir, const std::string& src_name, const struct stat& st, int dst_dir,
                   const std::string& dst_name, const std::string& what) {
  mode_t type = st.st_mode & S_IFMT;
  mode_t perm = st.st_mode & 07777;
  if (S_ISREG(st.st_mode)) {
    UniqueFd in(::openat(src_dir, src_name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in.valid()) throw_sys("open", what);
    UniqueFd out(::openat(dst_dir, dst_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.valid()) throw_sys("create", what);
    copy_data(in.get(), out.get(), what);
    // Owner before mode and xattrs: a chown clears set-id bits and file capabilities.
    if (::fchown(out.get(), st.st_uid, st.st_gid) != 0) throw_sys("chown", what);
    if (::fchmod(out.get(), perm) != 0) throw_sys("chmod", what);
    copy_xattrs(src_dir, src_name, dst_dir, dst_name, out.get(), type, what);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(out.get(), times) != 0) throw_sys("set times of", what);
    return true;
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mkdirat(dst_dir, dst_name.c_str(), 0700) != 0) throw_sys("mkdir", what);
    UniqueFd out(::openat(dst_dir, dst_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!out.valid()) throw_sys("open", what);
    if (::fchown(out.get(), st.st_uid, st.st_gid) != 0) throw_sys("chown", what);
    if (::fchmod(out.get(), perm) != 0) throw_sys("chmod", what);
    copy_xattrs(src_dir, src_name, dst_dir, dst_name, out.get(), type, what);
    return true;
  }
  if (S_ISLNK(st.st_mode)) {
    std::string target = fs::read_link_at(src_dir, src_name, what);
    if (::symlinkat(target.c_str(), dst_dir, dst_name.c_str()) != 0) throw_sys("symlink", what);
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
    if (::mknodat(dst_dir, dst_name.c_str(), type | 0600, st.st_rdev) != 0) throw_sys("mknod", what);
  } else {
    return false;  // a socket: a tar cannot carry it (containerd and docker skip them too)
  }
  if (::fchownat(dst_dir, dst_name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("chown", what);
  if (!S_ISLNK(st.st_mode)) chmod_node(dst_dir, dst_name, perm, what);
  copy_xattrs(src_dir, src_name, dst_dir, dst_name, -1, type, what);
  copy_times_at(dst_dir, dst_name, st, what);
  return true;
}

void copy_times_at(int dir_fd, const std::string& name, const struct stat& st, const std::string& what) {
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(dir_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("set times of", what);
}

bool same_content(int a, int b, const std::string& what) {
  struct stat sa, sb;
  if (::fstat(a, &sa) != 0 || ::fstat(b, &sb) != 0) throw_sys("stat", what);
  if (sa.st_size != sb.st_size) return false;
  std::vector<char> va(1 << 16), vb(1 << 16);
  char* ba = va.data();
  char* bb = vb.data();
  off_t off = 0;
  for (;;) {
    ssize_t na = ::pread(a, ba, va.size(), off);
    if (na < 0 && errno == EINTR) continue;
    if (na < 0) throw_sys("read", what);
    size_t got = 0;
    while (got < static_cast<size_t>(na)) {
      ssize_t nb = ::pread(b, bb + got, static_cast<size_t>(na) - got, off + static_cast<off_t>(got));
      if (nb < 0 && errno == EINTR) continue;
      if (nb < 0) throw_sys("read", what);
      if (nb == 0) return false;  // b is shorter than it said
      got += static_cast<size_t>(nb);
    }
    if (na == 0) {
      char extra;
      ssize_t nb = ::pread(b, &extra, 1, off);
      return nb == 0;
    }
    if (std::memcmp(ba, bb, static_cast<size_t>(na)) != 0) return false;
    off += na;
  }
}

}  // namespace hoist::builder
