#include "publish/credential_helper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/child_process.h"
#include "common/error.h"
#include "common/fd.h"

extern char** environ;

namespace hoist::publish {

namespace {

constexpr size_t kMaxOutput = 16 << 20;  // a helper answer is a few hundred bytes
constexpr std::string_view kNotFound = "credentials not found in native keychain";

std::string join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Both ends at fd >= 3, so the child's dup2 onto 0/1/2 can never overwrite another pipe end
// (which happens when the parent runs with a standard descriptor closed).
void make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw_sys("pipe", "");
  for (int& fd : p) {
    if (fd < 3) {
      int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
      int saved = errno;
      ::close(fd);
      if (moved < 0) {
        errno = saved;
        throw_sys("dup", "pipe");
      }
      fd = moved;
    }
  }
  read_end.reset(p[0]);
  write_end.reset(p[1]);
}

// Writing to a helper that exits without reading its stdin must give EPIPE, not kill hoist:
// SIGPIPE is blocked in this thread while the child runs, and one raised meanwhile is consumed.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGPIPE);
      timespec zero{};
      while (sigtimedwait(&set, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  const sigset_t& original_mask() const { return old_; }

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

bool is_executable(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111) &&
         ::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) == 0;
}

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n\v\f";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

// Helper messages end up in a one-line CLI error.
std::string one_line(std::string s) {
  for (auto& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (s.size() > 1000) s = s.substr(0, 1000) + "...";
  return s;
}

// Every spelling of `secret` in a message masked: as given, and as the JSON request carried it.
std::string mask(std::string message, std::string_view secret) {
  if (secret.empty()) return message;
  std::vector<std::string> forms{std::string(secret)};
  try {
    std::string quoted = nlohmann::json(std::string(secret)).dump();
    if (quoted.substr(1, quoted.size() - 2) != secret) forms.push_back(quoted.substr(1, quoted.size() - 2));
  } catch (const nlohmann::json::exception&) {
    // Not UTF-8: the request could not have been written either.
  }
  const std::string stars = "********";
  for (const auto& form : forms) {
    // Past each replacement: a secret of stars must not be found in its own mask forever.
    for (size_t at = 0; (at = message.find(form, at)) != std::string::npos; at += stars.size())
      message.replace(at, form.size(), stars);
  }
  return message;
}

// A failed `get` that printed what looks like an answer may have printed the secret in it.
bool may_hold_credentials(std::string_view message) {
  return message.find("\"Secret\"") != std::string_view::npos;
}

}  // namespace

std::string find_executable(std::string_view name) {
  if (name.empty()) return "";
  std::string n(name);
  if (n.find('/') != std::string::npos) return is_executable(n) ? n : "";
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::string_view rest(path);
  for (;;) {
    auto colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    // Like Go's exec.LookPath since 1.19, never resolve through a relative PATH entry ("" or
    // "."): a helper that happens to sit in the working directory must not be run.
    if (!dir.empty() && dir.front() == '/') {
      std::string candidate = std::string(dir) + "/" + n;
      if (is_executable(candidate)) return candidate;
    }
    if (colon == std::string_view::npos) return "";
    rest.remove_prefix(colon + 1);
  }
}

ProcessRunner::Result SystemProcessRunner::run(const std::vector<std::string>& argv,
                                               std::string_view input) {
  if (argv.empty()) throw Error("no program to run");
  const std::string what = join(argv);
  std::string path = find_executable(argv[0]);
  if (path.empty()) throw Error(argv[0] + ": executable file not found in $PATH");

  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  UniqueFd in_r, in_w, out_r, out_w, err_r, err_w, exec_r, exec_w;
  make_pipe(in_r, in_w);
  make_pipe(out_r, out_w);
  make_pipe(err_r, err_w);
  make_pipe(exec_r, exec_w);  // carries errno when execve fails; closed by a successful exec

  SigpipeBlock sigpipe;
  pid_t pid = ::fork();
  if (pid < 0) throw_sys("fork", argv[0]);
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::dup2(in_r.get(), 0);
    ::dup2(out_w.get(), 1);
    ::dup2(err_w.get(), 2);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    ::sigprocmask(SIG_SETMASK, &sigpipe.original_mask(), nullptr);
    ::execve(path.c_str(), cargv.data(), environ);
    int e = errno;
    ssize_t ignored = ::write(exec_w.get(), &e, sizeof e);
    (void)ignored;
    ::_exit(127);
  }
  ChildProcess child(pid);
  in_r.reset();
  out_w.reset();
  err_w.reset();
  exec_w.reset();

  int exec_errno = 0;
  ssize_t n;
  while ((n = ::read(exec_r.get(), &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof exec_errno)) throw sys_error("exec", path, exec_errno);
  exec_r.reset();

  if (input.empty()) in_w.reset();
  if (in_w.valid() && ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK) != 0) throw_sys("fcntl", "pipe");

  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  auto remaining_ms = [&]() -> int {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
  };
  auto timed_out = [&]() {
    return Error(what + ": timed out after " + std::to_string(timeout_.count()) + "ms");
  };

