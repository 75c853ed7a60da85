#include "layers/user_namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "common/child_process.h"
#include "common/error.h"
#include "common/fs.h"

extern char** environ;

namespace hoist::layers {

namespace {

std::pair<UniqueFd, UniqueFd> make_pipe(const char* what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_sys("pipe", what);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// One byte, or 0 at end of file.
ssize_t read_byte(int fd, const char* what) {
  char c;
  ssize_t n;
  while ((n = ::read(fd, &c, 1)) < 0 && errno == EINTR) {
  }
  if (n < 0) throw_sys("read", what);
  return n;
}

std::string read_all(int fd, const std::string& what) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_sys("read", what);
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

void write_proc(pid_t pid, const char* file, const std::string& text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", path);
  // The kernel takes a map in one write() or not at all.
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw_sys("write " + text.substr(0, text.find('\n')) + " to", path);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// Runs newuidmap/newgidmap, with its complaint (to stderr) in the error.
void run_map_tool(const std::string& tool, pid_t pid, const std::vector<IdRange>& ranges) {
  std::vector<std::string> args = {tool, std::to_string(pid)};
  for (const auto& r : ranges)
    for (uint32_t v : {r.container, r.host, r.size}) args.push_back(std::to_string(v));
  std::string line;
  for (const auto& a : args) line += (line.empty() ? "" : " ") + a;

  auto [err_read, err_write] = make_pipe("newuidmap stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t tool_pid;
  int rc = ::posix_spawnp(&tool_pid, tool.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw sys_error("run", tool, rc);
  err_write.reset();
  std::string complaint = trim(read_all(err_read.get(), tool + " stderr"));
  int status = 0;
  while (::waitpid(tool_pid, &status, 0) < 0)
    if (errno != EINTR) throw_sys("wait for", tool);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string how = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                      : "signal " + std::to_string(WTERMSIG(status));
  throw Error(line + " failed (" + how + ")" + (complaint.empty() ? "" : ": " + complaint));
}

std::string single_line(const IdRange& r) { return "0 " + std::to_string(r.host) + " 1\n"; }

}  // namespace

UserNamespaceHandshake::UserNamespaceHandshake() {
  std::tie(unshared_read_, unshared_write_) = make_pipe("user namespace handshake");
  std::tie(mapped_read_, mapped_write_) = make_pipe("user namespace handshake");
}

void UserNamespaceHandshake::child_side() {
  unshared_read_.reset();
  mapped_write_.reset();
  if (::unshare(CLONE_NEWUSER) != 0) throw_sys("unshare", "user namespace");
  char c = 1;
  if (::write(unshared_write_.get(), &c, 1) != 1) throw_sys("write", "user namespace handshake");
  unshared_write_.reset();
  if (read_byte(mapped_read_.get(), "user namespace handshake") != 1)
    throw Error("user namespace: hoist did not map the ids");
  mapped_read_.reset();
}

bool UserNamespaceHandshake::parent_side(pid_t child, const IdMap& map) {
  unshared_write_.reset();
  mapped_read_.reset();
  if (read_byte(unshared_read_.get(), "user namespace handshake") != 1) return false;
  with_context("mapping ids for " + map.user, [&] {
    if (map.single_uid())
      write_proc(child, "uid_map", single_line(map.uids[0]));
    else
      run_map_tool("newuidmap", child, map.uids);
    if (map.single_gid()) {
      write_proc(child, "setgroups", "deny");
      write_proc(child, "gid_map", single_line(map.gids[0]));
    } else {
      run_map_tool("newgidmap", child, map.gids);
    }
  });
  char c = 1;
  if (::write(mapped_write_.get(), &c, 1) != 1) throw_sys("write", "user namespace handshake");
  mapped_write_.reset();
  return true;
}

std::string run_in_child(const IdMap* map, const std::function<std::string()>& child,
                         const std::function<void()>& parent) {
  UserNamespaceHandshake handshake;
  auto [result_read, result_write] = make_pipe("user namespace result");
  pid_t self = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw_sys("fork", "user namespace child");
  if (pid == 0) {
    result_read.reset();
    std::string out;
    try {
      // Set after the handshake, which may clear it; hoist dying before
      // then ends the handshake with end-of-file.
      if (map) handshake.child_side();
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) throw_sys("prctl", "PR_SET_PDEATHSIG");
      if (::getppid() != self) ::_exit(1);
      out = "+" + child();
    } catch (const Error& e) {
      out = "-" + e.describe();
    } catch (const std::exception& e) {
      out = std::string("-") + e.what();
    }
    try {
      fs::write_all(result_write.get(), out.data(), out.size(), "user namespace result");
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(0);
  }
  ChildProcess guard(pid);
  result_write.reset();
  std::optional<Error> parent_error;
  if ((!map || handshake.parent_side(pid, *map)) && parent) {
    try {
      parent();
    } catch (const Error& e) {
      // Often only the echo of the child's failure (a broken pipe): the child's error goes first.
      parent_error = e;
    }
  }
  std::string out = read_all(result_read.get(), "user namespace result");
  int status = guard.wait();
  if (out.starts_with("-")) throw Error(out.substr(1));
  if (parent_error) throw *parent_error;
  if (out.starts_with("+")) return out.substr(1);
  throw Error(std::string(map ? "user namespace" : "child") + " process ended without a result (" +
              (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                   : "exit " + std::to_string(WEXITSTATUS(status))) +
              ")");
}

std::string run_in_user_namespace(const IdMap& map, const std::function<std::string()>& child,
                                  const std::function<void()>& parent) {
  return run_in_child(&map, child, parent);
}

void remove_all_in_user_namespace(const IdMap& map, const std::string& path) {
  run_in_user_namespace(map, [&] {
    fs::remove_all(path);
    return std::string();
  });
}

}  // namespace hoist::layers
