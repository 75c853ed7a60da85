#pragma once
// Remembers the content digest of each build-context file under what stat
// says about it, so that digesting an unchanged large context for the COPY
// cache key does not read every file again (git's index, BuildKit's
// contenthash cache). An entry is valid while the file's (dev, ino, size,
// mtime ns, ctime ns, mode) are all unchanged; ctime cannot be set from user
// space, so a file rewritten in place with its mtime put back still misses.
//
// The index of one context lives in one file, context_index_file(), loaded
// on first use and replaced atomically by save(): concurrent builds of the
// same context each write a whole file and the last one wins; a reader never
// sees a torn file. A file that cannot be parsed is an empty index (it is
// only a cache).
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "oci/digest.h"

namespace hoist::builder {

// `hoist_root`/cache/context-index/<hex sha256 of the context's absolute
// path, symlinks resolved>. Throws hoist::Error when the context cannot be resolved.
std::string context_index_file(const std::string& hoist_root, const std::string& context_dir);

class StatIndex {
 public:
  // Past `max_entries`, save() drops the entries neither looked up nor stored
  // since the index was loaded (files gone from the context, or not copied lately).
  explicit StatIndex(std::string file, size_t max_entries = 1'000'000);

  // The digest stored for `path` (absolute) when `st` still matches what it
  // was stored under; nullopt otherwise.
  std::optional<oci::Digest> lookup(const std::string& path, const struct stat& st);

  // Records `digest` as the content of `path` as described by `st`. Callers
  // must have read the content after `st` was taken and checked that the file
  // did not change meanwhile; see settled().
  void store(const std::string& path, const struct stat& st, const oci::Digest& digest);

  // Writes the index if anything changed (temp file, fsync, rename). Throws
  // hoist::Error naming the file when it cannot be written.
  void save();

  // How many files the index holds (loading it first).
  size_t size();

  // Whether `st`'s ctime is older than `read_start` (CLOCK_REALTIME_COARSE,
  // taken before the content was read), the clock the kernel stamps inodes
  // with. A later write is then stamped at least `read_start` and so changes
  // ctime; a write in the same clock tick as the read might not, and such a
  // file must not be stored (git's "racily clean" entries).
  static bool settled(const struct stat& st, const struct timespec& read_start);

 private:
  struct Entry {
    uint64_t dev = 0, ino = 0, size = 0, mode = 0;
    int64_t mtime_ns = 0, ctime_ns = 0;
    oci::Digest digest;
    bool used = false;  // looked up or stored since load
  };
  static Entry key_of(const struct stat& st);
  static bool same(const Entry& a, const Entry& b);
  void load();

  std::string file_;
  size_t max_entries_;
  bool loaded_ = false;
  bool dirty_ = false;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace hoist::builder
