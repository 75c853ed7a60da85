#include "layers/confined_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::layers {

namespace {

// Linux's own limit on symlinks followed in one lookup.

// Kernels older than 5.6, and seccomp profiles that predate openat2, answer
// ENOSYS (or EPERM); the userspace walk gives the same answer, only slower.
std::atomic<bool> g_openat2_missing{false};
std::atomic<bool> g_kernel_enabled{true};

std::string describe(const std::string& root, const std::string& rel) {
  return rel.empty() ? root : root + "/" + rel;
}

UniqueFd reopen_path(int fd, const std::string& what) {
  UniqueFd out(::openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!out.valid()) throw_sys("open", what);
  return out;
}

}  // namespace

void use_kernel_resolution(bool enabled) { g_kernel_enabled = enabled; }

PathParts clean_path(std::string_view name) {
  PathParts parts;
  size_t pos = 0;
  while (pos <= name.size()) {
    size_t slash = name.find('/', pos);
    if (slash == std::string_view::npos) slash = name.size();
    std::string_view part = name.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  return parts;
}

PathParts split_link_target(std::string_view target) {
  PathParts out;
  size_t pos = 0;
  while (pos <= target.size()) {
    size_t slash = target.find('/', pos);
    if (slash == std::string_view::npos) slash = target.size();
    out.emplace_back(target.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

std::string join_path(const PathParts& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < parts.size() && i < count; ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

ConfinedRoot::ConfinedRoot(const std::string& dir) : path_(dir) {
  root_.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_.valid()) throw_sys("open", dir);
}

UniqueFd ConfinedRoot::open_kernel(const std::string& rel, bool& missing) const {
  missing = false;
  struct open_how how = {};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < 8; ++attempt) {
    long fd = ::syscall(SYS_openat2, root_.get(), rel.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    switch (errno) {
      case EINTR:
      case EAGAIN:  // a concurrent rename raced a ".."; the kernel asks to retry
        continue;
      case ENOENT:
      case ENOTDIR:
        missing = true;
        return {};
      case ENOSYS:
      case EPERM:
        g_openat2_missing = true;
        return {};
      default:
        throw_sys("openat2", describe(path_, rel));
    }
  }
  return {};  // still racing: let the walk answer
}

UniqueFd ConfinedRoot::open_dir(const PathParts& parts, size_t count,
                                const DirCreatedHook* on_create) const {
  if (count > parts.size()) count = parts.size();
  if (count == 0) return reopen_path(root_.get(), path_);
  if (g_kernel_enabled && !g_openat2_missing) {
    bool missing = false;
    UniqueFd fd = open_kernel(join_path(parts, count), missing);
    if (fd.valid()) return fd;
  }
  return walk(parts, count, on_create);
}

// The userspace twin of RESOLVE_IN_ROOT: one component at a time, each opened
// with O_NOFOLLOW from the directory before it, symlinks expanded by hand
// (absolute ones restart at the root), ".." popping a stack of directories
// already reached so it can never rise above the root. Creation of missing
// directories happens here because openat2 cannot create.
UniqueFd ConfinedRoot::walk(const PathParts& parts, size_t count,
                            const DirCreatedHook* on_create) const {
  std::deque<std::string> pending(parts.begin(), parts.begin() + static_cast<long>(count));
  std::vector<UniqueFd> stack;
  stack.push_back(reopen_path(root_.get(), path_));
  PathParts at;  // where the top of the stack is, for messages
  int links = 0;

  while (!pending.empty()) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      if (stack.size() > 1) {
        stack.pop_back();
        at.pop_back();
      }
      continue;
    }
    int cur = stack.back().get();
    std::string here = describe(path_, join_path(at) + (at.empty() ? "" : "/") + name);

    struct stat st;
    if (::fstatat(cur, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) throw_sys("stat", here);
      // "missing/.." cancels out, as continuity's fs.RootPath cleans link
      // text (containerd's HardlinkRelativeUpAndOut relies on it); the kernel
      // would fail the lookup instead, so openat2 leaves such paths to us.
      if (!pending.empty() && pending.front() == "..") {
        pending.pop_front();
        continue;
      }
      if (!on_create) return {};
      if (::mkdirat(cur, name.c_str(), 0755) != 0) {
        if (errno != EEXIST) throw_sys("mkdir", here);
      } else {
        (*on_create)(cur, name);
      }
      pending.push_front(std::move(name));  // look again: it is a directory now
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      if (++links > kMaxSymlinks) throw sys_error("resolve", here, ELOOP);
      std::string target = fs::read_link_at(cur, name, here);
      if (!target.empty() && target[0] == '/') {
        stack.resize(1);
        at.clear();
      }
      PathParts expansion = split_link_target(target);
      pending.insert(pending.begin(), expansion.begin(), expansion.end());
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      if (!on_create) return {};
      throw sys_error("resolve", here, ENOTDIR);
    }
    UniqueFd next(::openat(cur, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) throw_sys("open", here);
    stack.push_back(std::move(next));
    at.push_back(std::move(name));
  }
  return std::move(stack.back());
}

}  // namespace hoist::layers
