#pragma once
// Inside the sandbox (after pivot_root): the filesystems a RUN expects
// besides the image itself: a minimal /dev, /proc of the new PID namespace,
// a read-only /sys, /etc/resolv.conf, /etc/hosts, /etc/hostname, and the
// RUN's own mounts (--mount). Mount points missing from the image are
// created and reported to hoist, which takes them out of the upper directory
// after the run.
#include <string>
#include <vector>

#include "builder/sandbox.h"
#include "common/fd.h"

namespace hoist::builder {

// Detached mounts for the rootfs, made before pivot_root: clones (open_tree)
// of host files while the host's paths are still reachable (after it, every
// path resolves inside the rootfs, whatever symlinks the image holds), and
// the new proc and sysfs instances, which a user namespace may create only
// while a fully visible one is in its mount namespace, as the old root is.
struct HostMounts {
  std::vector<std::pair<std::string, UniqueFd>> dev;  // "null" -> clone of /dev/null, ...
  std::vector<std::pair<std::string, UniqueFd>> etc;  // "hosts" -> clone of etc_dir/hosts, ...
  UniqueFd proc;  // of the caller's PID namespace
  // Read-only: a new sysfs (of the caller's network namespace) or, with
  // `bind_sys`, a clone of the host's /sys with its submounts, since a user
  // namespace may mount sysfs only when it also owns a network namespace.
  UniqueFd sys;
  // The RUN's mounts, parents first: clones of host paths (read-only ones
  // already made so) and new tmpfs instances.
  struct Run {
    std::string target;  // absolute, clean
    UniqueFd mnt;
    bool dir = true;  // false when a file is bound
  };
  std::vector<Run> run;
};

// `etc_dir` holds the files written by write_etc_files(); `run_mounts` are
// the RUN's mounts (SandboxSpec::mounts). Throws hoist::Error for a target
// that is not absolute or is the root, a bind without an absolute source, or
// a source that cannot be cloned.
HostMounts clone_host_mounts(const std::string& etc_dir, bool bind_sys,
                             const std::vector<SandboxMount>& run_mounts = {});

// Mounts /proc, /dev, /sys, the /etc files and the RUN's mounts into the
// current root, reporting created mount points on `report_fd` as it goes
// (before making each, so they are cleaned up even when a later step
// fails). A RUN mount's target resolves inside the root whatever symlinks
// the image holds. Throws hoist::Error.
void mount_rootfs_extras(HostMounts& host, int report_fd);

}  // namespace hoist::builder
