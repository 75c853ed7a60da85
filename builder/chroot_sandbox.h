#pragma once
// A RUN's command in a plain directory tree instead of an overlay mount
// (--isolation chroot), for systems that refuse overlayfs or mount
// namespaces (an unprivileged CI container). Where namespaces are allowed
// the process is isolated as run_sandboxed isolates it: new mount, PID, UTS
// and IPC namespaces (network too for NetworkMode::None; a user namespace
// when rootless), the rootfs bound and pivoted into, /dev, /proc, /sys and
// the /etc files mounted for the run, the RUN's own mounts. Where even that
// is refused to root, it falls back to a plain chroot: no PID namespace (the
// run's leftover processes are killed when it ends), device nodes made in
// /dev and the /etc files copied in where the image has none, no /proc, and
// no isolation beyond the container hoist itself runs in.
#include <string>

#include "builder/sandbox.h"

namespace hoist::builder {

// Runs spec.argv with `rootfs_dir` (a directory holding the whole root
// filesystem, e.g. made by materialize_rootfs) as its root; the RUN writes
// straight into it. Uses spec's argv, env, workdir, user, hostname,
// network, mounts and output as run_sandboxed does; spec.layers and
// spec.rootfs are not used. Stops on SIGINT / SIGTERM and reports like
// run_sandboxed. Whatever the run needed in the tree (mount points, device
// nodes, /etc files the image lacks) is taken out again before it returns,
// and a directory only they changed gets its times back, so that the tree
// differs from before by the RUN's own changes alone. Throws hoist::Error
// with the one failing step when the process could not be started, and for
// `--network none` or RUN --mount where no namespace is allowed.
SandboxResult run_chroot(const SandboxSpec& spec, const std::string& rootfs_dir);

}  // namespace hoist::builder
