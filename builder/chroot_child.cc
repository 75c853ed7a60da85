#include "builder/chroot_child.h"

#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
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

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "builder/chroot_extras.h"
#include "builder/exec_setup.h"
#include "builder/sandbox_security.h"
#include "builder/passwd.h"
#include "builder/rootfs_mounts.h"
#include "builder/sandbox_report.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

// New PID, UTS, IPC (and network) namespaces, and a mount namespace whose
// creation shows the command's own will be allowed. False when the system
// refuses them to real root (a container without CAP_SYS_ADMIN): the run
// is then a plain chroot, which cannot honour `--network none` nor RUN
// --mount, so those are errors rather than silently ignored. Rootless there
// is no chroot without the namespaces.
bool enter_namespaces(const ChrootSetup& s) {
  int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
  if (s.spec->network == NetworkMode::None) flags |= CLONE_NEWNET;
  if (::unshare(flags) == 0) {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_sys("make private", "/");
    return true;
  }
  int err = errno;
  bool refused = err == EPERM || err == EINVAL || err == ENOSPC;
  if (s.userns || !refused) throw sys_error("unshare", "mount, PID, UTS, IPC namespaces", err);
  std::string why = std::string(" (unshare: ") + std::strerror(err) + ")";
  if (s.spec->network == NetworkMode::None)
    throw Error("--network none needs a network namespace, which this system does not allow" + why);
  if (!s.spec->mounts.empty())
    throw Error("RUN --mount needs a mount namespace, which this system does not allow" + why);
  return false;
}


// The rootfs bound on itself becomes a mount, which pivot_root needs;
// detaching the old root after it leaves nothing of the host reachable,
// which a chroot alone would not (root escapes a chroot).
void pivot_into(const std::string& rootfs) {
  if (::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    throw_sys("bind mount", rootfs);
  if (::chdir(rootfs.c_str()) != 0) throw_sys("chdir", rootfs);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) throw_sys("pivot_root", rootfs);
  if (::umount2(".", MNT_DETACH) != 0) throw_sys("detach old root from", rootfs);
  if (::chdir("/") != 0) throw_sys("chdir", "/");
}

[[noreturn]] void run_command(const ChrootSetup& s, bool isolated, int lifeline) {
  run_or_report(s.report_fd, [&] {
    const SandboxSpec& spec = *s.spec;
    die_with_helper(lifeline);
    reset_signals();
    ::umask(022);
    if (::setsid() < 0) throw_sys("setsid", "chroot run");
    if (isolated) {
      // A mount namespace of its own: pivot_root moves the root of every
      // process of the namespace that had the old one, the helper's included.
      if (::unshare(CLONE_NEWNS) != 0) throw_sys("unshare", "mount namespace");
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_sys("make private", "/");
      HostMounts host = clone_host_mounts(s.etc_dir, s.bind_sys, spec.mounts);
      pivot_into(s.rootfs);
      mount_rootfs_extras(host, s.report_fd);
      host = HostMounts{};
      mask_kernel_paths();
      if (spec.network == NetworkMode::None) bring_up_loopback();
      if (::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) throw_sys("sethostname", spec.hostname);
    } else {
      if (::chroot(s.rootfs.c_str()) != 0) throw_sys("chroot", s.rootfs);
      if (::chdir("/") != 0) throw_sys("chdir", "/");
    }
    ExecUser user = resolve_user(spec.user, read_if_present("/etc/passwd"), read_if_present("/etc/group"));
    fs::mkdir_p(spec.workdir, 0755);
    setup_stdio(s.output_fd);
    drop_capabilities();
    become(user, s.setgroups_allowed);
    // A change of credentials clears the parent-death signal: set it again.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) throw_sys("prctl", "PR_SET_PDEATHSIG");
    if (::chdir(spec.workdir.c_str()) != 0) throw_sys("chdir", spec.workdir);
    exec_command(spec);
  });
}

// The PIDs whose parent is this process, from /proc.
std::vector<pid_t> children_of_self() {
  std::vector<pid_t> out;
  pid_t self = ::getpid();
  DIR* d = ::opendir("/proc");
  if (!d) throw_sys("opendir", "/proc");
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::string stat;
    try {
      stat = fs::read_file(std::string("/proc/") + e->d_name + "/stat");
    } catch (const Error&) {
      continue;  // gone meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold anything, ")" included.
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    char state;
    int ppid;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == self)
      out.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
  }
  ::closedir(d);
  return out;
}

// Without a PID namespace nothing ends the command's background processes
// with it. As child subreaper this helper inherits each of them once its
// parent is gone; it kills its children until none is left, so that none
// outlives the run (or keeps the output pipe open).
void end_descendants() {
  for (;;) {
    std::vector<pid_t> kids = children_of_self();
    for (pid_t p : kids) ::kill(p, SIGKILL);
    pid_t r = ::waitpid(-1, nullptr, kids.empty() ? WNOHANG : 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) return;
      throw_sys("wait for", "the run's leftover processes");
    }
    // r == 0: an orphan is on its way to this process; look again.
  }
}

}  // namespace

[[noreturn]] void run_chroot_helper(const ChrootSetup& s) {
  run_or_report(s.report_fd, [&] {
    die_with_parent(s.hoist_pid);
    if (s.userns) {
      s.userns->child_side();
      die_with_parent(s.hoist_pid);  // a change of credentials may clear the parent-death signal
    }
    close_all_but(s.report_fd, s.output_fd);
    // hoist decides what an interrupt does to the run (it kills the
    // command); a Ctrl-C reaching this helper must not cut the cleanup short.
    for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGTSTP}) ::signal(sig, SIG_IGN);
    bool isolated = enter_namespaces(s);
    ChrootExtras extras(s.rootfs, isolated ? ChrootExtras::Kind::MountPoints : ChrootExtras::Kind::Files, s.etc_dir);
    if (!isolated && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) throw_sys("prctl", "PR_SET_CHILD_SUBREAPER");
    int lifeline[2];
    if (::pipe2(lifeline, O_CLOEXEC) != 0) throw_sys("pipe", "chroot lifeline");
    pid_t pid = ::fork();
    if (pid < 0) throw_sys("fork", "chroot run");
    if (pid == 0) {
      ::close(lifeline[1]);
      run_command(s, isolated, lifeline[0]);
    }
    ::close(lifeline[0]);  // the write end stays open as long as this helper lives
    if (s.output_fd >= 0) ::close(s.output_fd);
    send_pid1(s.report_fd, pid);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) throw_sys("wait for", "chroot run");
    if (!isolated) end_descendants();
    extras.restore();
    send_wait_status(s.report_fd, status);
    ::_exit(0);
  });
}

}  // namespace hoist::builder
