#include "builder/copy_resolve.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace hoist::builder {

ResolvedPath resolve_in_root(int root_fd, const std::string& root_name, const layers::PathParts& path,
                             bool follow_last) {
  ResolvedPath out;
  std::deque<std::string> pending(path.begin(), path.end());
  std::vector<UniqueFd> stack;  // open directories of out.parts, root first
  stack.emplace_back(::openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!stack.back().valid()) throw_sys("open", root_name);
  int links = 0;
  auto where = [&](const std::string& name) {
    return root_name + "/" + layers::join_path(out.parts) + (out.parts.empty() ? "" : "/") + name;
  };

  while (!pending.empty()) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      if (stack.size() > 1) {
        stack.pop_back();
        out.parts.pop_back();
      }
      continue;
    }
    struct stat st;
    if (::fstatat(stack.back().get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) throw_sys("stat", where(name));
      out.state = ResolvedPath::State::missing;
      out.parts.push_back(std::move(name));
      for (auto& rest : pending) {
        if (rest.empty() || rest == ".") continue;
        if (rest == "..") {
          if (!out.parts.empty()) out.parts.pop_back();
        } else {
          out.parts.push_back(std::move(rest));
        }
      }
      return out;
    }
    const bool last = pending.empty();
    if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
      if (++links > layers::kMaxSymlinks) throw sys_error("resolve", where(name), ELOOP);
      std::string target = fs::read_link_at(stack.back().get(), name, where(name));
      if (!target.empty() && target[0] == '/') {
        stack.resize(1);
        out.parts.clear();
      }
      auto expansion = layers::split_link_target(target);
      pending.insert(pending.begin(), expansion.begin(), expansion.end());
      continue;
    }
    if (last) {
      out.state = ResolvedPath::State::found;
      out.parts.push_back(std::move(name));
      out.st = st;
      return out;
    }
    if (!S_ISDIR(st.st_mode)) {
      out.state = ResolvedPath::State::blocked;
      out.parts.push_back(std::move(name));
      out.st = st;
      return out;
    }
    UniqueFd next(::openat(stack.back().get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) throw_sys("open", where(name));
    stack.push_back(std::move(next));
    out.parts.push_back(std::move(name));
  }
  // The root itself (an empty path, or one that `..`s back to it).
  if (::fstat(stack.back().get(), &out.st) != 0) throw_sys("stat", root_name);
  out.state = ResolvedPath::State::found;
  return out;
}

}  // namespace hoist::builder
