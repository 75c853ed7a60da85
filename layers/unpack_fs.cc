#include "layers/unpack_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <vector>

#include "common/error.h"
#include "common/fd.h"

namespace hoist::layers {

namespace {

std::vector<std::string> list_dir(int dir_fd, const std::string& what) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_sys("open", what);
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    throw_sys("opendir", what);
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* ent = ::readdir(dir)) {
    std::string name = ent->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
    errno = 0;
  }
  int err = errno;
  ::closedir(dir);
  if (err) throw sys_error("readdir", what, err);
  return names;
}

}  // namespace

void LayerNames::add(int dir_fd, const std::string& name) {
  struct stat st = stat_fd(dir_fd, name);
  keys_.insert(Key{st.st_dev, st.st_ino, name});
}

bool LayerNames::contains(const struct stat& dir, const std::string& name) const {
  return keys_.count(Key{dir.st_dev, dir.st_ino, name}) != 0;
}

size_t LayerNames::KeyHash::operator()(const Key& k) const {
  size_t h = std::hash<std::string>()(k.name);
  h ^= std::hash<unsigned long long>()(k.ino) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= std::hash<unsigned long long>()(k.dev) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

struct stat stat_fd(int fd, const std::string& what) {
  struct stat st;
  if (::fstat(fd, &st) != 0) throw_sys("stat", what);
  return st;
}

bool remove_children(int dir_fd, const LayerNames* keep, const std::string& what) {
  struct stat st = stat_fd(dir_fd, what);
  // Unprivileged, a read-only directory from an image must be made readable
  // and writable to empty it; if part of it stays, its mode is put back.
  bool widened = false;
  bool unprivileged = ::geteuid() != 0;
  if (unprivileged && (st.st_mode & 0700) != 0700) {
    std::string proc = "/proc/self/fd/" + std::to_string(dir_fd);
    if (::chmod(proc.c_str(), (st.st_mode & 07777) | 0700) != 0) throw_sys("chmod", what);
    widened = true;
  }
  UniqueFd dir(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) throw_sys("open", what);
  bool empty = true;
  for (const std::string& name : list_dir(dir.get(), what)) {
    if (keep && keep->contains(st, name)) {
      empty = false;
      continue;
    }
    if (!remove_entry(dir.get(), name, keep, what + "/" + name)) empty = false;
  }
  if (widened && !empty && ::fchmod(dir.get(), st.st_mode & 07777) != 0) throw_sys("chmod", what);
  return empty;
}

bool remove_entry(int dir_fd, const std::string& name, const LayerNames* keep, const std::string& what) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return true;
    throw_sys("stat", what);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) throw_sys("unlink", what);
    return true;
  }
  UniqueFd sub(::openat(dir_fd, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!sub.valid()) throw_sys("open", what);
  if (!remove_children(sub.get(), keep, what)) return false;
  if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) throw_sys("rmdir", what);
  return true;
}

void set_xattr(int dir_fd, const std::string& name, int fd, mode_t type, const std::string& key,
               const std::string& value, const std::string& what) {
  int rc;
  if (fd >= 0) {
    rc = ::fsetxattr(fd, key.c_str(), value.data(), value.size(), 0);
  } else {
    // An O_PATH fd reached through /proc is the one way to name a symlink
    // or device itself for setxattr: lsetxattr has no *at() form.
    UniqueFd path_fd(::openat(dir_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!path_fd.valid()) throw_sys("open", what);
    std::string proc = "/proc/self/fd/" + std::to_string(path_fd.get());
    rc = ::setxattr(proc.c_str(), key.c_str(), value.data(), value.size(), 0);
  }
  if (rc == 0) return;
  int err = errno;
  if (err == ENOTSUP) return;
  if (err == EPERM) {
    bool user_ns = key.rfind("user.", 0) == 0;
    // The kernel allows user.* only on regular files and directories.
    if (user_ns && !S_ISREG(type) && !S_ISDIR(type)) return;
    if (!user_ns && ::geteuid() != 0) return;
  }
  throw sys_error("setxattr " + key, what, err);
}

}  // namespace hoist::layers
