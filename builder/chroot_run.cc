#include "builder/chroot_run.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "builder/chroot_sandbox.h"
#include "builder/rootfs_materialize.h"
#include "builder/sandbox_process.h"
#include "builder/snapshot.h"
#include "builder/tree_diff.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/id_map.h"
#include "layers/user_namespace.h"

namespace hoist::builder {

namespace {

// What the sandbox mounts over for the run: an overlay RUN cannot change
// them in the image, so neither does a chroot one.
const std::vector<std::string> kMountedOver = {"dev", "proc", "sys", "etc/resolv.conf", "etc/hosts", "etc/hostname"};

// A directory as the layer cache holds it: renaming it (adopt) keeps the
// inode and birth time, and no other directory gets both again, which an
// inode number alone would not promise. Nullopt where there is no birth time.
std::optional<std::string> dir_identity(const std::string& dir) {
  struct statx sx;
  if (::statx(AT_FDCWD, dir.c_str(), 0, STATX_INO | STATX_BTIME, &sx) != 0) throw_sys("stat", dir);
  if (!(sx.stx_mask & STATX_BTIME)) return std::nullopt;
  return std::to_string(sx.stx_dev_major) + ":" + std::to_string(sx.stx_dev_minor) + ":" + std::to_string(sx.stx_ino) +
         ":" + std::to_string(sx.stx_btime.tv_sec) + "." + std::to_string(sx.stx_btime.tv_nsec);
}

std::optional<std::string> stack_identity(const std::vector<std::string>& dirs) {
  std::string out;
  for (const auto& d : dirs) {
    std::optional<std::string> id = dir_identity(d);
    if (!id) return std::nullopt;
    out += *id + "\n";
  }
  return out;
}

// The kept rootfs and, beside it, the identities of the layer stack it
// shows. The file exists only while the tree is exactly that stack: it is
// removed before a run changes the tree and written after the change set
// is complete.
class KeptRootfs {
 public:
  explicit KeptRootfs(const std::string& scratch)
      : rootfs_(scratch + "/rootfs"), stamp_(scratch + "/rootfs.stack") {
    fs::mkdir_p(scratch, 0700);
  }
  const std::string& path() const { return rootfs_; }

  // Leaves the rootfs showing `lowers`, reusing the kept tree when it does already.
  void prepare(const std::vector<std::string>& lowers) {
    std::optional<std::string> want = stack_identity(lowers);
    bool reuse = want && fs::exists(stamp_) && fs::exists(rootfs_) && fs::read_file(stamp_) == *want;
    if (::unlink(stamp_.c_str()) != 0 && errno != ENOENT) throw_sys("remove", stamp_);
    if (reuse) return;
    fs::remove_all(rootfs_);
    if (::mkdir(rootfs_.c_str(), 0755) != 0) throw_sys("mkdir", rootfs_);
    materialize_rootfs(lowers, rootfs_);
  }

  void settled(const std::vector<std::string>& stack) {
    std::optional<std::string> id = stack_identity(stack);
    if (id) fs::write_file_atomic(stamp_, *id, 0600);
  }

 private:
  std::string rootfs_, stamp_;
};

char read_byte(int fd) {
  char c = 0;
  ssize_t n;
  while ((n = ::read(fd, &c, 1)) < 0 && errno == EINTR) {
  }
  if (n < 0) throw_sys("read", "chroot run handshake");
  return n == 1 ? c : 0;
}

void write_byte(int fd) {
  char c = 1;
  if (::write(fd, &c, 1) != 1) throw_sys("write", "chroot run handshake");
}

}  // namespace

SandboxResult run_with_chroot(const SandboxSpec& spec, const std::string& scratch_dir) {
  if (spec.layers.lowers.empty()) throw Error("chroot run: no layers");
  std::optional<layers::IdMap> id_map;
  if (::geteuid() != 0) id_map = layers::current_user_id_map();
  KeptRootfs kept(scratch_dir);
  Pipe ready = make_pipe("chroot run handshake");
  Pipe go = make_pipe("chroot run handshake");
  SandboxResult result;

  // The tree is made, indexed and compared by one child process that lives
  // across the run, so the index never leaves its memory; rootless, that
  // child is root of the user namespace, where the tree's owners are the
  // image's ids and every file is readable. The run itself is hoist's.
  auto child = [&]() -> std::string {
    // An interrupt is hoist's to handle (it stops the run and reports it);
    // this process only ends early if hoist itself dies (parent-death signal).
    for (int sig : {SIGINT, SIGTERM}) ::signal(sig, SIG_IGN);
    ready.read.reset();
    go.write.reset();
    kept.prepare(spec.layers.lowers);
    TreeIndex before = index_tree(kept.path(), kMountedOver);
    write_byte(ready.write.get());
    ready.write.reset();
    if (read_byte(go.read.get()) != 1) return "";  // the run did not happen: hoist reports why
    DiffOptions options;
    options.excluded = kMountedOver;
    options.user_xattr = id_map.has_value();
    options.original = [&](const std::string& rel) { return open_in_layers(spec.layers.lowers, rel); };
    write_tree_diff(kept.path(), before, spec.layers.upper, options);
    std::vector<std::string> stack = spec.layers.lowers;
    if (!upper_is_empty(spec.layers.upper)) stack.insert(stack.begin(), spec.layers.upper);
    kept.settled(stack);
    return "";
  };
  auto parent = [&] {
    ready.write.reset();
    go.read.reset();
    UniqueFd go_write = std::move(go.write);  // closed however this ends: the child must not wait on it
    if (read_byte(ready.read.get()) != 1) return;  // the child failed: its error is the one
    result = run_chroot(spec, kept.path());
    // After an interrupt the build stops: no change set is wanted.
    if (!result.interrupted) write_byte(go_write.get());
  };
  layers::run_in_child(id_map ? &*id_map : nullptr, child, parent);
  return result;
}

}  // namespace hoist::builder
