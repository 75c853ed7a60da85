#include "layers/layer_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <locale.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/layer_pipeline.h"

namespace hoist::layers {

namespace {

// Overlay bookkeeping is not file content and must never reach a layer.
bool is_overlay_xattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

std::vector<std::pair<std::string, std::string>> read_xattrs(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  ssize_t len = ::llistxattr(path.c_str(), nullptr, 0);
  if (len <= 0) return out;  // no xattrs, or a filesystem without them
  std::string names(static_cast<size_t>(len), '\0');
  len = ::llistxattr(path.c_str(), names.data(), names.size());
  if (len < 0) throw_sys("listxattr", path);
  names.resize(static_cast<size_t>(len));
  for (size_t pos = 0; pos < names.size();) {
    std::string name(names.c_str() + pos);
    pos += name.size() + 1;
    if (name.empty() || is_overlay_xattr(name)) continue;
    ssize_t vlen = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (vlen < 0) {
      if (errno == ENODATA) continue;
      throw_sys("getxattr " + name, path);
    }
    std::string value(static_cast<size_t>(vlen), '\0');
    vlen = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    if (vlen < 0) throw_sys("getxattr " + name, path);
    value.resize(static_cast<size_t>(vlen));
    out.emplace_back(std::move(name), std::move(value));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// libarchive converts names through the calling thread's LC_CTYPE: a UTF-8
// name is written plainly under C.UTF-8 but flagged hdrcharset=BINARY under
// C, so the same tree would give other bytes (and digests) in another
// locale. Every libarchive call of the writer runs in the C locale.
class CLocaleScope {
 public:
  CLocaleScope() : previous_(::uselocale(c_locale())) {}
  ~CLocaleScope() { ::uselocale(previous_); }
  CLocaleScope(const CLocaleScope&) = delete;
  CLocaleScope& operator=(const CLocaleScope&) = delete;

 private:
  static locale_t c_locale() {
    static const locale_t c = ::newlocale(LC_ALL_MASK, "C", locale_t{});
    return c;
  }
  locale_t previous_;
};

bool has_opaque_marker(const std::string& path, bool user_xattr) {
  const char* name = user_xattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
  char v[2];
  ssize_t n = ::lgetxattr(path.c_str(), name, v, sizeof v);
  return n == 1 && v[0] == 'y';
}

}  // namespace

struct TarWriter::Impl {
  Writer& out;
  std::optional<int64_t> clamp;
  archive* a = nullptr;
  std::map<std::pair<dev_t, ino_t>, std::string> inodes;  // first name of each multiply-linked inode
  std::vector<char> buf = std::vector<char>(1 << 20);
  std::string pending_error;

  Impl(Writer& o, std::optional<int64_t> c) : out(o), clamp(c) {}

  static la_ssize_t on_write(archive*, void* self, const void* data, size_t n) {
    auto* impl = static_cast<Impl*>(self);
    try {
      impl->out.write(data, n);
    } catch (const Error& e) {
      // libarchive is C: carry the error across it and rethrow on our side.
      impl->pending_error = e.describe();
      return -1;
    }
    return static_cast<la_ssize_t>(n);
  }

  void check(int rc, const std::string& what) {
    if (rc >= ARCHIVE_WARN) return;
    if (!pending_error.empty()) throw Error(pending_error);
    throw Error("writing tar entry " + what + ": " + archive_error_string(a));
  }

  int64_t mtime(int64_t t) const { return clamp && t > *clamp ? *clamp : t; }
};

TarWriter::TarWriter(Writer& out, std::optional<int64_t> clamp_mtime)
    : impl_(std::make_unique<Impl>(out, clamp_mtime)) {
  CLocaleScope c_locale;
  impl_->a = archive_write_new();
  archive_write_set_format_pax_restricted(impl_->a);
  // No padding to a 10 KiB record: the stream ends with the two zero blocks.
  archive_write_set_bytes_in_last_block(impl_->a, 1);
  // xattrs as SCHILY.xattr.* records only, the form Go's archive/tar (docker,
  // containerd) and GNU tar read; libarchive would add LIBARCHIVE.xattr.* twins.
  if (archive_write_set_format_option(impl_->a, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK)
    throw Error(std::string("cannot configure tar writer: ") + archive_error_string(impl_->a));
  if (archive_write_open2(impl_->a, impl_.get(), nullptr, &Impl::on_write, nullptr, nullptr) != ARCHIVE_OK)
    throw Error(std::string("cannot start tar stream: ") + archive_error_string(impl_->a));
}

TarWriter::~TarWriter() {
  if (impl_->a) archive_write_free(impl_->a);
}

void TarWriter::add_path(const std::string& path, const std::string& name) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) throw_sys("stat", path);
  add_path(AT_FDCWD, path, name, st);
}

void TarWriter::add_path(int dirfd, const std::string& relpath, const std::string& name,
                         const struct stat& st) {
  CLocaleScope c_locale;
  // Sockets are not representable in a tar; docker and buildah skip them too.
  // Checked before the hardlink bookkeeping so that a second name of a socket
  // does not become a hardlink to an entry that was never written.
  if (S_ISSOCK(st.st_mode)) return;

  std::string display = relpath;
  archive_entry* e = archive_entry_new();
  struct EntryGuard {
    archive_entry* e;
    ~EntryGuard() { archive_entry_free(e); }
  } guard{e};

  std::string tar_name = name;
  if (S_ISDIR(st.st_mode) && !tar_name.ends_with('/')) tar_name += '/';
  archive_entry_set_pathname(e, tar_name.c_str());
  archive_entry_set_uid(e, st.st_uid);
  archive_entry_set_gid(e, st.st_gid);
  archive_entry_set_perm(e, st.st_mode & 07777);
  archive_entry_set_mtime(e, impl_->mtime(st.st_mtim.tv_sec), 0);

  // xattrs need a path; dirfd-relative callers pass AT_FDCWD with a full path.
  std::string xpath = dirfd == AT_FDCWD ? relpath : "/proc/self/fd/" + std::to_string(dirfd) + "/" + relpath;
  for (auto& [k, v] : read_xattrs(xpath)) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());

