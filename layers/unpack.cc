#include "layers/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <exception>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "layers/confined_path.h"
#include "layers/unpack_fs.h"

namespace hoist::layers {

UnpackOptions::UnpackOptions() : preserve_owner(::geteuid() == 0) {}

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kWhiteoutMeta = ".wh..wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

Error invalid_archive(const std::string& why) { return Error("invalid archive: " + why); }

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// A name is refused, never cut short, when its path on the host (`dest`,
// "/", the name, the NUL) is past PATH_MAX: the unpack itself works through
// *at() calls, but the tools that later walk or remove the layer, hoist's
// own included, take whole paths. docker and containerd, which join paths
// the same way, fail on such names too (ENAMETOOLONG). Below `dest` the name
// is also shorter than the container's own limit for "/" + name.
void check_length(const PathParts& parts, size_t dest_length, const std::string& what) {
  size_t length = parts.empty() ? 0 : parts.size() - 1;
  for (const auto& p : parts) length += p.size();
  if (dest_length + 1 + length + 1 > PATH_MAX)
    throw invalid_archive(what + " is " + std::to_string(length) + " bytes: below the " +
                          std::to_string(dest_length) + "-byte destination path that is longer than PATH_MAX (" +
                          std::to_string(PATH_MAX) + ") allows");
}

// An archive name for a one-line message: a name thousands of bytes long is
// shown by its start and its length.
std::string shown_name(const char* raw) {
  std::string name(raw);
  if (name.size() <= 256) return "\"" + name + "\"";
  return "\"" + name.substr(0, 96) + "...\" (" + std::to_string(name.size()) + " bytes)";
}

bool is_overlay_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == ::makedev(0, 0); }

// The attributes of one entry, read from its header before anything is written.
struct Meta {
  mode_t perm = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  struct timespec times[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};  // atime, mtime
  std::vector<std::pair<std::string, std::string>> xattrs;
};

Meta read_meta(archive_entry* e, const std::string& what) {
  Meta m;
  m.perm = archive_entry_perm(e) & 07777;
  int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
  // (uid_t)-1 means "leave unchanged" to chown: never a real owner.
  if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
    throw invalid_archive("owner " + std::to_string(uid) + ":" + std::to_string(gid) + " out of range for " +
                          what);
  m.uid = static_cast<uid_t>(uid);
  m.gid = static_cast<gid_t>(gid);
  if (archive_entry_mtime_is_set(e)) m.times[1] = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
  m.times[0] = archive_entry_atime_is_set(e)
                   ? timespec{archive_entry_atime(e), archive_entry_atime_nsec(e)}
                   : m.times[1];
  // libarchive reports pax SCHILY.xattr.* and LIBARCHIVE.xattr.* records
  // alike, so an attribute written both ways appears twice: keep the last.
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    std::string v(static_cast<const char*>(value), size);
    auto it = std::find_if(m.xattrs.begin(), m.xattrs.end(), [&](const auto& x) { return x.first == name; });
    if (it != m.xattrs.end()) {
      it->second = std::move(v);
    } else {
      m.xattrs.emplace_back(name, std::move(v));
    }
  }
  return m;
}

void pwrite_all(int fd, const void* data, size_t size, int64_t offset, const std::string& what) {
  auto* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::pwrite(fd, p, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_sys("write", what);
    }
    p += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
}

// Pulls the tar bytes from a Reader for libarchive; an exception thrown by
// the Reader is carried across the C callback and rethrown by check().
class TarSource {
 public:
  explicit TarSource(Reader& in) : in_(in), buf_(1 << 16), a_(archive_read_new()) {
    if (!a_) throw Error("archive_read_new failed");
    archive_read_support_format_tar(a_);
    archive_read_support_format_empty(a_);  // a zero-byte layer has no entries
    try {
      check(archive_read_open(a_, this, nullptr, &TarSource::read_cb, nullptr));
    } catch (...) {
      archive_read_free(a_);  // no destructor runs for a throwing constructor
      throw;
    }
  }
  ~TarSource() { archive_read_free(a_); }
  TarSource(const TarSource&) = delete;
  TarSource& operator=(const TarSource&) = delete;

