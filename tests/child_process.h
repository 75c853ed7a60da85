#pragma once
// A test's work run in a forked child (as another user, without a
// capability, with its own peak RSS), its answer read back through a pipe.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <stdexcept>
#include <string>

#include "common/fs.h"

namespace hoist::test {

// Runs `child` in a forked process and returns the string it returned;
// `status` (if given) gets the child's wait status. `child` reports its own
// errors in that string, each caller in its own form: it must not throw.
inline std::string run_in_child(const std::function<std::string()>& child, int* status = nullptr) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    ::close(fds[0]);
    try {
      std::string out = child();
      fs::write_all(fds[1], out.data(), out.size(), "result");
    } catch (...) {
      ::_exit(1);  // the parent sees no answer and this status
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (status) *status = st;
  return out;
}

}  // namespace hoist::test
