#pragma once
// The last steps of a RUN's process before its command runs, in the forked
// children of a sandbox: tie its life to hoist's, clear what it inherited
// (signals, descriptors), stdio, the step's user, the exec. Failures before
// the exec go to hoist as one error line on the report pipe.
//
// The overlay sandbox (sandbox_child.cc) has private copies of these that
// predate this file; the chroot sandbox uses these.
#include <sys/types.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "builder/passwd.h"
#include "builder/sandbox.h"
#include "builder/sandbox_report.h"
#include "common/error.h"

namespace hoist::builder {

// Runs `fn`; an error it throws is sent on `report_fd`. Either way the
// process ends (status 127): for code that must not return.
template <typename Fn>
[[noreturn]] void run_or_report(int report_fd, Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    send_error(report_fd, e.describe());
  } catch (const std::exception& e) {
    send_error(report_fd, e.what());
  }
  ::_exit(127);
}

// SIGKILL when the parent dies; exits at once when it already has (it is no
// longer `expected_parent`).
void die_with_parent(pid_t expected_parent);

// As die_with_parent for a process whose parent may be outside its PID
// namespace: the parent is alive while its end of `lifeline` is open. Closes `lifeline`.
void die_with_helper(int lifeline);

// Closes every descriptor from 3 up but `a` and `b` (-1 for none).
void close_all_but(int a, int b);

// Every signal at its default disposition and unblocked, as a command expects to start.
void reset_signals();

// stdin from /dev/null; stdout and stderr to `output_fd` (closed after), or
// left as they are when it is -1.
void setup_stdio(int output_fd);

// setgroups (when allowed; a single-id user namespace denies it, and then a
// user needing other groups is an error), setgid, setuid.
void become(const ExecUser& user, bool setgroups_allowed);

// The file's content, nullopt when there is no such file.
std::optional<std::string> read_if_present(const std::string& path);

// Looks spec.argv[0] up in the PATH of spec.env (not hoist's), closes every
// descriptor but stdio and close-on-exec ones, and execs with exactly
// spec.env. Throws hoist::Error when it cannot.
[[noreturn]] void exec_command(const SandboxSpec& spec);

// Brings up `lo` in a new network namespace (--network none still has loopback, as docker's).
void bring_up_loopback();

}  // namespace hoist::builder