  archive* get() const { return a_; }

  // Throws unless `rc` is OK, WARN or EOF; returns whether it was EOF.
  bool check(int rc) {
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    if (rc == ARCHIVE_EOF) return true;
    if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN) return false;
    const char* msg = archive_error_string(a_);
    throw Error(std::string("reading tar: ") + (msg ? msg : "unknown error"));
  }

 private:
  static la_ssize_t read_cb(archive* a, void* self_ptr, const void** out) {
    auto* self = static_cast<TarSource*>(self_ptr);
    try {
      size_t n = self->in_.read(self->buf_.data(), self->buf_.size());
      *out = self->buf_.data();
      return static_cast<la_ssize_t>(n);
    } catch (...) {
      self->error_ = std::current_exception();
      archive_set_error(a, EIO, "read failed");
      return -1;
    }
  }

  Reader& in_;
  std::vector<char> buf_;
  archive* a_;
  std::exception_ptr error_;
};

class Unpacker {
 public:
  Unpacker(const std::string& dest, const UnpackOptions& options)
      : root_(dest), options_(options) {
    implied_ = [this](int parent, const std::string& name) { implied_dir(parent, name); };
  }

  void entry(TarSource& src, archive_entry* e);
  void finish();

  UnpackStats stats;

 private:
  struct PendingDir {
    PathParts parts;
    dev_t dev;
    ino_t ino;
    Meta meta;
  };

  std::string where(const PathParts& parts) const { return root_.path() + "/" + join_path(parts); }
  void implied_dir(int parent, const std::string& name);
  bool clear_for(int parent, const std::string& name, bool want_dir, const std::string& what);
  void apply_meta(int parent, const std::string& name, int fd, mode_t type, const Meta& m, const std::string& what);
  void set_opaque(int dir_fd, const std::string& what);

  void make_dir(int parent, const PathParts& parts, Meta meta);
  void make_file(TarSource& src, archive_entry* e, int parent, const PathParts& parts, const Meta& meta);
  void make_symlink(int parent, const PathParts& parts, const std::string& target, const Meta& meta);
  void make_node(int parent, const PathParts& parts, mode_t type, dev_t dev, const Meta& meta);
  void make_hardlink(int parent, const PathParts& parts, const std::string& linkname);
  void whiteout(const PathParts& parts);
  void opaque(const PathParts& parts);

  ConfinedRoot root_;
  UnpackOptions options_;
  DirCreatedHook implied_;
  LayerNames created_;
  LayerNames overlay_whiteouts_;
  std::vector<PendingDir> dirs_;
};

// Directories the archive implies but does not list: 0755 whatever the
// umask, owned by root when owners are kept (moby's ImpliedDirectoryMode).
void Unpacker::implied_dir(int parent, const std::string& name) {
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", name);
  if (options_.preserve_owner && ::fchown(fd.get(), 0, 0) != 0) throw_sys("chown", name);
  if (::fchmod(fd.get(), 0755) != 0) throw_sys("chmod", name);
  created_.add(parent, name);
}

// Makes room for a new entry: an existing directory stays when the entry is
// a directory too (its attributes are updated later); anything else is
// removed, a symlink itself rather than what it points to. Returns whether
// the directory was kept.
bool Unpacker::clear_for(int parent, const std::string& name, bool want_dir, const std::string& what) {
  struct stat st;
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    throw_sys("stat", what);
  }
  if (want_dir && S_ISDIR(st.st_mode)) return true;
  remove_entry(parent, name, nullptr, what);
  return false;
}

