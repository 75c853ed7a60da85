// The cases of containerd's pkg/archive/tar_test.go and moby/go-archive's
// archive_test.go, archive_unix_test.go and changes_test.go that concern
// CREATING tars or diffs, run against hoist's layer writer. The tables are
// read from ../shared/conformance (containerd-archive/tar_test_tables.json,
// moby-go-archive/go_archive_tables.json); every case of every table named
// here is visited and named, and where a Go API has no hoist equivalent the
// test says so case by case and checks the nearest thing hoist does. The
// extraction tables of the same files are run by archive_conformance_test.cc
// (WriterConformance.EveryTableIsClaimed fails on a table neither file
// claims); TestRelativeSymlinks, TestSymlinks and TestTarWithXattr, which
// both write and apply, are run by both files, each from its side.
//
// How a Go diff becomes a hoist diff: containerd's Diff(a, b) compares two
// trees; hoist never compares trees, it archives the overlayfs upper
// directory of a RUN step. So each case applies `a` to a lower directory and
// `b` to an overlay-style upper directory (OverlayOps below: what overlayfs
// leaves there, i.e. copied-up parents, changed and added files, 0/0 char
// devices for deletions, an opaque xattr on a directory made where something
// was deleted), then calls write_layer_from_dir(upper, overlay_whiteouts).
// The Go validators are then checked on that layer. Entry ORDER is not
// compared: containerd emits entries in its double-walk order (a hardlink's
// first name can come after its second), hoist in a sorted walk of the upper
// dir, so hoist's tar is checked for the same set of entries, the same
// attributes, parents before children, and hardlink pairs linked in either
// direction. Each diff is also applied with layers::unpack_tar onto a copy of
// `a` and must give `b` (containerd's testDiffApply).
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/compression.h"
#include "layers/layer_writer.h"
#include "layers/stream.h"
#include "layers/unpack.h"
#include "tests/layer_entries.h"
#include "tests/test_support.h"
#include "tests/tree_snapshot.h"

namespace hoist::layers {
namespace {

using test::tree_snapshot;

using json = nlohmann::json;

// ---------------------------------------------------------------------------
// The tables.

const json& containerd_file() {
  static const json j = test::load_json(test::conformance_path("containerd-archive/tar_test_tables.json"));
  return j;
}

const json& moby_file() {
  static const json j = test::load_json(test::conformance_path("moby-go-archive/go_archive_tables.json"));
  return j;
}

const json& find_table(const json& root, const std::string& file, const std::string& func, const std::string& var) {
  for (const auto& t : root.at(file))
    if (t.at("func") == func && t.at("var") == var) return t;
  throw Error("conformance table " + file + " " + func + "." + var + " not found");
}

const json& containerd(const std::string& func, const std::string& var) {
  return find_table(containerd_file(), "tar_test.go", func, var);
}

const json& moby(const std::string& file, const std::string& func, const std::string& var) {
  return find_table(moby_file(), file, func, var);
}

// The cases of a table as a list (a Go slice literal with indexed elements is
// stored as an object keyed "0", "1", ...).
std::vector<json> cases_of(const json& table) {
  std::vector<json> out;
  const json& c = table.at("cases");
  if (c.is_array()) {
    for (const auto& x : c) out.push_back(x);
  } else {
    for (size_t i = 0; i < c.size(); ++i) out.push_back(c.at(std::to_string(i)));
  }
  EXPECT_EQ(out.size(), table.at("count").get<size_t>()) << table.at("func") << "." << table.at("var");
  return out;
}

bool is_call(const json& n, const std::string& name) {
  return n.is_object() && n.contains("$call") && n.at("$call") == name;
}
std::string call_name(const json& n) { return n.is_object() && n.contains("$call") ? n.at("$call").get<std::string>() : ""; }
const json& arg(const json& n, size_t i) { return n.at("args").at(i); }

// A Go []byte literal: a string or an array of byte values.
std::string go_bytes(const json& n) {
  if (n.is_string()) return n.get<std::string>();
  std::string out;
  for (const auto& b : n) out.push_back(static_cast<char>(b.get<int>()));
  return out;
}

// `root + "dir1/file1"` -> root + dir1/file1
std::string root_expr(const json& n, const std::string& root) {
  if (n.is_string()) return n.get<std::string>();
  std::string e = n.at("$expr").get<std::string>();
  const std::string prefix = "root + \"";
  if (!e.starts_with(prefix) || !e.ends_with("\"")) throw Error("unexpected expression " + e);
  return root + e.substr(prefix.size(), e.size() - prefix.size() - 1);
}

// ---------------------------------------------------------------------------
// Reading tars back (libarchive, independent of hoist's decompressor).

using Entry = test::ReadEntry;
using test::read_tar;

const Entry* find(const std::vector<Entry>& es, const std::string& name) {
  for (const auto& e : es)
    if (e.name == name) return &e;
  return nullptr;
}

// `name` as a file or as a directory ("name/").
const Entry* find_any(const std::vector<Entry>& es, const std::string& name) {
  if (const Entry* e = find(es, name)) return e;
  return find(es, name + "/");
}

std::set<std::string> name_set(const std::vector<Entry>& es) {
  std::set<std::string> s;
  for (const auto& e : es) s.insert(e.name);
  return s;
}

// Every entry's parent directory comes before it.
void expect_parents_first(const std::vector<Entry>& es) {
  std::set<std::string> seen;
  for (const auto& e : es) {
    std::string n = e.name.ends_with("/") ? e.name.substr(0, e.name.size() - 1) : e.name;
    size_t slash = n.rfind('/');
    if (slash != std::string::npos) {
      EXPECT_TRUE(seen.count(n.substr(0, slash + 1))) << e.name << " comes before its parent directory";
    }
    seen.insert(e.name);
  }
}

// ---------------------------------------------------------------------------
// Trees on disk.

void check_sys(int rc, const std::string& what) {
  if (rc != 0) throw_sys(what, "");
}

std::string clean_rel(std::string p) {
  while (p.starts_with("/")) p.erase(0, 1);
  while (p.ends_with("/")) p.pop_back();
  return p;
}

std::string parent_of(const std::string& rel) {
  size_t s = rel.rfind('/');
  return s == std::string::npos ? "" : rel.substr(0, s);
}

std::string base_of(const std::string& rel) {
  size_t s = rel.rfind('/');
  return s == std::string::npos ? rel : rel.substr(s + 1);
}

bool lstat_ok(const std::string& path, struct stat* st) { return ::lstat(path.c_str(), st) == 0; }

void write_bytes(const std::string& path, const std::string& content, int flags, unsigned mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | flags, mode));
  if (!fd.valid()) throw_sys("open", path);
  fs::write_all(fd.get(), content.data(), content.size(), path);
}

void set_times(const std::string& path, int64_t t) {
  timespec ts[2] = {{t, 0}, {t, 0}};
  check_sys(::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW), "utimensat " + path);
}

void bind_socket(const std::string& path) {
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) throw_sys("socket", path);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) throw Error("socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int rc = ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::close(s);
  if (rc != 0) throw_sys("bind", path);
}

void set_xattr(const std::string& path, const std::string& name, const std::string& value) {
  if (::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) != 0)
    throw_sys("setxattr " + name, path);
}

std::string get_xattr(const std::string& path, const std::string& name) {
  char buf[4096];
  ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  return n < 0 ? "<missing: " + std::string(std::strerror(errno)) + ">" : std::string(buf, static_cast<size_t>(n));
}

void copy_tree(const std::string& from, const std::string& to) {
  std::string cmd = "cp -a '" + from + "/.' '" + to + "/'";
  if (std::system(cmd.c_str()) != 0) throw Error("failed: " + cmd);
}

// A v2 file capability granting `cap` effective + permitted (as setcap cap+ep).
std::string file_capability(unsigned cap) {
  uint32_t words[5] = {0x02000000u | 0x1u, 0, 0, 0, 0};
  words[cap < 32 ? 1 : 3] = 1u << (cap % 32);
  return std::string(reinterpret_cast<const char*>(words), sizeof words);
}

