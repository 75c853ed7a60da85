#pragma once
// A forked child this process must reap. Dropped while still running (an
// error unwound past it) it is killed with SIGKILL and waited for, so no
// zombie or stray helper outlives the operation that started it.
#include <sys/types.h>

namespace hoist {

class ChildProcess {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Blocks until the child exits; returns its wait status.
  int wait();
  // True once the child has exited, its wait status then in `status`; does not block.
  bool try_wait(int& status);

 private:
  pid_t pid_;
};

}  // namespace hoist
