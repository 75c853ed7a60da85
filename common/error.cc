#include "common/error.h"

#include <cerrno>
#include <cstring>

namespace hoist {

Error::Error(std::string message) : std::runtime_error(message), message_(std::move(message)) {}

Error& Error::context(std::string what) {
  contexts_.push_back(std::move(what));
  return *this;
}

std::string Error::describe() const {
  std::string out;
  for (auto it = contexts_.rbegin(); it != contexts_.rend(); ++it) {
    out += *it;
    out += ": ";
  }
  return out + message_;
}

Error sys_error(const std::string& operation, const std::string& path, int err) {
  return Error(operation + " " + path + ": " + std::strerror(err));
}

void throw_sys(const std::string& operation, const std::string& path) {
  throw sys_error(operation, path, errno);
}

}  // namespace hoist
