#include "builder/mountpoints.h"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

bool is_opaque(const std::string& path) {
  char v[4];
  for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"})
    if (::lgetxattr(path.c_str(), name, v, sizeof v) > 0) return true;
  return false;
}

void remove_dir_if_empty(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  if (!fs::is_empty_dir(path) || is_opaque(path)) return;
  if (::rmdir(path.c_str()) != 0) throw_sys("rmdir", path);
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
  const uint32_t file_bits[] = {Mountpoints::kResolvConf, Mountpoints::kHosts, Mountpoints::kHostname};
  for (size_t i = 0; i < std::size(kEtcFiles); ++i) {
    if (!(m.created & file_bits[i])) continue;
    std::string p = upper + "/etc/" + kEtcFiles[i];
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) throw_sys("unlink", p);
  }
  // Mounted over for the whole run, these held nothing the run could write.
  if (m.created & Mountpoints::kDev) remove_dir_if_empty(upper + "/dev");
  if (m.created & Mountpoints::kProc) remove_dir_if_empty(upper + "/proc");
  if (m.created & Mountpoints::kSys) remove_dir_if_empty(upper + "/sys");

  std::string etc = upper + "/etc";
  struct stat st;
  if (!(m.created & (Mountpoints::kEtc | Mountpoints::kResolvConf | Mountpoints::kHosts | Mountpoints::kHostname)) ||
      ::lstat(etc.c_str(), &st) != 0)
    return;
  // An /etc of the image that is in the upper only because a mount point was
  // created in it is a copy-up with no change: unless the run changed its
  // mode or owner, it goes too.
  bool unchanged = (m.created & Mountpoints::kEtc) ||
                   ((st.st_mode & 07777) == m.etc_mode && st.st_uid == m.etc_uid && st.st_gid == m.etc_gid);
  if (unchanged) remove_dir_if_empty(etc);
}

}  // namespace hoist::builder