  bool hardlink = false;
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    auto [it, inserted] = impl_->inodes.try_emplace({st.st_dev, st.st_ino}, name);
    if (!inserted) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_hardlink(e, it->second.c_str());
      archive_entry_set_size(e, 0);
      hardlink = true;
    }
  }

  UniqueFd fd;
  if (!hardlink) {
    if (S_ISREG(st.st_mode)) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_size(e, st.st_size);
      fd.reset(::openat(dirfd, relpath.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd.valid()) throw_sys("open", display);
    } else if (S_ISDIR(st.st_mode)) {
      archive_entry_set_filetype(e, AE_IFDIR);
    } else if (S_ISLNK(st.st_mode)) {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_symlink(e, fs::read_link_at(dirfd, relpath, display).c_str());
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      archive_entry_set_filetype(e, S_ISCHR(st.st_mode) ? AE_IFCHR : AE_IFBLK);
      archive_entry_set_rdevmajor(e, major(st.st_rdev));
      archive_entry_set_rdevminor(e, minor(st.st_rdev));
    } else if (S_ISFIFO(st.st_mode)) {
      archive_entry_set_filetype(e, AE_IFIFO);
    } else {
      return;  // no other file type has a tar representation
    }
  }

  impl_->check(archive_write_header(impl_->a, e), name);
  if (fd.valid()) {
    int64_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), impl_->buf.data(), std::min<int64_t>(left, impl_->buf.size()));
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_sys("read", display);
      }
      if (n == 0) {
        // The file shrank while being read: pad to the size the header promised.
        std::fill(impl_->buf.begin(), impl_->buf.end(), 0);
        n = static_cast<ssize_t>(std::min<int64_t>(left, impl_->buf.size()));
      }
      if (archive_write_data(impl_->a, impl_->buf.data(), static_cast<size_t>(n)) < 0)
        impl_->check(ARCHIVE_FATAL, name);
      left -= n;
    }
  }
  ++entries_;
}

void TarWriter::add_empty_file(const std::string& name, int64_t mtime) {
  CLocaleScope c_locale;
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, 0);
  archive_entry_set_mtime(e, impl_->mtime(mtime), 0);
  int rc = archive_write_header(impl_->a, e);
  archive_entry_free(e);
  impl_->check(rc, name);
  ++entries_;
}

