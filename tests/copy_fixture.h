#pragma once
// A build context, an image root filesystem and an empty layer directory in
// one temp dir, with helpers to lay out files, for the COPY/ADD tests.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "builder/copy_files.h"
#include "common/error.h"
#include "common/fs.h"
#include "tests/tree_snapshot.h"

namespace hoist::test {

class CopyFixture : public ::testing::Test {
 protected:
  CopyFixture() : ctx(tmp.path() + "/ctx"), image(tmp.path() + "/image"), layer(tmp.path() + "/layer") {
    fs::mkdir_p(ctx);
    fs::mkdir_p(image);
    fs::mkdir_p(layer);
  }

  // Writes `body` at `root`/`rel`, creating parents, with `mode`, owner and mtime.
  static void file(const std::string& root, const std::string& rel, const std::string& body, mode_t mode = 0644,
                   uid_t uid = 0, gid_t gid = 0, time_t mtime = 1700000000) {
    std::string path = root + "/" + rel;
    fs::mkdir_p(path.substr(0, path.rfind('/')));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw_sys("create", path);
    fs::write_all(fd, body.data(), body.size(), path);
    ::close(fd);
    attrs(path, mode, uid, gid, mtime);
  }
  static void dir(const std::string& root, const std::string& rel, mode_t mode = 0755, uid_t uid = 0, gid_t gid = 0,
                  time_t mtime = 1600000000) {
    std::string path = root + "/" + rel;
    fs::mkdir_p(path);
    attrs(path, mode, uid, gid, mtime);
  }
  static void link(const std::string& root, const std::string& rel, const std::string& target) {
    std::string path = root + "/" + rel;
    fs::mkdir_p(path.substr(0, path.rfind('/')));
    if (::symlink(target.c_str(), path.c_str()) != 0) throw_sys("symlink", path);
  }
  static void attrs(const std::string& path, mode_t mode, uid_t uid, gid_t gid, time_t mtime) {
    if (::chown(path.c_str(), uid, gid) != 0) throw_sys("chown", path);
    if (::chmod(path.c_str(), mode) != 0) throw_sys("chmod", path);
    struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
    if (::utimensat(AT_FDCWD, path.c_str(), ts, 0) != 0) throw_sys("utimes", path);
  }

  // A tar of `entries` (name, body; a name ending in `/` is a directory)
  // owned by 7:8, through libarchive's `filter` (ARCHIVE_FILTER_*).
  static void tarball(const std::string& path, int filter,
                      const std::vector<std::pair<std::string, std::string>>& entries) {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter(a, filter);
    ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK) << archive_error_string(a);
    for (const auto& [name, body] : entries) {
      archive_entry* e = archive_entry_new();
      archive_entry_set_pathname(e, name.c_str());
      bool is_dir = name.back() == '/';
      archive_entry_set_filetype(e, is_dir ? AE_IFDIR : AE_IFREG);
      archive_entry_set_perm(e, is_dir ? 0750 : 0640);
      archive_entry_set_uid(e, 7);
      archive_entry_set_gid(e, 8);
      archive_entry_set_mtime(e, 1500000000, 0);
      archive_entry_set_size(e, is_dir ? 0 : static_cast<la_int64_t>(body.size()));
      archive_write_header(a, e);
      if (!is_dir) archive_write_data(a, body.data(), body.size());
      archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    attrs(path, 0644, 0, 0, 1700000000);  // never the clock: copies keep file mtimes
  }

  builder::CopyRequest request(std::vector<std::string> sources, std::string dest) const {
    builder::CopyRequest r;
    r.source_root = ctx;
    for (auto& s : sources) r.sources.push_back({std::move(s), std::nullopt});
    r.dest = std::move(dest);
    return r;
  }

  void run(const builder::CopyRequest& r) { builder::copy_files(r, image, layer); }

  std::map<std::string, std::string> result() const { return tree_snapshot(layer, true); }

  // The one-line error copy_files throws for `r`.
  std::string error_of(const builder::CopyRequest& r) {
    try {
      run(r);
    } catch (const Error& e) {
      return e.describe();
    }
    return "(no error)";
  }

  fs::TempDir tmp;
  std::string ctx, image, layer;
};

// The tree_snapshot line of a directory, a file or a symlink.
inline std::string dir_line(mode_t perm, uid_t uid = 0, gid_t gid = 0) {
  return std::to_string(S_IFDIR | perm) + " " + std::to_string(uid) + ":" + std::to_string(gid);
}
inline std::string file_line(mode_t perm, const std::string& data, time_t mtime = 1700000000, uid_t uid = 0,
                             gid_t gid = 0) {
  return std::to_string(S_IFREG | perm) + " " + std::to_string(uid) + ":" + std::to_string(gid) + " data=" + data +
         " mtime=" + std::to_string(mtime);
}
inline std::string link_line(const std::string& target, uid_t uid = 0, gid_t gid = 0) {
  return std::to_string(S_IFLNK | 0777) + " " + std::to_string(uid) + ":" + std::to_string(gid) + " -> " + target;
}

}  // namespace hoist::test
