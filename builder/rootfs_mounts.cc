#include "builder/rootfs_mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "builder/mountpoints.h"
#include "builder/sandbox_report.h"
#include "common/error.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

// The device nodes of docker's default /dev, bind-mounted from the host
// rather than created with mknod, which a user namespace does not allow.
constexpr const char* kDevNodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

UniqueFd clone_tree(const std::string& path) {
  UniqueFd fd(::open_tree(AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (!fd.valid()) throw_sys("clone mount of", path);
  return fd;
}

// The flags a fresh sysfs gets; setting them on the clone of mounts that a
// user namespace has locked is allowed, as it only takes rights away.
UniqueFd clone_read_only(const std::string& path) {
  UniqueFd fd(::open_tree(AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!fd.valid()) throw_sys("clone mount of", path);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  if (::mount_setattr(fd.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
    throw_sys("make read-only the clone of", path);
  return fd;
}

UniqueFd new_instance(const char* type, unsigned attrs) {
  UniqueFd fs(::fsopen(type, FSOPEN_CLOEXEC));
  if (!fs.valid()) throw_sys("open filesystem", type);
  if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) throw_sys("create filesystem", type);
  UniqueFd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, attrs));
  if (!mnt.valid()) throw_sys(std::string("mount ") + type + " for", "the sandbox");
  return mnt;
}

void attach(const UniqueFd& mnt, const std::string& target) {
  if (::move_mount(mnt.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    throw_sys("bind mount on", target);
}

void do_mount(const char* source, const std::string& target, const char* type, unsigned long flags,
              const char* data) {
  if (::mount(source, target.c_str(), type, flags, data) != 0) throw_sys(std::string("mount ") + type + " on", target);
}

enum class Kind { Missing, Dir, File, Other };

Kind kind_of(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Kind::Missing;
    throw_sys("stat", path);
  }
  return S_ISDIR(st.st_mode) ? Kind::Dir : S_ISREG(st.st_mode) ? Kind::File : Kind::Other;
}

void make_dir(const std::string& path, unsigned mode) {
  if (::mkdir(path.c_str(), mode) != 0) throw_sys("mkdir", path);
  if (::chmod(path.c_str(), mode) != 0) throw_sys("chmod", path);  // whatever the umask
}

void make_file(const std::string& path, unsigned mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) throw_sys("create", path);
}

void make_symlink(const char* target, const std::string& path) {
  if (::symlink(target, path.c_str()) != 0) throw_sys("symlink", path);
}

class Creator {
 public:
  explicit Creator(int report_fd) : fd_(report_fd) {}
  // Creates the directory `path` if the image lacks it; false when the
  // image has something else there (then nothing is mounted on it).
  bool ensure_dir(const std::string& path, uint32_t bit) {
    Kind k = kind_of(path);
    if (k == Kind::Missing) {
      make_dir(path, 0755);
      created(bit);
      return true;
    }
    return k == Kind::Dir;
  }
  void created(uint32_t bit) {
    m_.created |= bit;
    send_mountpoints(fd_, m_);
  }
  Mountpoints& state() { return m_; }

 private:
  int fd_;
  Mountpoints m_;
};

void mount_dev(HostMounts& host, Creator& c) {
  if (!c.ensure_dir("/dev", Mountpoints::kDev)) throw Error("/dev in the image is not a directory");
  do_mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  for (auto& [name, fd] : host.dev) {
    std::string p = "/dev/" + name;
    make_file(p, 0666);
    attach(fd, p);
  }
  make_dir("/dev/pts", 0755);
  do_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
  make_symlink("pts/ptmx", "/dev/ptmx");
  make_dir("/dev/shm", 01777);
  do_mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
  make_symlink("/proc/self/fd", "/dev/fd");
  make_symlink("/proc/self/fd/0", "/dev/stdin");
  make_symlink("/proc/self/fd/1", "/dev/stdout");
  make_symlink("/proc/self/fd/2", "/dev/stderr");
}

void mount_etc_files(HostMounts& host, Creator& c) {
  struct stat st;
  if (::lstat("/etc", &st) == 0) {
    // A symlinked /etc would put the mount points elsewhere in the image, out of the cleanup's sight.
    if (!S_ISDIR(st.st_mode)) return;
    c.state().etc_mode = st.st_mode & 07777;
    c.state().etc_uid = st.st_uid;
    c.state().etc_gid = st.st_gid;
  } else {
    if (errno != ENOENT) throw_sys("stat", "/etc");
    make_dir("/etc", 0755);
    c.created(Mountpoints::kEtc);
  }
  const uint32_t bits[] = {Mountpoints::kResolvConf, Mountpoints::kHosts, Mountpoints::kHostname};
  for (size_t i = 0; i < host.etc.size(); ++i) {
    std::string p = "/etc/" + host.etc[i].first;
    Kind k = kind_of(p);
    if (k == Kind::Missing) {
      make_file(p, 0644);
      c.created(bits[i]);
    } else if (k != Kind::File) {
      continue;  // the image's own symlink or directory there is left alone
    }
    attach(host.etc[i].second, p);
  }
}

}  // namespace

HostMounts clone_host_mounts(const std::string& etc_dir, bool bind_sys) {
  HostMounts h;
  h.proc = new_instance("proc", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  h.sys = bind_sys ? clone_read_only("/sys")
                   : new_instance("sysfs", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  for (const char* n : kDevNodes) {
    std::string p = std::string("/dev/") + n;
    // Some CI containers have no /dev/tty: the sandbox then has none either.
    if (!fs::exists(p)) continue;
    h.dev.emplace_back(n, clone_tree(p));
  }
  for (const char* n : kEtcFiles) h.etc.emplace_back(n, clone_tree(etc_dir + "/" + n));
  return h;
}

void mount_rootfs_extras(HostMounts& host, int report_fd) {
  Creator c(report_fd);
  if (c.ensure_dir("/proc", Mountpoints::kProc)) attach(host.proc, "/proc");
  mount_dev(host, c);
  if (c.ensure_dir("/sys", Mountpoints::kSys)) attach(host.sys, "/sys");
  mount_etc_files(host, c);
}

}  // namespace hoist::builder
