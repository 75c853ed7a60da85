#pragma once
// Recognising on disk what the helpers of common/fs.h leave behind when their
// process is killed, for `hoist fsck`.
#include <string>
#include <string_view>
#include <vector>

namespace hoist::fs {

// The names in `dir`, sorted, without . and ..; none when `dir` does not
// exist. Throws hoist::Error naming `dir` when it cannot be read.
std::vector<std::string> list_dir(const std::string& dir);

// True for a temp file of write_file_atomic ("<name>.tmp-<12 hex digits>"),
// which a kill between its create and its rename leaves beside the target.
bool is_atomic_write_temp(std::string_view name);

// The mount points at or under `path` in this process's mount namespace: a
// tree with one must not be removed (that would remove what is mounted).
std::vector<std::string> mounts_under(const std::string& path);

}  // namespace hoist::fs