// moby's ChangesDirs(to, from) on Linux: "A /x", "D /x", "C /x" in path order;
// a directory whose only change is its time is not a change, and the
// children of an added or deleted directory are not listed.
std::vector<std::string> changes(const std::string& from, const std::string& to) {
  auto a = tree_snapshot(from, true), b = tree_snapshot(to, true);
  std::vector<std::string> out;
  std::set<std::string> whole;  // added or deleted subtrees
  auto under_whole = [&](const std::string& p) {
    for (std::string q = parent_of(p); !q.empty(); q = parent_of(q))
      if (whole.count(q)) return true;
    return false;
  };
  std::set<std::string> paths;
  for (const auto& [k, v] : a) paths.insert(k);
  for (const auto& [k, v] : b) paths.insert(k);
  for (const auto& p : paths) {
    if (under_whole(p)) continue;
    bool in_a = a.count(p), in_b = b.count(p);
    if (in_a && !in_b) {
      out.push_back("D " + p);
      whole.insert(p);
    } else if (!in_a && in_b) {
      out.push_back("A " + p);
      whole.insert(p);
    } else if (a[p] != b[p]) {
      out.push_back("C " + p);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Filesystem operations of the Go tests, on a plain tree or on an overlay.

class FsOps {
 public:
  virtual ~FsOps() = default;
  // fstest.CreateDir: MkdirAll, then chmod of the last component.
  virtual void create_dir(const std::string& rel, unsigned mode) = 0;
  // fstest.CreateFile: write, then chmod.
  virtual void create_file(const std::string& rel, const std::string& content, unsigned mode) = 0;
  // os.WriteFile: an existing file keeps its mode; a new one gets `mode`.
  virtual void write_file(const std::string& rel, const std::string& content, unsigned mode) = 0;
  virtual void link(const std::string& old_rel, const std::string& new_rel) = 0;
  virtual void symlink(const std::string& target, const std::string& rel) = 0;
  // os.Remove and os.RemoveAll alike.
  virtual void remove(const std::string& rel) = 0;
  virtual void chmod(const std::string& rel, unsigned mode) = 0;
  virtual void chtimes(const std::string& rel, int64_t t) = 0;
  virtual void socket(const std::string& rel, unsigned mode) = 0;
};

class PlainOps : public FsOps {
 public:
  explicit PlainOps(std::string root) : root_(std::move(root)) {}
  void create_dir(const std::string& rel, unsigned mode) override {
    std::string path = p(rel);
    fs::mkdir_p(path, 0755);
    check_sys(::chmod(path.c_str(), mode), "chmod " + path);
  }
  void create_file(const std::string& rel, const std::string& content, unsigned mode) override {
    write_bytes(p(rel), content, O_CREAT | O_TRUNC, mode);
    check_sys(::chmod(p(rel).c_str(), mode), "chmod " + p(rel));
  }
  void write_file(const std::string& rel, const std::string& content, unsigned mode) override {
    struct stat st;
    bool existed = lstat_ok(p(rel), &st);
    write_bytes(p(rel), content, O_CREAT | O_TRUNC, mode);
    if (!existed) check_sys(::chmod(p(rel).c_str(), mode), "chmod " + p(rel));
  }
  void link(const std::string& o, const std::string& n) override {
    check_sys(::link(p(o).c_str(), p(n).c_str()), "link " + p(n));
  }
  void symlink(const std::string& target, const std::string& rel) override {
    check_sys(::symlink(target.c_str(), p(rel).c_str()), "symlink " + p(rel));
  }
  void remove(const std::string& rel) override { fs::remove_all(p(rel)); }
  void chmod(const std::string& rel, unsigned mode) override { check_sys(::chmod(p(rel).c_str(), mode), "chmod"); }
  void chtimes(const std::string& rel, int64_t t) override { set_times(p(rel), t); }
  void socket(const std::string& rel, unsigned mode) override {
    bind_socket(p(rel));
    check_sys(::chmod(p(rel).c_str(), mode), "chmod " + p(rel));
  }

 private:
  std::string p(const std::string& rel) const { return root_ + "/" + clean_rel(rel); }
  std::string root_;
};

// The upper directory overlayfs would leave for operations done on the
// merged view of `lower` + `upper`, mounted with redirect_dir, index and
// metacopy off (with metacopy an upper file may hold metadata only, which
// no tar writer can archive): parents and touched files are copied up with
// their mode, owner and mtime; a deleted lower entry becomes a 0/0 char
// device; a directory created where a whiteout was is marked opaque.
// WriterConformance.OverlaySimulationMatchesTheKernel checks this against a
// real mount where the kernel allows one.
class OverlayOps : public FsOps {
 public:
  OverlayOps(std::string lower, std::string upper) : lower_(std::move(lower)), upper_(std::move(upper)) {}

  void create_dir(const std::string& rel_in, unsigned mode) override {
    std::string rel = clean_rel(rel_in), prefix;
    size_t pos = 0;
    while (pos <= rel.size()) {
      size_t next = rel.find('/', pos);
      if (next == std::string::npos) next = rel.size();
      prefix = rel.substr(0, next);
      pos = next + 1;
      if (exists(prefix)) continue;
      bool over_whiteout = prepare_create(prefix);
      check_sys(::mkdir(up(prefix).c_str(), 0755), "mkdir " + up(prefix));
      check_sys(::chmod(up(prefix).c_str(), 0755), "chmod");
      if (over_whiteout) set_xattr(up(prefix), "trusted.overlay.opaque", "y");
    }
    copy_up(rel);
    check_sys(::chmod(up(rel).c_str(), mode), "chmod " + up(rel));
  }
  void create_file(const std::string& rel_in, const std::string& content, unsigned mode) override {
    std::string rel = clean_rel(rel_in);
    if (exists(rel)) {
      copy_up(rel);
    } else {
      prepare_create(rel);
    }
    write_bytes(up(rel), content, O_CREAT | O_TRUNC, mode);
    check_sys(::chmod(up(rel).c_str(), mode), "chmod " + up(rel));
  }
  void write_file(const std::string& rel_in, const std::string& content, unsigned mode) override {
    std::string rel = clean_rel(rel_in);
    if (exists(rel)) {
      copy_up(rel);
      write_bytes(up(rel), content, O_TRUNC, 0);
      return;
    }
    prepare_create(rel);
    write_bytes(up(rel), content, O_CREAT | O_TRUNC, mode);
    check_sys(::chmod(up(rel).c_str(), mode), "chmod " + up(rel));
  }
  void link(const std::string& o_in, const std::string& n_in) override {
    std::string o = clean_rel(o_in), n = clean_rel(n_in);
    copy_up(o);
    prepare_create(n);
    check_sys(::link(up(o).c_str(), up(n).c_str()), "link " + up(n));
  }
  void symlink(const std::string& target, const std::string& rel_in) override {
    std::string rel = clean_rel(rel_in);
    prepare_create(rel);
    check_sys(::symlink(target.c_str(), up(rel).c_str()), "symlink " + up(rel));
  }
  void remove(const std::string& rel_in) override {
    std::string rel = clean_rel(rel_in);
    bool in_lower = !upper_whiteout(rel) && lower_visible(rel);
    if (upper_real(rel)) fs::remove_all(up(rel));
    if (in_lower) {
      copy_up(parent_of(rel));
      check_sys(::mknod(up(rel).c_str(), S_IFCHR, makedev(0, 0)), "mknod whiteout " + up(rel));
    }
  }
  void chmod(const std::string& rel_in, unsigned mode) override {
    std::string rel = clean_rel(rel_in);
    copy_up(rel);
    check_sys(::chmod(up(rel).c_str(), mode), "chmod " + up(rel));
  }
  void chtimes(const std::string& rel_in, int64_t t) override {
    std::string rel = clean_rel(rel_in);
    copy_up(rel);
    set_times(up(rel), t);
  }
  void socket(const std::string& rel_in, unsigned mode) override {
    std::string rel = clean_rel(rel_in);
    prepare_create(rel);
    bind_socket(up(rel));
    check_sys(::chmod(up(rel).c_str(), mode), "chmod " + up(rel));
  }

 private:
  std::string up(const std::string& rel) const { return rel.empty() ? upper_ : upper_ + "/" + rel; }
  std::string lo(const std::string& rel) const { return rel.empty() ? lower_ : lower_ + "/" + rel; }

  static bool whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }
  bool upper_whiteout(const std::string& rel) const {
    struct stat st;
    return !rel.empty() && lstat_ok(up(rel), &st) && whiteout(st);
  }
  bool upper_real(const std::string& rel) const {
    struct stat st;
    return lstat_ok(up(rel), &st) && !whiteout(st);
  }
  // The lower entry shows through: no ancestor in the upper hides it.
  bool lower_visible(const std::string& rel) const {
    for (std::string q = parent_of(rel); !q.empty(); q = parent_of(q)) {
      struct stat st;
      if (!lstat_ok(up(q), &st)) continue;
      if (!S_ISDIR(st.st_mode)) return false;
      char v[2];
      if (::lgetxattr(up(q).c_str(), "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y') return false;
    }
    struct stat st;
    return lstat_ok(lo(rel), &st);
  }
  bool exists(const std::string& rel) const {
    return rel.empty() || upper_real(rel) || (!upper_whiteout(rel) && lower_visible(rel));
  }
  // Makes room for a new name: parents copied up, a whiteout there removed.
  bool prepare_create(const std::string& rel) {
    copy_up(parent_of(rel));
    if (!upper_whiteout(rel)) return false;
    check_sys(::unlink(up(rel).c_str()), "unlink whiteout " + up(rel));
    return true;
  }
  void copy_up(const std::string& rel) {
    if (rel.empty() || upper_real(rel)) return;
    copy_up(parent_of(rel));
    struct stat st;
    if (!lower_visible(rel) || !lstat_ok(lo(rel), &st)) throw Error("copy-up of a missing path " + rel);
    std::string u = up(rel);
    if (S_ISDIR(st.st_mode)) {
      check_sys(::mkdir(u.c_str(), 0700), "mkdir " + u);
    } else if (S_ISREG(st.st_mode)) {
      write_bytes(u, fs::read_file(lo(rel)), O_CREAT | O_EXCL, 0600);
    } else if (S_ISLNK(st.st_mode)) {
      char t[4096];
      ssize_t n = ::readlink(lo(rel).c_str(), t, sizeof t);
      check_sys(::symlink(std::string(t, n > 0 ? static_cast<size_t>(n) : 0).c_str(), u.c_str()), "symlink " + u);
    } else {
      throw Error("copy-up of an unsupported file type at " + rel);
    }
    check_sys(::lchown(u.c_str(), st.st_uid, st.st_gid), "lchown " + u);
    if (!S_ISLNK(st.st_mode)) check_sys(::chmod(u.c_str(), st.st_mode & 07777), "chmod " + u);
    set_times(u, st.st_mtim.tv_sec);
  }

  std::string lower_, upper_;
};

// containerd's baseApplier (tar_test.go), referenced as $ident by TestRelativeSymlinks.
const json& base_applier() {
  static const json j = json::parse(R"({"$call": "fstest.Apply", "args": [
    {"$call": "fstest.CreateDir", "args": ["/etc/", 493]},
    {"$call": "fstest.CreateFile", "args": ["/etc/hosts", "127.0.0.1 localhost", 420]},
    {"$call": "fstest.Link", "args": ["/etc/hosts", "/etc/hosts.allow"]},
    {"$call": "fstest.CreateDir", "args": ["/usr/local/lib", 493]},
    {"$call": "fstest.CreateFile", "args": ["/usr/local/lib/libnothing.so", [0, 0], 493]},
    {"$call": "fstest.Symlink", "args": ["libnothing.so", "/usr/local/lib/libnothing.so.2"]},
    {"$call": "fstest.CreateDir", "args": ["/home", 493]},
    {"$call": "fstest.CreateDir", "args": ["/home/derek", 448]}]})");
  return j;
}

// Runs a continuity fstest.Applier from the table on `ops`.
void apply_go(FsOps& ops, const json& n) {
  std::string f = call_name(n);
  if (n.is_object() && n.contains("$ident") && n.at("$ident") == "baseApplier") {
    apply_go(ops, base_applier());
  } else if (f == "fstest.Apply") {
    for (const auto& a : n.at("args")) apply_go(ops, a);
  } else if (f == "fstest.CreateDir") {
    ops.create_dir(arg(n, 0), arg(n, 1).get<unsigned>());
  } else if (f == "fstest.CreateFile") {
    ops.create_file(arg(n, 0), go_bytes(arg(n, 1)), arg(n, 2).get<unsigned>());
  } else if (f == "fstest.Link") {
    ops.link(arg(n, 0), arg(n, 1));
  } else if (f == "fstest.Symlink") {
    ops.symlink(arg(n, 0), arg(n, 1));
  } else if (f == "fstest.Remove" || f == "fstest.RemoveAll") {
    ops.remove(arg(n, 0));
  } else if (f == "fstest.Chmod") {
    ops.chmod(arg(n, 0), arg(n, 1).get<unsigned>());
  } else if (f == "fstest.CreateSocket") {
    ops.socket(arg(n, 0), arg(n, 1).get<unsigned>());
  } else {
    throw Error("unsupported applier in the table: " + n.dump());
  }
}

// ---------------------------------------------------------------------------
// Layers.

struct Layer {
  LayerResult result;
  std::string blob;
  std::vector<Entry> entries;
};

Layer layer_from_dir(const std::string& dir, bool overlay, Compression c = Compression::Gzip,
                     std::optional<int64_t> clamp = std::nullopt) {
  LayerOptions o;
  o.compression = c;
  o.overlay_whiteouts = overlay;
  o.clamp_mtime = clamp;
  Layer l;
  StringWriter out;
  l.result = write_layer_from_dir(dir, out, o);
  l.blob = std::move(out.out);
  l.entries = read_tar(l.blob);
  return l;
}

Layer layer_from_tar(const std::string& tar) {
  Layer l;
  StringWriter out;
  BufferReader in(tar);
  l.result = write_layer_from_tar(in, out, LayerOptions{});
  l.blob = std::move(out.out);
  l.entries = read_tar(l.blob);
  return l;
}

void unpack_blob(const std::string& blob, const std::string& dest) {
  BufferReader in(blob);
  auto plain = make_decompressor(in);
  unpack_tar(*plain, dest);
}

// A one-entry tar written by libarchive (pax), for write_layer_from_tar.
std::string one_entry_tar(const std::string& name, char type, const std::string& link = "") {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  auto cb = [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  archive_write_open(a, &out, nullptr, cb, nullptr);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, type == 'd' ? AE_IFDIR : type == 'l' ? AE_IFLNK : AE_IFREG);
  archive_entry_set_perm(e, type == 'l' ? 0777 : 0755);
  if (type == 'l') archive_entry_set_symlink(e, link.c_str());
  archive_write_header(a, e);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// A diff the hoist way: `a` on a lower dir, `b` through OverlayOps on an
// upper dir, the upper archived with overlay whiteouts.
struct Diff {
  fs::TempDir lower, upper;
  Layer layer;
};

void make_diff(Diff& d, const json& a, const json& b, std::optional<int64_t> clamp = std::nullopt) {
  PlainOps lower(d.lower.path());
  apply_go(lower, a);
  OverlayOps over(d.lower.path(), d.upper.path());
  apply_go(over, b);
  d.layer = layer_from_dir(d.upper.path(), /*overlay=*/true, Compression::Gzip, clamp);
  expect_parents_first(d.layer.entries);
}

// containerd's testDiffApply: the diff applied over a copy of `a` gives `b`.
void expect_diff_applies(const Diff& d, const json& b) {
  fs::TempDir applied, expected;
  copy_tree(d.lower.path(), applied.path());
  copy_tree(d.lower.path(), expected.path());
  PlainOps exp(expected.path());
  apply_go(exp, b);
  unpack_blob(d.layer.blob, applied.path());
  EXPECT_EQ(tree_snapshot(applied.path(), false), tree_snapshot(expected.path(), false))
      << "unpack_tar of the diff over a copy of `a` does not give `b`";
}

// ---------------------------------------------------------------------------
// containerd's tarEntryValidator functions, checked by entry name.

struct Validator {
  std::string subject;  // the entry the validator is about
  std::vector<std::function<std::string(const Entry&, const std::vector<Entry>&)>> checks;
};

// A hardlink entry stands for its target's type and content.
const Entry& resolved(const Entry& e, const std::vector<Entry>& all) {
  if (e.type != 'h') return e;
  const Entry* t = find(all, e.link);
  return t ? *t : e;
}

std::string whiteout_name(const std::string& name) {
  std::string dir = parent_of(name);
  return (dir.empty() ? "" : dir + "/") + ".wh." + base_of(name);
}

int64_t go_time(const json& n, const std::map<std::string, int64_t>& idents) {
  if (is_call(n, "time.Unix(0, 0).UTC")) return 0;
  if (n.is_object() && n.contains("$ident")) return idents.at(n.at("$ident").get<std::string>());
  throw Error("unsupported time in the table: " + n.dump());
}

Validator make_validator(const json& n, const std::map<std::string, int64_t>& idents) {
  Validator v;
  std::string f = call_name(n);
  if (f == "composeValidators") {
    for (const auto& part : n.at("args")) {
      Validator p = make_validator(part, idents);
      if (!p.subject.empty()) v.subject = p.subject;
      for (auto& c : p.checks) v.checks.push_back(std::move(c));
    }
  } else if (f == "dirEntry") {
    v.subject = arg(n, 0).get<std::string>();
    unsigned mode = arg(n, 1);
    v.checks.push_back([mode](const Entry& e, const std::vector<Entry>&) -> std::string {
      if (e.type != 'd') return "not directory type";
      if (e.mode != mode) return "wrong mode " + std::to_string(e.mode) + ", expected " + std::to_string(mode);
      return "";
    });
  } else if (f == "fileEntry") {
    v.subject = arg(n, 0).get<std::string>();
    std::string content = go_bytes(arg(n, 1));
    unsigned mode = arg(n, 2);
    v.checks.push_back([content, mode](const Entry& e, const std::vector<Entry>& all) -> std::string {
      const Entry& r = resolved(e, all);
      if (r.type != 'f') return "not file type";
      if (e.mode != mode) return "wrong mode " + std::to_string(e.mode) + ", expected " + std::to_string(mode);
      if (r.content != content) return "different file content";
      return "";
    });
  } else if (f == "linkEntry") {
    v.subject = arg(n, 0).get<std::string>();
    std::string link = arg(n, 1);
    std::string name = v.subject;
    v.checks.push_back([name, link](const Entry& e, const std::vector<Entry>& all) -> std::string {
      if (e.type == 'h') return e.link == link ? "" : "wrong link " + e.link + ", expected " + link;
      // hoist's sorted walk met the other name first: the link points this way.
      const Entry* other = find(all, link);
      if (e.type == 'f' && other && other->type == 'h' && other->link == name) return "";
      return "not linked with " + link;
    });
  } else if (f == "whiteoutEntry") {
    v.subject = whiteout_name(arg(n, 0));
    v.checks.push_back([](const Entry& e, const std::vector<Entry>&) -> std::string {
      if (e.type != 'f') return "whiteout is not a regular file";
      if (e.size != 0) return "whiteout is not empty";
      return "";
    });
  } else if (f == "requireModTime") {
    int64_t t = go_time(arg(n, 0), idents);
    v.checks.push_back([t](const Entry& e, const std::vector<Entry>&) -> std::string {
      return e.mtime == t ? "" : "expected ModTime " + std::to_string(t) + ", got " + std::to_string(e.mtime);
    });
  } else {
    throw Error("unsupported validator in the table: " + n.dump());
  }
  return v;
}

// Every validator finds its entry and passes; no entry is left without one
// (containerd fails on "no validator for entry").
size_t expect_validated(const std::vector<Entry>& entries, const json& validators,
                        const std::map<std::string, int64_t>& idents = {}) {
  std::set<std::string> subjects;
  size_t visited = 0;
  for (const auto& vn : validators) {
    SCOPED_TRACE("validators[" + std::to_string(visited++) + "] = " + vn.dump());
    Validator v = make_validator(vn, idents);
    subjects.insert(v.subject);
    const Entry* e = find(entries, v.subject);
    if (!e) {
      ADD_FAILURE() << "no tar entry " << v.subject << " for validator " << vn.dump();
      continue;
    }
    for (const auto& check : v.checks) {
      std::string err = check(*e, entries);
      EXPECT_EQ(err, "") << "entry " << v.subject << ", validator " << vn.dump();
    }
  }
  EXPECT_EQ(name_set(entries), subjects) << "entries of the layer vs entries the Go validators describe";
  return visited;
}

// ---------------------------------------------------------------------------
// The tables this file runs, and the ones archive_conformance_test.cc runs.

struct TableId {
  const char* file;
  const char* func;
  const char* var;
};

const TableId kWriterTables[] = {
    // These three both write and apply; archive_conformance_test.cc runs
    // them too, from the extraction side (its own tars, its own checks).
    {"tar_test.go", "TestRelativeSymlinks", "breakoutLinks"},
    {"tar_test.go", "TestSymlinks", "links"},
    {"tar_test.go", "TestTarWithXattr", "tests"},
    {"tar_test.go", "testApply", "tarArgs"},
    {"tar_test.go", "TestDiffTar", "tests"},
    {"tar_test.go", "TestSourceDateEpoch", "validators"},
    {"ga_archive_test.go", "TestTarUntar", "range"},
    {"ga_archive_test.go", "TestTarWithOptionsChownOptsAlwaysOverridesIdPair", "idMaps"},
    {"ga_archive_test.go", "TestTarWithOptionsChownOptsAlwaysOverridesIdPair", "tests"},
    {"ga_archive_test.go", "TestTarWithOptions", "tests"},
    {"ga_archive_test.go", "TestCreateTarFileSymlinkPreservesLinkname", "tests"},
    {"ga_archive_test.go", "TestReplaceFileTarWrapper", "tests"},
    {"ga_archive_unix_test.go", "TestCanonicalTarName", "cases"},
    {"ga_archive_unix_test.go", "TestChmodTarEntry", "cases"},
    {"ga_archive_unix_test.go", "TestTarUntarWithXattr", "range"},
    {"ga_archive_unix_test.go", "TestCopyInfoDestinationPathSymlink", "testData"},
    {"ga_changes_test.go", "createSampleDir", "files"},
    {"ga_changes_test.go", "TestChangesWithChanges", "expectedChanges"},
    {"ga_changes_test.go", "TestChangesWithChangesGH13590", "expectedChanges"},
    {"ga_changes_test.go", "TestChangesDirsMutated", "expectedChanges"},
};

// Extraction (untar / apply / breakout) tables: run by archive_conformance_test.cc.
const TableId kExtractionTables[] = {
    {"tar_test.go", "TestBreakouts", "breakouts"},
    {"ga_archive_test.go", "TestUntarInvalidFilenames", "range"},
    {"ga_archive_test.go", "TestUntarParentTraversalContained", "range"},
    {"ga_archive_test.go", "TestUntarInvalidHardlink", "range"},
    {"ga_archive_test.go", "TestUntarInvalidSymlink", "range"},
    {"ga_archive_test.go", "TestUntarSymlinkBreakout", "range"},
    {"ga_archive_unix_test.go", "TestImpliedDirectoryPermissions", "headers"},
    {"ga_archive_unix_test.go", "TestImpliedDirectoryPermissions", "range"},
    {"ga_archive_unix_test.go", "TestUnpackLayerCreatesImpliedDirectoriesThroughLowerLayerSymlink", "range"},
    {"ga_archive_unix_test.go", "TestHandleTarTypeBlockCharFifoDeviceRange", "range"},
    {"ga_archive_unix_test.go", "TestUntarThroughAbsoluteSymlink", "unpackers"},
    {"ga_archive_unix_test.go", "TestUntarThroughAbsoluteSymlink", "range"},
    {"ga_archive_unix_test.go", "TestUnpackRejectsRelativeEscapeBeforeAbsoluteSymlink", "unpackers"},
    {"ga_archive_unix_test.go", "TestHardlinkSourceThroughAbsoluteSymlink", "unpackers"},
    {"ga_diff_test.go", "TestApplyLayerInvalidFilenames", "range"},
    {"ga_diff_test.go", "TestApplyLayerInvalidHardlink", "range"},
    {"ga_diff_test.go", "TestApplyLayerInvalidSymlink", "range"},
    {"ga_diff_test.go", "TestApplyLayerWhiteouts", "base"},
    {"ga_diff_test.go", "TestApplyLayerWhiteouts", "tcases"},
};

TEST(WriterConformance, EveryTableIsClaimed) {
  auto claimed = [](const std::string& file, const std::string& func, const std::string& var) {
    for (const auto& t : kWriterTables)
      if (file == t.file && func == t.func && var == t.var) return 1;
    for (const auto& t : kExtractionTables)
      if (file == t.file && func == t.func && var == t.var) return 2;
    return 0;
  };
  size_t seen = 0;
  for (const json* root : {&containerd_file(), &moby_file()}) {
    for (const auto& [file, tables] : root->items()) {
      for (const auto& t : tables) {
        ++seen;
        EXPECT_NE(claimed(file, t.at("func"), t.at("var")), 0)
            << file << " " << t.at("func") << "." << t.at("var")
            << " is neither a writer table (this file) nor an extraction table (archive_conformance_test.cc)";
      }
    }
  }
  EXPECT_EQ(seen, std::size(kWriterTables) + std::size(kExtractionTables));
}

// ---------------------------------------------------------------------------
// containerd pkg/archive/tar_test.go

TEST(WriterConformance, ContainerdDiffTar) {
  const json& table = containerd("TestDiffTar", "tests");
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    std::string name = c.at("name");
    SCOPED_TRACE("TestDiffTar/" + name);
    Diff d;
    make_diff(d, c.at("a"), c.at("b"));
    EXPECT_EQ(expect_validated(d.layer.entries, c.at("validators")), c.at("validators").size());
    EXPECT_EQ(d.layer.result.entries, d.layer.entries.size());
    if (name == "EmptyDiff") {
      EXPECT_TRUE(d.layer.entries.empty());
    }
    if (name == "IgnoreSockets") {
      EXPECT_EQ(find(d.layer.entries, "s0"), nullptr);
    }
    expect_diff_applies(d, c.at("b"));
    ++visited;
  }
  EXPECT_EQ(visited, 8u);
}

TEST(WriterConformance, ContainerdSourceDateEpoch) {
  // From the Go test body: the trees and the times; the validators from the table.
  const int64_t source_date_epoch = 1642941296;  // 2022-01-23T12:34:56Z
  const int64_t past = 1640995200;               // 2022-01-01T00:00:00Z
  const std::map<std::string, int64_t> idents = {{"sourceDateEpoch", source_date_epoch}, {"past", past}};
  const json& table = containerd("TestSourceDateEpoch", "validators");
  json a = json::parse(R"({"$call": "fstest.Apply", "args": [
      {"$call": "fstest.CreateFile", "args": ["/f1", "content", 420]}]})");
  json b = json::parse(R"({"$call": "fstest.Apply", "args": [
      {"$call": "fstest.RemoveAll", "args": ["/f1"]},
      {"$call": "fstest.CreateFile", "args": ["/f2", "content2", 420]},
      {"$call": "fstest.CreateFile", "args": ["/f3", "content3", 420]}]})");
  auto build = [&](Diff& d, int64_t very_recent) {
    PlainOps lower(d.lower.path());
    apply_go(lower, a);
    OverlayOps over(d.lower.path(), d.upper.path());
    apply_go(over, b);
    over.chtimes("/f2", past);         // fstest.Chtimes("/f2", past, past)
    over.chtimes("/f3", very_recent);  // fstest.Chtimes("/f3", veryRecent, veryRecent)
    d.layer = layer_from_dir(d.upper.path(), true, Compression::Gzip, source_date_epoch);
  };
  const int64_t now = std::time(nullptr);
  ASSERT_GT(now, source_date_epoch);
  Diff first;
  build(first, now);
  SCOPED_TRACE("TestSourceDateEpoch");
  EXPECT_EQ(expect_validated(first.layer.entries, json(cases_of(table)), idents), 3u);
  // makeDiffTarReproTest: builds at other times give the same digests.
  for (int64_t later : {now + 7, now + 3600}) {
    SCOPED_TRACE("rebuilt with veryRecent = " + std::to_string(later));
    Diff again;
    build(again, later);
    EXPECT_EQ(again.layer.result.diff_id, first.layer.result.diff_id);
    EXPECT_EQ(again.layer.result.digest, first.layer.result.digest);
  }
}

