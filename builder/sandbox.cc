#include "builder/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <optional>

#include "builder/interrupt_guard.h"
#include "builder/mountpoints.h"
#include "builder/sandbox_child.h"
#include "builder/sandbox_process.h"
#include "builder/sandbox_report.h"
#include "common/child_process.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

void validate(const SandboxSpec& spec) {
  if (spec.argv.empty()) throw Error("sandbox: no command to run");
  if (spec.workdir.empty() || spec.workdir[0] != '/')
    throw Error("sandbox: working directory is not absolute: " + spec.workdir);
  if (spec.rootfs.empty()) throw Error("sandbox: no rootfs mount point");
}

}  // namespace

SandboxResult run_sandboxed(const SandboxSpec& spec) {
  validate(spec);
  // Beside the root, in the build's scratch space: a hoist killed mid-RUN
  // leaves it where the build's other leftovers are (and `hoist fsck
  // --repair` removes them), not in the host's /tmp.
  fs::TempDir etc_dir(std::filesystem::path(spec.rootfs).parent_path().string(), "etc-");
  write_etc_files(etc_dir.path(), spec.hostname);
  Pipe report = make_pipe("sandbox report");
  Pipe output;
  if (spec.output) output = make_pipe("sandbox output");

  std::optional<layers::IdMap> id_map;
  std::optional<layers::UserNamespaceHandshake> userns;
  if (::geteuid() != 0) {
    id_map = layers::current_user_id_map();
    userns.emplace();
  }

  InterruptGuard guard;
  ChildSetup setup;
  if (userns) {
    setup.userns = &*userns;
    setup.setgroups_allowed = !id_map->single_gid();
    setup.bind_sys = spec.network == NetworkMode::Host;
  }
  setup.spec = &spec;
  setup.etc_dir = etc_dir.path();
  setup.report_fd = report.write.get();
  setup.output_fd = output.write.valid() ? output.write.get() : -1;
  setup.hoist_pid = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw_sys("fork", "sandbox helper");
  if (pid == 0) run_sandbox_helper(setup);
  SandboxHelper helper(pid);
  // A helper that failed before unsharing says why on the report pipe.
  if (userns) with_context("sandbox", [&] { userns->parent_side(pid, *id_map); });
  report.write.reset();
  output.write.reset();

  Report r;
  ReportReader reader;
  std::vector<pollfd> fds = {{report.read.get(), POLLIN, 0}};
  if (output.read.valid()) fds.push_back({output.read.get(), POLLIN, 0});
  char buf[65536];
  size_t open = fds.size();
  while (open > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw_sys("poll", "sandbox pipes");
    }
    for (auto& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(p.fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        throw_sys("read", "sandbox pipe");
      }
      if (n == 0) {
        p.fd = -1;  // poll skips negative descriptors
        --open;
      } else if (p.fd == report.read.get()) {
        if (reader.feed(std::string_view(buf, static_cast<size_t>(n)), r)) {
          helper.set_command(*r.pid1);
          guard.watch(*r.pid1);
        }
      } else {
        spec.output(std::string_view(buf, static_cast<size_t>(n)));
      }
    }
  }
  int helper_status = helper.wait();
  reader.finish();

  remove_mountpoints(spec.layers.upper, r.mountpoints);
  if (!r.error.empty()) throw Error(r.error);
  if (!r.wait_status) throw Error("sandbox helper ended without a status (" + describe_status(helper_status) + ")");
  SandboxResult result;
  if (WIFSIGNALED(*r.wait_status)) {
    result.signal = WTERMSIG(*r.wait_status);
  } else {
    result.exit_code = WEXITSTATUS(*r.wait_status);
  }
  result.interrupted = guard.interrupted();
  return result;
}

}  // namespace hoist::builder
