#include "builder/exec_setup.h"

#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "common/fd.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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

}  // namespace

void die_with_parent(pid_t expected_parent) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) throw_sys("prctl", "PR_SET_PDEATHSIG");
  // The parent may have gone before the prctl took effect.
  if (::getppid() != expected_parent) ::_exit(1);
}

void die_with_helper(int lifeline) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) throw_sys("prctl", "PR_SET_PDEATHSIG");
  pollfd p{lifeline, 0, 0};
  if (::poll(&p, 1, 0) != 0 && (p.revents & POLLHUP)) ::_exit(1);
  ::close(lifeline);
}

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

void reset_signals() {
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
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

std::optional<std::string> read_if_present(const std::string& path) {
  if (!fs::exists(path)) return std::nullopt;
  return fs::read_file(path);
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

}  // namespace hoist::builder