void TarWriter::add_entry(archive_entry* entry, Reader& data) {
  CLocaleScope c_locale;
  archive_entry_set_mtime(entry, impl_->mtime(archive_entry_mtime(entry)), 0);
  // libarchive reads an attribute stored both as SCHILY.xattr.* and as
  // LIBARCHIVE.xattr.* (as its own pax writer stores it) twice; written back
  // as is, every re-layering would double the records. Keep one of each.
  std::map<std::string, std::string> xattrs;
  archive_entry_xattr_reset(entry);
  const char* xname;
  const void* xvalue;
  size_t xsize;
  while (archive_entry_xattr_next(entry, &xname, &xvalue, &xsize) == ARCHIVE_OK)
    xattrs[xname] = std::string(static_cast<const char*>(xvalue), xsize);
  archive_entry_xattr_clear(entry);
  for (const auto& [k, v] : xattrs) archive_entry_xattr_add_entry(entry, k.c_str(), v.data(), v.size());
  std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
  impl_->check(archive_write_header(impl_->a, entry), name);
  int64_t left = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
  while (left > 0) {
    size_t n = data.read(impl_->buf.data(), std::min<int64_t>(left, impl_->buf.size()));
    if (n == 0) throw Error("tar entry " + name + " is truncated");
    if (archive_write_data(impl_->a, impl_->buf.data(), n) < 0) impl_->check(ARCHIVE_FATAL, name);
    left -= static_cast<int64_t>(n);
  }
  ++entries_;
}

void TarWriter::finish() {
  CLocaleScope c_locale;
  impl_->check(archive_write_close(impl_->a), "end of archive");
}

namespace {

struct Walker {
  TarWriter& tar;
  const LayerOptions& opts;

  struct Child {
    std::string name;
    struct stat st;
  };

  // Depth-first in byte order of names, so the same tree always gives the same tar.
  void walk(int dirfd, const std::string& fs_path, const std::string& prefix) {
    UniqueFd dup(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dup.valid()) throw_sys("open", fs_path);
    DIR* d = ::fdopendir(dup.release());
    if (!d) throw_sys("opendir", fs_path);
    std::vector<Child> children;
    errno = 0;
    while (dirent* ent = ::readdir(d)) {
      std::string n = ent->d_name;
      if (n == "." || n == "..") continue;
      Child c{n, {}};
      if (::fstatat(dirfd, n.c_str(), &c.st, AT_SYMLINK_NOFOLLOW) != 0) {
        ::closedir(d);
        throw_sys("stat", fs_path + "/" + n);
      }
      children.push_back(std::move(c));
    }
    ::closedir(d);
    std::sort(children.begin(), children.end(), [](const Child& a, const Child& b) { return a.name < b.name; });

    for (auto& c : children) {
      std::string name = prefix + c.name;
      std::string path = fs_path + "/" + c.name;
      if (opts.overlay_whiteouts && S_ISCHR(c.st.st_mode) && c.st.st_rdev == makedev(0, 0)) {
        // A whiteout's time says nothing about the image: like containerd and
        // BuildKit, write the epoch, so a deletion never varies a layer.
        tar.add_empty_file(prefix + ".wh." + c.name, 0);
        continue;
      }
      tar.add_path(AT_FDCWD, path, name, c.st);
      if (!S_ISDIR(c.st.st_mode)) continue;
      if (opts.overlay_whiteouts && has_opaque_marker(path, opts.user_xattr))
        tar.add_empty_file(name + "/.wh..wh..opq", c.st.st_mtim.tv_sec);
      UniqueFd sub(::openat(dirfd, c.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) throw_sys("open", path);
      walk(sub.get(), path, name + "/");
    }
  }
};

}  // namespace

LayerResult write_layer_from_dir(const std::string& dir, Writer& out, const LayerOptions& options) {
  return with_context("writing layer from " + dir, [&] {
    LayerPipeline pipeline(out, options);
    UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) throw_sys("open", dir);
    Walker{pipeline.tar(), options}.walk(root.get(), dir, "");
    return pipeline.finish();
  });
}

}  // namespace hoist::layers
