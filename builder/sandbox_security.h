#pragma once
// What a RUN may not do, as docker and BuildKit limit it by default: the
// capabilities it keeps, and the /proc and /sys files it may not read or
// write. Both are applied inside the sandbox, after pivot_root.
#include <cstdint>

namespace hoist::builder {

// Docker's default capability set (oci.DefaultCaps): CHOWN, DAC_OVERRIDE,
// FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP,
// NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE, as a bit mask.
inline constexpr uint64_t kDefaultCapabilities = 0xa80425fbULL;

// runc's default masked paths (/proc/kcore, /proc/keys, /sys/firmware, ...:
// /dev/null or an empty read-only tmpfs over them) and read-only paths
// (/proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus, /proc/fs). Paths
// the kernel does not have are skipped. Throws hoist::Error.
void mask_kernel_paths();

// Drops every capability outside kDefaultCapabilities from the bounding set
// and from the process's own sets, so neither the command nor a setuid
// program it runs gets them back. Needs CAP_SETPCAP (root of the sandbox's
// namespace). Throws hoist::Error.
void drop_capabilities();

}  // namespace hoist::builder
