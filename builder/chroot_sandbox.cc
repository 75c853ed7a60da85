#include "builder/chroot_sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "builder/chroot_child.h"
#include "builder/interrupt_guard.h"
#include "builder/mountpoints.h"
#include "builder/sandbox_process.h"
#include "builder/sandbox_report.h"
#include "common/child_process.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

std::string absolute(const std::string& dir) {
  char* real = ::realpath(dir.c_str(), nullptr);
  if (!real) throw_sys("resolve", dir);
  std::string out = real;
  std::free(real);
  return out;
}

// The RUN's own mount points the command's process made (reported on the
// way), taken out of the tree. The helper already removed what it made
// itself, so nothing else is left to remove: in a plain tree an image
// directory on the way to a mount point was no copy-up and stays.
void remove_run_mountpoints(const std::string& rootfs, Mountpoints m) {
  m.created = 0;
  std::erase_if(m.stubs, [](const MountStub& s) { return s.kind == MountStub::kCopiedUp; });
  if (!m.stubs.empty()) remove_mountpoints(rootfs, m);
}

}  // namespace

SandboxResult run_chroot(const SandboxSpec& spec, const std::string& rootfs_dir) {
  if (spec.argv.empty()) throw Error("chroot run: no command to run");
  if (spec.workdir.empty() || spec.workdir[0] != '/')
    throw Error("chroot run: working directory is not absolute: " + spec.workdir);
  std::string rootfs = absolute(rootfs_dir);
  // Beside the root, in the build's scratch space: a hoist killed mid-RUN
  // leaves it where the build's other leftovers are (and `hoist fsck
  // --repair` removes them), not in the host's /tmp.
  fs::TempDir etc_dir(std::filesystem::path(rootfs).parent_path().string(), "etc-");
  write_etc_files(etc_dir.path(), spec.hostname);
  Pipe report = make_pipe("chroot report");
  Pipe output;
  if (spec.output) output = make_pipe("chroot output");

  std::optional<layers::IdMap> id_map;
  std::optional<layers::UserNamespaceHandshake> userns;
  if (::geteuid() != 0) {
    id_map = layers::current_user_id_map();
    userns.emplace();
  }

  InterruptGuard guard;
  ChrootSetup setup;
  if (userns) {
    setup.userns = &*userns;
    setup.setgroups_allowed = !id_map->single_gid();
    setup.bind_sys = spec.network == NetworkMode::Host;
  }
  setup.spec = &spec;
  setup.rootfs = rootfs;
  setup.etc_dir = etc_dir.path();
  setup.report_fd = report.write.get();
  setup.output_fd = output.write.valid() ? output.write.get() : -1;
  setup.hoist_pid = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw_sys("fork", "chroot helper");
  if (pid == 0) run_chroot_helper(setup);
  SandboxHelper helper(pid);
  if (userns) with_context("chroot run", [&] { userns->parent_side(pid, *id_map); });
  report.write.reset();
  output.write.reset();

  Report r;
  ReportReader reader;
  std::vector<pollfd> fds = {{report.read.get(), POLLIN, 0}};
  if (output.read.valid()) fds.push_back({output.read.get(), POLLIN, 0});
  std::vector<char> buf(65536);
  size_t open = fds.size();
  while (open > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw_sys("poll", "chroot pipes");
    }
    for (auto& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(p.fd, buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        throw_sys("read", "chroot pipe");
      }
      std::string_view chunk(buf.data(), static_cast<size_t>(n));
      if (n == 0) {
        p.fd = -1;  // poll skips negative descriptors
        --open;
      } else if (p.fd == report.read.get()) {
        if (reader.feed(chunk, r)) {
          helper.set_command(*r.pid1);
          guard.watch(*r.pid1);
        }
      } else {
        spec.output(chunk);
      }
    }
  }
  int helper_status = helper.wait();
  reader.finish();

  remove_run_mountpoints(rootfs, r.mountpoints);
  if (!r.error.empty()) throw Error(r.error);
  if (!r.wait_status) throw Error("chroot helper ended without a status (" + describe_status(helper_status) + ")");
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
