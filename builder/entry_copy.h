#pragma once
// One filesystem entry copied with its attributes, for the scan-based RUN
// (--isolation chroot): building the plain rootfs out of layer directories
// and writing a change set out of that rootfs. Every call names the entry as
// (directory fd, name) and never follows a symlink, so a symlink a layer or
// a RUN planted cannot send a copy outside its tree. Overlay bookkeeping
// (trusted.overlay.*, user.overlay.* xattrs) is never copied: it is not
// content, and in a plain tree it would mean nothing or the wrong thing.
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hoist::builder {

using Xattrs = std::vector<std::pair<std::string, std::string>>;

bool is_overlay_xattr(std::string_view name);

// The extended attributes of `name` in `dir_fd` (not followed), overlay ones
// left out, sorted by name. Empty on a filesystem without xattrs. Throws
// hoist::Error naming `what`.
Xattrs read_xattrs_at(int dir_fd, const std::string& name, const std::string& what);

// Creates `dst_name` in `dst_dir` as a copy of `src_name` in `src_dir`, whose
// lstat() is `st`: a regular file gets its data (reflinked where the
// filesystem can, else copied by the kernel), a symlink its target, a device
// or fifo its node; then the owner, mode (set-id bits after the chown that
// clears them), xattrs and times. A directory is created empty with owner,
// mode and xattrs: its times are the caller's to set with copy_times_at()
// once nothing more is written into it. Sockets have no place in a layer
// and are skipped (false); true when the entry was created. Throws
// hoist::Error naming `what` (also when `dst_name` exists).
bool copy_entry_at(int src_dir, const std::string& src_name, const struct stat& st, int dst_dir,
                   const std::string& dst_name, const std::string& what);

// Sets the access and modification times of `name` in `dir_fd` (not
// followed) to those in `st`.
void copy_times_at(int dir_fd, const std::string& name, const struct stat& st, const std::string& what);

// True when the regular files `a` and `b` (open fds, read from offset 0
// with pread) hold the same bytes.
bool same_content(int a, int b, const std::string& what);

}  // namespace hoist::builder
