#include "builder/chroot_extras.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "builder/mountpoints.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/unpack_fs.h"

namespace hoist::builder {

namespace {

// docker's default /dev, as the overlay sandbox binds it from the host.
constexpr const char* kDevNodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

bool same_time(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

ChrootExtras::ChrootExtras(const std::string& rootfs, Kind kind, const std::string& etc_dir) : rootfs_(rootfs) {
  with_context("preparing " + rootfs + " for the run", [&] {
    root_.reset(::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_.valid()) throw_sys("open", rootfs);
    if (kind == Kind::MountPoints) {
      for (const char* d : {"proc", "dev", "sys"}) ensure_dir("", d, true);
    } else if (ensure_dir("", "dev", false)) {
      make_devices();
    }
    make_files(etc_dir, kind);
    for (auto& p : parents_) {
      UniqueFd fd = open_rel(p.rel);
      if (!fd.valid() || ::fstat(fd.get(), &p.after) != 0) throw_sys("stat", rootfs_ + "/" + p.rel);
    }
  });
}

ChrootExtras::~ChrootExtras() {
  if (restored_) return;
  try {
    restore();
  } catch (const Error&) {
    // Already unwinding from the error that matters.
  }
}

UniqueFd ChrootExtras::open_rel(const std::string& rel) const {
  return UniqueFd(
      ::openat(root_.get(), rel.empty() ? "." : rel.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

void ChrootExtras::note_parent(const std::string& rel) {
  for (const auto& p : parents_)
    if (p.rel == rel) return;
  Parent p{rel, {}, {}};
  UniqueFd fd = open_rel(rel);
  if (!fd.valid() || ::fstat(fd.get(), &p.before) != 0) throw_sys("stat", rootfs_ + "/" + rel);
  parents_.push_back(p);
}

bool ChrootExtras::ensure_dir(const std::string& parent, const std::string& name, bool keep_content) {
  UniqueFd p = open_rel(parent);
  std::string what = rootfs_ + "/" + name;
  struct stat st;
  if (::fstatat(p.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return S_ISDIR(st.st_mode);
  if (errno != ENOENT) throw_sys("stat", what);
  note_parent(parent);
  made_.push_back({parent, name, true, keep_content});
  if (::mkdirat(p.get(), name.c_str(), 0755) != 0) throw_sys("mkdir", what);
  if (::fchmodat(p.get(), name.c_str(), 0755, 0) != 0) throw_sys("chmod", what);  // whatever the umask
  return true;
}

void ChrootExtras::make_devices() {
  UniqueFd dev = open_rel("dev");
  if (!dev.valid()) throw_sys("open", rootfs_ + "/dev");
  for (const char* n : kDevNodes) {
    std::string what = rootfs_ + "/dev/" + n;
    struct stat host, st;
    // Some CI containers have no /dev/tty: the run then has none either.
    if (::stat((std::string("/dev/") + n).c_str(), &host) != 0 || !S_ISCHR(host.st_mode)) continue;
    if (::fstatat(dev.get(), n, &st, AT_SYMLINK_NOFOLLOW) == 0) continue;
    if (errno != ENOENT) throw_sys("stat", what);
    note_parent("dev");
    made_.push_back({"dev", n, false, false});
    if (::mknodat(dev.get(), n, S_IFCHR | 0666, host.st_rdev) != 0) throw_sys("mknod", what);
    if (::fchmodat(dev.get(), n, 0666, 0) != 0) throw_sys("chmod", what);
  }
}

void ChrootExtras::make_files(const std::string& etc_dir, Kind kind) {
  if (!ensure_dir("", "etc", true)) return;  // a symlinked /etc would put them elsewhere in the image
  UniqueFd etc = open_rel("etc");
  if (!etc.valid()) return;
  for (const char* n : kEtcFiles) {
    std::string what = rootfs_ + "/etc/" + n;
    struct stat st;
    if (::fstatat(etc.get(), n, &st, AT_SYMLINK_NOFOLLOW) == 0) continue;
    if (errno != ENOENT) throw_sys("stat", what);
    note_parent("etc");
    made_.push_back({"etc", n, false, false});
    UniqueFd fd(::openat(etc.get(), n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd.valid()) throw_sys("create", what);
    if (::fchmod(fd.get(), 0644) != 0) throw_sys("chmod", what);
    if (kind == Kind::Files) {
      std::string content = fs::read_file(etc_dir + "/" + n);
      fs::write_all(fd.get(), content.data(), content.size(), what);
    }
  }
}

void ChrootExtras::restore() {
  restored_ = true;
  with_context("cleaning up " + rootfs_ + " after the run", [&] {
    // Whether the RUN changed a directory is read before anything is removed from it.
    struct Now {
      struct stat st;
      bool valid;
    };
    std::vector<Now> now(parents_.size());
    for (size_t i = 0; i < parents_.size(); ++i) {
      UniqueFd fd = open_rel(parents_[i].rel);
      now[i].valid = fd.valid() && ::fstat(fd.get(), &now[i].st) == 0 && now[i].st.st_ino == parents_[i].after.st_ino;
    }
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
      UniqueFd p = open_rel(it->parent);
      if (!p.valid()) continue;  // the RUN replaced the directory: what was made in it went with it
      std::string what = rootfs_ + "/" + (it->parent.empty() ? "" : it->parent + "/") + it->name;
      if (it->dir && it->keep_content) {
        if (::unlinkat(p.get(), it->name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT && errno != ENOTEMPTY &&
            errno != EEXIST && errno != ENOTDIR)
          throw_sys("rmdir", what);
      } else {
        layers::remove_entry(p.get(), it->name, nullptr, what);
      }
    }
    for (size_t i = 0; i < parents_.size(); ++i) {
      if (!now[i].valid) continue;
      UniqueFd fd = open_rel(parents_[i].rel);
      if (!fd.valid()) continue;
      bool untouched = same_time(now[i].st.st_mtim, parents_[i].after.st_mtim);
      const struct stat& t = untouched ? parents_[i].before : now[i].st;
      const struct timespec times[2] = {t.st_atim, t.st_mtim};
      if (::futimens(fd.get(), times) != 0) throw_sys("set times of", rootfs_ + "/" + parents_[i].rel);
    }
  });
}

}  // namespace hoist::builder
