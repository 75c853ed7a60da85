#pragma once
// Small filesystem helpers shared by every folder. All throw hoist::Error
// naming the operation and the path.
#include <string>
#include <string_view>
#include <vector>

#include "common/fd.h"

namespace hoist::fs {

std::string read_file(const std::string& path);
bool exists(const std::string& path);
// True when the directory has no entries; throws when it cannot be read.
bool is_empty_dir(const std::string& path);
// The target of the symlink `name` in directory `dirfd`, whatever its length.
std::string read_link_at(int dirfd, const std::string& name, const std::string& what);
// The entries of an open directory (the fd stays open and unmoved), sorted, without . and ..
std::vector<std::string> sorted_entries(int dir_fd, const std::string& what);
void mkdir_p(const std::string& path, unsigned mode = 0755);
void fsync_dir(const std::string& dir);

// Writes `data` to a temp file beside `path`, fsyncs it and renames it over
// `path`: readers see the old or the new content, never a half-written file.
void write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);

// Writes all of `data` to fd (retrying short writes and EINTR).
void write_all(int fd, const void* data, size_t size, const std::string& what);

// Removes a path and everything under it; a missing path is not an error.
void remove_all(const std::string& path);

// A directory under $TMPDIR (or `parent`) removed with its contents on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& parent = "", const std::string& prefix = "hoist-");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An exclusive advisory lock (flock) on a file, held until destruction.
// Serialises writers of shared state across hoist processes.
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  UniqueFd fd_;
};

}  // namespace hoist::fs