TEST(WriterConformance, ContainerdTestApplyTarArgs) {
  // testApply tars a tree with `tar cf - -C td <names>` and applies it. The
  // hoist equivalent: that GNU tar stream made a layer by
  // write_layer_from_tar, unpacked, must give the tree back (fstest's
  // CheckDirectoryEqual). The tree is containerd's baseApplier (TestUnpack).
  const json& table = containerd("testApply", "tarArgs");
  fs::TempDir td, dest;
  PlainOps ops(td.path());
  apply_go(ops, base_applier());
  std::string cmd = "tar";
  size_t visited = 0;
  for (const auto& a : cases_of(table)) {
    std::string word;
    if (a.is_string()) {
      word = a.get<std::string>();
      // "cf": create to the file named next; "-": that file is stdout; "-C": change to the directory named next.
      EXPECT_TRUE(word == "cf" || word == "-" || word == "-C") << "tar argument " << word << " not understood";
    } else {
      EXPECT_EQ(a.at("$ident"), "td");
      word = td.path();
    }
    SCOPED_TRACE("testApply tarArgs[" + std::to_string(visited) + "] = " + word);
    cmd += " '" + word + "'";
    ++visited;
  }
  EXPECT_EQ(visited, 4u);
  std::vector<std::string> names;
  for (const auto& [path, desc] : tree_snapshot(td.path(), false))
    if (path.find('/', 1) == std::string::npos) names.push_back(path.substr(1));  // readDirNames(td)
  for (const auto& n : names) cmd += " '" + n + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string tar;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) tar.append(buf, n);
  ASSERT_EQ(::pclose(p), 0) << cmd;
  Layer l = layer_from_tar(tar);
  const Entry* hosts = find(l.entries, "etc/hosts");
  const Entry* allow = find(l.entries, "etc/hosts.allow");
  ASSERT_TRUE(hosts && allow);
  // GNU tar names the pair in its own directory order; one links to the other.
  EXPECT_TRUE((hosts->type == 'f' && allow->type == 'h' && allow->link == "etc/hosts") ||
              (allow->type == 'f' && hosts->type == 'h' && hosts->link == "etc/hosts.allow"));
  ASSERT_NE(find(l.entries, "usr/local/lib/libnothing.so.2"), nullptr);
  EXPECT_EQ(find(l.entries, "usr/local/lib/libnothing.so.2")->link, "libnothing.so");
  unpack_blob(l.blob, dest.path());
  EXPECT_EQ(tree_snapshot(dest.path(), true), tree_snapshot(td.path(), true));
}

