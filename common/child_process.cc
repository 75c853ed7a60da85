#include "common/child_process.h"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "common/error.h"

namespace hoist {

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait();
}

int ChildProcess::wait() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return status;
}

bool ChildProcess::try_wait(int& status) {
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r < 0) throw_sys("waitpid", std::to_string(pid_));
  if (r == 0) return false;
  pid_ = -1;
  return true;
}

}  // namespace hoist
