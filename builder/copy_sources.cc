#include "builder/copy_sources.h"

#include <fcntl.h>

#include <algorithm>

#include "builder/copy_resolve.h"
#include "common/error.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

std::vector<std::string> list_dir(int parent_fd, const layers::PathParts& parts, const std::string& what) {
  UniqueFd dir(::openat(parent_fd, parts.empty() ? "." : layers::join_path(parts).c_str(),
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) throw_sys("open", what);
  return fs::sorted_entries(dir.get(), what);
}

// One path component against one wildcard component. PatternMatcher's glob
// is filepath.Match when the pattern has no `/`; a leading `!` must stay a
// literal rather than become an exception.
bool component_matches(const std::string& pattern, const std::string& name) {
  PatternMatcher m({pattern[0] == '!' ? "\\" + pattern : pattern});
  return !m.patterns().empty() && m.matches_exact(name);
}

}  // namespace

bool has_wildcard(std::string_view path) {
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '\\') {
      ++i;
    } else if (path[i] == '*' || path[i] == '?' || path[i] == '[') {
      return true;
    }
  }
  return false;
}

SourceRoot::SourceRoot(const std::string& dir, std::string name, const PatternMatcher* ignore)
    : dir_(dir), name_(std::move(name)), ignore_(ignore) {
  fd_.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd_.valid()) throw_sys("open", dir);
}

bool SourceRoot::ignored(const layers::PathParts& real, bool is_dir) const {
  if (!ignore_ || real.empty()) return false;
  if (!ignore_->matches(layers::join_path(real))) return false;
  return !(is_dir && ignore_->has_exclusions());
}

// The resolved path (every link followed, inside the root) when it exists
// and the context has it.
bool SourceRoot::resolve(const layers::PathParts& named, SourceMatch& out) const {
  ResolvedPath r = resolve_in_root(fd_.get(), dir_, named, true);
  if (r.state != ResolvedPath::State::found) return false;
  if (ignored(r.parts, S_ISDIR(r.st.st_mode))) return false;
  out.named = named;
  out.real = std::move(r.parts);
  out.st = r.st;
  return true;
}

std::vector<SourceMatch> SourceRoot::expand(const std::string& source) const {
  const layers::PathParts named = layers::clean_path(source);
  std::vector<SourceMatch> out;
  if (!has_wildcard(source)) {
    SourceMatch m;
    if (!resolve(named, m)) {
      throw Error("\"" + source + "\": not found in the " + name_ +
                  (ignore_ ? " (or excluded by .dockerignore)" : ""));
    }
    out.push_back(std::move(m));
    return out;
  }
  // Candidates grow one component at a time; a wildcard component lists the
  // directory its prefix resolves to.
  std::vector<layers::PathParts> candidates = {{}};
  for (const auto& part : named) {
    std::vector<layers::PathParts> next;
    for (auto& prefix : candidates) {
      if (!has_wildcard(part)) {
        prefix.push_back(part);
        next.push_back(std::move(prefix));
        continue;
      }
      ResolvedPath dir = resolve_in_root(fd_.get(), dir_, prefix, true);
      if (dir.state != ResolvedPath::State::found || !S_ISDIR(dir.st.st_mode)) continue;
      for (const auto& name : list_dir(fd_.get(), dir.parts, dir_ + "/" + layers::join_path(dir.parts))) {
        if (!component_matches(part, name)) continue;
        layers::PathParts p = prefix;
        p.push_back(name);
        next.push_back(std::move(p));
      }
    }
    candidates = std::move(next);
  }
  for (const auto& c : candidates) {
    SourceMatch m;
    if (resolve(c, m)) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace hoist::builder
