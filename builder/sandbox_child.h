#pragma once
// The two processes hoist forks for a sandbox. The helper unshares the
// namespaces and forks the sandbox's PID 1, reports its PID and, when it
// ends, its wait status; PID 1 builds the root filesystem, becomes the
// step's user and execs the command. Neither returns; failures before the
// exec go to hoist as one error line on the report pipe.
#include "builder/sandbox.h"
#include "layers/user_namespace.h"

namespace hoist::builder {

struct ChildSetup {
  const SandboxSpec* spec = nullptr;
  std::string etc_dir;  // resolv.conf, hosts, hostname for the run
  int report_fd = -1;   // close-on-exec
  int output_fd = -1;   // becomes stdout and stderr; -1 keeps hoist's
  pid_t hoist_pid = 0;
  // Rootless: the helper first enters a user namespace that hoist maps, and
  // the other namespaces it creates belong to that one.
  layers::UserNamespaceHandshake* userns = nullptr;
  bool setgroups_allowed = true;  // false under a single-id gid map
  bool bind_sys = false;          // see HostMounts::sys
};

[[noreturn]] void run_sandbox_helper(const ChildSetup& setup);

}  // namespace hoist::builder
