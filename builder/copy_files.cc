#include "builder/copy_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "builder/copy_archive.h"
#include "builder/copy_resolve.h"
#include "builder/copy_sources.h"
#include "common/error.h"
#include "common/fd.h"

namespace hoist::builder {

namespace {

using layers::PathParts;

std::string show(const PathParts& p) { return "/" + layers::join_path(p); }

PathParts prefix(const PathParts& p, size_t n) { return PathParts(p.begin(), p.begin() + static_cast<long>(n)); }

// A destination names a directory when it ends in `/` or is `.` (or `..`).
bool names_directory(const std::string& dest) {
  if (dest.empty() || dest.back() == '/') return true;
  size_t slash = dest.rfind('/');
  std::string_view last = std::string_view(dest).substr(slash == std::string::npos ? 0 : slash + 1);
  return last == "." || last == "..";
}

// --parents: the part of the source path kept under the destination; a
// `/./` in it marks where that part starts (BuildKit).
PathParts kept_parents(const std::string& source) {
  size_t pivot = source.find("/./");
  return layers::clean_path(pivot == std::string::npos ? source : source.substr(pivot + 3));
}

// The layer side of one COPY: directories the destination needs, with the
// attributes the image gives them or those of a new directory.
class LayerDirs {
 public:
  LayerDirs(const std::string& image_root, const std::string& layer_dir, Owner created_owner, DirTimes& times)
      : layer_(layer_dir), created_owner_(created_owner), times_(times) {
    image_.reset(::open(image_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!image_.valid()) throw_sys("open", image_root);
  }

  // The image's directory at `parts` (no link followed), or an invalid fd.
  UniqueFd image_dir(const PathParts& parts) const {
    UniqueFd fd(::openat(image_.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    for (const auto& name : parts) {
      fd.reset(::openat(fd.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd.valid()) return fd;
    }
    return fd;
  }

  // Whether `parts` is a directory of the layer so far or of the image.
  bool is_dir(const PathParts& parts) const {
    if (layer_.open_dir(parts, parts.size()).valid()) return true;
    struct stat st;
    UniqueFd parent = image_dir(prefix(parts, parts.size() - 1));
    return parent.valid() && ::fstatat(parent.get(), parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISDIR(st.st_mode);
  }

  // Whether the layer or the image has something that is not a directory at `parts`.
  bool is_non_dir(const PathParts& parts) const {
    struct stat st;
    for (const UniqueFd& parent : {layer_.open_dir(parts, parts.size() - 1), image_dir(prefix(parts, parts.size() - 1))}) {
      if (parent.valid() && ::fstatat(parent.get(), parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          !S_ISDIR(st.st_mode))
        return true;
    }
    return false;
  }

  // Creates the directories of `parts` missing from the layer. One the image
  // has gets its mode, owner and mtime, so the layer leaves it as it was; a
  // new one is 0755, owned by root or the --chown owner, unless `like` (the
  // source's directories, for --parents) gives the mode and mtime from
  // `like_from` on.
  void ensure(const PathParts& parts, const std::vector<struct stat>* like = nullptr, size_t like_from = 0) {
    for (size_t i = 1; i <= parts.size(); ++i) {
      const PathParts here = prefix(parts, i);
      layers::DirCreatedHook hook = [&](int parent_fd, const std::string& name) {
        struct stat st;
        UniqueFd image_parent = image_dir(prefix(parts, i - 1));
        if (image_parent.valid() && ::fstatat(image_parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
          if (!S_ISDIR(st.st_mode)) throw Error(show(here) + " exists in the image and is not a directory");
          set(parent_fd, name, Owner{st.st_uid, st.st_gid}, st.st_mode & 07777, here);
          times_.emplace_back(here, st.st_mtim);
        } else if (like && i > like_from && i - like_from - 1 < like->size()) {
          const struct stat& src = (*like)[i - like_from - 1];
          set(parent_fd, name, created_owner_, src.st_mode & 07777, here);
          times_.emplace_back(here, src.st_mtim);
        } else {
          set(parent_fd, name, created_owner_, 0755, here);
        }
      };
      if (!layer_.open_dir(parts, i, &hook).valid()) throw Error(show(here) + ": not a directory");
    }
  }

 private:
  static void set(int parent_fd, const std::string& name, Owner owner, mode_t mode, const PathParts& here) {
    if (::fchownat(parent_fd, name.c_str(), owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) != 0)
      throw_sys("chown", show(here));
    if (::fchmodat(parent_fd, name.c_str(), mode, 0) != 0) throw_sys("chmod", show(here));
  }

  UniqueFd image_;
  layers::ConfinedRoot layer_;
  Owner created_owner_;
  DirTimes& times_;
};

struct Item {
  const CopySource* source;
  SourceMatch match;  // unused for a heredoc
};

void apply_dir_times(const std::string& layer_dir, const DirTimes& times) {
  layers::ConfinedRoot layer(layer_dir);
  for (const auto& [parts, mtime] : times) {
    UniqueFd fd = layer.open_dir(parts, parts.size());
    if (!fd.valid()) continue;  // an excluded directory that ended up empty and was removed
    UniqueFd dir(::openat(fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct timespec ts[2] = {mtime, mtime};
    if (!dir.valid() || ::futimens(dir.get(), ts) != 0) throw_sys("utimes", show(parts));
  }
}

}  // namespace

void copy_files(const CopyRequest& req, const std::string& image_root, const std::string& layer_dir) {
  if (req.sources.empty()) throw Error(req.keyword + " needs at least one source");
  const std::string dest = req.dest.starts_with("/") ? req.dest : req.workdir + "/" + req.dest;
  const bool dir_syntax = names_directory(req.dest);

  SourceRoot root(req.source_root, req.source_name, req.from_context ? req.ignore : nullptr);
  std::vector<Item> items;
  size_t named = 0;
  for (const auto& s : req.sources) {
    ++named;
    if (s.heredoc) {
      items.push_back({&s, {}});
      continue;
    }
    for (auto& m : root.expand(s.path)) items.push_back({&s, std::move(m)});
  }

  UniqueFd image(::open(image_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!image.valid()) throw_sys("open", image_root);
  ResolvedPath resolved = resolve_in_root(image.get(), image_root, layers::clean_path(dest), true);
  if (resolved.state == ResolvedPath::State::blocked)
    throw Error(req.keyword + " destination " + req.dest + ": " + show(resolved.parts) + " is not a directory");
  const PathParts target = resolved.parts;

  const Owner created_owner = req.chown.value_or(Owner{});
  std::optional<PatternMatcher> excludes;
  if (!req.excludes.empty()) excludes.emplace(req.excludes);
  // Files from the context belong to root (or --chown); another stage's keep their owners.
  TreeCopier copier(CopyAttrs{req.from_context ? std::optional<Owner>(created_owner) : req.chown, req.chmod},
                    root.ignore(), excludes ? &*excludes : nullptr, layer_dir);
  DirTimes& times = copier.dir_times();
  LayerDirs dirs(image_root, layer_dir, created_owner, times);

  bool dest_is_dir = target.empty() || dirs.is_dir(target);
  if ((named > 1 || items.size() > 1) && !dir_syntax && !dest_is_dir)
    throw Error("When using " + req.keyword + " with more than one source file, the destination must be a directory and end with a /: " + req.dest);
  if (dir_syntax || req.parents || dest_is_dir) {
    if (!target.empty() && dirs.is_non_dir(target))
      throw Error(req.keyword + " destination " + req.dest + " exists and is not a directory");
    dirs.ensure(target);
    dest_is_dir = true;
  } else if (!target.empty()) {
    dirs.ensure(prefix(target, target.size() - 1));
  }

  auto file_target = [&](const std::string& name) {
    if (!dest_is_dir) return target;
    PathParts t = target;
    t.push_back(name);
    return t;
  };

  const CopySource* previous = nullptr;
  for (const auto& item : items) {
    // BuildKit copies each source argument with a copier of its own: files
    // hardlinked in the context stay linked within one source, not across two.
    if (item.source != previous) copier.forget_links();
    previous = item.source;
    if (item.source->heredoc) {
      PathParts t = file_target(item.source->path);
      if (t.empty()) throw Error(req.keyword + " destination " + req.dest + " is the root directory");
      UniqueFd parent = dirs.image_dir(prefix(t, t.size() - 1));
      copier.write_file(t, *item.source->heredoc, parent.get());
      continue;
    }
    const SourceMatch& m = item.match;
    const bool is_dir = S_ISDIR(m.st.st_mode);
    if (req.parents) {
      PathParts kept = kept_parents(item.source->path);
      if (kept.size() > m.named.size()) kept = m.named;
      PathParts t = target;
      t.insert(t.end(), m.named.end() - static_cast<long>(kept.size()), m.named.end());
      if (t.size() == target.size()) {
        dirs.ensure(t);
        UniqueFd img = dirs.image_dir(t);
        copier.copy_children(root.fd(), m.real, t, img.get());
        continue;
      }
      // The source's own directories above it, for their modes and mtimes.
      std::vector<struct stat> like;
      for (size_t i = m.named.size() - kept.size() + 1; i < m.named.size(); ++i) {
        ResolvedPath p = resolve_in_root(root.fd(), root.dir(), prefix(m.named, i), true);
        if (p.state == ResolvedPath::State::found) like.push_back(p.st);
      }
      dirs.ensure(prefix(t, t.size() - 1), like.size() == kept.size() - 1 ? &like : nullptr, target.size());
      UniqueFd parent = dirs.image_dir(prefix(t, t.size() - 1));
      UniqueFd src_parent = layers::ConfinedRoot(root.dir()).open_dir(m.real, m.real.size() - 1);
      if (!src_parent.valid()) throw Error("\"" + item.source->path + "\": not found in the " + root.name());
      copier.copy_entry(src_parent.get(), m.real.back(), m.real, t, parent.get());
      continue;
    }
    if (is_dir) {
      if (!target.empty() && dirs.is_non_dir(target)) throw Error("cannot copy to non-directory: " + show(target));
      dirs.ensure(target);
      dest_is_dir = true;
      UniqueFd img = dirs.image_dir(target);
      copier.copy_children(root.fd(), m.real, target, img.get());
      continue;
    }
    const std::string what = item.source->path;
    if (req.add && S_ISREG(m.st.st_mode)) {
      UniqueFd fd(::openat(root.fd(), layers::join_path(m.real).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd.valid()) throw_sys("open", what);
      if (is_tar_archive(fd.get(), what)) {
        if (!target.empty() && dirs.is_non_dir(target)) throw Error("cannot extract to non-directory: " + show(target));
        dirs.ensure(target);
        dest_is_dir = true;
        extract_archive(fd.get(), what, layer_dir + show(target));
        continue;
      }
    }
    PathParts t = file_target(m.named.empty() ? m.real.back() : m.named.back());
    if (t.empty()) throw Error(req.keyword + " destination " + req.dest + " is the root directory");
    UniqueFd parent = dirs.image_dir(prefix(t, t.size() - 1));
    UniqueFd src_parent = layers::ConfinedRoot(root.dir()).open_dir(m.real, m.real.size() - 1);
    if (!src_parent.valid()) throw Error("\"" + what + "\": not found in the " + root.name());
    copier.copy_entry(src_parent.get(), m.real.back(), m.real, t, parent.get());
  }
  apply_dir_times(layer_dir, times);
}

}  // namespace hoist::builder
