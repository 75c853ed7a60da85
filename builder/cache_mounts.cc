#include "builder/cache_mounts.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "common/error.h"
#include "common/fs.h"
#include "layers/id_map.h"
#include "layers/user_namespace.h"
#include "oci/digest.h"

namespace hoist::builder {

namespace {

constexpr uint32_t kDefaultMode = 0755;

// A new directory under `parent` with the mount's mode and owner, renamed
// to `final_path` when one is given, unless something is there already.
std::string make_dir(const std::string& parent, const std::string& prefix, const RunMount& m,
                     const std::string& final_path = "") {
  uint32_t uid = m.uid.value_or(0), gid = m.gid.value_or(0);
  mode_t mode = m.mode.value_or(kDefaultMode) & 07777;
  auto make = [&] {
    std::string tmpl = parent + "/" + prefix + "XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw_sys("mkdtemp", tmpl);
    try {
      if ((uid || gid || ::geteuid() == 0) && ::chown(tmpl.c_str(), uid, gid) != 0)
        throw_sys("chown " + std::to_string(uid) + ":" + std::to_string(gid), tmpl);
      if (::chmod(tmpl.c_str(), mode) != 0) throw_sys("chmod", tmpl);  // after chown, which clears set-id bits
      if (final_path.empty()) return tmpl;
      if (::renameat2(AT_FDCWD, tmpl.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) == 0) return final_path;
      if (errno != EEXIST) throw_sys("rename to", final_path);
    } catch (...) {
      ::rmdir(tmpl.c_str());
      throw;
    }
    ::rmdir(tmpl.c_str());  // another hoist made it first: its directory wins
    return final_path;
  };
  // Rootless, a RUN's uid and gid are ids of hoist's user namespace: 0 is
  // the user itself; other ids can only be given (and a directory of theirs
  // moved) from inside it.
  if (::geteuid() != 0 && (uid || gid)) return layers::run_in_user_namespace(layers::current_user_id_map(), make);
  return make();
}

// Files the RUN wrote may belong to ids of the user namespace that the user
// cannot remove from outside it.
void remove_tree(const std::string& path) {
  try {
    fs::remove_all(path);
  } catch (const Error&) {
    if (::geteuid() == 0) throw;
    layers::remove_all_in_user_namespace(layers::current_user_id_map(), path);
  }
}

// Takes the flock; false only for a non-blocking request that would wait.
bool lock(int fd, int op, const std::string& path) {
  while (::flock(fd, op) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK && (op & LOCK_NB)) return false;
    throw_sys("lock", path);
  }
  return true;
}

}  // namespace

CacheMounts::Lease::Lease(std::string path, UniqueFd lock, bool temporary)
    : path_(std::move(path)), lock_(std::move(lock)), temporary_(temporary) {}

CacheMounts::Lease::Lease(Lease&& o) noexcept
    : path_(std::move(o.path_)), lock_(std::move(o.lock_)), temporary_(std::exchange(o.temporary_, false)) {
  o.path_.clear();
}

CacheMounts::Lease& CacheMounts::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    try {
      release();
    } catch (const Error&) {
      // As in the destructor: a throwaway directory may stay behind.
    }
    path_ = std::move(o.path_);
    o.path_.clear();
    lock_ = std::move(o.lock_);
    temporary_ = std::exchange(o.temporary_, false);
  }
  return *this;
}

CacheMounts::Lease::~Lease() {
  try {
    release();
  } catch (const Error&) {
    // Nothing to report it to; the directory is under cache/tmp, where it is visible.
  }
}

void CacheMounts::Lease::release() {
  lock_.reset();  // closing the descriptor drops the flock
  if (temporary_) {
    temporary_ = false;
    std::string p = std::exchange(path_, std::string());
    with_context("removing private cache directory", [&] { remove_tree(p); });
  }
  path_.clear();
}

CacheMounts::CacheMounts(std::string hoist_root)
    : mounts_(hoist_root + "/cache/mounts"), tmp_(hoist_root + "/cache/tmp") {}

std::string CacheMounts::dir_name(std::string_view id) {
  // The readable part is for people looking at the directory; the hash alone
  // tells ids apart, so the readable part may be lossy.
  std::string readable;
  for (char c : id) {
    if (readable.size() == 32) break;
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                 (c == '.' && !readable.empty());
    readable += plain ? c : '_';
  }
  std::string hash(oci::Digest::of(id).hex());
  return readable.empty() ? hash : readable + "-" + hash;
}

CacheMounts::Lease CacheMounts::acquire(const RunMount& m) {
  return with_context("cache mount " + m.id, [&]() -> Lease {
    if (m.type != RunMount::Type::Cache) throw Error("not a type=cache mount");
    if (m.id.empty()) throw Error("no cache id");
    // Only hoist's own user reaches the caches: a RUN (root, as root) may
    // leave set-id files in them.
    fs::mkdir_p(mounts_, 0700);
    fs::mkdir_p(tmp_, 0700);
    std::string dir = mounts_ + "/" + dir_name(m.id);
    // The lock is a file of its own: rootless, the directory belongs to an
    // id of hoist's user namespace, and hoist may not be able to open it.
    std::string lock_path = dir + ".lock";
    UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid()) throw_sys("open", lock_path);
    struct stat st;
    if (::lstat(dir.c_str(), &st) != 0) {
      if (errno != ENOENT) throw_sys("stat", dir);
      // Made aside and renamed into place, so nobody sees it half set up.
      make_dir(tmp_, "new-", m, dir);
    }

    switch (m.sharing) {
      case RunMount::Sharing::Shared:
        lock(fd.get(), LOCK_SH, lock_path);
        break;
      case RunMount::Sharing::Locked:
        lock(fd.get(), LOCK_EX, lock_path);
        break;
      case RunMount::Sharing::Private:
        if (!lock(fd.get(), LOCK_EX | LOCK_NB, lock_path))
          return Lease(make_dir(tmp_, "private-", m), UniqueFd(), true);
        break;
    }
    return Lease(dir, std::move(fd), false);
  });
}

}  // namespace hoist::builder
