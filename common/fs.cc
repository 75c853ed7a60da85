#include "common/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <random>

#include "common/error.h"

namespace hoist::fs {

std::string read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", path);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_sys("read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string read_link_at(int dirfd, const std::string& name, const std::string& what) {
  std::string buf(256, '\0');
  for (;;) {
    ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
    if (n < 0) throw_sys("readlink", what);
    if (static_cast<size_t>(n) < buf.size()) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

bool is_empty_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) throw_sys("opendir", path);
  bool empty = true;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") empty = false;
  }
  ::closedir(d);
  return empty;
}

std::vector<std::string> sorted_entries(int dir_fd, const std::string& what) {
  // fdopendir takes the fd it is given: read through a fresh one of our own.
  int own = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (own < 0) throw_sys("open", what);
  DIR* d = ::fdopendir(own);
  if (!d) {
    ::close(own);
    throw_sys("opendir", what);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

void mkdir_p(const std::string& path, unsigned mode) {
  if (path.empty()) return;
  std::string cur;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    cur = path.substr(0, pos);
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) throw_sys("mkdir", cur);
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw_sys("stat", path);
  if (!S_ISDIR(st.st_mode)) throw Error("not a directory: " + path);
}

void fsync_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", dir);
  if (::fsync(fd.get()) != 0) throw_sys("fsync", dir);
}

void write_all(int fd, const void* data, size_t size, const std::string& what) {
  auto* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_sys("write", what);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

static std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string s(12, '0');
  for (auto& c : s) c = hex[rng() & 15];
  return s;
}

void write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
  std::string tmp = path + ".tmp-" + random_suffix();
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) throw_sys("create", tmp);
  try {
    write_all(fd.get(), data.data(), data.size(), tmp);
    if (::fsync(fd.get()) != 0) throw_sys("fsync", tmp);
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw_sys("rename", path);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  auto slash = path.rfind('/');
  fsync_dir(slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash));
}

void remove_all(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw_sys("stat", path);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_sys("unlink", path);
    return;
  }
  // Directories may have been made read-only by an unpacked image: make them
  // writable again on the way down so their entries can be removed.
  auto cb = [](const char* p, const struct stat* s, int flag, struct FTW*) -> int {
    if (flag == FTW_DP || flag == FTW_D) {
      ::chmod(p, (s->st_mode & 07777) | 0700);
      return ::rmdir(p) == 0 || errno == ENOENT ? 0 : -1;
    }
    return ::unlink(p) == 0 || errno == ENOENT ? 0 : -1;
  };
  ::chmod(path.c_str(), (st.st_mode & 07777) | 0700);
  if (::nftw(path.c_str(), cb, 64, FTW_DEPTH | FTW_PHYS) != 0) throw_sys("remove", path);
}

TempDir::TempDir(const std::string& parent, const std::string& prefix) {
  std::string base = parent;
  if (base.empty()) {
    const char* t = std::getenv("TMPDIR");
    base = t && *t ? t : "/tmp";
  }
  std::string tmpl = base + "/" + prefix + "XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw_sys("mkdtemp", tmpl);
  path_ = tmpl;
}

TempDir::~TempDir() {
  try {
    remove_all(path_);
  } catch (const Error&) {
    // Best effort: a leftover temp directory must not mask the original error.
  }
}

FileLock::FileLock(const std::string& path) {
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd_.valid()) throw_sys("open", path);
  while (::flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw_sys("lock", path);
  }
}

}  // namespace hoist::fs
