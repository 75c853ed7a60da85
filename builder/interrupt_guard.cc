#include "builder/interrupt_guard.h"

#include <signal.h>

#include <atomic>
#include <mutex>

#include "common/error.h"

namespace hoist::builder {

namespace {

// Lock-free atomics only: the handler may run at any point in any thread.
constexpr int kSlots = 64;
std::atomic<pid_t> g_pids[kSlots];
std::atomic<int> g_signal{0};

std::mutex g_mu;  // guards the count and the saved handlers
int g_guards = 0;
struct sigaction g_old_int, g_old_term;

void on_interrupt(int sig) {
  g_signal.store(sig);
  for (auto& p : g_pids) {
    pid_t pid = p.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
}

}  // namespace

InterruptGuard::InterruptGuard() {
  std::lock_guard lock(g_mu);
  if (g_guards++ > 0) return;
  g_signal.store(0);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, &g_old_int);
  ::sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  if (slot_ >= 0) g_pids[slot_].store(0);
  std::lock_guard lock(g_mu);
  if (--g_guards > 0) return;
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
}

void InterruptGuard::watch(pid_t pid) {
  for (int i = 0; i < kSlots && slot_ < 0; ++i) {
    pid_t expected = 0;
    if (g_pids[i].compare_exchange_strong(expected, pid)) slot_ = i;
  }
  if (slot_ < 0) throw Error("more than " + std::to_string(kSlots) + " sandboxes running at once");
  // An interrupt that came before the PID was known.
  if (g_signal.load() != 0) ::kill(pid, SIGKILL);
}

int InterruptGuard::interrupted() const { return g_signal.load(); }

}  // namespace hoist::builder