TEST(WriterConformance, ContainerdRelativeSymlinks) {
  // testDiffApply with one applier: a diff against nothing is the whole tree
  // (a base layer), so write_layer_from_dir without overlay mode; applied to
  // an empty directory it must give the tree, every symlink target verbatim.
  const json& table = containerd("TestRelativeSymlinks", "breakoutLinks");
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    SCOPED_TRACE("TestRelativeSymlinks/breakoutLinks[" + std::to_string(visited) + "]");
    fs::TempDir td, dest;
    PlainOps ops(td.path());
    apply_go(ops, c);
    Layer l = layer_from_dir(td.path(), false);
    expect_parents_first(l.entries);
    for (const auto& step : c.at("args")) {
      if (!is_call(step, "fstest.Symlink")) continue;
      const Entry* e = find(l.entries, clean_rel(arg(step, 1)));
      ASSERT_NE(e, nullptr) << step.dump();
      EXPECT_EQ(e->type, 'l');
      EXPECT_EQ(e->link, arg(step, 0).get<std::string>());
    }
    unpack_blob(l.blob, dest.path());
    EXPECT_EQ(tree_snapshot(dest.path(), true), tree_snapshot(td.path(), true));
    ++visited;
  }
  EXPECT_EQ(visited, 6u);
}

