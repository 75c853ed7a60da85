// InterruptGuard: SIGINT/SIGTERM while a guard lives kill the watched PID 1
// (even one registered after the signal came), and the previous handlers
// come back when the last guard goes.
#include "builder/interrupt_guard.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hoist::builder {
namespace {

pid_t paused_child() {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::pause();
    ::_exit(0);
  }
  return pid;
}

int wait_signal(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

TEST(InterruptGuard, SignalKillsTheWatchedProcess) {
  pid_t child = paused_child();
  ASSERT_GT(child, 0);
  {
    InterruptGuard guard;
    guard.watch(child);
    EXPECT_EQ(guard.interrupted(), 0);
    ::raise(SIGTERM);
    EXPECT_EQ(guard.interrupted(), SIGTERM);
    EXPECT_EQ(wait_signal(child), SIGKILL);
  }
  struct sigaction now;
  ASSERT_EQ(::sigaction(SIGTERM, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, SIG_DFL) << "the previous handler is restored";
}

TEST(InterruptGuard, ProcessWatchedAfterTheSignalIsKilledAtOnce) {
  InterruptGuard guard;
  ::raise(SIGINT);
  pid_t child = paused_child();
  ASSERT_GT(child, 0);
  guard.watch(child);
  EXPECT_EQ(wait_signal(child), SIGKILL);
  EXPECT_EQ(guard.interrupted(), SIGINT);
}

}  // namespace
}  // namespace hoist::builder
