#pragma once
// A RUN step with --isolation chroot, as the executor calls it in place of
// run_sandboxed: the stage's layers merged into a plain rootfs, the command
// run in it (run_chroot), and the difference written into the step's upper
// directory in overlay form, so that everything after (snapshot_upper, the
// layer cache) is the same as for an overlay RUN. Slower (the rootfs is
// copied once, and scanned before and after each run) but needing neither
// overlayfs nor, as root, any namespace.
#include <string>

#include "builder/sandbox.h"

namespace hoist::builder {

// Materialises spec.layers.lowers into `scratch_dir`/rootfs, records the
// state, runs spec.argv there with run_chroot, and writes the change set
// into spec.layers.upper (overlay form; an existing empty directory).
// spec.layers.work and spec.rootfs are not used.
//
// The rootfs is kept in `scratch_dir` for the stage's next RUN: when that
// one's lowers are this one's upper (adopted into the layer cache, which
// renames it: same directory) over the same lowers, or the same lowers when
// this upper stayed empty, it runs on the kept tree without copying the
// stack again. Anything else (another stage, a failed run, a layer from
// the cache) materialises afresh. Rootless, the tree is owned by ids of the
// user namespace: remove `scratch_dir` with LayerCache::discard.
//
// Paths the sandbox mounts over (/dev, /proc, /sys, /etc/resolv.conf,
// /etc/hosts, /etc/hostname) are not part of the change set, as with an
// overlay RUN. Throws hoist::Error as run_chroot does, and naming the
// layer or path that could not be copied or compared.
SandboxResult run_with_chroot(const SandboxSpec& spec, const std::string& scratch_dir);

}  // namespace hoist::builder
