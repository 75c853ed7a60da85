#pragma once
// The two processes hoist forks for a chroot RUN (chroot_sandbox.h). The
// helper enters the user namespace when rootless, asks for new PID, UTS,
// IPC (and network) namespaces, and, only as real root whose system refuses
// them, settles for a plain chroot; it prepares the rootfs (ChrootExtras),
// forks the command's process, reports its PID, waits for it, cleans the
// rootfs up and reports the wait status. The command's process takes a
// mount namespace of its own (so that its root change leaves the helper's
// alone), binds the rootfs there and pivots into it, mounts /proc, /dev,
// /sys, the /etc files and the RUN's mounts, becomes the step's user and
// execs; in a plain chroot it only chroots. Neither returns; failures go to
// hoist as one error line on the report pipe.
#include <string>

#include "builder/sandbox.h"
#include "layers/user_namespace.h"

namespace hoist::builder {

struct ChrootSetup {
  const SandboxSpec* spec = nullptr;
  std::string rootfs;   // absolute
  std::string etc_dir;  // resolv.conf, hosts, hostname for the run
  int report_fd = -1;   // close-on-exec
  int output_fd = -1;   // becomes stdout and stderr; -1 keeps hoist's
  pid_t hoist_pid = 0;
  // Rootless: the helper first enters a user namespace that hoist maps.
  layers::UserNamespaceHandshake* userns = nullptr;
  bool setgroups_allowed = true;  // false under a single-id gid map
  bool bind_sys = false;          // see HostMounts::sys
};

[[noreturn]] void run_chroot_helper(const ChrootSetup& setup);

}  // namespace hoist::builder
