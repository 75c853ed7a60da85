#pragma once
// The entries of a layer blob as plain values (type, mode, owner, content,
// link), for tests that compare what a snapshot wrote with what they expect.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "common/fs.h"

namespace hoist::test {

struct LayerEntry {
  char type = '?';  // f file, h hardlink, d dir, l symlink, p fifo
  unsigned mode = 0;
  int64_t uid = 0, gid = 0;
  std::string content;
  std::string link;
};

// Keyed by name, without a trailing "/".
inline std::map<std::string, LayerEntry> read_layer(const std::string& blob_path) {
  std::string bytes = fs::read_file(blob_path);
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK)
    throw std::runtime_error(archive_error_string(a));
  std::map<std::string, LayerEntry> out;
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    LayerEntry x;
    mode_t m = archive_entry_mode(e);
    x.mode = m & 07777;
    x.uid = archive_entry_uid(e);
    x.gid = archive_entry_gid(e);
    if (const char* h = archive_entry_hardlink(e)) {
      x.type = 'h';
      x.link = h;
    } else if (S_ISDIR(m)) {
      x.type = 'd';
    } else if (S_ISLNK(m)) {
      x.type = 'l';
      x.link = archive_entry_symlink(e);
    } else if (S_ISFIFO(m)) {
      x.type = 'p';
    } else if (S_ISREG(m)) {
      x.type = 'f';
      x.content.resize(static_cast<size_t>(archive_entry_size(e)));
      archive_read_data(a, x.content.data(), x.content.size());
    }
    std::string name = archive_entry_pathname(e);
    if (name.ends_with("/")) name.pop_back();
    out[name] = x;
  }
  archive_read_free(a);
  return out;
}

}  // namespace hoist::test