TEST(WriterConformance, ContainerdSymlinks) {
  // testDiffApply(a, b): hoist's overlay diff of b over a, applied to a, gives b.
  const json& table = containerd("TestSymlinks", "links");
  size_t visited = 0;
  for (const auto& pair : cases_of(table)) {
    SCOPED_TRACE("TestSymlinks/links[" + std::to_string(visited) + "]");
    Diff d;
    make_diff(d, pair.at(0), pair.at(1));
    for (const auto& step : pair.at(1).at("args")) {
      if (is_call(step, "fstest.Symlink")) {
        const Entry* e = find(d.layer.entries, clean_rel(arg(step, 1)));
        ASSERT_NE(e, nullptr) << step.dump();
        EXPECT_EQ(e->link, arg(step, 0).get<std::string>());
      }
    }
    expect_diff_applies(d, pair.at(1));
    ++visited;
  }
  EXPECT_EQ(visited, 5u);
}

TEST(WriterConformance, ContainerdTarWithXattr) {
  // containerd applies a tar whose "/file" (0755) carries the xattr; here
  // hoist writes that tar from a file on disk and the xattr must be in the
  // entry byte for byte (the SELinux label with its trailing NUL) and come
  // back from layers::unpack_tar.
  const json& table = containerd("TestTarWithXattr", "tests");
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    std::string name = c.at("name"), key = c.at("key"), value = c.at("value");
    SCOPED_TRACE("TestTarWithXattr/" + name);
    fs::TempDir src, dest;
    write_bytes(src.path() + "/file", "", O_CREAT | O_TRUNC, 0755);
    check_sys(::chmod((src.path() + "/file").c_str(), 0755), "chmod");
    set_xattr(src.path() + "/file", key, value);
    Layer l = layer_from_dir(src.path(), false);
    ASSERT_EQ(l.entries.size(), 1u);
    EXPECT_EQ(l.entries[0].name, "file");
    EXPECT_EQ(l.entries[0].mode, 0755u);
    ASSERT_TRUE(l.entries[0].xattrs.count(key)) << key;
    EXPECT_EQ(l.entries[0].xattrs.at(key), value);
    unpack_blob(l.blob, dest.path());
    EXPECT_EQ(get_xattr(dest.path() + "/file", key), value);
    ++visited;
  }
  EXPECT_EQ(visited, 2u);
}

// ---------------------------------------------------------------------------
// moby/go-archive archive_test.go

Compression go_compression(const json& n) {
  std::string id = n.at("$ident");
  if (id == "compression.None") return Compression::None;
  if (id == "compression.Gzip") return Compression::Gzip;
  throw Error("unsupported compression " + id);
}

// moby's tarUntar also checks compression.Detect on the first bytes.
void expect_detected(const std::string& blob, Compression c) {
  bool gzip = blob.size() >= 3 && static_cast<unsigned char>(blob[0]) == 0x1f &&
              static_cast<unsigned char>(blob[1]) == 0x8b && static_cast<unsigned char>(blob[2]) == 0x08;
  EXPECT_EQ(gzip, c == Compression::Gzip);
}

void write_origin_file(const std::string& path, const std::string& content) {
  write_bytes(path, content, O_CREAT | O_TRUNC, 0700);
  check_sys(::chmod(path.c_str(), 0700), "chmod " + path);
}

TEST(WriterConformance, MobyTarUntar) {
  // TarOptions{Compression: c, ExcludePatterns: ["3"]}: hoist's writer has no
  // exclude patterns — the builder stages only what a step adds (COPY with
  // .dockerignore) into the layer directory — so "3" is left out by staging
  // the other files, then the layer is unpacked and compared: the only
  // change must be the missing "/3".
  const json& table = moby("ga_archive_test.go", "TestTarUntar", "range");
  fs::TempDir origin;
  write_origin_file(origin.path() + "/1", "hello world");
  write_origin_file(origin.path() + "/2", "welcome!");
  write_origin_file(origin.path() + "/3", "will be ignored");
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    SCOPED_TRACE("TestTarUntar/" + c.at("$ident").get<std::string>());
    Compression comp = go_compression(c);
    fs::TempDir stage, dest;
    copy_tree(origin.path(), stage.path());
    ::unlink((stage.path() + "/3").c_str());
    Layer l = layer_from_dir(stage.path(), false, comp);
    expect_detected(l.blob, comp);
    unpack_blob(l.blob, dest.path());
    EXPECT_EQ(changes(origin.path(), dest.path()), std::vector<std::string>{"D /3"});
    ++visited;
  }
  EXPECT_EQ(visited, 2u);
}

TEST(WriterConformance, MobyChownOptsAlwaysOverridesIdPair) {
  // TarOptions.ChownOpts forces the owner of every entry; TarOptions.IDMap
  // maps host ids to container ids. hoist's writer has neither: an entry's
  // owner is the file's owner on disk (COPY --chown sets it on the staged
  // file, a RUN step's files are owned as the step left them). The
  // equivalent check: the file owned by the case's ids on disk gives those
  // ids in the header, and nothing remaps them — in the IDMap case 100001
  // stays 100001 although it lies in the range mapped to container id 0+.
  const json& maps = moby("ga_archive_test.go", "TestTarWithOptionsChownOptsAlwaysOverridesIdPair", "idMaps");
  size_t visited_maps = 0;
  for (const auto& m : cases_of(maps)) {
    SCOPED_TRACE("idMaps[" + std::to_string(visited_maps) + "] = " + m.dump());
    // Only an input of the IDMap case below, which shows it changes nothing.
    EXPECT_EQ(m.at("ID"), 0);
    EXPECT_EQ(m.at("Count"), 65536);
    ++visited_maps;
  }
  EXPECT_EQ(visited_maps, 2u);
  const json& table = moby("ga_archive_test.go", "TestTarWithOptionsChownOptsAlwaysOverridesIdPair", "tests");
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    SCOPED_TRACE("TestTarWithOptionsChownOptsAlwaysOverridesIdPair/tests[" + std::to_string(visited) + "] " +
                 c.dump());
    int64_t uid = c.at("expectedUID"), gid = c.at("expectedGID");
    EXPECT_EQ(c.at("opts").at("ChownOpts").at("UID"), uid);
    EXPECT_EQ(c.at("opts").at("ChownOpts").at("GID"), gid);
    // NoLchown is an extraction option (do not chown while untarring): nothing to write.
    fs::TempDir dir;
    write_origin_file(dir.path() + "/1", "hello world");
    check_sys(::chown((dir.path() + "/1").c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)), "chown");
    Layer l = layer_from_dir(dir.path(), false);
    ASSERT_EQ(l.entries.size(), 1u);
    EXPECT_EQ(l.entries[0].uid, uid);
    EXPECT_EQ(l.entries[0].gid, gid);
    ++visited;
  }
  EXPECT_EQ(visited, 5u);
}

TEST(WriterConformance, MobyTarWithOptions) {
  // IncludeFiles / ExcludePatterns / RebaseNames select and rename what goes
  // into an archive. In hoist that selection is the builder's (what it stages
  // into the layer directory), so each case stages origin the way the
  // options say, writes the layer, unpacks it, and counts moby's changes
  // between origin and the result.
  const json& table = moby("ga_archive_test.go", "TestTarWithOptions", "tests");
  fs::TempDir origin;
  std::string folder = origin.path() + "/folderXXXXXX";
  ASSERT_NE(::mkdtemp(folder.data()), nullptr);  // os.MkdirTemp(origin, "folder")
  write_origin_file(origin.path() + "/1", "hello world");
  write_origin_file(origin.path() + "/2", "welcome!");
  std::vector<std::string> top;
  for (const auto& [path, desc] : tree_snapshot(origin.path(), false))
    if (path.find('/', 1) == std::string::npos) top.push_back(path.substr(1));
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    const json& o = c.at("opts");
    SCOPED_TRACE("TestTarWithOptions/tests[" + std::to_string(visited) + "] " + o.dump());
    std::vector<std::string> picked;
    if (o.contains("IncludeFiles")) {
      for (const auto& f : o.at("IncludeFiles"))
        if (std::find(picked.begin(), picked.end(), f.get<std::string>()) == picked.end()) picked.push_back(f);
    } else {
      picked = top;
    }
    if (o.contains("ExcludePatterns")) {
      std::erase_if(picked, [&](const std::string& name) {
        for (const auto& pat : o.at("ExcludePatterns"))
          if (::fnmatch(pat.get<std::string>().c_str(), name.c_str(), 0) == 0) return true;
        return false;
      });
    }
    fs::TempDir stage, dest;
    for (const auto& name : picked) {
      std::string as = name;
      if (o.contains("RebaseNames") && o.at("RebaseNames").contains(name))
        as = o.at("RebaseNames").at(name).get<std::string>();
      std::string cmd = "cp -a '" + origin.path() + "/" + name + "' '" + stage.path() + "/" + as + "'";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
    Layer l = layer_from_dir(stage.path(), false, Compression::None);
    unpack_blob(l.blob, dest.path());
    auto ch = changes(origin.path(), dest.path());
    EXPECT_EQ(ch.size(), c.at("numChanges").get<size_t>()) << ::testing::PrintToString(ch);
    ++visited;
  }
  EXPECT_EQ(visited, 5u);
}