// Order matters: chown clears setuid/setgid and file capabilities, so
// ownership goes first, then xattrs, then the mode, then the times.
void Unpacker::apply_meta(int parent, const std::string& name, int fd, mode_t type, const Meta& m,
                          const std::string& what) {
  if (options_.preserve_owner) {
    int rc = fd >= 0 ? ::fchown(fd, m.uid, m.gid) : ::fchownat(parent, name.c_str(), m.uid, m.gid, AT_SYMLINK_NOFOLLOW);
    if (rc != 0) throw_sys("chown " + std::to_string(m.uid) + ":" + std::to_string(m.gid), what);
  }
  for (const auto& [key, value] : m.xattrs) set_xattr(parent, name, fd, type, key, value, what);
  if (!S_ISLNK(type)) {
    // Without an open fd this is a device or fifo just made by mknodat in
    // a directory only this process writes: the name cannot have become a symlink.
    int rc = fd >= 0 ? ::fchmod(fd, m.perm) : ::fchmodat(parent, name.c_str(), m.perm, 0);
    if (rc != 0) throw_sys("chmod", what);
  }
  int rc = fd >= 0 ? ::futimens(fd, m.times) : ::utimensat(parent, name.c_str(), m.times, AT_SYMLINK_NOFOLLOW);
  if (rc != 0) throw_sys("utimens", what);
}

void Unpacker::set_opaque(int dir_fd, const std::string& what) {
  UniqueFd fd(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", what);
  const char* key = options_.user_xattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
  if (::fsetxattr(fd.get(), key, "y", 1, 0) != 0)
    throw sys_error(std::string("setxattr ") + key + " (overlay opaque directory)", what, errno);
}

void Unpacker::entry(TarSource& src, archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  if (!raw) raw = archive_entry_pathname_utf8(e);
  if (!raw) throw invalid_archive("entry without a name");
  try {
    ++stats.entries;
    PathParts parts = clean_path(raw);
    check_length(parts, root_.path().size(), "name");
    // A name for the root itself ("./", "/", ".."): the root is not the
    // layer's to change, and containerd skips these the same way.
    if (parts.empty()) return;
    if (starts_with(parts.back(), kWhiteoutPrefix)) return whiteout(parts);

    std::string what = where(parts);
    mode_t type = archive_entry_filetype(e);
    dev_t dev = 0;
    if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO) {
      uint64_t major = archive_entry_rdevmajor(e), minor = archive_entry_rdevminor(e);
      if (major > UINT32_MAX || minor > UINT32_MAX)
        throw invalid_archive("device number out of range for " + what);
      dev = ::makedev(static_cast<unsigned>(major), static_cast<unsigned>(minor));
    }
    const char* hardlink = archive_entry_hardlink(e);
    Meta meta = hardlink ? Meta{} : read_meta(e, what);

    UniqueFd parent = root_.open_dir(parts, parts.size() - 1, &implied_);
    if (hardlink) return make_hardlink(parent.get(), parts, hardlink);
    switch (type) {
      case AE_IFDIR:
        return make_dir(parent.get(), parts, std::move(meta));
      case AE_IFREG:
        return make_file(src, e, parent.get(), parts, meta);
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(e);
        if (!target) target = archive_entry_symlink_utf8(e);
        return make_symlink(parent.get(), parts, target ? target : "", meta);
      }
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO:
        return make_node(parent.get(), parts, type, dev, meta);
      default:
        throw invalid_archive("unsupported entry type " + std::to_string(type) + " for " + what);
    }
  } catch (Error& err) {
    err.context("unpacking entry " + shown_name(raw));
    throw;
  }
}

