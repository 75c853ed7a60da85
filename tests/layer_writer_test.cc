// write_layer_from_dir / write_layer_from_tar: what ends up in the tar
// (names, order, types, modes, owners, links, xattrs, devices, whiteouts,
// times), the digests reported for it, and a round trip through
// layers::unpack_tar. Tars are read back with libarchive, independently of
// hoist's own decompressor. The tests run as root (mknod, chown, trusted.*).
#include "layers/layer_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/compression.h"
#include "layers/stream.h"
#include "layers/unpack.h"
#include "oci/digest.h"
#include "tests/layer_entries.h"
#include "tests/tree_snapshot.h"

namespace hoist::layers {
namespace {

// ---------------------------------------------------------------------------
// Reading tars back (libarchive, any compression).

using Entry = test::ReadEntry;
using test::read_tar;

// The uncompressed bytes of a blob, decoded by libarchive.
std::string raw_bytes(const std::string& blob) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_raw(a);
  archive_read_open_memory(a, blob.data(), blob.size());
  archive_entry* e;
  std::string out;
  if (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  archive_read_free(a);
  return out;
}

std::vector<std::string> names(const std::vector<Entry>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e.name);
  return out;
}

const Entry* find(const std::vector<Entry>& es, const std::string& name) {
  for (const auto& e : es)
    if (e.name == name) return &e;
  return nullptr;
}

// The entry called `name`; a test failure (and a blank entry) when there is none.
const Entry* at(const std::vector<Entry>& es, const std::string& name) {
  if (const Entry* e = find(es, name)) return e;
  ADD_FAILURE() << "no tar entry " << name;
  static const Entry missing;
  return &missing;
}

// ---------------------------------------------------------------------------
// Building trees on disk.

void check_sys(int rc, const std::string& what) {
  if (rc != 0) throw_sys(what, "");
}

void write_file(const std::string& path, const std::string& content, unsigned mode = 0644) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) throw_sys("create", path);
  fs::write_all(fd.get(), content.data(), content.size(), path);
  check_sys(::fchmod(fd.get(), mode), "chmod " + path);
}

void make_dir(const std::string& path, unsigned mode = 0755) {
  check_sys(::mkdir(path.c_str(), 0700), "mkdir " + path);
  check_sys(::chmod(path.c_str(), mode), "chmod " + path);
}

void make_symlink(const std::string& target, const std::string& path) {
  check_sys(::symlink(target.c_str(), path.c_str()), "symlink " + path);
}

void make_socket(const std::string& path) {
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(s, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  ::close(s);
}

void set_xattr(const std::string& path, const std::string& name, const std::string& value) {
  if (::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) != 0)
    throw_sys("setxattr " + name, path);
}

void set_mtime(const std::string& path, int64_t t) {
  timespec ts[2] = {{t, 0}, {t, 0}};
  check_sys(::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW), "utimensat " + path);
}

// A v2 file capability (vfs_cap_data) granting `cap` effective + permitted.
std::string file_capability(unsigned cap) {
  uint32_t words[5] = {0x02000000u | 0x1u, 0, 0, 0, 0};  // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
  words[cap < 32 ? 1 : 3] = 1u << (cap % 32);          // permitted[0] / permitted[1]
  return std::string(reinterpret_cast<const char*>(words), sizeof words);
}

struct Layer {
  LayerResult result;
  std::string blob;
  std::vector<Entry> entries;
};

LayerOptions opt(Compression c, std::optional<int64_t> clamp = std::nullopt) {
  LayerOptions o;
  o.compression = c;
  o.clamp_mtime = clamp;
  return o;
}

LayerOptions overlay_opt(bool overlay, bool user_xattr = false) {
  LayerOptions o;
  o.overlay_whiteouts = overlay;
  o.user_xattr = user_xattr;
  return o;
}

Layer from_dir(const std::string& dir, LayerOptions opts = {}) {
  Layer l;
  StringWriter out;
  l.result = write_layer_from_dir(dir, out, opts);
  l.blob = std::move(out.out);
  l.entries = read_tar(l.blob);
  return l;
}

Layer from_tar(const std::string& tar, LayerOptions opts = {}) {
  Layer l;
  StringWriter out;
  BufferReader in(tar);
  l.result = write_layer_from_tar(in, out, opts);
  l.blob = std::move(out.out);
  l.entries = read_tar(l.blob);
  return l;
}

// A tar built entry by entry with libarchive (pax), for write_layer_from_tar inputs.
struct In {
  static In file(std::string n, std::string c) {
    In i;
    i.name = std::move(n);
    i.content = std::move(c);
    return i;
  }
  static In dir(std::string n) {
    In i;
    i.name = std::move(n);
    i.type = 'd';
    i.mode = 0755;
    return i;
  }
  static In symlink(std::string n, std::string target) {
    In i;
    i.name = std::move(n);
    i.type = 'l';
    i.link = std::move(target);
    i.mode = 0777;
    return i;
  }
  static In hardlink(std::string n, std::string target) {
    In i;
    i.name = std::move(n);
    i.type = 'h';
    i.link = std::move(target);
    return i;
  }
  static In device(std::string n, char type, unsigned maj, unsigned min) {
    In i;
    i.name = std::move(n);
    i.type = type;
    i.rmajor = maj;
    i.rminor = min;
    return i;
  }
  In& with_mode(unsigned m) {
    mode = m;
    return *this;
  }
  In& owner(int64_t u, int64_t g, std::string un = "", std::string gn = "") {
    uid = u;
    gid = g;
    uname = std::move(un);
    gname = std::move(gn);
    return *this;
  }
  In& times(int64_t m, std::optional<int64_t> a = std::nullopt, std::optional<int64_t> c = std::nullopt) {
    mtime = m;
    atime = a;
    ctime = c;
    return *this;
  }
  In& xattr(std::string k, std::string v) {
    xattrs[std::move(k)] = std::move(v);
    return *this;
  }

  std::string name;
  char type = 'f';
  std::string content;
  std::string link;
  unsigned mode = 0644;
  int64_t uid = 0, gid = 0;
  int64_t mtime = 1000;
  std::string uname, gname;
  std::map<std::string, std::string> xattrs;
  unsigned rmajor = 0, rminor = 0;
  std::optional<int64_t> atime, ctime;
};