TEST(WriterConformance, MobyCreateTarFileSymlinkPreservesLinkname) {
  // moby checks that extraction keeps a symlink's target verbatim; the
  // writer half: both writers put it in the tar verbatim, and it comes back
  // from unpack_tar unchanged.
  const json& table = moby("ga_archive_test.go", "TestCreateTarFileSymlinkPreservesLinkname", "tests");
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    std::string name = c.at("name"), linkname = c.at("linkname");
    SCOPED_TRACE("TestCreateTarFileSymlinkPreservesLinkname/" + name);
    fs::TempDir src, dest;
    check_sys(::mkdir((src.path() + "/bin").c_str(), 0755), "mkdir");
    check_sys(::symlink(linkname.c_str(), (src.path() + "/bin/tool").c_str()), "symlink");
    Layer l = layer_from_dir(src.path(), false);
    ASSERT_NE(find(l.entries, "bin/tool"), nullptr);
    EXPECT_EQ(find(l.entries, "bin/tool")->type, 'l');
    EXPECT_EQ(find(l.entries, "bin/tool")->link, linkname);
    Layer relayered = layer_from_tar(one_entry_tar("bin/tool", 'l', linkname));
    ASSERT_EQ(relayered.entries.size(), 1u);
    EXPECT_EQ(relayered.entries[0].link, linkname);
    unpack_blob(l.blob, dest.path());
    char t[4096];
    ssize_t n = ::readlink((dest.path() + "/bin/tool").c_str(), t, sizeof t);
    EXPECT_EQ(std::string(t, n > 0 ? static_cast<size_t>(n) : 0), linkname);
    ++visited;
  }
  EXPECT_EQ(visited, 2u);
}

int files_in_archive_expr(const json& n, int files_in_archive) {
  if (n.is_number()) return n.get<int>();
  if (n.contains("$ident") && n.at("$ident") == "filesInArchive") return files_in_archive;
  std::string e = n.at("$expr");
  if (e == "filesInArchive + 1") return files_in_archive + 1;
  if (e == "filesInArchive - 1") return files_in_archive - 1;
  throw Error("unsupported expression " + e);
}

TEST(WriterConformance, MobyReplaceFileTarWrapper) {
  // ReplaceFileTarWrapper edits a tar stream on the fly; hoist has no stream
  // editor: a layer's content changes by changing the files and writing the
  // layer again. So each case builds moby's source archive (20 files
  // "file-N" = "fooo", 0700) with write_layer_from_dir, unpacks it, applies
  // the modifier to the file (header Mode 0600, Typeflag Reg), writes the
  // layer again, and checks what readFileFromArchive checks: the file count
  // and the content, plus the modifier's mode in the new entry.
  const json& table = moby("ga_archive_test.go", "TestReplaceFileTarWrapper", "tests");
  const int files_in_archive = 20;
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    std::string doc = c.at("doc");
    SCOPED_TRACE("TestReplaceFileTarWrapper/" + doc);
    std::string filename;
    if (c.at("filename").is_string()) {
      filename = c.at("filename").get<std::string>();
    } else {
      ASSERT_TRUE(is_call(c.at("filename"), "fmt.Sprintf"));
      std::string fmt = arg(c.at("filename"), 0);
      int v = files_in_archive_expr(arg(c.at("filename"), 1), files_in_archive);
      filename = fmt.substr(0, fmt.find("%d")) + std::to_string(v) + fmt.substr(fmt.find("%d") + 2);
    }
    fs::TempDir src, work, dest;
    for (int i = 0; i < files_in_archive; ++i) write_origin_file(src.path() + "/file-" + std::to_string(i), "fooo");
    Layer source = layer_from_dir(src.path(), false);
    unpack_blob(source.blob, work.path());

    std::string path = work.path() + "/" + filename;
    struct stat st;
    bool existed = lstat_ok(path, &st);
    const json& modifier = c.at("modifier");
    std::string content;
    if (is_call(modifier, "createModifier")) {
      EXPECT_FALSE(existed) << "createModifier expects no content for " << filename;
      content = "the new content";
    } else if (modifier.at("$ident") == "createOrReplaceModifier") {
      content = "the new content";
    } else if (modifier.at("$ident") == "appendModifier") {
      content = (existed ? fs::read_file(path) : "") + "\nnext line";
    } else {
      FAIL() << "unsupported modifier " << modifier.dump();
    }
    ::unlink(path.c_str());
    write_bytes(path, content, O_CREAT | O_TRUNC, 0600);
    check_sys(::chmod(path.c_str(), 0600), "chmod");
    Layer result = layer_from_dir(work.path(), false);

    const Entry* e = find(result.entries, filename);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->mode, 0600u);
    unpack_blob(result.blob, dest.path());
    size_t count = 0;
    for (const auto& [p, d] : tree_snapshot(dest.path(), false)) count += p.find('/', 1) == std::string::npos;
    EXPECT_EQ(static_cast<int>(count), files_in_archive_expr(c.at("fileCount"), files_in_archive));
    EXPECT_EQ(fs::read_file(dest.path() + "/" + filename), c.at("expected").get<std::string>());
    ++visited;
  }
  EXPECT_EQ(visited, 4u);
}

// ---------------------------------------------------------------------------
// moby/go-archive archive_unix_test.go

TEST(WriterConformance, MobyCanonicalTarName) {
  // canonicalTarName(name, isDir): directories get a trailing "/". hoist's
  // TarWriter::add_path does this for paths on disk, write_layer_from_tar for
  // entries of another archive.
  const json& table = moby("ga_archive_unix_test.go", "TestCanonicalTarName", "cases");
  fs::TempDir t;
  check_sys(::mkdir((t.path() + "/a-dir").c_str(), 0755), "mkdir");
  write_bytes(t.path() + "/a-file", "x", O_CREAT | O_TRUNC, 0644);
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    std::string in = c.at("in"), expected = c.at("expected");
    bool is_dir = c.at("isDir");
    SCOPED_TRACE("TestCanonicalTarName/" + in + (is_dir ? " (dir)" : " (file)"));
    StringWriter out;
    TarWriter tar(out, std::nullopt);
    tar.add_path(t.path() + (is_dir ? "/a-dir" : "/a-file"), in);
    tar.finish();
    auto es = read_tar(out.out);
    ASSERT_EQ(es.size(), 1u);
    EXPECT_EQ(es[0].name, expected);
    Layer relayered = layer_from_tar(one_entry_tar(in, is_dir ? 'd' : 'f'));
    ASSERT_EQ(relayered.entries.size(), 1u);
    EXPECT_EQ(relayered.entries[0].name, expected);
    ++visited;
  }
  EXPECT_EQ(visited, 4u);
}

TEST(WriterConformance, MobyChmodTarEntry) {
  // chmodTarEntry is the identity on Unix (Windows adds bits): the mode in
  // the tar is the mode on disk, for files and directories.
  const json& table = moby("ga_archive_unix_test.go", "TestChmodTarEntry", "cases");
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    unsigned in = c.at("in"), expected = c.at("expected");
    SCOPED_TRACE("TestChmodTarEntry/" + std::to_string(in));
    fs::TempDir t;
    write_bytes(t.path() + "/f", "x", O_CREAT | O_TRUNC, 0600);
    check_sys(::chmod((t.path() + "/f").c_str(), in), "chmod");
    check_sys(::mkdir((t.path() + "/d").c_str(), 0700), "mkdir");
    check_sys(::chmod((t.path() + "/d").c_str(), in), "chmod");
    Layer l = layer_from_dir(t.path(), false);
    ASSERT_NE(find(l.entries, "f"), nullptr);
    ASSERT_NE(find(l.entries, "d/"), nullptr);
    EXPECT_EQ(find(l.entries, "f")->mode, expected);
    EXPECT_EQ(find(l.entries, "d/")->mode, expected);
    ++visited;
  }
  EXPECT_EQ(visited, 5u);
}

TEST(WriterConformance, MobyTarUntarWithXattr) {
  // "setcap cap_block_suspend+ep 2": only entry "2" carries
  // SCHILY.xattr.security.capability, non-empty; then per compression the
  // tar/untar round trip (with "3" left out as in MobyTarUntar) changes
  // nothing but "/3" and keeps the capability.
  const json& table = moby("ga_archive_unix_test.go", "TestTarUntarWithXattr", "range");
  const unsigned kCapBlockSuspend = 36;
  fs::TempDir origin;
  write_origin_file(origin.path() + "/1", "hello world");
  write_origin_file(origin.path() + "/2", "welcome!");
  write_origin_file(origin.path() + "/3", "will be ignored");
  set_xattr(origin.path() + "/2", "security.capability", file_capability(kCapBlockSuspend));
  Layer all = layer_from_dir(origin.path(), false, Compression::None);
  for (const auto& e : all.entries) {
    bool has = e.xattrs.count("security.capability");
    EXPECT_EQ(has, e.name == "2") << e.name;
    if (has) {
      EXPECT_FALSE(e.xattrs.at("security.capability").empty());
    }
  }
  // Go's archive/tar reads the SCHILY.xattr record, not libarchive's own.
  EXPECT_NE(all.blob.find("SCHILY.xattr.security.capability="), std::string::npos);
  size_t visited = 0;
  for (const auto& c : cases_of(table)) {
    SCOPED_TRACE("TestTarUntarWithXattr/" + c.at("$ident").get<std::string>());
    Compression comp = go_compression(c);
    fs::TempDir stage, dest;
    copy_tree(origin.path(), stage.path());
    ::unlink((stage.path() + "/3").c_str());
    Layer l = layer_from_dir(stage.path(), false, comp);
    expect_detected(l.blob, comp);
    unpack_blob(l.blob, dest.path());
    EXPECT_EQ(changes(origin.path(), dest.path()), std::vector<std::string>{"D /3"});
    EXPECT_EQ(get_xattr(dest.path() + "/2", "security.capability"), file_capability(kCapBlockSuspend));
    ++visited;
  }
  EXPECT_EQ(visited, 2u);
}

