#include "oci/gc_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::oci {

namespace {

UniqueFd open_lock(const std::string& root) {
  fs::mkdir_p(root);
  std::string p = GcLock::path(root);
  UniqueFd fd(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_sys("open", p);
  return fd;
}

int operation(GcLock::Mode mode) { return mode == GcLock::Mode::Shared ? LOCK_SH : LOCK_EX; }

// Takes the flock; false only for a non-blocking request that would wait.
bool lock(int fd, int op, const std::string& root) {
  while (::flock(fd, op) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK && (op & LOCK_NB)) return false;
    throw_sys("lock", GcLock::path(root));
  }
  return true;
}

}  // namespace

std::string GcLock::path(const std::string& root) { return root + "/gc.lock"; }

GcLock::GcLock(const std::string& root, Mode mode, const std::function<void()>& on_wait) : fd_(open_lock(root)) {
  if (lock(fd_.get(), operation(mode) | LOCK_NB, root)) return;
  if (on_wait) on_wait();
  lock(fd_.get(), operation(mode), root);
}

std::optional<GcLock> GcLock::try_take(const std::string& root, Mode mode) {
  GcLock l;
  l.fd_ = open_lock(root);
  if (!lock(l.fd_.get(), operation(mode) | LOCK_NB, root)) return std::nullopt;
  return l;
}

}  // namespace hoist::oci
