#pragma once
// The one exception type of hoist: a message plus a chain of context
// ("pushing layer sha256:…", "to registry.example.com/app"), so the CLI can
// print one line that says what failed and where.
#include <stdexcept>
#include <string>
#include <vector>

namespace hoist {

class Error : public std::runtime_error {
 public:
  explicit Error(std::string message);

  // Adds an outer context ("importing rootfs.tar"); the innermost message stays first.
  Error& context(std::string what);

  const std::string& message() const { return message_; }
  const std::vector<std::string>& contexts() const { return contexts_; }

  // "outer: inner: message" — the line the CLI prints.
  std::string describe() const;

 private:
  std::string message_;
  std::vector<std::string> contexts_;  // innermost first
};

// Error for a failed syscall: "open /path: No such file or directory".
Error sys_error(const std::string& operation, const std::string& path, int err);
[[noreturn]] void throw_sys(const std::string& operation, const std::string& path);

// Runs fn and, if it throws hoist::Error, adds `what` as context and rethrows.
template <typename Fn>
auto with_context(const std::string& what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (Error& e) {
    e.context(what);
    throw;
  }
}

}  // namespace hoist