TEST(WriterConformance, MobyCopyInfoDestinationPathSymlink) {
  // CopyInfoDestinationPath resolves `docker cp` destinations through
  // symlinks; hoist's writer resolves nothing: it archives symlinks as
  // symlinks. The equivalent check on the same sample tree: every resource
  // is archived with its type, mode and verbatim target, no symlink is
  // followed (nothing appears under dirSymlink), and the path moby resolves
  // to exists in the layer exactly when moby says it exists.
  const json& table = moby("ga_archive_unix_test.go", "TestCopyInfoDestinationPathSymlink", "testData");
  fs::TempDir tmp;
  std::string root = tmp.path() + "/";
  auto cs = cases_of(table);
  for (const auto& c : cs) {  // provisionSampleDir
    const json& r = c.at("resource");
    std::string type = r.at("filetype").at("$ident"), path = root + r.at("path").get<std::string>();
    unsigned perm = r.at("permissions");
    if (type == "Dir") {
      fs::mkdir_p(path, 0755);
      check_sys(::chmod(path.c_str(), perm), "chmod");
    } else if (type == "Regular") {
      write_bytes(path, r.value("contents", ""), O_CREAT | O_TRUNC, perm);
      check_sys(::chmod(path.c_str(), perm), "chmod");
    } else {
      check_sys(::symlink(root_expr(r.at("contents"), root).c_str(), path.c_str()), "symlink");
    }
  }
  Layer l = layer_from_dir(tmp.path(), false);
  expect_parents_first(l.entries);
  size_t visited = 0;
  for (const auto& c : cs) {
    const json& r = c.at("resource");
    std::string type = r.at("filetype").at("$ident"), rel = r.at("path");
    SCOPED_TRACE("TestCopyInfoDestinationPathSymlink/" + rel + (c.at("file") == "" ? "" : " + " + c.at("file").get<std::string>()));
    if (type == "Dir") {
      ASSERT_NE(find(l.entries, rel + "/"), nullptr);
      EXPECT_EQ(find(l.entries, rel + "/")->mode, r.at("permissions").get<unsigned>());
    } else if (type == "Regular") {
      ASSERT_NE(find(l.entries, rel), nullptr);
      EXPECT_EQ(find(l.entries, rel)->type, 'f');
      EXPECT_EQ(find(l.entries, rel)->mode, r.at("permissions").get<unsigned>());
    } else {
      ASSERT_NE(find(l.entries, rel), nullptr);
      EXPECT_EQ(find(l.entries, rel)->type, 'l');
      EXPECT_EQ(find(l.entries, rel)->link, root_expr(r.at("contents"), root));
      for (const auto& e : l.entries) EXPECT_FALSE(e.name.starts_with(rel + "/")) << e.name << ": symlink followed";
    }
    const json& want = c.at("expected");
    std::string resolved = root_expr(want.at("Path"), root).substr(root.size());
    const Entry* e = find_any(l.entries, resolved);
    EXPECT_EQ(e != nullptr, want.at("Exists").get<bool>()) << "resolved path " << resolved;
    if (e && want.contains("IsDir")) {
      EXPECT_EQ(e->type == 'd', want.at("IsDir").get<bool>());
    }
    ++visited;
  }
  EXPECT_EQ(visited, 7u);
}

// ---------------------------------------------------------------------------
// moby/go-archive changes_test.go

// createSampleDir's files, provisioned from the table.
void create_sample_dir(FsOps& ops, const std::string& root) {
  for (const auto& f : cases_of(moby("ga_changes_test.go", "createSampleDir", "files"))) {
    int type = f.at("filetype");
    std::string path = f.at("path");
    unsigned perm = f.at("permissions");
    if (type == 1) {
      ops.create_dir(path, perm);
    } else if (type == 0) {
      ops.create_file(path, f.at("contents").get<std::string>(), perm);
    } else {
      const json& target = f.at("contents");
      std::string t = target.is_string() ? target.get<std::string>() : root + "/" + arg(target, 1).get<std::string>();
      ops.symlink(t, path);
    }
  }
}

// The layer entry a moby Change is about: a delete is a whiteout, an add or
// a modification is the path itself (a directory with its "/").
std::string change_entry(const std::vector<Entry>& es, const json& change) {
  std::string path = clean_rel(arg(change.at("Path"), 0));
  std::string kind = change.at("Kind").at("$ident");
  if (kind == "ChangeDelete") return whiteout_name(path);
  const Entry* e = find_any(es, path);
  return e ? e->name : path + " (missing)";
}

TEST(WriterConformance, MobyCreateSampleDir) {
  // The sample tree as a base layer: every file of the table is in it with
  // its type, mode, content and (absolute, host-specific) symlink target,
  // and it unpacks to the same tree.
  const json& table = moby("ga_changes_test.go", "createSampleDir", "files");
  fs::TempDir root, dest;
  PlainOps ops(root.path());
  create_sample_dir(ops, root.path());
  Layer l = layer_from_dir(root.path(), false);
  expect_parents_first(l.entries);
  size_t visited = 0;
  for (const auto& f : cases_of(table)) {
    std::string path = f.at("path");
    int type = f.at("filetype");
    SCOPED_TRACE("createSampleDir/" + path);
    const Entry* e = find_any(l.entries, path);
    ASSERT_NE(e, nullptr);
    if (type == 1) {
      EXPECT_EQ(e->type, 'd');
      EXPECT_EQ(e->mode, f.at("permissions").get<unsigned>());
    } else if (type == 0) {
      EXPECT_EQ(e->type, 'f');
      EXPECT_EQ(e->mode, f.at("permissions").get<unsigned>());
      EXPECT_EQ(e->content, f.at("contents").get<std::string>());
    } else {
      EXPECT_EQ(e->type, 'l');
      const json& target = f.at("contents");
      EXPECT_EQ(e->link, target.is_string() ? target.get<std::string>()
                                            : root.path() + "/" + arg(target, 1).get<std::string>());
    }
    ++visited;
  }
  EXPECT_EQ(visited, 24u);
  EXPECT_EQ(l.entries.size(), 24u);
  unpack_blob(l.blob, dest.path());
  EXPECT_EQ(tree_snapshot(dest.path(), true), tree_snapshot(root.path(), true));
}

TEST(WriterConformance, MobyChangesWithChanges) {
  // Changes([layer], rwLayer) reads an AUFS-style upper layer; hoist reads
  // an overlayfs upper. The same upper, with dir1/file1-2's deletion as an
  // overlay whiteout (0/0 char device) instead of an AUFS ".wh." file:
  // each expected change is exactly one entry of the layer, and there is no
  // other entry.
  const json& table = moby("ga_changes_test.go", "TestChangesWithChanges", "expectedChanges");
  fs::TempDir lower, upper;
  PlainOps low(lower.path());
  create_sample_dir(low, lower.path());
  low.create_dir("dir1/subfolder", 0740);
  std::string u = upper.path();
  PlainOps up(u);
  up.create_dir("dir1", 0740);
  check_sys(::mknod((u + "/dir1/file1-2").c_str(), S_IFCHR, makedev(0, 0)), "mknod");
  up.create_file("dir1/file1-1", std::string(1, '\0'), 01444);
  up.create_dir("dir1/subfolder", 0740);
  up.create_file("dir1/subfolder/newFile", "", 0740);
  Layer l = layer_from_dir(u, true);
  std::set<std::string> expected;
  size_t visited = 0;
  for (const auto& change : cases_of(table)) {
    std::string entry = change_entry(l.entries, change);
    SCOPED_TRACE("TestChangesWithChanges/" + change.dump() + " -> " + entry);
    EXPECT_NE(find(l.entries, entry), nullptr);
    expected.insert(entry);
    ++visited;
  }
  EXPECT_EQ(visited, 5u);
  EXPECT_EQ(name_set(l.entries), expected);
  EXPECT_EQ(find(l.entries, "dir1/file1-1")->mode, 01444u);
  EXPECT_EQ(find(l.entries, "dir1/file1-1")->content, std::string(1, '\0'));
}

