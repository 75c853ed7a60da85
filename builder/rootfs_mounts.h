#pragma once
// Inside the sandbox (after pivot_root): the filesystems a RUN expects
// besides the image itself: a minimal /dev, /proc of the new PID namespace,
// a read-only /sys, and /etc/resolv.conf, /etc/hosts, /etc/hostname. Mount
// points missing from the image are created and reported to hoist, which
// takes them out of the upper directory after the run.
#include <string>
#include <vector>

#include "common/fd.h"

namespace hoist::builder {

// Detached clones (open_tree) of the host files mounted into the rootfs,
// taken before pivot_root while the host's paths are still reachable; after
// it, every path resolves inside the rootfs, whatever symlinks the image holds.
struct HostMounts {
  std::vector<std::pair<std::string, UniqueFd>> dev;  // "null" -> clone of /dev/null, ...
  std::vector<std::pair<std::string, UniqueFd>> etc;  // "hosts" -> clone of etc_dir/hosts, ...
};

// `etc_dir` holds the files written by write_etc_files().
HostMounts clone_host_mounts(const std::string& etc_dir);

// Mounts /proc, /dev, /sys and the /etc files into the current root,
// reporting created mount points on `report_fd` as it goes (so they are
// cleaned up even when a later step fails). Throws hoist::Error.
void mount_rootfs_extras(HostMounts& host, int report_fd);

}  // namespace hoist::builder
