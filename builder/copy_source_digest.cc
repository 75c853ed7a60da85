#include "builder/copy_source_digest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "builder/copy_resolve.h"
#include "builder/copy_sources.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

using layers::PathParts;

PathParts child(const PathParts& parent, const std::string& name) {
  PathParts p = parent;
  p.push_back(name);
  return p;
}

PathParts prefix(const PathParts& p, size_t n) { return PathParts(p.begin(), p.begin() + static_cast<long>(n)); }

// As copy_files: with --parents, the part of the source path kept under the
// destination starts after a `/./`.
PathParts kept_parents(const std::string& source) {
  size_t pivot = source.find("/./");
  return layers::clean_path(pivot == std::string::npos ? source : source.substr(pivot + 3));
}

std::string octal(unsigned v) {
  char buf[16];
  int n = std::snprintf(buf, sizeof buf, "%o", v);
  return std::string(buf, static_cast<size_t>(n));
}

// Walks the selection in copy order and hashes one record per kept entry.
// Records are length-prefixed fields, so no name or body can be mistaken for
// another field. They are buffered: under a directory that is excluded but
// walked for `!` exceptions, the directory's own record is only kept if
// something under it is (the copy removes it otherwise), so nothing is
// hashed until that is known.
class Digester {
 public:
  Digester(const CopyRequest& req, const SourceRoot& root, const PatternMatcher* exclude, StatIndex* index,
           CopySourceDigest& out)
      : owners_(!req.from_context), ignore_(root.ignore()), exclude_(exclude), index_(index), out_(out) {
    if (index_) {
      char* real = ::realpath(root.dir().c_str(), nullptr);
      if (!real) throw_sys("resolve", root.dir());
      abs_root_ = real;
      std::free(real);
    }
  }

  void field(std::string_view s) {
    buf_ += std::to_string(s.size());
    buf_ += ':';
    buf_ += s;
  }

  // An entry (and, for a directory, what is under it) as copy_one copies it:
  // `rel` is its path under the copied directory ({} for what was named as a
  // source, which is never filtered); returns how many entries were kept.
  size_t entry(int dir_fd, const std::string& name, const struct stat& st, const PathParts& src_real,
               const PathParts& rel, const PathParts& dst) {
    if (S_ISSOCK(st.st_mode)) return 0;  // a tar cannot carry a socket
    const bool is_dir = S_ISDIR(st.st_mode);
    bool excluded = false;
    if (!rel.empty()) {
      if (ignore_ && ignore_->matches(layers::join_path(src_real))) {
        if (!is_dir || !ignore_->has_exclusions()) return 0;
        excluded = true;
      }
      if (exclude_ && exclude_->matches(layers::join_path(rel))) {
        if (!is_dir || !exclude_->has_exclusions()) return 0;
        excluded = true;
      }
    }
    const size_t mark = buf_.size();
    header(is_dir ? "dir" : S_ISLNK(st.st_mode) ? "symlink" : S_ISREG(st.st_mode) ? "file" : "special", dst, st);

    if (is_dir) {
      if (excluded) ++held_;
      UniqueFd d(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!d.valid()) throw_sys("open", layers::join_path(src_real));
      size_t kept = children(d.get(), src_real, rel, dst);
      if (excluded) --held_;
      if (excluded && kept == 0) {
        buf_.resize(mark);
        return 0;
      }
      flush();
      return kept + 1;
    }
    if (S_ISLNK(st.st_mode)) {
      field(fs::read_link_at(dir_fd, name, layers::join_path(src_real)));
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      field(std::to_string(major(st.st_rdev)) + "," + std::to_string(minor(st.st_rdev)));
    } else if (S_ISREG(st.st_mode)) {
      // Hardlinks among the copied files stay hardlinks in the layer.
      if (st.st_nlink > 1) {
        auto [it, first] = links_.try_emplace({st.st_dev, st.st_ino}, layers::join_path(dst));
        if (!first) {
          field("link");
          field(it->second);
          flush();
          return 1;
        }
      }
      field(file_digest(dir_fd, name, st, src_real).str());
    }
    flush();
    return 1;
  }

  // What is inside the directory `dir_fd` (`src_real` in the root), copied to `dst`.
  size_t children(int dir_fd, const PathParts& src_real, const PathParts& rel, const PathParts& dst) {
    size_t kept = 0;
    for (const auto& name : fs::sorted_entries(dir_fd, show(src_real))) {
      struct stat st;
      if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        throw_sys("stat", layers::join_path(child(src_real, name)));
      kept += entry(dir_fd, name, st, child(src_real, name), child(rel, name), child(dst, name));
    }
    return kept;
  }

  oci::Digest finish() {
    hash_.update(buf_);
    buf_.clear();
    return hash_.finish();
  }

 private:
  static std::string show(const PathParts& p) { return p.empty() ? "." : layers::join_path(p); }

  void header(std::string_view type, const PathParts& dst, const struct stat& st) {
    field("entry");
    field(type);
    field(layers::join_path(dst));
    field(octal(st.st_mode & 07777));
    if (owners_) {
      field(std::to_string(st.st_uid));
      field(std::to_string(st.st_gid));
    }
  }

