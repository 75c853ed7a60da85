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

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Reports the error and ends the process; for code that must not return.
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

// Descriptors hoist has open (another sandbox's pipes among them, when steps
// run in parallel) must not live on in this long-running helper.
void close_all_but(int a, int b) {
  int keep[] = {std::min(a, b), std::max(a, b)};
  unsigned next = 3;
  for (int k : keep) {
    if (k < static_cast<int>(next)) continue;
    if (static_cast<unsigned>(k) > next) ::close_range(next, static_cast<unsigned>(k) - 1, 0);
    next = static_cast<unsigned>(k) + 1;
  }
  ::close_range(next, ~0U, 0);
}

void die_with_parent(pid_t expected_parent) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) throw_sys("prctl", "PR_SET_PDEATHSIG");
  // The parent may have gone before the prctl took effect.
  if (::getppid() != expected_parent) ::_exit(1);
}

// As die_with_parent for PID 1, whose parent (outside its PID namespace) is
// invisible to getppid(): the helper is alive while its end of `lifeline` is open.
void die_with_helper(int lifeline) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) throw_sys("prctl", "PR_SET_PDEATHSIG");
  pollfd p{lifeline, 0, 0};
  if (::poll(&p, 1, 0) != 0 && (p.revents & POLLHUP)) ::_exit(1);
  ::close(lifeline);
}

// Handlers do not survive exec, but ignored signals and the mask do: the
// command starts with every signal at its default.
void reset_signals() {
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

void enter_root(const std::string& rootfs) {
  if (::chdir(rootfs.c_str()) != 0) throw_sys("chdir", rootfs);
  // pivot_root(".", ".") stacks the old root on the new one; detaching it
  // leaves only the rootfs, with no directory for the old root in the image.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) throw_sys("pivot_root", rootfs);
  if (::umount2(".", MNT_DETACH) != 0) throw_sys("detach old root from", rootfs);
  if (::chdir("/") != 0) throw_sys("chdir", "/");
}

void bring_up_loopback() {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) throw_sys("socket", "lo");
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) throw_sys("get flags of", "lo");
  ifr.ifr_flags |= IFF_UP;
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) throw_sys("bring up", "lo");
}

std::optional<std::string> read_if_present(const std::string& path) {
  if (!fs::exists(path)) return std::nullopt;
  return fs::read_file(path);
}

void setup_stdio(int output_fd) {
  UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null.valid()) throw_sys("open", "/dev/null");
  if (::dup2(null.get(), 0) < 0) throw_sys("dup2", "/dev/null");
  if (output_fd < 0) return;
  if (::dup2(output_fd, 1) < 0 || ::dup2(output_fd, 2) < 0) throw_sys("dup2", "output pipe");
  ::close(output_fd);
}

void become(const ExecUser& u, bool setgroups_allowed) {
  if (setgroups_allowed) {
    if (::setgroups(u.groups.size(), u.groups.data()) != 0) throw_sys("setgroups", "user " + std::to_string(u.uid));
  } else {
    // The kernel denies setgroups() with a single-id map; the one group the process has is all it can get.
    for (gid_t g : u.groups)
      if (g != u.gid)
        throw Error("user " + std::to_string(u.uid) + " needs supplementary group " + std::to_string(g) +
                    ", but the user namespace has no /etc/subgid range");
  }
  if (::setgid(u.gid) != 0) throw_sys("setgid", std::to_string(u.gid));
  if (::setuid(u.uid) != 0) throw_sys("setuid", std::to_string(u.uid));
}

// As execvp, but the search uses the PATH of the command's own environment.
std::string find_executable(const std::string& name, const std::vector<std::string>& env) {
  if (name.empty()) throw Error("exec: empty command");
  if (name.find('/') != std::string::npos) return name;
  std::string path = kDefaultPath;
  for (const auto& e : env)
    if (e.starts_with("PATH=")) path = e.substr(5);
  size_t start = 0;
  for (;;) {
    size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  throw Error("exec " + name + ": executable file not found in $PATH");
}

[[noreturn]] void exec_command(const SandboxSpec& spec) {
  std::string file = find_executable(spec.argv[0], spec.env);
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  // Everything but stdio and the close-on-exec report pipe ends at the exec.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(file.c_str(), argv.data(), envp.data());
  throw_sys("exec", file);
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
