#pragma once
// hoist's side of a sandbox's helper process, shared by the overlay sandbox
// (sandbox.cc) and the chroot one (chroot_sandbox.cc): its pipes, the guard
// that kills what it started, and how its exit reads in errors.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "common/child_process.h"
#include "common/error.h"
#include "common/fd.h"

namespace hoist::builder {

struct Pipe {
  UniqueFd read, write;
};

inline Pipe make_pipe(const char* what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_sys("pipe", what);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Whatever leaves the run (an exception from the output callback included),
// the command is killed and the helper reaped: no process of it outlives the
// call. The helper's death kills the command too (parent-death signal); the
// command goes first all the same.
class SandboxHelper : public ChildProcess {
 public:
  using ChildProcess::ChildProcess;
  ~SandboxHelper() {
    if (pid() > 0 && command_ > 0) ::kill(command_, SIGKILL);
  }
  void set_command(pid_t p) { command_ = p; }

 private:
  pid_t command_ = -1;
};

inline std::string describe_status(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exit " + std::to_string(WEXITSTATUS(status));
}

}  // namespace hoist::builder
