#include "builder/rootfs_mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <set>

#include "builder/mountpoints.h"
#include "builder/sandbox_report.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/confined_path.h"

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
  void stub(const MountStub& s) { send_mount_stub(fd_, s); }
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

// A RUN mount as a detached mount: the host path cloned with its submounts,
// or a new tmpfs with BuildKit's options (nosuid, the size asked for).
HostMounts::Run prepare_run_mount(const SandboxMount& m) {
  HostMounts::Run r;
  if (m.target.empty() || m.target[0] != '/' || m.target.find('\0') != std::string::npos)
    throw Error("mount target is not an absolute path: " + m.target);
  r.target = "/" + layers::join_path(layers::clean_path(m.target));
  if (r.target == "/") throw Error("cannot mount over the root: " + m.target);
  if (m.kind == SandboxMount::Kind::Tmpfs) {
    UniqueFd fs(::fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (!fs.valid()) throw_sys("open filesystem tmpfs for", r.target);
    auto set = [&](const char* key, const std::string& value) {
      if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, key, value.c_str(), 0) != 0)
        throw_sys(std::string("set tmpfs ") + key + "=" + value + " for", r.target);
    };
    if (m.size) set("size", std::to_string(*m.size));
    if (m.mode) {
      char octal[16];
      std::snprintf(octal, sizeof octal, "%o", *m.mode & 07777);
      set("mode", octal);
    }
    if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) throw_sys("create tmpfs for", r.target);
    unsigned attrs = MOUNT_ATTR_NOSUID | (m.readonly ? MOUNT_ATTR_RDONLY : 0);
    r.mnt.reset(::fsmount(fs.get(), FSMOUNT_CLOEXEC, attrs));
    if (!r.mnt.valid()) throw_sys("mount tmpfs for", r.target);
    return r;
  }
  if (m.source.empty() || m.source.find('\0') != std::string::npos)
    throw Error("bind mount on " + r.target + " has no source");
  if (m.source[0] != '/') throw Error("bind source is not an absolute path: " + m.source);
  // Recursive, as `rbind`: a user namespace may not clone a mount without
  // the submounts that hide parts of it.
  r.mnt.reset(::open_tree(AT_FDCWD, m.source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!r.mnt.valid()) throw_sys("clone mount of", m.source);
  struct stat st;
  if (::fstat(r.mnt.get(), &st) != 0) throw_sys("stat", m.source);
  r.dir = S_ISDIR(st.st_mode);
  if (m.readonly) {
    // Only adds a restriction, so a user namespace may set it on clones of
    // mounts whose other flags (nosuid, nodev, ...) it may not change: those stay.
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (::mount_setattr(r.mnt.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
      throw_sys("make read-only the clone of", m.source);
  }
  return r;
}

// Where a RUN mount goes: `target` resolved in the root one component at a
// time, as the kernel would but by hand, so that what is missing can be
// created and nothing is followed unseen. Symlinks expand in place (an
// absolute one restarts at the root, ".." stops there), and since this runs
// after pivot_root the root *is* the rootfs: no symlink of the image leads
// out of it, and none in the result is left for the kernel to follow (no
// magic link of /proc either). Every directory made, and the file for a file
// mount, is reported before it is made; so are the image's directories that
// making it copies up into the upper directory. Returns the path, which
// names no symlink.
std::string make_mount_point(const std::string& target, bool dir, Creator& c) {
  layers::PathParts parts = layers::clean_path(target);
  std::deque<std::string> pending(parts.begin(), parts.end());
  struct Step {
    std::string name;
    struct stat st;
    bool made;
  };
  std::vector<Step> at;  // the resolved directories so far, below the root
  auto path_of = [&](size_t count) {
    std::string p;
    for (size_t i = 0; i < count; ++i) p += "/" + at[i].name;
    return p.empty() ? "/" : p;
  };
  struct stat root;
  if (::stat("/", &root) != 0) throw_sys("stat", "/");
  std::set<std::string> copied_up;
  int links = 0;

  while (!pending.empty()) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      if (!at.empty()) at.pop_back();
      continue;
    }
    std::string here = (at.empty() ? "" : path_of(at.size())) + "/" + name;
    bool last = pending.empty();
    struct stat st;
    if (::lstat(here.c_str(), &st) != 0) {
      if (errno != ENOENT) throw_sys("stat", here);
      // "missing/.." in a symlink's text cancels out, as the confined unpacker reads it.
      if (!pending.empty() && pending.front() == "..") {
        pending.pop_front();
        continue;
      }
      // Only what is made in the overlay itself reaches the upper directory,
      // not what is made in /dev's tmpfs or in an earlier RUN mount.
      const struct stat& parent = at.empty() ? root : at.back().st;
      bool in_upper = parent.st_dev == root.st_dev;
      if (in_upper) {
        for (size_t i = 0; i < at.size(); ++i) {
          if (at[i].made || at[i].st.st_dev != root.st_dev) continue;
          std::string p = path_of(i + 1);
          if (copied_up.insert(p).second)
            c.stub({MountStub::kCopiedUp, static_cast<uint32_t>(at[i].st.st_mode & 07777), at[i].st.st_uid,
                    at[i].st.st_gid, p});
        }
      }
      bool file = last && !dir;
      if (in_upper) c.stub({file ? MountStub::kCreatedFile : MountStub::kCreatedDir, 0, 0, 0, here});
      if (file) {
        make_file(here, 0644);
      } else {
        make_dir(here, 0755);
      }
      if (::lstat(here.c_str(), &st) != 0) throw_sys("stat", here);
      at.push_back({name, st, true});
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      if (++links > layers::kMaxSymlinks) throw sys_error("resolve", target, ELOOP);
      std::string link = fs::read_link_at(AT_FDCWD, here, here);
      if (link.starts_with('/')) at.clear();
      layers::PathParts expansion = layers::split_link_target(link);
      pending.insert(pending.begin(), expansion.begin(), expansion.end());
      continue;
    }
    if (!S_ISDIR(st.st_mode) && (!last || dir)) throw Error(here + " is not a directory");
    if (S_ISDIR(st.st_mode) && last && !dir) throw Error(here + " is a directory, and the source a file");
    at.push_back({name, st, false});
  }
  if (at.empty()) throw Error("resolves to the root");
  return path_of(at.size());
}

}  // namespace

HostMounts clone_host_mounts(const std::string& etc_dir, bool bind_sys,
                             const std::vector<SandboxMount>& run_mounts) {
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
  for (const auto& m : run_mounts)
    with_context("RUN mount on " + m.target, [&] { h.run.push_back(prepare_run_mount(m)); });
  // Parents before children, whatever order they came in.
  std::stable_sort(h.run.begin(), h.run.end(),
                   [](const HostMounts::Run& a, const HostMounts::Run& b) { return a.target < b.target; });
  return h;
}

void mount_rootfs_extras(HostMounts& host, int report_fd) {
  Creator c(report_fd);
  if (c.ensure_dir("/proc", Mountpoints::kProc)) attach(host.proc, "/proc");
  mount_dev(host, c);
  if (c.ensure_dir("/sys", Mountpoints::kSys)) attach(host.sys, "/sys");
  mount_etc_files(host, c);
  for (auto& r : host.run)
    with_context("RUN mount on " + r.target, [&] { attach(r.mnt, make_mount_point(r.target, r.dir, c)); });
}

}  // namespace hoist::builder
