#pragma once
// The entries of a layer blob as plain values, for tests that compare what
// a writer or a snapshot produced with what they expect.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/fs.h"

namespace hoist::test {

// Every entry of a tar (compressed or not, decoded by libarchive, independent
// of hoist's own decompressor), in archive order, with all it records. (The
// tars tests write are described by unpack_test_support.h's TarEntry.)
struct ReadEntry {
  std::string name;
  char type = '?';  // f file, h hardlink, d dir, l symlink, c char, b block, p fifo
  unsigned mode = 0;  // permission and set-id / sticky bits
  int64_t uid = 0, gid = 0;
  std::string uname, gname;
  int64_t mtime = 0;
  long mtime_nsec = 0;
  bool atime_set = false, ctime_set = false;
  std::string content;
  std::string link;  // symlink target or hardlink target
  std::map<std::string, std::string> xattrs;
  unsigned rmajor = 0, rminor = 0;
  int64_t size = 0;
};

inline std::vector<ReadEntry> read_tar(const std::string& bytes) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    std::string err = archive_error_string(a);
    archive_read_free(a);
    throw std::runtime_error("open tar: " + err);
  }
  std::vector<ReadEntry> out;
  archive_entry* e;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    ReadEntry x;
    x.name = archive_entry_pathname(e);
    const char* hl = archive_entry_hardlink(e);
    switch (archive_entry_filetype(e)) {
      case AE_IFREG: x.type = 'f'; break;
      case AE_IFDIR: x.type = 'd'; break;
      case AE_IFLNK: x.type = 'l'; break;
      case AE_IFCHR: x.type = 'c'; break;
      case AE_IFBLK: x.type = 'b'; break;
      case AE_IFIFO: x.type = 'p'; break;
      default: x.type = '?';
    }
    if (hl) {
      x.type = 'h';
      x.link = hl;
    }
    if (x.type == 'l') x.link = archive_entry_symlink(e);
    x.mode = archive_entry_perm(e) & 07777;
    x.uid = archive_entry_uid(e);
    x.gid = archive_entry_gid(e);
    x.uname = archive_entry_uname(e) ? archive_entry_uname(e) : "";
    x.gname = archive_entry_gname(e) ? archive_entry_gname(e) : "";
    x.mtime = archive_entry_mtime(e);
    x.mtime_nsec = archive_entry_mtime_nsec(e);
    x.atime_set = archive_entry_atime_is_set(e);
    x.ctime_set = archive_entry_ctime_is_set(e);
    x.size = archive_entry_size(e);
    x.rmajor = archive_entry_rdevmajor(e);
    x.rminor = archive_entry_rdevminor(e);
    archive_entry_xattr_reset(e);
    const char* xn;
    const void* xv;
    size_t xs;
    while (archive_entry_xattr_next(e, &xn, &xv, &xs) == ARCHIVE_OK)
      x.xattrs[xn] = std::string(static_cast<const char*>(xv), xs);
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) x.content.append(buf, static_cast<size_t>(n));
    if (n < 0) throw std::runtime_error(std::string("read data: ") + archive_error_string(a));
    out.push_back(std::move(x));
  }
  std::string err = rc == ARCHIVE_EOF ? "" : archive_error_string(a);
  archive_read_free(a);
  if (!err.empty()) throw std::runtime_error("read tar: " + err);
  return out;
}

struct LayerEntry {
  char type = '?';  // as ReadEntry::type
  unsigned mode = 0;
  int64_t uid = 0, gid = 0;
  std::string content;
  std::string link;
};

// Keyed by name, without a trailing "/".
inline std::map<std::string, LayerEntry> read_layer(const std::string& blob_path) {
  std::map<std::string, LayerEntry> out;
  for (auto& t : read_tar(fs::read_file(blob_path))) {
    std::string name = t.name;
    if (name.ends_with("/")) name.pop_back();
    out[name] = LayerEntry{t.type, t.mode, t.uid, t.gid, std::move(t.content), std::move(t.link)};
  }
  return out;
}

}  // namespace hoist::test