  Result result;
  size_t written = 0;
  while (in_w.valid() || out_r.valid() || err_r.valid()) {
    pollfd fds[3];
    nfds_t count = 0;
    UniqueFd* owners[3];
    for (UniqueFd* fd : {&in_w, &out_r, &err_r}) {
      if (!fd->valid()) continue;
      fds[count] = {fd->get(), static_cast<short>(fd == &in_w ? POLLOUT : POLLIN), 0};
      owners[count++] = fd;
    }
    int wait_ms = remaining_ms();
    if (wait_ms == 0) throw timed_out();
    int ready = ::poll(fds, count, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw_sys("poll", argv[0]);
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      UniqueFd& fd = *owners[i];
      if (&fd == &in_w) {
        ssize_t w = ::write(fd.get(), input.data() + written, input.size() - written);
        if (w < 0) {
          if (errno == EAGAIN || errno == EINTR) continue;
          // EPIPE: the child does not want (the rest of) its input; its exit status decides.
          if (errno != EPIPE) throw_sys("write", "stdin of " + argv[0]);
          fd.reset();
          continue;
        }
        written += static_cast<size_t>(w);
        if (written == input.size()) fd.reset();  // EOF tells the helper the request is complete
        continue;
      }
      char buf[65536];
      ssize_t r = ::read(fd.get(), buf, sizeof buf);
      if (r < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        throw_sys("read", "output of " + argv[0]);
      }
      if (r == 0) {
        fd.reset();
        continue;
      }
      std::string& sink = &fd == &out_r ? result.out : result.err;
      if (sink.size() + static_cast<size_t>(r) > kMaxOutput) {
        throw Error(what + ": output exceeds " + std::to_string(kMaxOutput) + " bytes");
      }
      sink.append(buf, static_cast<size_t>(r));
    }
  }

  // The output is complete but the child may linger (it closed its pipes but keeps running).
  int status = 0;
  while (!child.try_wait(status)) {
    if (remaining_ms() == 0) throw timed_out();
    timespec pause{0, 5'000'000};
    ::nanosleep(&pause, nullptr);
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

CredentialHelper::CredentialHelper(std::string suffix, ProcessRunner& runner)
    : program_("docker-credential-" + std::move(suffix)), runner_(runner) {}

CredentialHelper::Outcome CredentialHelper::call(const char* verb, std::string_view input,
                                                 std::string* out, std::string_view hidden) {
  auto r = with_context("running credential helper " + program_ + " " + verb, [&] {
    return runner_.run({program_, verb}, input);
  });
  if (r.exit_code == 0) {
    if (out) *out = std::move(r.out);
    return Outcome::ok;
  }
  // The protocol puts error messages on stdout; stderr is only a fallback for helpers that
  // crash before answering.
  std::string message = trim(r.out);
  if (message == kNotFound) return Outcome::not_found;
  if (message.empty()) message = trim(r.err);
  message = mask(std::move(message), hidden);
  if (may_hold_credentials(message)) message = "(its output is not shown: it may hold a secret)";
  throw Error("credential helper " + program_ + " " + verb + " failed (exit status " +
              std::to_string(r.exit_code) + ")" +
              (message.empty() ? "" : ": " + one_line(message)));
}

std::optional<HelperCredentials> CredentialHelper::get(std::string_view server_url) {
  std::string out;
  if (call("get", server_url, &out) == Outcome::not_found) return std::nullopt;
  // Never quote the output in errors: it holds the secret.
  auto bad = [&] { return Error("credential helper " + program_ + " get: invalid JSON answer"); };
  auto doc = nlohmann::json::parse(out, nullptr, false);
  if (!doc.is_object()) throw bad();
  HelperCredentials creds{std::string(server_url), "", ""};
  for (auto [key, field] :
       {std::pair{"ServerURL", &creds.server_url}, std::pair{"Username", &creds.username},
        std::pair{"Secret", &creds.secret}}) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) continue;
    if (!it->is_string()) throw bad();
    *field = it->get<std::string>();
  }
  return creds;
}

void CredentialHelper::store(const HelperCredentials& creds) {
  // Field order as the Go client encodes its struct, newline included (json.Encoder).
  nlohmann::ordered_json doc;
  doc["ServerURL"] = creds.server_url;
  doc["Username"] = creds.username;
  doc["Secret"] = creds.secret;
  std::string request;
  try {
    request = doc.dump() + "\n";
  } catch (const nlohmann::json::exception&) {
    throw Error("credential helper " + program_ + " store: credentials are not valid UTF-8");
  }
  if (call("store", request, nullptr, creds.secret) == Outcome::not_found) {
    throw Error("credential helper " + program_ + " store failed: " + std::string(kNotFound));
  }
}

bool CredentialHelper::erase(std::string_view server_url) {
  return call("erase", server_url, nullptr) == Outcome::ok;
}

}  // namespace hoist::publish
