#pragma once
// The host side of the files the sandbox mounts into the rootfs for a run
// only: /etc/resolv.conf, /etc/hosts and /etc/hostname are private copies
// (the RUN may edit them; the host's stay untouched), and the mount points
// the sandbox had to create are taken out of the upper directory afterwards,
// so they never reach the layer.
#include <string>

#include "builder/sandbox_report.h"

namespace hoist::builder {

// The names, under /etc, of the files mounted from the host side.
inline constexpr const char* kEtcFiles[] = {"resolv.conf", "hosts", "hostname"};

// /etc/hosts for a sandbox named `hostname`: localhost and the name itself.
std::string hosts_file(const std::string& hostname);

// Writes resolv.conf (the host's, when readable), hosts and hostname into `dir`.
void write_etc_files(const std::string& dir, const std::string& hostname);

// Removes from `upper` what the sandbox created as mount points (`m`): the
// /etc files, /dev, /proc and /sys, and /etc itself when the run left nothing
// else in it and did not change its mode or owner; and for the RUN's own
// mounts, newest first, each created file still empty, each created
// directory still empty, and each image directory that was copied up only
// for them (empty, not opaque, mode and owner as they were). The directories
// they are removed from keep their modification time. No symlink in the
// upper directory is followed (the run wrote it). An ordinary user's hoist
// does this inside its user namespace, where the ids the sandbox reported
// are the ones on disk and the namespace's root may remove what the run's
// users own. Throws hoist::Error.
void remove_mountpoints(const std::string& upper, const Mountpoints& m);

}  // namespace hoist::builder