void Unpacker::make_dir(int parent, const PathParts& parts, Meta meta) {
  const std::string& name = parts.back();
  std::string what = where(parts);
  // In overlay form a directory replacing this layer's whiteout of the same
  // name must still hide the lower one: it becomes opaque.
  bool over_whiteout = options_.whiteouts == WhiteoutMode::Overlay &&
                       overlay_whiteouts_.contains(stat_fd(parent, what), name);
  if (!clear_for(parent, name, true, what)) {
    // Owner-only until finish(): an unprivileged unpack must still be able
    // to create the children of a directory whose final mode forbids it.
    if (::mkdirat(parent, name.c_str(), 0700) != 0) throw_sys("mkdir", what);
    created_.add(parent, name);
  }
  UniqueFd fd(::openat(parent, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", what);
  if (over_whiteout) set_opaque(fd.get(), what);
  struct stat st = stat_fd(fd.get(), what);
  dirs_.push_back(PendingDir{parts, st.st_dev, st.st_ino, std::move(meta)});
}

void Unpacker::make_file(TarSource& src, archive_entry* e, int parent, const PathParts& parts, const Meta& meta) {
  const std::string& name = parts.back();
  std::string what = where(parts);
  clear_for(parent, name, false, what);
  UniqueFd fd(::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) throw_sys("create", what);
  created_.add(parent, name);

  const void* buf;
  size_t len;
  la_int64_t offset;
  // Blocks come with their offsets so sparse files keep their holes.
  while (!src.check(archive_read_data_block(src.get(), &buf, &len, &offset))) {
    pwrite_all(fd.get(), buf, len, offset, what);
    stats.bytes += len;
  }
  if (archive_entry_size_is_set(e)) {
    struct stat st = stat_fd(fd.get(), what);
    if (st.st_size < archive_entry_size(e) && ::ftruncate(fd.get(), archive_entry_size(e)) != 0)
      throw_sys("truncate", what);
  }
  apply_meta(parent, name, fd.get(), S_IFREG, meta, what);
}

void Unpacker::make_symlink(int parent, const PathParts& parts, const std::string& target, const Meta& meta) {
  const std::string& name = parts.back();
  std::string what = where(parts);
  clear_for(parent, name, false, what);
  // The target is stored as written: it is only ever followed by the
  // confined resolver, so an absolute or escaping target stays inside.
  if (::symlinkat(target.c_str(), parent, name.c_str()) != 0) throw_sys("symlink", what);
  created_.add(parent, name);
  apply_meta(parent, name, -1, S_IFLNK, meta, what);
}

void Unpacker::make_node(int parent, const PathParts& parts, mode_t type, dev_t dev, const Meta& meta) {
  const std::string& name = parts.back();
  std::string what = where(parts);
  clear_for(parent, name, false, what);
  if (::mknodat(parent, name.c_str(), type | 0600, dev) != 0) {
    if (errno == EPERM && type != AE_IFIFO)
      throw Error("creating device node " + what +
                  ": not permitted (device nodes need root on the host; a user namespace cannot make them)");
    throw_sys("mknod", what);
  }
  created_.add(parent, name);
  apply_meta(parent, name, -1, type, meta, what);
}

// The link target is an archive path, resolved inside the root like any
// entry name. The new name shares the target's inode, attributes included,
// so the link header's own attributes are not applied: doing so would chmod
// whatever the target is (for a hardlinked symlink, what it points to).
void Unpacker::make_hardlink(int parent, const PathParts& parts, const std::string& linkname) {
  const std::string& name = parts.back();
  std::string what = where(parts);
  PathParts target = clean_path(linkname);
  if (target.empty()) throw invalid_archive("hardlink " + what + " to the root directory");
  check_length(target, root_.path().size(), "hardlink target");
  UniqueFd tparent = root_.open_dir(target, target.size() - 1);
  struct stat st;
  if (!tparent.valid() || ::fstatat(tparent.get(), target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    throw Error("hardlink " + what + ": target \"" + linkname + "\" not found in the layer or below");
  if (S_ISDIR(st.st_mode)) throw invalid_archive("hardlink " + what + " to directory \"" + linkname + "\"");
  // In overlay form a whiteout is a 0/0 device: a link to it would be one
  // more whiteout, not the file the layer names. Flattened, the file is gone.
  if (options_.whiteouts == WhiteoutMode::Overlay && is_overlay_whiteout(st))
    throw Error("hardlink " + what + ": target \"" + linkname + "\" is whited out by this layer");
  struct stat tdir = stat_fd(tparent.get(), what), pdir = stat_fd(parent, what);
  if (tdir.st_dev == pdir.st_dev && tdir.st_ino == pdir.st_ino && target.back() == name) return;
  clear_for(parent, name, false, what);
  if (::linkat(tparent.get(), target.back().c_str(), parent, name.c_str(), 0) != 0) throw_sys("link", what);
  created_.add(parent, name);
}

void Unpacker::whiteout(const PathParts& parts) {
  const std::string& base = parts.back();
  if (base == kOpaqueMarker) return opaque(parts);
  // Other ".wh..wh." names are aufs bookkeeping (.wh..wh.plnk, ...), not files.
  if (starts_with(base, kWhiteoutMeta)) return;
  std::string hidden = base.substr(kWhiteoutPrefix.size());
  std::string what = where(parts);
  if (hidden.empty() || hidden == "." || hidden == "..") throw invalid_archive("whiteout \"" + base + "\"");

  PathParts target = parts;
  target.back() = hidden;
  std::string target_what = where(target);
  bool overlay = options_.whiteouts == WhiteoutMode::Overlay;
  UniqueFd parent = root_.open_dir(parts, parts.size() - 1, overlay ? &implied_ : nullptr);
  if (!parent.valid()) return;  // nothing there to hide
  struct stat pst = stat_fd(parent.get(), what);
  struct stat st;
  bool exists = ::fstatat(parent.get(), hidden.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (!exists && errno != ENOENT) throw_sys("stat", target_what);

  if (exists && created_.contains(pst, hidden)) {
    // Files of this same layer are not hidden by its whiteouts; in overlay
    // form the lower directory of that name still must be.
    if (overlay && S_ISDIR(st.st_mode)) {
      UniqueFd dir(::openat(parent.get(), hidden.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dir.valid()) throw_sys("open", target_what);
      set_opaque(dir.get(), target_what);
    }
    return;
  }
  if (exists) remove_entry(parent.get(), hidden, &created_, target_what);
  if (!overlay) return;

  if (::mknodat(parent.get(), hidden.c_str(), S_IFCHR, ::makedev(0, 0)) != 0) {
    if (errno == EPERM)
      throw Error("creating overlay whiteout " + target_what +
                  ": not permitted (kernels before 5.8 allow 0/0 character devices only with CAP_MKNOD; "
                  "unpack with whiteout mode Apply)");
    throw_sys("mknod", target_what);
  }
  if (options_.preserve_owner && ::fchownat(parent.get(), hidden.c_str(), 0, 0, AT_SYMLINK_NOFOLLOW) != 0)
    throw_sys("chown", target_what);
  created_.add(parent.get(), hidden);
  overlay_whiteouts_.add(parent.get(), hidden);
}

// Removing now everything not written by this layer is the same as applying
// the marker before the layer's other entries, wherever it sits in the tar.
void Unpacker::opaque(const PathParts& parts) {
  bool overlay = options_.whiteouts == WhiteoutMode::Overlay;
  PathParts dir_parts(parts.begin(), parts.end() - 1);
  std::string what = root_.path() + (dir_parts.empty() ? "" : "/" + join_path(dir_parts));
  UniqueFd dir = root_.open_dir(parts, parts.size() - 1, overlay ? &implied_ : nullptr);
  if (!dir.valid()) return;
  if (overlay) return set_opaque(dir.get(), what);
  remove_children(dir.get(), &created_, what);
}

// Directory attributes go last, deepest first: creating children would
// change a parent's mtime, and a mode without write or search permission
// would stop an unprivileged unpack from filling it.
void Unpacker::finish() {
  std::stable_sort(dirs_.begin(), dirs_.end(),
                   [](const PendingDir& a, const PendingDir& b) { return a.parts.size() > b.parts.size(); });
  for (const PendingDir& d : dirs_) {
    std::string what = where(d.parts);
    UniqueFd parent = root_.open_dir(d.parts, d.parts.size() - 1);
    if (!parent.valid()) continue;  // removed by a later entry
    UniqueFd fd(::openat(parent.get(), d.parts.back().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) continue;
      throw_sys("open", what);
    }
    struct stat st = stat_fd(fd.get(), what);
    if (st.st_dev != d.dev || st.st_ino != d.ino) continue;  // replaced by a later entry
    apply_meta(parent.get(), d.parts.back(), fd.get(), S_IFDIR, d.meta, what);
  }
}

}  // namespace

UnpackStats unpack_tar(Reader& tar, const std::string& dest, const UnpackOptions& options) {
  Unpacker unpacker(dest, options);
  TarSource src(tar);
  archive_entry* e;
  while (!src.check(archive_read_next_header(src.get(), &e))) unpacker.entry(src, e);
  unpacker.finish();
  return unpacker.stats;
}

}  // namespace hoist::layers
