#pragma once
// Running docker credential helpers (`docker-credential-<suffix>`), speaking the protocol of
// github.com/docker/docker-credential-helpers/client: the verb is argv[1], the request is on
// stdin, the answer (or, on a non-zero exit, the error message) is on stdout.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoist::publish {

// Runs a program to completion. An interface so that callers which only need "run this and
// give me its output" do not depend on how processes are started.
class ProcessRunner {
 public:
  struct Result {
    int exit_code = 0;  // 128 + signal number when killed by a signal, like a shell
    std::string out;
    std::string err;
  };
  virtual ~ProcessRunner() = default;
  // argv[0] is looked up on PATH unless it contains '/'. Throws hoist::Error when the program
  // cannot be started or does not finish in time; a non-zero exit is a normal Result.
  virtual Result run(const std::vector<std::string>& argv, std::string_view input) = 0;
};

// fork/exec with pipes, no shell. `input` is written to the child's stdin, which is then
// closed; the child is killed if it has not exited within `timeout`. It stays in hoist's
// process group so that a helper can still prompt on the terminal (gpg's pinentry for `pass`).
class SystemProcessRunner : public ProcessRunner {
 public:
  explicit SystemProcessRunner(std::chrono::milliseconds timeout = std::chrono::seconds(60))
      : timeout_(timeout) {}
  Result run(const std::vector<std::string>& argv, std::string_view input) override;

 private:
  std::chrono::milliseconds timeout_;
};

// exec.LookPath: the absolute path of an executable `name` on $PATH ("" when there is none).
// A name containing '/' is returned as is when it is executable.
std::string find_executable(std::string_view name);

// What a helper stores per server: {"ServerURL","Username","Secret"}.
struct HelperCredentials {
  std::string server_url;
  std::string username;  // "<token>" means `secret` is an identity token
  std::string secret;
};

class CredentialHelper {
 public:
  // `suffix` as written in config.json ("desktop", "ecr-login"); the program run is
  // docker-credential-<suffix>.
  CredentialHelper(std::string suffix, ProcessRunner& runner);

  const std::string& program() const { return program_; }

  // nullopt when the helper answers "credentials not found in native keychain".
  std::optional<HelperCredentials> get(std::string_view server_url);
  void store(const HelperCredentials& creds);
  // false when the helper had nothing stored for server_url.
  bool erase(std::string_view server_url);

 private:
  enum class Outcome { ok, not_found };
  // A failure's message never shows `hidden` (the secret being stored), which a helper may echo.
  Outcome call(const char* verb, std::string_view input, std::string* out, std::string_view hidden = {});

  std::string program_;
  ProcessRunner& runner_;
};

}  // namespace hoist::publish
