// GcLock between holders in this process (flock locks belong to open files,
// so two holders here exclude each other as two processes would) and in a
// child process that dies holding it. Whether a holder would wait is asked
// with try_take(), never inferred from time passing.
#include "oci/gc_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "common/fs.h"

namespace hoist::oci {
namespace {

using Mode = GcLock::Mode;

TEST(GcLock, WritersShareItAndKeepPruneOut) {
  fs::TempDir root;
  GcLock a(root.path(), Mode::Shared);
  GcLock b(root.path(), Mode::Shared, [] { ADD_FAILURE() << "a second writer waited for the first"; });
  EXPECT_TRUE(fs::exists(GcLock::path(root.path())));
  EXPECT_TRUE(GcLock::try_take(root.path(), Mode::Shared));
  EXPECT_FALSE(GcLock::try_take(root.path(), Mode::Exclusive));
}

TEST(GcLock, PruneHoldsItAlone) {
  fs::TempDir root;
  {
    auto prune = GcLock::try_take(root.path(), Mode::Exclusive);
    ASSERT_TRUE(prune);
    EXPECT_FALSE(GcLock::try_take(root.path(), Mode::Shared));
    EXPECT_FALSE(GcLock::try_take(root.path(), Mode::Exclusive));
  }
  EXPECT_TRUE(GcLock::try_take(root.path(), Mode::Exclusive)) << "the lock outlived its holder";
}

TEST(GcLock, PruneWaitsUntilTheLastWriterEnds) {
  fs::TempDir root;
  std::optional<GcLock> first(std::in_place, root.path(), Mode::Shared);
  std::optional<GcLock> second(std::in_place, root.path(), Mode::Shared);
  std::atomic<bool> waited = false, taken = false;
  std::thread prune([&] {
    GcLock l(root.path(), Mode::Exclusive, [&] { waited = true; });
    taken = true;
  });
  while (!waited && !taken) std::this_thread::yield();
  EXPECT_TRUE(waited) << "prune did not wait for running writers";
  first.reset();
  EXPECT_FALSE(taken) << "prune ran while a writer still did";
  second.reset();
  prune.join();
  EXPECT_TRUE(taken);
}

TEST(GcLock, AWriterThatStartsDuringPruneWaitsForIt) {
  fs::TempDir root;
  std::optional<GcLock> prune(std::in_place, root.path(), Mode::Exclusive);
  std::atomic<bool> waited = false, taken = false;
  std::thread writer([&] {
    GcLock l(root.path(), Mode::Shared, [&] { waited = true; });
    taken = true;
  });
  while (!waited && !taken) std::this_thread::yield();
  EXPECT_TRUE(waited) << "a writer started while prune ran";
  prune.reset();
  writer.join();
  EXPECT_TRUE(taken);
}

// Kills and reaps a child however the test ends.
struct Child {
  pid_t pid = -1;
  ~Child() {
    if (pid > 0) kill_and_reap();
  }
  int kill_and_reap() {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }
};

TEST(GcLock, AKilledWriterLeavesNothingStale) {
  fs::TempDir root;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  Child child;
  child.pid = ::fork();
  ASSERT_GE(child.pid, 0);
  if (child.pid == 0) {
    try {
      GcLock l(root.path(), Mode::Shared);
      char c = 1;
      if (::write(ready[1], &c, 1) != 1) _exit(1);
      for (;;) ::pause();
    } catch (...) {
      _exit(1);  // never back into the test runner: the parent sees the pipe close
    }
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  EXPECT_FALSE(GcLock::try_take(root.path(), Mode::Exclusive)) << "the child's lock is not seen";
  EXPECT_TRUE(WIFSIGNALED(child.kill_and_reap()));
  EXPECT_TRUE(GcLock::try_take(root.path(), Mode::Exclusive)) << "a killed writer kept prune out";
}

TEST(GcLock, CreatesTheRootWhenMissing) {
  fs::TempDir t;
  std::string root = t.path() + "/not/yet";
  GcLock l(root, Mode::Shared);
  EXPECT_TRUE(fs::exists(GcLock::path(root)));
}

}  // namespace
}  // namespace hoist::oci
