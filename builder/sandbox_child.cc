#include "builder/sandbox_child.h"

#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "builder/exec_setup.h"
#include "builder/overlay_mount.h"
#include "builder/passwd.h"
#include "builder/rootfs_mounts.h"
#include "builder/sandbox_report.h"
#include "builder/sandbox_security.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

void enter_root(const std::string& rootfs) {
  if (::chdir(rootfs.c_str()) != 0) throw_sys("chdir", rootfs);
  // pivot_root(".", ".") stacks the old root on the new one; detaching it
  // leaves only the rootfs, with no directory for the old root in the image.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) throw_sys("pivot_root", rootfs);
  if (::umount2(".", MNT_DETACH) != 0) throw_sys("detach old root from", rootfs);
  if (::chdir("/") != 0) throw_sys("chdir", "/");
}


[[noreturn]] void run_pid1(const ChildSetup& s, int lifeline) {
  run_or_report(s.report_fd, [&] {
    const SandboxSpec& spec = *s.spec;
    die_with_helper(lifeline);
    reset_signals();
    ::umask(022);
    if (::setsid() < 0) throw_sys("setsid", "sandbox");
    OverlayDirs layers = spec.layers;
    layers.userxattr = s.userns != nullptr;
    mount_overlay(layers, spec.rootfs);
    HostMounts host = clone_host_mounts(s.etc_dir, s.bind_sys, spec.mounts);
    enter_root(spec.rootfs);
    mount_rootfs_extras(host, s.report_fd);
    host = HostMounts{};
    mask_kernel_paths();
    if (spec.network == NetworkMode::None) bring_up_loopback();
    if (::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) throw_sys("sethostname", spec.hostname);
    ExecUser user = resolve_user(spec.user, read_if_present("/etc/passwd"), read_if_present("/etc/group"));
    fs::mkdir_p(spec.workdir, 0755);
    setup_stdio(s.output_fd);
    drop_capabilities();
    become(user, s.setgroups_allowed);
    if (::chdir(spec.workdir.c_str()) != 0) throw_sys("chdir", spec.workdir);
    exec_command(spec);
  });
}

}  // namespace

[[noreturn]] void run_sandbox_helper(const ChildSetup& s) {
  run_or_report(s.report_fd, [&] {
    die_with_parent(s.hoist_pid);
    if (s.userns) {
      s.userns->child_side();
      die_with_parent(s.hoist_pid);  // a change of credentials may clear the parent-death signal
    }
    close_all_but(s.report_fd, s.output_fd);
    // hoist decides what an interrupt does to the sandbox (it kills PID 1);
    // a Ctrl-C reaching this helper must not cut the report short.
    for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGTSTP}) ::signal(sig, SIG_IGN);
    int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
    if (s.spec->network == NetworkMode::None) flags |= CLONE_NEWNET;
    if (::unshare(flags) != 0) throw_sys("unshare", "mount, PID, UTS, IPC namespaces");
    // From here on nothing mounted may propagate back to the host.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_sys("make private", "/");
    int lifeline[2];
    if (::pipe2(lifeline, O_CLOEXEC) != 0) throw_sys("pipe", "sandbox lifeline");
    pid_t pid = ::fork();
    if (pid < 0) throw_sys("fork", "sandbox PID 1");
    if (pid == 0) {
      ::close(lifeline[1]);
      run_pid1(s, lifeline[0]);
    }
    ::close(lifeline[0]);  // the write end stays open as long as this helper lives
    if (s.output_fd >= 0) ::close(s.output_fd);
    send_pid1(s.report_fd, pid);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) throw_sys("wait for", "sandbox PID 1");
    send_wait_status(s.report_fd, status);
    ::_exit(0);
  });
}

}  // namespace hoist::builder
