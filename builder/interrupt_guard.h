#pragma once
// While a sandbox runs, SIGINT and SIGTERM sent to hoist stop it: the
// handler kills the sandbox's PID 1 with SIGKILL, which ends every process
// of its PID namespace. SIGKILL rather than the signal itself, because PID 1
// of a namespace ignores any signal it installed no handler for, and a shell
// running `sleep` would otherwise keep the build hanging.
#include <sys/types.h>

namespace hoist::builder {

class InterruptGuard {
 public:
  // Installs the handlers (the first guard alive does; the last restores the previous ones).
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // Kills `pid` on interrupt, or at once when one already arrived. Throws
  // hoist::Error when too many sandboxes run at once.
  void watch(pid_t pid);
  // SIGINT or SIGTERM when one arrived since the first guard was created, else 0.
  int interrupted() const;

 private:
  int slot_ = -1;
};

}  // namespace hoist::builder