std::string make_tar(const std::vector<In>& entries, bool full_pax = false) {
  std::string out;
  archive* a = archive_write_new();
  if (full_pax)
    archive_write_set_format_pax(a);
  else
    archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  auto cb = [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  archive_write_open(a, &out, nullptr, cb, nullptr);
  for (const auto& in : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, in.name.c_str());
    switch (in.type) {
      case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
      case 'l':
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, in.link.c_str());
        break;
      case 'h':
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, in.link.c_str());
        break;
      case 'c': archive_entry_set_filetype(e, AE_IFCHR); break;
      case 'b': archive_entry_set_filetype(e, AE_IFBLK); break;
      case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
      default:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(in.content.size()));
    }
    archive_entry_set_perm(e, in.mode);
    archive_entry_set_uid(e, in.uid);
    archive_entry_set_gid(e, in.gid);
    if (!in.uname.empty()) archive_entry_set_uname(e, in.uname.c_str());
    if (!in.gname.empty()) archive_entry_set_gname(e, in.gname.c_str());
    archive_entry_set_mtime(e, in.mtime, 0);
    if (in.atime) archive_entry_set_atime(e, *in.atime, 0);
    if (in.ctime) archive_entry_set_ctime(e, *in.ctime, 0);
    archive_entry_set_rdevmajor(e, in.rmajor);
    archive_entry_set_rdevminor(e, in.rminor);
    for (const auto& [k, v] : in.xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    if (archive_write_header(a, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
    if (in.type == 'f' && !in.content.empty()) archive_write_data(a, in.content.data(), in.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

std::string compress(Compression c, const std::string& data) {
  StringWriter out;
  auto w = make_compressor(c, out);
  w->write(data.data(), data.size());
  w->close();
  return out.out;
}


void unpack_blob(const std::string& blob, const std::string& dest) {
  BufferReader in(blob);
  auto plain = make_decompressor(in);
  unpack_tar(*plain, dest);
}

// A tree with one of everything.
void build_rich_tree(const std::string& root) {
  make_dir(root + "/bin");
  write_file(root + "/bin/tool", "#!/bin/sh\necho tool\n", 0755);
  write_file(root + "/bin/suid", "suid", 04755);
  write_file(root + "/bin/sgid", "sgid", 02711);
  make_dir(root + "/tmp", 01777);
  make_dir(root + "/etc", 0755);
  write_file(root + "/etc/hosts", "127.0.0.1 localhost\n", 0644);
  check_sys(::link((root + "/etc/hosts").c_str(), (root + "/etc/hosts.allow").c_str()), "link");
  write_file(root + "/etc/shadow", "root:*:1::::::\n", 0640);
  check_sys(::chown((root + "/etc/shadow").c_str(), 0, 42), "chown");
  make_dir(root + "/home", 0755);
  make_dir(root + "/home/user", 0700);
  check_sys(::chown((root + "/home/user").c_str(), 1000, 1000), "chown");
  write_file(root + "/home/user/.profile", "export A=1\n", 0600);
  check_sys(::chown((root + "/home/user/.profile").c_str(), 1000, 1000), "chown");
  make_symlink("../etc/hosts", root + "/home/user/hosts");
  check_sys(::lchown((root + "/home/user/hosts").c_str(), 1000, 1000), "lchown");
  make_symlink("/does/not/exist", root + "/dangling");
  make_dir(root + "/empty", 0750);
  make_dir(root + "/dev", 0755);
  check_sys(::mknod((root + "/dev/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), "mknod");
  check_sys(::chmod((root + "/dev/null").c_str(), 0666), "chmod");
  check_sys(::mknod((root + "/dev/loop0").c_str(), S_IFBLK | 0660, makedev(7, 0)), "mknod");
  check_sys(::mkfifo((root + "/dev/fifo").c_str(), 0600), "mkfifo");
  write_file(root + "/bin/ping", "ping", 0755);
  set_xattr(root + "/bin/ping", "security.capability", file_capability(13));  // CAP_NET_RAW
  set_xattr(root + "/etc/hosts", "user.comment", std::string("with\0nul", 8));
  set_xattr(root + "/empty", "user.dir", "on a directory");
  std::string big(3 * 1024 * 1024 + 5, '\0');
  std::mt19937 rng(1);
  for (auto& c : big) c = static_cast<char>(rng() & 0xff);
  write_file(root + "/big.bin", big, 0644);
}

// ---------------------------------------------------------------------------
// write_layer_from_dir

TEST(LayerWriter, EntriesAreSortedWithParentsFirstAndDirsEndInSlash) {
  fs::TempDir t;
  std::string r = t.path();
  make_dir(r + "/b");
  write_file(r + "/b/z", "");
  write_file(r + "/b/a", "");
  make_dir(r + "/a");
  make_dir(r + "/a/b");
  write_file(r + "/a/b/c", "");
  write_file(r + "/a-b", "");
  write_file(r + "/B", "");
  write_file(r + "/a.txt", "");
  Layer l = from_dir(r);
  // Names in byte order within each directory, depth first, as Go's
  // filepath.Walk (docker, containerd): "a" and its subtree come before
  // "a-b", although the full path "a/" sorts after "a-b".
  std::vector<std::string> want = {"B", "a/", "a/b/", "a/b/c", "a-b", "a.txt", "b/", "b/a", "b/z"};
  EXPECT_EQ(names(l.entries), want);
  std::set<std::string> seen;
  for (const auto& e : l.entries) {
    EXPECT_FALSE(e.name.starts_with("/")) << e.name;
    EXPECT_FALSE(e.name.starts_with("./")) << e.name;
    EXPECT_EQ(e.type == 'd', e.name.ends_with("/")) << e.name;
    std::string n = e.name.ends_with("/") ? e.name.substr(0, e.name.size() - 1) : e.name;
    size_t slash = n.rfind('/');
    if (slash != std::string::npos) {
      EXPECT_TRUE(seen.count(n.substr(0, slash + 1))) << e.name << " before its parent";
    }
    seen.insert(e.name);
  }
  EXPECT_EQ(l.result.entries, want.size());
}

TEST(LayerWriter, KeepsModesIncludingSetuidSetgidAndSticky) {
  fs::TempDir t;
  std::string r = t.path();
  write_file(r + "/suid", "x", 04755);
  write_file(r + "/sgid", "x", 02755);
  write_file(r + "/none", "x", 0);
  write_file(r + "/ro", "x", 0444);
  make_dir(r + "/sticky", 01777);
  make_dir(r + "/private", 0700);
  Layer l = from_dir(r);
  EXPECT_EQ(at(l.entries, "suid")->mode, 04755u);
  EXPECT_EQ(at(l.entries, "sgid")->mode, 02755u);
  EXPECT_EQ(at(l.entries, "none")->mode, 0u);
  EXPECT_EQ(at(l.entries, "ro")->mode, 0444u);
  EXPECT_EQ(at(l.entries, "sticky/")->mode, 01777u);
  EXPECT_EQ(at(l.entries, "private/")->mode, 0700u);
}

TEST(LayerWriter, KeepsNumericOwnersAndWritesNoOwnerNames) {
  fs::TempDir t;
  std::string r = t.path();
  write_file(r + "/f", "x");
  check_sys(::chown((r + "/f").c_str(), 1234, 5678), "chown");
  make_dir(r + "/d");
  check_sys(::chown((r + "/d").c_str(), 65534, 65534), "chown");
  make_symlink("f", r + "/l");
  check_sys(::lchown((r + "/l").c_str(), 7, 8), "lchown");
  write_file(r + "/root", "x");
  write_file(r + "/big-ids", "x");  // beyond ustar's 7 octal digits: a pax record
  check_sys(::chown((r + "/big-ids").c_str(), 3000000, 4000000), "chown");
  Layer l = from_dir(r);
  EXPECT_EQ(at(l.entries, "big-ids")->uid, 3000000);
  EXPECT_EQ(at(l.entries, "big-ids")->gid, 4000000);
  EXPECT_EQ(at(l.entries, "f")->uid, 1234);
  EXPECT_EQ(at(l.entries, "f")->gid, 5678);
  EXPECT_EQ(at(l.entries, "d/")->uid, 65534);
  EXPECT_EQ(at(l.entries, "l")->uid, 7);
  EXPECT_EQ(at(l.entries, "l")->gid, 8);
  EXPECT_EQ(at(l.entries, "root")->uid, 0);
  for (const auto& e : l.entries) {
    EXPECT_EQ(e.uname, "") << e.name;
    EXPECT_EQ(e.gname, "") << e.name;
  }
}

TEST(LayerWriter, SymlinksKeepTheirTargetVerbatim) {
  fs::TempDir t;
  std::string r = t.path();
  std::string long_target = "../" + std::string(150, 'x') + "/target";
  make_symlink("../usr/local/bin/tool", r + "/relative");
  make_symlink("/usr/local/bin/tool", r + "/absolute");
  make_symlink("nowhere", r + "/dangling");
  make_symlink(long_target, r + "/long");
  make_dir(r + "/dir");
  make_symlink("dir", r + "/to-dir");
  write_file(r + "/dir/inside", "x");
  Layer l = from_dir(r);
  EXPECT_EQ(at(l.entries, "relative")->link, "../usr/local/bin/tool");
  EXPECT_EQ(at(l.entries, "absolute")->link, "/usr/local/bin/tool");
  EXPECT_EQ(at(l.entries, "dangling")->link, "nowhere");
  EXPECT_EQ(at(l.entries, "long")->link, long_target);
  ASSERT_NE(find(l.entries, "to-dir"), nullptr);
  EXPECT_EQ(at(l.entries, "to-dir")->type, 'l');
  EXPECT_EQ(find(l.entries, "to-dir/inside"), nullptr) << "a symlinked directory was followed";
  for (const char* n : {"relative", "absolute", "dangling", "long"}) EXPECT_EQ(at(l.entries, n)->type, 'l') << n;
}

TEST(LayerWriter, NamesAreBytesWhateverTheLocale) {
  fs::TempDir t;
  std::string r = t.path();
  const std::string utf8 = "caf\xc3\xa9", latin1 = "caf\xe9", long_ascii(120, 'a');
  for (const auto& n : {utf8, latin1, long_ascii}) write_file(r + "/" + n, n);
  make_symlink("\xc3\xa9t\xc3\xa9", r + "/link-" + utf8);
  Layer c_locale = from_dir(r, opt(Compression::None));
  std::string previous = std::setlocale(LC_CTYPE, nullptr);
  ASSERT_NE(std::setlocale(LC_CTYPE, "C.UTF-8"), nullptr) << "no C.UTF-8 locale";
  Layer utf8_locale = from_dir(r, opt(Compression::None));
  std::setlocale(LC_CTYPE, previous.c_str());
  EXPECT_EQ(c_locale.blob, utf8_locale.blob) << "the process locale changed the layer";
  for (const auto& n : {utf8, latin1, long_ascii}) EXPECT_EQ(at(c_locale.entries, n)->content, n);
  EXPECT_EQ(at(c_locale.entries, "link-" + utf8)->link, "\xc3\xa9t\xc3\xa9");
  // Plain ASCII needs no charset flag (GNU tar warns about hdrcharset).
  fs::TempDir ascii;
  write_file(ascii.path() + "/" + long_ascii, "x");
  EXPECT_EQ(from_dir(ascii.path(), opt(Compression::None)).blob.find("hdrcharset"), std::string::npos);
  // And the names come back from unpack_tar byte for byte.
  fs::TempDir out;
  unpack_blob(c_locale.blob, out.path());
  EXPECT_EQ(test::tree_snapshot(out.path(), true), test::tree_snapshot(r, true));
}

TEST(LayerWriter, LongNamesSurvive) {
  fs::TempDir t;
  std::string r = t.path();
  std::string d1(120, 'd'), f1(200, 'f');
  make_dir(r + "/" + d1);
  write_file(r + "/" + d1 + "/" + f1, "deep");
  Layer l = from_dir(r);
  ASSERT_EQ(l.entries.size(), 2u);
  EXPECT_EQ(l.entries[0].name, d1 + "/");
  EXPECT_EQ(l.entries[1].name, d1 + "/" + f1);
  EXPECT_EQ(l.entries[1].content, "deep");
}

TEST(LayerWriter, HardlinksBecomeTarLinksToTheFirstNameWritten) {
  fs::TempDir t;
  std::string r = t.path();
  make_dir(r + "/a");
  make_dir(r + "/b");
  write_file(r + "/a/one", "shared content", 0640);
  check_sys(::link((r + "/a/one").c_str(), (r + "/b/two").c_str()), "link");
  check_sys(::link((r + "/a/one").c_str(), (r + "/c").c_str()), "link");
  write_file(r + "/single", "alone");
  Layer l = from_dir(r);
  EXPECT_EQ(names(l.entries), (std::vector<std::string>{"a/", "a/one", "b/", "b/two", "c", "single"}));
  const Entry* one = at(l.entries, "a/one");
  EXPECT_EQ(one->type, 'f');
  EXPECT_EQ(one->content, "shared content");
  for (const char* n : {"b/two", "c"}) {
    const Entry* e = at(l.entries, n);
    EXPECT_EQ(e->type, 'h') << n;
    EXPECT_EQ(e->link, "a/one") << n;
    EXPECT_EQ(e->size, 0) << n;
    EXPECT_EQ(e->content, "") << n;
    EXPECT_EQ(e->mode, 0640u) << n;
  }
  EXPECT_EQ(at(l.entries, "single")->type, 'f');
}

TEST(LayerWriter, HardlinkedSymlinksAndDevicesAreLinkedToo) {
  fs::TempDir t;
  std::string r = t.path();
  make_symlink("target", r + "/s1");
  check_sys(::linkat(AT_FDCWD, (r + "/s1").c_str(), AT_FDCWD, (r + "/s2").c_str(), 0), "link symlink");
  check_sys(::mknod((r + "/c1").c_str(), S_IFCHR | 0600, makedev(1, 5)), "mknod");
  check_sys(::link((r + "/c1").c_str(), (r + "/c2").c_str()), "link");
  Layer l = from_dir(r);
  EXPECT_EQ(at(l.entries, "s1")->type, 'l');
  EXPECT_EQ(at(l.entries, "s2")->type, 'h');
  EXPECT_EQ(at(l.entries, "s2")->link, "s1");
  EXPECT_EQ(at(l.entries, "c1")->type, 'c');
  EXPECT_EQ(at(l.entries, "c2")->type, 'h');
  EXPECT_EQ(at(l.entries, "c2")->link, "c1");
}

TEST(LayerWriter, KeepsXattrsIncludingFileCapabilities) {
  fs::TempDir t;
  std::string r = t.path();
  write_file(r + "/ping", "ping", 0755);
  std::string cap = file_capability(13);
  set_xattr(r + "/ping", "security.capability", cap);
  set_xattr(r + "/ping", "user.binary", std::string("\0\1\2\xff", 4));
  make_dir(r + "/d");
  set_xattr(r + "/d", "user.dir", "x");
  set_xattr(r + "/d", "trusted.custom", "kept");
  write_file(r + "/plain", "plain");
  Layer l = from_dir(r);
  const Entry* ping = at(l.entries, "ping");
  EXPECT_EQ(ping->xattrs.at("security.capability"), cap);
  EXPECT_EQ(ping->xattrs.at("user.binary"), std::string("\0\1\2\xff", 4));
  EXPECT_EQ(at(l.entries, "d/")->xattrs.at("user.dir"), "x");
  EXPECT_EQ(at(l.entries, "d/")->xattrs.at("trusted.custom"), "kept");
  EXPECT_TRUE(at(l.entries, "plain")->xattrs.empty());
  // Go readers (docker, containerd) look for the SCHILY.xattr records.
  std::string raw = raw_bytes(l.blob);
  EXPECT_NE(raw.find("SCHILY.xattr.security.capability="), std::string::npos);
}

TEST(LayerWriter, KeepsDeviceNodesAndFifos) {
  fs::TempDir t;
  std::string r = t.path();
  check_sys(::mknod((r + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), "mknod");
  check_sys(::chmod((r + "/null").c_str(), 0666), "chmod");
  check_sys(::mknod((r + "/loop").c_str(), S_IFBLK | 0660, makedev(7, 200)), "mknod");
  check_sys(::mknod((r + "/zero").c_str(), S_IFCHR | 0600, makedev(0, 0)), "mknod");
  check_sys(::mkfifo((r + "/fifo").c_str(), 0640), "mkfifo");
  check_sys(::chmod((r + "/fifo").c_str(), 0640), "chmod");
  Layer l = from_dir(r);
  const Entry* null = at(l.entries, "null");
  EXPECT_EQ(null->type, 'c');
  EXPECT_EQ(null->rmajor, 1u);
  EXPECT_EQ(null->rminor, 3u);
  EXPECT_EQ(null->mode, 0666u);
  const Entry* loop = at(l.entries, "loop");
  EXPECT_EQ(loop->type, 'b');
  EXPECT_EQ(loop->rmajor, 7u);
  EXPECT_EQ(loop->rminor, 200u);
  // Without overlay_whiteouts a 0/0 char device is just a device.
  EXPECT_EQ(at(l.entries, "zero")->type, 'c');
  EXPECT_EQ(find(l.entries, ".wh.zero"), nullptr);
  EXPECT_EQ(at(l.entries, "fifo")->type, 'p');
  EXPECT_EQ(at(l.entries, "fifo")->mode, 0640u);
}

TEST(LayerWriter, KeepsEmptyDirectoriesAndEmptyFiles) {
  fs::TempDir t;
  std::string r = t.path();
  make_dir(r + "/empty", 0711);
  make_dir(r + "/outer");
  make_dir(r + "/outer/inner");
  write_file(r + "/zero", "");
  Layer l = from_dir(r);
  EXPECT_EQ(names(l.entries), (std::vector<std::string>{"empty/", "outer/", "outer/inner/", "zero"}));
  EXPECT_EQ(at(l.entries, "empty/")->mode, 0711u);
  EXPECT_EQ(at(l.entries, "zero")->type, 'f');
  EXPECT_EQ(at(l.entries, "zero")->size, 0);
}

TEST(LayerWriter, EmptyDirectoryGivesAnEmptyTar) {
  fs::TempDir t;
  Layer l = from_dir(t.path(), opt(Compression::None));
  EXPECT_TRUE(l.entries.empty());
  EXPECT_EQ(l.result.entries, 0u);
  // Just the end-of-archive marker: two zero blocks.
  EXPECT_EQ(l.blob, std::string(1024, '\0'));
}

TEST(LayerWriter, SocketsAreSkipped) {
  fs::TempDir t;
  std::string r = t.path();
  write_file(r + "/a", "a");
  make_socket(r + "/sock");
  write_file(r + "/z", "z");
  Layer l = from_dir(r);
  EXPECT_EQ(names(l.entries), (std::vector<std::string>{"a", "z"}));
  EXPECT_EQ(l.result.entries, 2u);
}

TEST(LayerWriter, AHardlinkedSocketLeavesNoDanglingHardlink) {
  fs::TempDir t;
  std::string r = t.path();
  make_socket(r + "/s1");
  check_sys(::link((r + "/s1").c_str(), (r + "/s2").c_str()), "link socket");
  write_file(r + "/f", "f");
  Layer l = from_dir(r);
  EXPECT_EQ(names(l.entries), std::vector<std::string>{"f"});
}

TEST(LayerWriter, LargeFilesKeepEveryByte) {
  fs::TempDir t;
  std::string r = t.path();
  std::string big(5 * 1024 * 1024 + 123, '\0');
  std::mt19937 rng(5);
  for (auto& c : big) c = static_cast<char>(rng() & 0xff);
  write_file(r + "/big", big);
  for (Compression c : {Compression::Gzip, Compression::Zstd, Compression::None}) {
    SCOPED_TRACE(compression_name(c));
    Layer l = from_dir(r, opt(c));
    ASSERT_EQ(l.entries.size(), 1u);
    EXPECT_EQ(l.entries[0].size, static_cast<int64_t>(big.size()));
    EXPECT_TRUE(l.entries[0].content == big);
  }
}

TEST(LayerWriter, DigestIsOfTheBlobAndDiffIdOfTheUncompressedTar) {
  fs::TempDir t;
  build_rich_tree(t.path());
  for (Compression c : {Compression::Gzip, Compression::Zstd, Compression::None}) {
    SCOPED_TRACE(compression_name(c));
    Layer l = from_dir(t.path(), opt(c));
    std::string tar = raw_bytes(l.blob);
    EXPECT_EQ(l.result.digest, oci::Digest::of(l.blob));
    EXPECT_EQ(l.result.size, l.blob.size());
    EXPECT_EQ(l.result.diff_id, oci::Digest::of(tar));
    EXPECT_EQ(l.result.uncompressed_size, tar.size());
    EXPECT_EQ(l.result.entries, l.entries.size());
    EXPECT_EQ(tar.size() % 512, 0u);
    if (c == Compression::None) {
      EXPECT_EQ(l.result.digest, l.result.diff_id);
      EXPECT_EQ(l.blob, tar);
    } else {
      EXPECT_NE(l.result.digest, l.result.diff_id);
    }
  }
}

TEST(LayerWriter, SameTreeGivesSameBytes) {
  fs::TempDir t;
  build_rich_tree(t.path());
  for (Compression c : {Compression::Gzip, Compression::Zstd, Compression::None}) {
    SCOPED_TRACE(compression_name(c));
    Layer a = from_dir(t.path(), opt(c));
    Layer b = from_dir(t.path(), opt(c));
    EXPECT_EQ(a.blob, b.blob);
    EXPECT_EQ(a.result.digest, b.result.digest);
    EXPECT_EQ(a.result.diff_id, b.result.diff_id);
  }
}

// Builds the same content twice with different times everywhere.
void build_timed_tree(const std::string& r, int64_t t) {
  make_dir(r + "/d");
  write_file(r + "/d/f", "content");
  make_symlink("d/f", r + "/link");
  write_file(r + "/top", "top");
  for (const char* p : {"/d/f", "/link", "/top", "/d"}) set_mtime(r + p, t);
}

TEST(LayerWriter, ClampMtimeMakesTreesWithDifferentTimesIdentical) {
  fs::TempDir a, b;
  build_timed_tree(a.path(), 1800000000);
  build_timed_tree(b.path(), 1900000000);
  const int64_t epoch = 1700000000;
  for (Compression c : {Compression::Gzip, Compression::Zstd}) {
    SCOPED_TRACE(compression_name(c));
    Layer la = from_dir(a.path(), opt(c, epoch));
    Layer lb = from_dir(b.path(), opt(c, epoch));
    EXPECT_EQ(la.result.digest, lb.result.digest);
    EXPECT_EQ(la.result.diff_id, lb.result.diff_id);
    for (const auto& e : la.entries) EXPECT_EQ(e.mtime, epoch) << e.name;
    // Without the clamp the two trees differ.
    EXPECT_NE(from_dir(a.path(), opt(c)).result.diff_id,
              from_dir(b.path(), opt(c)).result.diff_id);
  }
}

TEST(LayerWriter, ClampKeepsEarlierTimesAndDropsSubsecondAndOtherTimes) {
  fs::TempDir t;
  std::string r = t.path();
  write_file(r + "/old", "old");
  write_file(r + "/new", "new");
  timespec old_ts[2] = {{1000000000, 123456789}, {1000000000, 987654321}};
  check_sys(::utimensat(AT_FDCWD, (r + "/old").c_str(), old_ts, 0), "utimensat");
  set_mtime(r + "/new", 2000000000);
  Layer l = from_dir(r, opt(Compression::Gzip, 1500000000));
  EXPECT_EQ(at(l.entries, "old")->mtime, 1000000000);
  EXPECT_EQ(at(l.entries, "new")->mtime, 1500000000);
  for (const auto& e : l.entries) {
    EXPECT_EQ(e.mtime_nsec, 0) << e.name;
    EXPECT_FALSE(e.atime_set) << e.name;
    EXPECT_FALSE(e.ctime_set) << e.name;
  }
}

TEST(LayerWriter, OverlayWhiteoutDeviceBecomesAWhFile) {
  fs::TempDir t;
  std::string r = t.path();
  make_dir(r + "/etc");
  check_sys(::mknod((r + "/etc/passwd").c_str(), S_IFCHR, makedev(0, 0)), "mknod");
  check_sys(::mknod((r + "/gone-dir").c_str(), S_IFCHR, makedev(0, 0)), "mknod");
  check_sys(::mknod((r + "/real-device").c_str(), S_IFCHR | 0600, makedev(1, 3)), "mknod");
  write_file(r + "/kept", "kept");
  Layer l = from_dir(r, overlay_opt(true));
  EXPECT_EQ(names(l.entries),
            (std::vector<std::string>{"etc/", "etc/.wh.passwd", ".wh.gone-dir", "kept", "real-device"}));
  for (const char* n : {"etc/.wh.passwd", ".wh.gone-dir"}) {
    const Entry* w = at(l.entries, n);
    EXPECT_EQ(w->type, 'f') << n;
    EXPECT_EQ(w->size, 0) << n;
    EXPECT_TRUE(w->xattrs.empty()) << n;
    // A deletion carries no time (containerd and BuildKit write the epoch).
    EXPECT_EQ(w->mtime, 0) << n;
  }
  EXPECT_EQ(at(l.entries, "real-device")->type, 'c');
  EXPECT_EQ(l.result.entries, 5u);
}

TEST(LayerWriter, OverlayWhiteoutsSharingOneInodeAreAllWhiteouts) {
  // Since Linux 5.8 overlayfs makes whiteouts as hardlinks of one 0/0 device.
  fs::TempDir t;
  std::string r = t.path();
  check_sys(::mknod((r + "/a").c_str(), S_IFCHR, makedev(0, 0)), "mknod");
  check_sys(::link((r + "/a").c_str(), (r + "/b").c_str()), "link");
  Layer l = from_dir(r, overlay_opt(true));
  EXPECT_EQ(names(l.entries), (std::vector<std::string>{".wh.a", ".wh.b"}));
  for (const auto& e : l.entries) EXPECT_EQ(e.type, 'f') << e.name;
}

TEST(LayerWriter, OpaqueDirectoryGetsAnOpqMarkerRightAfterIt) {
  fs::TempDir t;
  std::string r = t.path();
  make_dir(r + "/var", 0755);
  make_dir(r + "/var/cache", 0700);
  set_xattr(r + "/var/cache", "trusted.overlay.opaque", "y");
  write_file(r + "/var/cache/new", "new");
  make_dir(r + "/var/not-opaque");
  set_xattr(r + "/var/not-opaque", "trusted.overlay.opaque", "x");  // "x": has xwhiteouts, not opaque
  Layer l = from_dir(r, overlay_opt(true));
  EXPECT_EQ(names(l.entries), (std::vector<std::string>{"var/", "var/cache/", "var/cache/.wh..wh..opq",
                                                        "var/cache/new", "var/not-opaque/"}));
  const Entry* opq = at(l.entries, "var/cache/.wh..wh..opq");
  EXPECT_EQ(opq->type, 'f');
  EXPECT_EQ(opq->size, 0);
  EXPECT_EQ(at(l.entries, "var/cache/")->mode, 0700u);
  for (const auto& e : l.entries)
    for (const auto& [k, v] : e.xattrs) EXPECT_FALSE(k.find("overlay.") != std::string::npos) << e.name << " " << k;
}

TEST(LayerWriter, RootlessOpaqueMarkerIsTheUserXattr) {
  fs::TempDir t;
  std::string r = t.path();
  make_dir(r + "/user-opaque");
  set_xattr(r + "/user-opaque", "user.overlay.opaque", "y");
  make_dir(r + "/trusted-opaque");
  set_xattr(r + "/trusted-opaque", "trusted.overlay.opaque", "y");
  Layer rootless = from_dir(r, overlay_opt(true, true));
  EXPECT_EQ(names(rootless.entries),
            (std::vector<std::string>{"trusted-opaque/", "user-opaque/", "user-opaque/.wh..wh..opq"}));
  Layer rootful = from_dir(r, overlay_opt(true));
  EXPECT_EQ(names(rootful.entries),
            (std::vector<std::string>{"trusted-opaque/", "trusted-opaque/.wh..wh..opq", "user-opaque/"}));
}

TEST(LayerWriter, OverlayXattrsNeverReachTheLayer) {
  fs::TempDir t;
  std::string r = t.path();
  make_dir(r + "/d");
  set_xattr(r + "/d", "trusted.overlay.opaque", "y");
  set_xattr(r + "/d", "trusted.overlay.redirect", "/elsewhere");
  write_file(r + "/f", "f");
  set_xattr(r + "/f", "trusted.overlay.origin", std::string("\0\xfb\x21", 3));
  set_xattr(r + "/f", "user.overlay.origin", "o");
  set_xattr(r + "/f", "user.kept", "yes");
  for (bool overlay : {false, true}) {
    SCOPED_TRACE(overlay ? "overlay mode" : "plain mode");
    Layer l = from_dir(r, overlay_opt(overlay));
    for (const auto& e : l.entries)
      for (const auto& [k, v] : e.xattrs) EXPECT_EQ(k.find(".overlay."), std::string::npos) << e.name << ": " << k;
    EXPECT_EQ(at(l.entries, "f")->xattrs.at("user.kept"), "yes");
    EXPECT_EQ(raw_bytes(l.blob).find("overlay."), std::string::npos);
    // The opaque marker is an overlay-mode thing only.
    EXPECT_EQ(find(l.entries, "d/.wh..wh..opq") != nullptr, overlay);
  }
}

TEST(LayerWriter, RealOverlayfsUpperDirBecomesAnOciDiff) {
  fs::TempDir t;
  std::string r = t.path();
  for (const char* d : {"/lower", "/upper", "/work", "/merged"}) make_dir(r + d);
  make_dir(r + "/lower/etc");
  write_file(r + "/lower/etc/passwd", "root:x:0:0\n");
  write_file(r + "/lower/etc/group", "root:x:0:\n");
  make_dir(r + "/lower/var");
  make_dir(r + "/lower/var/cache");
  write_file(r + "/lower/var/cache/old", "old");
  write_file(r + "/lower/keep", "keep");
  // metacopy off: a metadata-only copy-up (the chmod below) would leave an
  // upper file without its data, which no tar writer can archive.
  std::string opts = "lowerdir=" + r + "/lower,upperdir=" + r + "/upper,workdir=" + r + "/work" +
                     ",redirect_dir=off,index=off,metacopy=off";
  if (::mount("overlay", (r + "/merged").c_str(), "overlay", 0, opts.c_str()) != 0)
    FAIL() << "overlayfs cannot be mounted here (" << std::strerror(errno)
           << "): the suite runs as root on a kernel with overlayfs (../shared/docs/testing.md)";
  std::string m = r + "/merged";
  bool mounted = true;
  auto unmount = [&] {
    if (mounted) ::umount2(m.c_str(), MNT_DETACH);
    mounted = false;
  };
  try {
    check_sys(::unlink((m + "/etc/passwd").c_str()), "unlink");
    check_sys(::unlink((m + "/etc/group").c_str()), "unlink");
    fs::remove_all(m + "/var/cache");
    make_dir(m + "/var/cache");
    write_file(m + "/var/cache/new", "new");
    write_file(m + "/added", "added");
    check_sys(::chmod((m + "/keep").c_str(), 0600), "chmod");
  } catch (...) {
    unmount();
    throw;
  }
  unmount();
  Layer l = from_dir(r + "/upper", overlay_opt(true));
  EXPECT_EQ(names(l.entries),
            (std::vector<std::string>{"added", "etc/", "etc/.wh.group", "etc/.wh.passwd", "keep", "var/", "var/cache/",
                                      "var/cache/.wh..wh..opq", "var/cache/new"}));
  for (const auto& e : l.entries) {
    if (e.name.find(".wh.") != std::string::npos) {
      EXPECT_EQ(e.type, 'f') << e.name;
    }
    for (const auto& [k, v] : e.xattrs) EXPECT_EQ(k.find(".overlay."), std::string::npos) << e.name << ": " << k;
  }
  EXPECT_EQ(at(l.entries, "keep")->mode, 0600u);
  EXPECT_EQ(at(l.entries, "keep")->content, "keep");
}

TEST(LayerWriter, MissingDirectoryIsAnErrorNamingIt) {
  StringWriter out;
  try {
    write_layer_from_dir("/nonexistent/hoist-layer-dir", out, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("/nonexistent/hoist-layer-dir"), std::string::npos) << e.describe();
  }
}

TEST(LayerWriter, TarWriterCanonicalisesNamesAndWritesMarkers) {
  fs::TempDir t;
  std::string r = t.path();
  make_dir(r + "/dir");
  write_file(r + "/file", "x");
  StringWriter out;
  TarWriter tar(out, std::nullopt);
  tar.add_path(r + "/dir", "some/dir");
  tar.add_path(r + "/dir", "already/");
  tar.add_path(r + "/file", "some/file");
  tar.add_empty_file("some/.wh.gone", 0);
  tar.finish();
  EXPECT_EQ(tar.entries(), 4u);
  auto es = read_tar(out.out);
  EXPECT_EQ(names(es), (std::vector<std::string>{"some/dir/", "already/", "some/file", "some/.wh.gone"}));
  EXPECT_EQ(es[3].mode, 0644u);
  EXPECT_EQ(es[3].uid, 0);
  EXPECT_EQ(es[3].mtime, 0);
}

// ---------------------------------------------------------------------------
// write_layer_from_tar (layers/tar_rewrite.cc)

TEST(TarRewrite, KeepsEntryOrder) {
  std::string tar = make_tar({In::file("zeta", "z"),
                              In::dir("alpha/"),
                              In::file("alpha/beta", "b"),
                              In::file("middle", "m")});
  Layer l = from_tar(tar);
  EXPECT_EQ(names(l.entries), (std::vector<std::string>{"zeta", "alpha/", "alpha/beta", "middle"}));
  EXPECT_EQ(at(l.entries, "alpha/beta")->content, "b");
  EXPECT_EQ(l.result.entries, 4u);
}

TEST(TarRewrite, StripsDotSlashAndSlashPrefixes) {
  std::string tar = make_tar({In::dir("./"),
                              In::dir("./etc/"),
                              In::file("./etc/hosts", "h"),
                              In::file("/abs", "a"),
                              In::file("//double//slash", "d"),
                              In::file("./etc/./dot", "."),
                              In::dir("dir-without-slash"),
                              In::hardlink("./hl", "./etc/hosts"),
                              In::hardlink("/hl2", "/abs")});
  Layer l = from_tar(tar);
  EXPECT_EQ(names(l.entries), (std::vector<std::string>{"etc/", "etc/hosts", "abs", "double/slash", "etc/dot",
                                                        "dir-without-slash/", "hl", "hl2"}));
  EXPECT_EQ(at(l.entries, "hl")->link, "etc/hosts");
  EXPECT_EQ(at(l.entries, "hl2")->link, "abs");
}

TEST(TarRewrite, DotDotIsAnErrorNamingTheEntry) {
  struct Case {
    std::vector<In> entries;
    std::string named;
  };
  std::vector<Case> cases = {
      {{In::file("../escape", "x")}, "../escape"},
      {{In::file("ok", "x"), In::file("a/../../b", "x")}, "a/../../b"},
      {{In::file("/../victim/slash-dotdot", "x")}, "/../victim/slash-dotdot"},
      {{In::dir("dir/..")}, "dir/.."},
      {{In::file("ok", "x"), In::hardlink("link", "../victim/hello")}, "../victim/hello"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.named);
    try {
      from_tar(make_tar(c.entries));
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_NE(e.describe().find(c.named), std::string::npos) << e.describe();
      EXPECT_NE(e.describe().find(".."), std::string::npos) << e.describe();
    }
  }
}

TEST(TarRewrite, SymlinkTargetsAreNotRewritten) {
  // A symlink may point anywhere: only names are made relative.
  std::string tar = make_tar({In::symlink("up", "../../etc/passwd"),
                              In::symlink("abs", "/usr/local/bin/tool")});
  Layer l = from_tar(tar);
  EXPECT_EQ(at(l.entries, "up")->link, "../../etc/passwd");
  EXPECT_EQ(at(l.entries, "abs")->link, "/usr/local/bin/tool");
}

TEST(TarRewrite, KeepsOwnersModesXattrsAndDevicesDropsOwnerNames) {
  std::string tar = make_tar({In::file("f", "f")
                                  .with_mode(04750)
                                  .owner(1000, 2000, "alice", "staff")
                                  .xattr("security.capability", file_capability(13))
                                  .xattr("user.a", "b"),
                              In::device("dev", 'c', 4, 64).with_mode(0620),
                              In::device("blk", 'b', 8, 1).with_mode(0660),
                              In::device("fifo", 'p', 0, 0).with_mode(0600)});
  Layer l = from_tar(tar);
  const Entry* f = at(l.entries, "f");
  EXPECT_EQ(f->uid, 1000);
  EXPECT_EQ(f->gid, 2000);
  EXPECT_EQ(f->mode, 04750u);
  EXPECT_EQ(f->uname, "");
  EXPECT_EQ(f->gname, "");
  EXPECT_EQ(f->xattrs.at("security.capability"), file_capability(13));
  EXPECT_EQ(f->xattrs.at("user.a"), "b");
  EXPECT_EQ(at(l.entries, "dev")->type, 'c');
  EXPECT_EQ(at(l.entries, "dev")->rmajor, 4u);
  EXPECT_EQ(at(l.entries, "dev")->rminor, 64u);
  EXPECT_EQ(at(l.entries, "blk")->type, 'b');
  EXPECT_EQ(at(l.entries, "fifo")->type, 'p');
}

TEST(TarRewrite, ClampsMtimesAndDropsAccessAndChangeTimes) {
  // GNU tar --format=posix and many others record atime/ctime in pax headers.
  std::vector<In> in = {In::file("new", "n").times(2000000000, 2000000001, 2000000002),
                        In::file("old", "o").times(1000000000, 2000000001, 2000000002),
                        In::file(std::string(150, 'l'), "l").times(2000000000, 2000000001)};
  Layer l = from_tar(make_tar(in, /*full_pax=*/true), opt(Compression::Gzip, 1500000000));
  EXPECT_EQ(at(l.entries, "new")->mtime, 1500000000);
  EXPECT_EQ(at(l.entries, "old")->mtime, 1000000000);
  EXPECT_EQ(at(l.entries, std::string(150, 'l'))->mtime, 1500000000);
  for (const auto& e : l.entries) {
    EXPECT_FALSE(e.atime_set) << e.name;
    EXPECT_FALSE(e.ctime_set) << e.name;
  }
  // The same content with other access times gives the same layer.
  for (auto& e : in) e.atime = 1234;
  EXPECT_EQ(from_tar(make_tar(in, true), opt(Compression::Gzip, 1500000000)).result.diff_id, l.result.diff_id);
}

TEST(TarRewrite, AcceptsGzipAndZstdInput) {
  std::string tar = make_tar({In::dir("a/"), In::file("a/b", std::string(100000, 'b'))});
  Layer plain = from_tar(tar, opt(Compression::None));
  for (Compression c : {Compression::Gzip, Compression::Zstd}) {
    SCOPED_TRACE(compression_name(c));
    Layer l = from_tar(compress(c, tar), opt(Compression::None));
    EXPECT_EQ(l.result.diff_id, plain.result.diff_id);
    EXPECT_EQ(names(l.entries), (std::vector<std::string>{"a/", "a/b"}));
  }
  // A gzip written by the system tool.
  fs::TempDir t;
  fs::write_file_atomic(t.path() + "/in.tar", tar);
  ASSERT_EQ(std::system(("gzip -9 '" + t.path() + "/in.tar'").c_str()), 0);
  Layer sys = from_tar(fs::read_file(t.path() + "/in.tar.gz"), opt(Compression::None));
  EXPECT_EQ(sys.result.diff_id, plain.result.diff_id);
}

TEST(TarRewrite, DigestsDescribeTheOutput) {
  std::string tar = make_tar({In::file("x", "x")});
  for (Compression c : {Compression::Gzip, Compression::Zstd, Compression::None}) {
    SCOPED_TRACE(compression_name(c));
    Layer l = from_tar(tar, opt(c));
    EXPECT_EQ(l.result.digest, oci::Digest::of(l.blob));
    EXPECT_EQ(l.result.size, l.blob.size());
    EXPECT_EQ(l.result.diff_id, oci::Digest::of(raw_bytes(l.blob)));
    EXPECT_EQ(l.result.uncompressed_size, raw_bytes(l.blob).size());
  }
}

TEST(TarRewrite, GarbageAndTruncatedInputAreErrors) {
  EXPECT_THROW(from_tar(std::string(4096, 'g')), Error);
  std::string tar = make_tar({In::file("f", std::string(10000, 'f'))});
  EXPECT_THROW(from_tar(tar.substr(0, 2048)), Error);
  EXPECT_THROW(from_tar(compress(Compression::Gzip, tar).substr(0, 40)), Error);
}

TEST(TarRewrite, GnuTarOfATreeMatchesTheDirectoryWriter) {
  fs::TempDir t;
  build_rich_tree(t.path());
  std::string cmd = "tar --format=gnu --sort=name -C '" + t.path() + "' -cf - . > '" + t.path() + ".tar'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::string tar = fs::read_file(t.path() + ".tar");
  ::unlink((t.path() + ".tar").c_str());
  Layer from_gnu = from_tar(tar);
  Layer direct = from_dir(t.path());
  auto key = [](const Entry& e) {
    return std::string(1, e.type) + " " + std::to_string(e.mode) + " " + std::to_string(e.uid) + ":" +
           std::to_string(e.gid) + " " + std::to_string(e.mtime) + " " + e.content + " -> " + e.link;
  };
  std::map<std::string, std::string> a, b;
  for (const auto& e : from_gnu.entries) a[e.name] = e.type == 'h' ? "hardlink" : key(e);
  for (const auto& e : direct.entries) b[e.name] = e.type == 'h' ? "hardlink" : key(e);
  // GNU tar picks its own first name for a hardlink pair; compare the pair as a whole.
  for (auto* m : {&a, &b}) {
    if ((*m)["etc/hosts"] == "hardlink") std::swap((*m)["etc/hosts"], (*m)["etc/hosts.allow"]);
  }
  EXPECT_EQ(a, b);
}

// ---------------------------------------------------------------------------
// Round trips through layers::unpack_tar

TEST(LayerWriterRoundTrip, UnpackGivesBackTheTree) {
  fs::TempDir src;
  build_rich_tree(src.path());
  for (Compression c : {Compression::Gzip, Compression::Zstd, Compression::None}) {
    SCOPED_TRACE(compression_name(c));
    fs::TempDir out;
    Layer l = from_dir(src.path(), opt(c));
    unpack_blob(l.blob, out.path());
    EXPECT_EQ(test::tree_snapshot(out.path(), true), test::tree_snapshot(src.path(), true));
  }
}

TEST(LayerWriterRoundTrip, ReLayeredTarUnpacksToTheSameTree) {
  fs::TempDir src, out;
  build_rich_tree(src.path());
  Layer first = from_dir(src.path(), opt(Compression::Zstd));
  Layer again = from_tar(first.blob, opt(Compression::Gzip));
  EXPECT_EQ(again.result.diff_id, first.result.diff_id) << "re-layering a hoist layer changed its tar";
  unpack_blob(again.blob, out.path());
  EXPECT_EQ(test::tree_snapshot(out.path(), true), test::tree_snapshot(src.path(), true));
}

TEST(LayerWriterRoundTrip, OverlayDiffAppliedOverTheLowerGivesTheMergedTree) {
  fs::TempDir lower, upper, expected;
  for (const std::string& r : {lower.path(), expected.path()}) {
    make_dir(r + "/etc");
    write_file(r + "/etc/passwd", "root");
    write_file(r + "/etc/group", "root");
    make_dir(r + "/var");
    write_file(r + "/var/old", "old");
    make_dir(r + "/opt");
    write_file(r + "/opt/a", "a");
  }
  // What a RUN of `rm /etc/passwd; rm -r /var; rm -r /opt && mkdir /opt && echo b > /opt/b` leaves.
  std::string u = upper.path();
  make_dir(u + "/etc");
  check_sys(::mknod((u + "/etc/passwd").c_str(), S_IFCHR, makedev(0, 0)), "mknod");
  check_sys(::mknod((u + "/var").c_str(), S_IFCHR, makedev(0, 0)), "mknod");
  make_dir(u + "/opt");
  set_xattr(u + "/opt", "trusted.overlay.opaque", "y");
  write_file(u + "/opt/b", "b");
  std::string e = expected.path();
  ::unlink((e + "/etc/passwd").c_str());
  fs::remove_all(e + "/var");
  fs::remove_all(e + "/opt/a");
  write_file(e + "/opt/b", "b");
  set_mtime(u + "/opt/b", 1600000000);
  set_mtime(e + "/opt/b", 1600000000);

  Layer diff = from_dir(u, overlay_opt(true));
  unpack_blob(diff.blob, lower.path());
  EXPECT_EQ(test::tree_snapshot(lower.path(), true), test::tree_snapshot(expected.path(), true));
}

}  // namespace
}  // namespace hoist::layers
