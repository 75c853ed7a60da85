#include "builder/mountpoints.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "common/error.h"
#include "common/fs.h"
#include "layers/confined_path.h"
#include "layers/id_map.h"
#include "layers/user_namespace.h"

namespace hoist::builder {

namespace {

// The upper directory holds what the run wrote; a run (root in its own
// namespaces) may have put a symlink where a mount point was, pointing
// anywhere on the host. So every path is walked from the upper directory
// one component at a time, never through a symlink.
UniqueFd open_dir_at(int base, const layers::PathParts& parts, size_t count) {
  UniqueFd cur(::openat(base, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for (size_t i = 0; i < count && cur.valid(); ++i)
    cur.reset(::openat(cur.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  return cur;  // invalid when a component is missing, a symlink or no directory
}

bool is_opaque(int dir_fd) {
  char v[4];
  for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"})
    if (::fgetxattr(dir_fd, name, v, sizeof v) > 0) return true;
  return false;
}

struct Owner {
  uint32_t mode, uid, gid;
};

// Removes `name` from the directory `parent`, whose times are put back:
// taking a mount point out is no change for the layer to record.
void remove_at(int parent, const std::string& name, bool dir, const std::string& what) {
  struct stat before;
  if (::fstat(parent, &before) != 0) throw_sys("stat", what);
  if (::unlinkat(parent, name.c_str(), dir ? AT_REMOVEDIR : 0) != 0) {
    if (errno == ENOENT) return;
    throw_sys(dir ? "rmdir" : "unlink", what);
  }
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  if (::futimens(parent, times) != 0) throw_sys("restore the times of the directory of", what);
}

// Removes the directory `rel` of `upper` when the run left it empty and not
// opaque (which would hide the lower's content) and, with `owner`, as it was.
void remove_dir_if_empty(int upper, const std::string& rel, const std::optional<Owner>& owner = std::nullopt) {
  layers::PathParts parts = layers::clean_path(rel);
  if (parts.empty()) return;
  UniqueFd parent = open_dir_at(upper, parts, parts.size() - 1);
  if (!parent.valid()) return;
  UniqueFd dir(::openat(parent.get(), parts.back().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return;
  std::string what = "/" + rel;
  struct stat st;
  if (::fstat(dir.get(), &st) != 0) throw_sys("stat", what);
  if (owner && ((st.st_mode & 07777) != owner->mode || st.st_uid != owner->uid || st.st_gid != owner->gid)) return;
  if (!fs::sorted_entries(dir.get(), what).empty() || is_opaque(dir.get())) return;
  remove_at(parent.get(), parts.back(), true, what);
}

// Removes the file `rel` of `upper`; with `only_empty`, only an empty regular file.
void remove_file(int upper, const std::string& rel, bool only_empty) {
  layers::PathParts parts = layers::clean_path(rel);
  if (parts.empty()) return;
  UniqueFd parent = open_dir_at(upper, parts, parts.size() - 1);
  if (!parent.valid()) return;
  struct stat st;
  if (::fstatat(parent.get(), parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (S_ISDIR(st.st_mode) || (only_empty && !(S_ISREG(st.st_mode) && st.st_size == 0))) return;
  remove_at(parent.get(), parts.back(), false, "/" + rel);
}

void remove_stubs(int upper, const std::vector<MountStub>& stubs) {
  // Newest first: children before the directories they were made in.
  for (auto it = stubs.rbegin(); it != stubs.rend(); ++it) {
    switch (it->kind) {
      case MountStub::kCreatedFile:
        remove_file(upper, it->path, true);
        break;
      case MountStub::kCreatedDir:
        remove_dir_if_empty(upper, it->path);
        break;
      case MountStub::kCopiedUp:
        remove_dir_if_empty(upper, it->path, Owner{it->mode, it->uid, it->gid});
        break;
      default:
        throw Error("sandbox report: unknown mount point kind " + std::to_string(it->kind));
    }
  }
}

void remove_here(const std::string& upper_path, const Mountpoints& m) {
  UniqueFd upper(::open(upper_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!upper.valid()) throw_sys("open", upper_path);
  const uint32_t file_bits[] = {Mountpoints::kResolvConf, Mountpoints::kHosts, Mountpoints::kHostname};
  for (size_t i = 0; i < std::size(kEtcFiles); ++i)
    if (m.created & file_bits[i]) remove_file(upper.get(), std::string("etc/") + kEtcFiles[i], false);
  remove_stubs(upper.get(), m.stubs);
  // Mounted over for the whole run, these held nothing the run could write.
  if (m.created & Mountpoints::kDev) remove_dir_if_empty(upper.get(), "dev");
  if (m.created & Mountpoints::kProc) remove_dir_if_empty(upper.get(), "proc");
  if (m.created & Mountpoints::kSys) remove_dir_if_empty(upper.get(), "sys");

  if (!(m.created & (Mountpoints::kEtc | Mountpoints::kResolvConf | Mountpoints::kHosts | Mountpoints::kHostname)))
    return;
  // An /etc of the image that is in the upper only because a mount point was
  // created in it is a copy-up with no change: unless the run changed its
  // mode or owner, it goes too.
  if (m.created & Mountpoints::kEtc) {
    remove_dir_if_empty(upper.get(), "etc");
  } else {
    remove_dir_if_empty(upper.get(), "etc", Owner{m.etc_mode, m.etc_uid, m.etc_gid});
  }
}

}  // namespace

std::string hosts_file(const std::string& hostname) {
  return "127.0.0.1\tlocalhost " + hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n";
}

void write_etc_files(const std::string& dir, const std::string& hostname) {
  std::string resolv;
  try {
    resolv = fs::read_file("/etc/resolv.conf");
  } catch (const Error&) {
    // A host without resolv.conf gives an empty one: the libc resolver then tries localhost.
  }
  fs::write_file_atomic(dir + "/resolv.conf", resolv);
  fs::write_file_atomic(dir + "/hosts", hosts_file(hostname));
  fs::write_file_atomic(dir + "/hostname", hostname + "\n");
}

void remove_mountpoints(const std::string& upper, const Mountpoints& m) {
  if (::geteuid() != 0 && (m.created || !m.stubs.empty())) {
    layers::run_in_user_namespace(layers::current_user_id_map(), [&] {
      remove_here(upper, m);
      return std::string();
    });
    return;
  }
  remove_here(upper, m);
}

}  // namespace hoist::builder