  // Hashes the buffered records unless a held-back directory may still drop them.
  void flush() {
    if (held_ > 0 || buf_.size() < (1 << 16)) return;
    hash_.update(buf_);
    buf_.clear();
  }

  oci::Digest file_digest(int dir_fd, const std::string& name, const struct stat& st, const PathParts& src_real) {
    const std::string what = layers::join_path(src_real);
    const std::string key = abs_root_ + "/" + what;
    if (index_) {
      if (auto d = index_->lookup(key, st)) {
        ++out_.files_from_index;
        return *d;
      }
    }
    struct timespec read_start {};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &read_start);
    UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) throw_sys("open", what);
    if (!chunk_) chunk_ = std::make_unique<char[]>(kChunk);
    oci::Sha256 h;
    uint64_t total = 0;
    for (;;) {
      ssize_t n = ::read(fd.get(), chunk_.get(), kChunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_sys("read", what);
      if (n == 0) break;
      h.update(chunk_.get(), static_cast<size_t>(n));
      total += static_cast<uint64_t>(n);
    }
    oci::Digest d = h.finish();
    ++out_.files_read;
    out_.bytes_read += total;
    struct stat after;
    if (index_ && ::fstat(fd.get(), &after) == 0 && unchanged(st, after) &&
        total == static_cast<uint64_t>(after.st_size) && StatIndex::settled(after, read_start))
      index_->store(key, after, d);
    return d;
  }

  // Whether the file stayed the one that was stat'ed, unmodified, while it was read.
  static bool unchanged(const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mode == b.st_mode &&
           a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
           a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
  }

  static constexpr size_t kChunk = 1 << 20;

  const bool owners_;
  const PatternMatcher* ignore_;
  const PatternMatcher* exclude_;
  StatIndex* index_;
  CopySourceDigest& out_;
  std::string abs_root_;
  oci::Sha256 hash_;
  std::string buf_;
  int held_ = 0;  // excluded directories open whose records may yet be dropped
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
  std::unique_ptr<char[]> chunk_;
};

}  // namespace

CopySourceDigest copy_source_digest(const CopyRequest& req, StatIndex* index) {
  if (req.sources.empty()) throw Error(req.keyword + " needs at least one source");
  SourceRoot root(req.source_root, req.source_name, req.from_context ? req.ignore : nullptr);
  // Expanded first, as copy_files does, so a missing source fails before any file is read.
  std::vector<std::pair<const CopySource*, SourceMatch>> items;
  for (const auto& s : req.sources) {
    if (s.heredoc) {
      items.emplace_back(&s, SourceMatch{});
      continue;
    }
    for (auto& m : root.expand(s.path)) items.emplace_back(&s, std::move(m));
  }
  std::optional<PatternMatcher> excludes;
  if (!req.excludes.empty()) excludes.emplace(req.excludes);

  CopySourceDigest out;
  Digester d(req, root, excludes ? &*excludes : nullptr, index, out);
  d.field("hoist copy source v1");
  d.field(req.add ? "add" : "copy");
  d.field(req.parents ? "parents" : "flat");
  d.field(req.from_context ? "root-owned" : "owners-kept");

  for (const auto& [source, m] : items) {
    if (source->heredoc) {
      d.field("heredoc");
      d.field(source->path);
      d.field(*source->heredoc);
      continue;
    }
    // What a source names, not how (the instruction text has that): `*.txt`
    // and `a.txt b.txt` selecting the same files give the same digest.
    d.field("source");
    d.field(layers::join_path(m.named));
    const bool is_dir = S_ISDIR(m.st.st_mode);
    const std::string what = m.real.empty() ? "." : layers::join_path(m.real);

    PathParts dst;  // where the match lands under the destination
    if (req.parents) {
      PathParts kept = kept_parents(source->path);
      if (kept.size() > m.named.size()) kept = m.named;
      dst.assign(m.named.end() - static_cast<long>(kept.size()), m.named.end());
      if (!dst.empty()) {
        // The directories created above it take these modes.
        for (size_t i = m.named.size() - kept.size() + 1; i < m.named.size(); ++i) {
          ResolvedPath p = resolve_in_root(root.fd(), root.dir(), prefix(m.named, i), true);
          d.field(p.state == ResolvedPath::State::found ? octal(p.st.st_mode & 07777) : "-");
        }
      }
    } else if (!is_dir) {
      dst.push_back(m.named.empty() ? m.real.back() : m.named.back());
    }

    // A directory's contents, copied into the destination (a source that
    // resolves to the root itself has no name of its own to copy it under).
    if (dst.empty() || m.real.empty()) {
      UniqueFd src(::openat(root.fd(), what.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!src.valid()) throw_sys("open", what);
      d.children(src.get(), m.real, {}, {});
      continue;
    }
    UniqueFd parent = layers::ConfinedRoot(root.dir()).open_dir(m.real, m.real.size() - 1);
    if (!parent.valid()) throw Error("\"" + source->path + "\": not found in the " + root.name());
    struct stat st;
    if (::fstatat(parent.get(), m.real.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("stat", what);
    d.entry(parent.get(), m.real.back(), st, m.real, {}, dst);
  }
  out.digest = d.finish();
  return out;
}

}  // namespace hoist::builder