TEST(WriterConformance, MobyChangesWithChangesGH13590) {
  // The rw layer is a `cp -a` of dir1 in which file.txt was removed (no
  // whiteout: in an upper layer a missing name is unchanged) and file1.txt
  // added. Every expected change is an entry; the only other entries are
  // the unchanged parent directories of those (dir1/, dir1/dir2/, and dir3/
  // when only file.txt changed), which a tar must carry (containerd's
  // ParentInclusion) but moby's change list leaves out.
  // os.MkdirAll(dir3, 0o7400) gives 0400 directories (Go drops the high
  // bits of a plain integer mode).
  const json& table = moby("ga_changes_test.go", "TestChangesWithChangesGH13590", "expectedChanges");
  fs::TempDir base;
  PlainOps b(base.path());
  b.create_dir("dir1", 0400);
  b.create_dir("dir1/dir2", 0400);
  b.create_dir("dir1/dir2/dir3", 0400);
  b.create_file("dir1/dir2/dir3/file.txt", "hello", 0644);
  auto run = [&](const std::function<void(PlainOps&)>& mutate, const std::vector<json>& want) {
    fs::TempDir layer;
    copy_tree(base.path(), layer.path());
    PlainOps rw(layer.path());
    mutate(rw);
    Layer l = layer_from_dir(layer.path(), true);
    std::set<std::string> expected;
    for (const auto& change : want) {
      std::string entry = change_entry(l.entries, change);
      SCOPED_TRACE(change.dump() + " -> " + entry);
      EXPECT_NE(find(l.entries, entry), nullptr);
      expected.insert(entry);
      for (std::string p = parent_of(clean_rel(entry)); !p.empty(); p = parent_of(p)) expected.insert(p + "/");
    }
    EXPECT_EQ(name_set(l.entries), expected);
  };
  size_t visited = 0;
  std::vector<json> creating = cases_of(table);
  for (const auto& change : creating) {
    SCOPED_TRACE("TestChangesWithChangesGH13590/" + change.dump());
    ++visited;
  }
  EXPECT_EQ(visited, 2u);
  {
    SCOPED_TRACE("GH13590: creating a new file");
    run(
        [](PlainOps& rw) {
          rw.remove("dir1/dir2/dir3/file.txt");
          rw.create_file("dir1/dir2/dir3/file1.txt", "bye", 0644);
        },
        creating);
  }
  {
    // The Go test's second expectedChanges (not in the table, which holds the first).
    SCOPED_TRACE("GH13590: changing a file");
    json modify = json::parse(R"({"Path": {"$call": "filepath.FromSlash", "args": ["/dir1/dir2/dir3/file.txt"]},
                                  "Kind": {"$ident": "ChangeModify"}})");
    run([](PlainOps& rw) { rw.write_file("dir1/dir2/dir3/file.txt", "bye", 0644); }, {modify});
  }
}

// mutateSampleDir from changes_test.go; os.WriteFile / os.MkdirAll modes
// are given as the default umask 022 leaves them.
void mutate_sample_dir(FsOps& ops, int64_t touched) {
  ops.remove("file1");
  ops.remove("dir1");
  ops.remove("symlink1");
  ops.write_file("file2", "fileNN\n", 0755);
  ops.remove("file3");
  ops.write_file("file3", "fileMM\n", 0404);
  ops.chtimes("file4", touched);
  ops.remove("file5");
  ops.create_dir("file5", 0644);
  ops.write_file("filenew", "filenew\n", 0755);
  ops.create_dir("dirnew", 0744);
  ops.symlink("targetnew", "symlinknew");
  ops.remove("symlink2");
  ops.symlink("target2change", "symlink2");
  ops.remove("dir2");
  ops.write_file("dir2", "dir2\n", 0755);
  ops.chtimes("dir3", touched);
}

TEST(WriterConformance, MobyChangesDirsMutated) {
  // ChangesDirs(dst, src) after mutateSampleDir, done here through overlayfs
  // (OverlayOps) so that the upper dir is the change set. The table holds
  // the first two expected changes (/dir1 deleted, /dir2 replaced); the Go
  // test appends the rest, listed here from its source. Each change is one
  // entry of the layer. Two entries are not in moby's list, by design:
  // "dir3/" (a touched directory: overlayfs copies it up, and moby ignores
  // directory time changes on Linux, moby#9874) and "file5/.wh..wh..opq"
  // (file5 became a directory made over a whiteout, so it is opaque).
  // Then the layer applied over src must give dst (moby's TestApplyLayer).
  const json& table = moby("ga_changes_test.go", "TestChangesDirsMutated", "expectedChanges");
  auto from_source = [](const char* path, const char* kind) {
    json c;
    c["Path"] = {{"$call", "filepath.FromSlash"}, {"args", json::array({path})}};
    c["Kind"] = {{"$ident", kind}};
    return c;
  };
  std::vector<json> rest = {from_source("/dirnew", "ChangeAdd"),      from_source("/file1", "ChangeDelete"),
                            from_source("/file2", "ChangeModify"),    from_source("/file3", "ChangeModify"),
                            from_source("/file4", "ChangeModify"),    from_source("/file5", "ChangeModify"),
                            from_source("/filenew", "ChangeAdd"),     from_source("/symlink1", "ChangeDelete"),
                            from_source("/symlink2", "ChangeModify"), from_source("/symlinknew", "ChangeAdd")};
  fs::TempDir src, upper, dst;
  PlainOps s(src.path());
  create_sample_dir(s, src.path());
  copy_tree(src.path(), dst.path());
  const int64_t touched = std::time(nullptr) + 1;
  OverlayOps over(src.path(), upper.path());
  mutate_sample_dir(over, touched);
  PlainOps d(dst.path());
  mutate_sample_dir(d, touched);

  Layer l = layer_from_dir(upper.path(), true);
  expect_parents_first(l.entries);
  std::set<std::string> expected = {"dir3/", "file5/.wh..wh..opq"};
  size_t visited = 0;
  for (const auto& change : cases_of(table)) {
    std::string entry = change_entry(l.entries, change);
    SCOPED_TRACE("TestChangesDirsMutated/" + change.dump() + " -> " + entry);
    EXPECT_NE(find(l.entries, entry), nullptr);
    expected.insert(entry);
    ++visited;
  }
  EXPECT_EQ(visited, 2u);
  for (const auto& change : rest) {
    std::string entry = change_entry(l.entries, change);
    SCOPED_TRACE("TestChangesDirsMutated (from the Go source)/" + change.dump() + " -> " + entry);
    EXPECT_NE(find(l.entries, entry), nullptr);
    expected.insert(entry);
  }
  EXPECT_EQ(name_set(l.entries), expected);
  EXPECT_EQ(find(l.entries, "dir2")->type, 'f');
  EXPECT_EQ(find(l.entries, "file5/")->type, 'd');
  EXPECT_EQ(find(l.entries, "symlink2")->link, "target2change");
  EXPECT_EQ(find(l.entries, "file4")->mtime, touched);

  fs::TempDir applied;
  copy_tree(src.path(), applied.path());
  unpack_blob(l.blob, applied.path());
  EXPECT_EQ(tree_snapshot(applied.path(), false), tree_snapshot(dst.path(), false));
}

// ---------------------------------------------------------------------------
// The harness itself: OverlayOps against the kernel.

// What a layer says about each entry, times aside.
std::map<std::string, std::string> describe(const std::vector<Entry>& es) {
  std::map<std::string, std::string> out;
  for (const auto& e : es)
    out[e.name] = std::string(1, e.type) + " " + std::to_string(e.mode) + " " + std::to_string(e.uid) + ":" +
                  std::to_string(e.gid) + " size=" + std::to_string(e.size) + " " + e.content + " -> " + e.link;
  return out;
}

// Runs `b` on a real overlayfs mount of `lower`; false when mounting is not allowed here.
bool kernel_upper(const std::string& lower, const std::string& upper, const std::function<void(FsOps&)>& b,
                  std::string* why) {
  fs::TempDir t;
  std::string work = t.path() + "/work", merged = t.path() + "/merged";
  check_sys(::mkdir(work.c_str(), 0700), "mkdir");
  check_sys(::mkdir(merged.c_str(), 0700), "mkdir");
  std::string opts = "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work +
                     ",redirect_dir=off,index=off,metacopy=off";
  if (::mount("overlay", merged.c_str(), "overlay", 0, opts.c_str()) != 0) {
    *why = std::string("mount -t overlay: ") + std::strerror(errno);
    return false;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{merged};
  PlainOps ops(merged);
  b(ops);
  return true;
}

TEST(WriterConformance, OverlaySimulationMatchesTheKernel) {
  // Every diff case above builds its upper dir with OverlayOps. Here the same
  // operations run on a real overlayfs mount, and the two upper dirs must
  // give layers with the same entries (names, types, modes, owners, content,
  // link targets). Where overlayfs cannot be mounted (an unprivileged CI
  // container) this check of the harness is skipped; the cases are not.
  struct Case {
    std::string name;
    std::function<void(FsOps&)> a, b;
  };
  std::vector<Case> cases;
  for (const auto& c : cases_of(containerd("TestDiffTar", "tests"))) {
    json a = c.at("a"), b = c.at("b");
    cases.push_back({"TestDiffTar/" + c.at("name").get<std::string>(), [a](FsOps& o) { apply_go(o, a); },
                     [b](FsOps& o) { apply_go(o, b); }});
  }
  size_t i = 0;
  for (const auto& pair : cases_of(containerd("TestSymlinks", "links"))) {
    json a = pair.at(0), b = pair.at(1);
    cases.push_back({"TestSymlinks/links[" + std::to_string(i++) + "]", [a](FsOps& o) { apply_go(o, a); },
                     [b](FsOps& o) { apply_go(o, b); }});
  }
  const int64_t touched = std::time(nullptr) + 1;
  std::string sample_root;
  cases.push_back({"TestChangesDirsMutated", [&](FsOps& o) { create_sample_dir(o, sample_root); },
                   [&](FsOps& o) { mutate_sample_dir(o, touched); }});
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    fs::TempDir lower, sim_upper, real_upper;
    sample_root = lower.path();
    PlainOps low(lower.path());
    c.a(low);
    OverlayOps sim(lower.path(), sim_upper.path());
    c.b(sim);
    std::string why;
    ASSERT_TRUE(kernel_upper(lower.path(), real_upper.path(), c.b, &why))
        << why << ": the suite runs as root on a kernel with overlayfs (../shared/docs/testing.md)";
    EXPECT_EQ(describe(layer_from_dir(sim_upper.path(), true).entries),
              describe(layer_from_dir(real_upper.path(), true).entries));
  }
}

}  // namespace
}  // namespace hoist::layers
