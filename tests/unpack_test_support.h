#pragma once
// Helpers for the unpack tests: tars built in memory with libarchive's
// writer (any name, type, mode, owner, device number or xattr, valid or
// hostile), and snapshots of directory trees to prove what did not change.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/fs.h"
#include "layers/stream.h"
#include "layers/unpack.h"

namespace hoist::test {

struct TarEntry {
  std::string name;
  char type = '0';  // tar typeflag: '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo
  std::string linkname;
  unsigned mode = 0644;
  int64_t uid = 0;
  int64_t gid = 0;
  int64_t mtime = 0;
  long mtime_nsec = 0;
  std::string content;
  std::vector<std::pair<std::string, std::string>> xattrs;
  int64_t devmajor = 0;
  int64_t devminor = 0;
};

inline TarEntry tar_file(std::string name, std::string content, unsigned mode = 0644) {
  TarEntry e;
  e.name = std::move(name);
  e.content = std::move(content);
  e.mode = mode;
  return e;
}
inline TarEntry tar_dir(std::string name, unsigned mode = 0755) {
  TarEntry e;
  e.name = std::move(name);
  e.type = '5';
  e.mode = mode;
  return e;
}
inline TarEntry tar_symlink(std::string target, std::string name) {
  TarEntry e;
  e.name = std::move(name);
  e.type = '2';
  e.linkname = std::move(target);
  e.mode = 0777;
  return e;
}
inline TarEntry tar_hardlink(std::string target, std::string name) {
  TarEntry e;
  e.name = std::move(name);
  e.type = '1';
  e.linkname = std::move(target);
  return e;
}

// A pax tar (ustar where it fits, as Go's archive/tar writes) of `entries`, in order.
inline std::string make_tar(const std::vector<TarEntry>& entries) {
  std::string out;
  archive* a = archive_write_new();
  // Sub-second mtimes need full pax records; otherwise ustar where it fits.
  bool nsec = false;
  for (const TarEntry& t : entries) nsec = nsec || t.mtime_nsec != 0;
  if (nsec) {
    archive_write_set_format_pax(a);
  } else {
    archive_write_set_format_pax_restricted(a);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  auto write_cb = [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  if (archive_write_open(a, &out, nullptr, write_cb, nullptr) != ARCHIVE_OK)
    throw std::runtime_error(archive_error_string(a));
  for (const TarEntry& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.name.c_str());
    switch (t.type) {
      case '1':
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, t.linkname.c_str());
        break;
      case '2':
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, t.linkname.c_str());
        break;
      case '3':
        archive_entry_set_filetype(e, AE_IFCHR);
        break;
      case '4':
        archive_entry_set_filetype(e, AE_IFBLK);
        break;
      case '5':
        archive_entry_set_filetype(e, AE_IFDIR);
        break;
      case '6':
        archive_entry_set_filetype(e, AE_IFIFO);
        break;
      default:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(t.content.size()));
    }
    archive_entry_set_perm(e, t.mode);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, t.mtime_nsec);
    if (t.type == '3' || t.type == '4') {
      archive_entry_set_rdevmajor(e, static_cast<dev_t>(t.devmajor));
      archive_entry_set_rdevminor(e, static_cast<dev_t>(t.devminor));
    }
    for (const auto& [k, v] : t.xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    if (archive_write_header(a, e) < ARCHIVE_WARN) throw std::runtime_error(archive_error_string(a));
    if (!t.content.empty() && t.type == '0' &&
        archive_write_data(a, t.content.data(), t.content.size()) != static_cast<la_ssize_t>(t.content.size()))
      throw std::runtime_error(archive_error_string(a));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

inline layers::UnpackStats unpack(const std::string& tar, const std::string& dest,
                                  const layers::UnpackOptions& options = {}) {
  layers::BufferReader reader(tar);
  return layers::unpack_tar(reader, dest, options);
}

inline void write_file(const std::string& path, const std::string& content, unsigned mode = 0644) {
  hoist::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) throw std::runtime_error("create " + path);
  fs::write_all(fd.get(), content.data(), content.size(), path);
  ::fchmod(fd.get(), mode);
}

inline std::optional<struct stat> lstat_path(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return st;
}

inline std::string read_link(const std::string& path) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink(path, ec);
  return ec ? std::string("<unreadable>") : target.string();
}

// One line per path: type, mode, owner, size, content or link target.
// Directory mtimes are left out: reading a directory never changes them but
// the unpacker legitimately touches its own tree.
inline std::string describe_node(const std::string& path, const struct stat& st) {
  std::string d = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
  if (S_ISREG(st.st_mode)) {
    d += " size=" + std::to_string(st.st_size) + " mtime=" + std::to_string(st.st_mtim.tv_sec) + " ino=" +
         std::to_string(st.st_ino) + " nlink=" + std::to_string(st.st_nlink);
    if (st.st_size < (1 << 20)) d += " data=" + fs::read_file(path);
  } else if (S_ISLNK(st.st_mode)) {
    d += " -> " + read_link(path);
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    d += " rdev=" + std::to_string(major(st.st_rdev)) + "," + std::to_string(minor(st.st_rdev));
  }
  return d;
}

// Everything under `dir` (not following symlinks), except the subtrees in `skip`.
inline std::map<std::string, std::string> snapshot_tree(const std::string& dir,
                                                        const std::vector<std::string>& skip = {}) {
  std::map<std::string, std::string> out;
  namespace sfs = std::filesystem;
  std::error_code ec;
  for (auto it = sfs::recursive_directory_iterator(dir, sfs::directory_options::none, ec);
       !ec && it != sfs::recursive_directory_iterator(); it.increment(ec)) {
    std::string p = it->path().string();
    bool skipped = false;
    for (const auto& s : skip) skipped = skipped || p == s;
    if (skipped) {
      it.disable_recursion_pending();
      continue;
    }
    if (auto st = lstat_path(p)) out[p.substr(dir.size())] = describe_node(p, *st);
  }
  return out;
}

// The state of single host paths (present or not, and what), for proving a
// hostile archive did not reach the real /etc or /tmp.
inline std::string snapshot_path(const std::string& path) {
  auto st = lstat_path(path);
  return st ? describe_node(path, *st) : "absent";
}

}  // namespace hoist::test
