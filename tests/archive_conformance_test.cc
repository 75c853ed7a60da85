// Runs the extraction cases of containerd's pkg/archive/tar_test.go and
// moby/go-archive's archive_test.go, archive_unix_test.go and diff_test.go
// (tables under ../shared/conformance) against hoist::layers::unpack_tar.
// The tables encode Go test values; the small interpreter below rebuilds each
// case's tar and base filesystem and checks what the Go test checks, plus,
// for every case, that nothing outside the destination changed.
//
// Covered by layer_writer conformance (these tables are about creating tars
// or diffs, not unpacking them; nothing here runs them):
//   containerd tar_test.go: testApply (tarArgs), TestDiffTar, TestSourceDateEpoch
//   moby archive_test.go: TestTarUntar, TestTarWithOptionsChownOptsAlwaysOverridesIdPair
//     (idMaps, tests), TestTarWithOptions, TestCreateTarFileSymlinkPreservesLinkname,
//     TestReplaceFileTarWrapper
//   moby archive_unix_test.go: TestCanonicalTarName, TestChmodTarEntry, TestTarUntarWithXattr,
//     TestCopyInfoDestinationPathSymlink
//   moby changes_test.go: createSampleDir, TestChangesWithChanges, TestChangesWithChangesGH13590,
//     TestChangesDirsMutated
//
// Every case runs in both of hoist's whiteout modes: Apply (the flattened
// rootfs, what the Go tests expect) and Overlay (the layer cache's form, where
// whiteouts are 0/0 devices and opaque directories carry an xattr). In
// Overlay the expected trees are compared as a container would see them:
// whiteout devices count as absent, and the layered case (moby's
// TestApplyLayerWhiteouts) unpacks each layer into its own directory, as the
// cache does, and lists the union overlayfs would show.
//
// Where hoist deliberately differs from a peer, the case says so and why.
// The one recurring difference: moby refuses names and symlinks that climb
// above the root; hoist, like containerd (fs.RootPath) and like the kernel's
// RESOLVE_IN_ROOT, resolves them as a chroot would, so `..` at the top stays
// at the top. Either way nothing outside the destination is touched, which
// every case below checks.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "layers/confined_path.h"
#include "layers/unpack.h"
#include "tests/test_support.h"
#include "tests/unpack_test_support.h"

namespace {

using hoist::Error;
using hoist::layers::UnpackOptions;
using hoist::layers::WhiteoutMode;
using nlohmann::json;
using namespace hoist::test;

// ---- tables ---------------------------------------------------------------

const json& doc(const std::string& rel) {
  static std::map<std::string, json> cache;
  auto it = cache.find(rel);
  if (it == cache.end()) it = cache.emplace(rel, load_json(conformance_path(rel))).first;
  return it->second;
}
const char* kContainerd = "containerd-archive/tar_test_tables.json";
const char* kMoby = "moby-go-archive/go_archive_tables.json";

const json& table(const char* file, const std::string& func, const std::string& var) {
  for (const auto& [source, tables] : doc(file).items())
    for (const json& t : tables)
      if (t["func"] == func && t["var"] == var) return t;
  throw Error(std::string("no table ") + func + "/" + var + " in " + file);
}

const std::set<std::string> kNotUnpacking = {
    "testApply", "TestDiffTar", "TestSourceDateEpoch", "TestTarUntar",
    "TestTarWithOptionsChownOptsAlwaysOverridesIdPair", "TestTarWithOptions",
    "TestCreateTarFileSymlinkPreservesLinkname", "TestReplaceFileTarWrapper", "TestCanonicalTarName",
    "TestChmodTarEntry", "TestTarUntarWithXattr", "TestCopyInfoDestinationPathSymlink", "createSampleDir",
    "TestChangesWithChanges", "TestChangesWithChangesGH13590", "TestChangesDirsMutated"};
const std::set<std::string> kUnpacking = {
    "TestRelativeSymlinks", "TestSymlinks", "TestTarWithXattr", "TestBreakouts", "TestUntarInvalidFilenames",
    "TestUntarParentTraversalContained", "TestUntarInvalidHardlink", "TestUntarInvalidSymlink",
    "TestUntarSymlinkBreakout", "TestImpliedDirectoryPermissions",
    "TestUnpackLayerCreatesImpliedDirectoriesThroughLowerLayerSymlink", "TestHandleTarTypeBlockCharFifoDeviceRange",
    "TestUntarThroughAbsoluteSymlink", "TestUnpackRejectsRelativeEscapeBeforeAbsoluteSymlink",
    "TestHardlinkSourceThroughAbsoluteSymlink", "TestApplyLayerInvalidFilenames", "TestApplyLayerInvalidHardlink",
    "TestApplyLayerInvalidSymlink", "TestApplyLayerWhiteouts"};

// Ownership is applied when running as root and not otherwise; every case
// must hold either way, so as root each runs twice.
std::vector<bool> owner_modes() { return ::geteuid() == 0 ? std::vector<bool>{true, false} : std::vector<bool>{false}; }

// The whiteout mode of the running test (set by the fixture): every unpack uses it.
WhiteoutMode g_whiteouts = WhiteoutMode::Apply;

bool is_whiteout_node(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

// What a container sees at `path`: an overlay whiteout hides it.
std::optional<struct stat> visible(const std::string& path) {
  auto st = lstat_path(path);
  if (st && is_whiteout_node(*st)) return std::nullopt;
  return st;
}

// ---- Go values --------------------------------------------------------------

// t.Name()-derived names in the Go test; anything unique works here.
const std::string kTname = "hoist-conformance-" + std::to_string(::getpid());

std::string go_bytes(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const json& b : v) out += static_cast<char>(b.get<int>());
    return out;
  }
  if (v.contains("$ident") && v["$ident"] == "expected") return "unbroken";  // TestBreakouts' `expected`
  if (v.contains("$expr") && v["$expr"] == "\"foo/tmp/breakout-\" + tname") return "foo/tmp/breakout-" + kTname;
  throw Error("unknown Go value " + v.dump());
}

int64_t go_int(const json& v) {
  if (v.is_number()) return v.get<int64_t>();
  if (v.contains("$expr") && v["$expr"] == "math.MaxUint32 + 1") return 4294967296LL;
  throw Error("unknown Go number " + v.dump());
}

// path.Clean of a Go name relative to the root ("" for the root itself),
// written independently of the code under test.
std::vector<std::string> clean(const std::string& go_path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= go_path.size()) {
    size_t s = go_path.find('/', pos);
    if (s == std::string::npos) s = go_path.size();
    std::string part = go_path.substr(pos, s - pos);
    pos = s + 1;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, size_t count = std::string::npos) {
  std::string out;
  for (size_t i = 0; i < parts.size() && i < count; ++i) out += (i ? "/" : "") + parts[i];
  return out;
}

std::string rel(const std::string& go_path) { return join(clean(go_path)); }

// Resolves `path` inside `root` the way continuity's fs.RootPath does,
// written independently of the code under test.
std::string root_path(const std::string& root, const std::string& path, bool follow_last = true) {
  std::vector<std::string> pending, done;
  auto push_front = [&](const std::string& p) {
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos <= p.size()) {
      size_t s = p.find('/', pos);
      if (s == std::string::npos) s = p.size();
      parts.push_back(p.substr(pos, s - pos));
      pos = s + 1;
    }
    pending.insert(pending.begin(), parts.begin(), parts.end());
  };
  auto host_of = [&](const std::vector<std::string>& v) {
    std::string out = root;
    for (const auto& s : v) out += "/" + s;
    return out;
  };
  push_front(path);
  for (int hops = 0; !pending.empty();) {
    std::string c = pending.front();
    pending.erase(pending.begin());
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    auto cand = done;
    cand.push_back(c);
    auto st = lstat_path(host_of(cand));
    if (st && S_ISLNK(st->st_mode) && (follow_last || !pending.empty())) {
      if (++hops > 40) return host_of(cand);
      std::string target = read_link(host_of(cand));
      if (!target.empty() && target[0] == '/') done.clear();
      push_front(target);
      continue;
    }
    done = cand;
  }
  return host_of(done);
}

// ---- fstest appliers (continuity/fs/fstest) --------------------------------

// containerd tar_test.go's baseApplier, referenced by name in the table.
const json& base_applier() {
  static const json v = json::parse(R"({"$call": "fstest.Apply", "args": [
    {"$call": "fstest.CreateDir", "args": ["/etc/", 493]},
    {"$call": "fstest.CreateFile", "args": ["/etc/hosts", "127.0.0.1 localhost", 420]},
    {"$call": "fstest.Link", "args": ["/etc/hosts", "/etc/hosts.allow"]},
    {"$call": "fstest.CreateDir", "args": ["/usr/local/lib", 493]},
    {"$call": "fstest.CreateFile", "args": ["/usr/local/lib/libnothing.so", [0, 0], 493]},
    {"$call": "fstest.Symlink", "args": ["libnothing.so", "/usr/local/lib/libnothing.so.2"]},
    {"$call": "fstest.CreateDir", "args": ["/home", 493]},
    {"$call": "fstest.CreateDir", "args": ["/home/derek", 448]}]})");
  return v;
}

void flatten(const json& node, std::vector<json>& out) {
  if (node.contains("$ident") && node["$ident"] == "baseApplier") return flatten(base_applier(), out);
  if (node["$call"] == "fstest.Apply") {
    for (const json& a : node["args"]) flatten(a, out);
  } else {
    out.push_back(node);
  }
}

std::vector<json> ops_of(const json& applier) {
  std::vector<json> ops;
  flatten(applier, ops);
  return ops;
}

// Applies fstest operations as the Go helpers do (plain joins: the data is
// trusted). Every node gets a fixed mtime so two trees built from the same
// operations compare equal.
void apply_ops(const std::vector<json>& ops, const std::string& root) {
  int64_t stamp = 1600000000;
  for (const json& op : ops) {
    const std::string call = op["$call"];
    const json& a = op["args"];
    std::string target;
    if (call == "fstest.CreateDir") {
      target = root + "/" + rel(a[0]);
      hoist::fs::mkdir_p(target, a[1].get<unsigned>());
      ::chmod(target.c_str(), a[1].get<unsigned>());
    } else if (call == "fstest.CreateFile") {
      target = root + "/" + rel(a[0]);
      write_file(target, go_bytes(a[1]), a[2].get<unsigned>());
    } else if (call == "fstest.Symlink") {
      target = root + "/" + rel(a[1]);
      if (::symlink(a[0].get<std::string>().c_str(), target.c_str()) != 0) throw Error("symlink " + target);
    } else if (call == "fstest.Link") {
      target = root + "/" + rel(a[1]);
      if (::link((root + "/" + rel(a[0])).c_str(), target.c_str()) != 0) throw Error("link " + target);
    } else if (call == "fstest.Remove" || call == "fstest.RemoveAll") {
      hoist::fs::remove_all(root + "/" + rel(a[0]));
      continue;
    } else {
      throw Error("unknown fstest call " + call);
    }
    struct timespec ts[2] = {{stamp, 0}, {stamp, 0}};
    ::utimensat(AT_FDCWD, target.c_str(), ts, AT_SYMLINK_NOFOLLOW);
    ++stamp;
  }
}

// The tar containerd's Diff(lower, upper) would produce when `ops` turn lower
// into upper: each touched path as it is in `upper`, removals as whiteouts.
std::vector<TarEntry> diff_entries(const std::vector<json>& ops, const std::string& upper) {
  std::vector<TarEntry> out;
  for (const json& op : ops) {
    const std::string call = op["$call"];
    const json& a = op["args"];
    TarEntry e;
    if (call == "fstest.Remove" || call == "fstest.RemoveAll") {
      auto parts = clean(a[0].get<std::string>());
      parts.back() = ".wh." + parts.back();
      out.push_back(tar_file(join(parts), "", 0644));
      continue;
    }
    if (call == "fstest.Link") {
      out.push_back(tar_hardlink(rel(a[0]), rel(a[1])));
      continue;
    }
    e.name = rel(call == "fstest.Symlink" ? a[1] : a[0]);
    std::string path = upper + "/" + e.name;
    struct stat st = *lstat_path(path);
    e.mode = st.st_mode & 07777;
    e.uid = st.st_uid;
    e.gid = st.st_gid;
    e.mtime = st.st_mtim.tv_sec;
    e.mtime_nsec = st.st_mtim.tv_nsec;
    if (S_ISDIR(st.st_mode)) {
      e.type = '5';
    } else if (S_ISLNK(st.st_mode)) {
      e.type = '2';
      e.linkname = read_link(path);
    } else {
      e.content = hoist::fs::read_file(path);
    }
    out.push_back(e);
  }
  return out;
}

// fstest.CheckDirectoryEqual: same paths, types, modes, owners, contents,
// link targets, non-directory mtimes and hardlink groups.
std::map<std::string, std::string> tree(const std::string& root) {
  auto snap = snapshot_tree(root);
  std::map<ino_t, std::string> first_of_inode;
  std::map<std::string, std::string> out;
  for (const auto& [path, desc] : snap) {
    struct stat st = *lstat_path(root + path);
    if (is_whiteout_node(st)) continue;  // Overlay form: the hidden file is absent
    std::string d = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
    if (!S_ISDIR(st.st_mode))
      d += " mtime=" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
    if (S_ISREG(st.st_mode)) {
      auto [it, fresh] = first_of_inode.emplace(st.st_ino, path);
      d += " data=" + hoist::fs::read_file(root + path) + " inode-of=" + it->second;
    }
    if (S_ISLNK(st.st_mode)) d += " -> " + read_link(root + path);
    out[path] = d;
  }
  return out;
}

// ---- tartest writers ----------------------------------------------------------

std::vector<TarEntry> tar_all(const json& w) {
  EXPECT_EQ(w["$call"], "tartest.TarAll");
  std::vector<TarEntry> out;
  for (const json& c : w["args"]) {
    const std::string call = c["$call"];
    const json& a = c["args"];
    TarEntry e;
    if (call == "tc.Dir") {
      e = tar_dir(go_bytes(a[0]), a[1].get<unsigned>());
    } else if (call == "tc.File") {
      e = tar_file(go_bytes(a[0]), go_bytes(a[1]), a[2].get<unsigned>());
    } else if (call == "tc.Symlink") {
      e = tar_symlink(go_bytes(a[0]), go_bytes(a[1]));
    } else if (call == "tc.Link") {
      e = tar_hardlink(go_bytes(a[0]), go_bytes(a[1]));
      e.mode = 0777;
    } else {
      throw Error("unknown tartest call " + call);
    }
    // TarContext{}.WithUIDGID(os.Getuid(), os.Getgid()).WithModTime(time.Now().UTC())
    e.uid = ::getuid();
    e.gid = ::getgid();
    e.mtime = ::time(nullptr);
    out.push_back(e);
  }
  return out;
}

// Go's tar.Header as the moby tables write it; an unset Typeflag is a
// regular file, or a directory when the name ends in "/" (tar.Writer's rule).
TarEntry go_header(const json& h) {
  TarEntry e;
  e.name = h.value("Name", "");
  e.linkname = h.value("Linkname", "");
  e.mode = h.value("Mode", 0u);
  std::string flag = h.contains("Typeflag") ? h["Typeflag"]["$ident"].get<std::string>() : "";
  if (flag == "tar.TypeDir" || (flag.empty() && !e.name.empty() && e.name.back() == '/')) {
    e.type = '5';
  } else if (flag == "tar.TypeLink") {
    e.type = '1';
  } else if (flag == "tar.TypeSymlink") {
    e.type = '2';
  } else if (flag == "tar.TypeBlock") {
    e.type = '4';
  } else if (!flag.empty() && flag != "tar.TypeReg") {
    throw Error("unknown typeflag " + flag);
  }
  e.uid = ::getuid();
  e.gid = ::getgid();
  e.mtime = ::time(nullptr);
  return e;
}

// ---- the harness every case runs in ---------------------------------------------

// A temp dir holding dest at <tmp>/<dest_name> and anything else the case puts
// beside it. Before the unpack it records everything outside dest, and the
// host paths the archive names, so run() can prove none of it changed.
struct Sandbox {
  explicit Sandbox(const std::string& dest_name = "root") : dest(tmp.path() + "/" + dest_name) {
    hoist::fs::mkdir_p(dest);
  }
  void watch_host(const std::string& host_path) { host.emplace(host_path, ""); }
  void watch_entries(const std::vector<TarEntry>& entries) {
    for (const auto& e : entries) {
      watch_host("/" + rel(e.name));
      if (!e.linkname.empty()) watch_host("/" + rel(e.linkname));
    }
  }
  // Returns the error message, or "" when the unpack succeeded.
  std::string run(const std::string& tar, const UnpackOptions& options) {
    auto outside = snapshot_tree(tmp.path(), {dest});
    for (auto& [path, state] : host) state = snapshot_path(path);
    std::string error;
    UnpackOptions o = options;
    o.whiteouts = g_whiteouts;
    o.user_xattr = ::geteuid() != 0;  // trusted.overlay.* needs CAP_SYS_ADMIN
    try {
      unpack(tar, dest, o);
    } catch (const Error& e) {
      error = e.describe();
      if (error.empty()) error = "(empty error)";
    }
    EXPECT_EQ(snapshot_tree(tmp.path(), {dest}), outside) << "changed outside the destination";
    for (const auto& [path, state] : host) EXPECT_EQ(snapshot_path(path), state) << "host path " << path;
    return error;
  }
  std::string in(const std::string& rel_path) const { return dest + "/" + rel_path; }

  hoist::fs::TempDir tmp;
  std::string dest;
  std::map<std::string, std::string> host;
};

UnpackOptions owner_options(bool preserve_owner) {
  UnpackOptions o;
  o.preserve_owner = preserve_owner;
  return o;
}

std::string describe_case(const std::string& table_name, const std::string& name, bool owner) {
  return table_name + " case " + name + (owner ? " (preserving owners)" : " (not preserving owners)");
}

// Every case runs with openat2 resolution and with the userspace walk that
// replaces it where the kernel lacks openat2, each in both whiteout modes.
class ArchiveConformance : public ::testing::TestWithParam<std::tuple<bool, WhiteoutMode>> {
 protected:
  void SetUp() override {
    hoist::layers::use_kernel_resolution(std::get<0>(GetParam()));
    g_whiteouts = std::get<1>(GetParam());
  }
  void TearDown() override {
    hoist::layers::use_kernel_resolution(true);
    g_whiteouts = WhiteoutMode::Apply;
  }
};

INSTANTIATE_TEST_SUITE_P(ArchiveResolution, ArchiveConformance,
                         ::testing::Combine(::testing::Values(true, false),
                                            ::testing::Values(WhiteoutMode::Apply, WhiteoutMode::Overlay)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Openat2" : "UserspaceWalk") +
                                  (std::get<1>(info.param) == WhiteoutMode::Apply ? "Apply" : "Overlay");
                         });

// ---- containerd ------------------------------------------------------------------

TEST(ArchiveConformanceTables, EveryTableIsRunOrListedAsNotAboutUnpacking) {
  for (const char* file : {kContainerd, kMoby})
    for (const auto& [source, tables] : doc(file).items())
      for (const json& t : tables) {
        std::string func = t["func"];
        EXPECT_TRUE(kUnpacking.count(func) || kNotUnpacking.count(func))
            << file << " " << source << ": table " << func << "/" << t["var"].get<std::string>()
            << " is neither run here nor listed as covered by layer_writer conformance";
      }
}

// testDiffApply: the last applier's changes, as a diff tar, applied over the
// earlier ones must give the same tree as applying them all directly.
void run_diff_apply(const std::string& label, const std::vector<json>& appliers, bool owner) {
  Sandbox box;
  std::string upper = box.tmp.path() + "/upper";
  hoist::fs::mkdir_p(upper);
  for (const json& a : appliers) apply_ops(ops_of(a), upper);
  for (size_t i = 0; i + 1 < appliers.size(); ++i) apply_ops(ops_of(appliers[i]), box.dest);
  auto entries = diff_entries(ops_of(appliers.back()), upper);
  box.watch_entries(entries);
  EXPECT_EQ(box.run(make_tar(entries), owner_options(owner)), "") << label;
  EXPECT_EQ(tree(box.dest), tree(upper)) << label;
}

TEST_P(ArchiveConformance, ContainerdRelativeSymlinks) {
  const json& t = table(kContainerd, "TestRelativeSymlinks", "breakoutLinks");
  size_t ran = 0;
  for (size_t i = 0; i < t["cases"].size(); ++i, ++ran)
    for (bool owner : owner_modes())
      run_diff_apply(describe_case("TestRelativeSymlinks", std::to_string(i), owner), {t["cases"][i]}, owner);
  EXPECT_EQ(ran, t["count"].get<size_t>());
}

TEST_P(ArchiveConformance, ContainerdSymlinks) {
  const json& t = table(kContainerd, "TestSymlinks", "links");
  size_t ran = 0;
  for (size_t i = 0; i < t["cases"].size(); ++i, ++ran)
    for (bool owner : owner_modes())
      run_diff_apply(describe_case("TestSymlinks", std::to_string(i + 1), owner),
                     {t["cases"][i][0], t["cases"][i][1]}, owner);
  EXPECT_EQ(ran, t["count"].get<size_t>());
}

TEST_P(ArchiveConformance, ContainerdTarWithXattr) {
  const json& t = table(kContainerd, "TestTarWithXattr", "tests");
  size_t ran = 0;
  for (const json& c : t["cases"]) {
    ++ran;
    for (bool owner : owner_modes()) {
      std::string label = describe_case("TestTarWithXattr", c["name"], owner);
      // The Go test requires root. Unprivileged, hoist still unpacks, with
      // or without the security.* attribute, as the kernel allows.
      bool must_set = ::geteuid() == 0 || c["key"].get<std::string>().rfind("user.", 0) == 0;
      Sandbox box;
      auto f = tar_file("/file", "", 0755);
      f.uid = ::getuid();
      f.gid = ::getgid();
      f.mtime = ::time(nullptr);
      f.xattrs = {{c["key"], c["value"]}};
      EXPECT_EQ(box.run(make_tar({f}), owner_options(owner)), "") << label;
      char buf[256];
      ssize_t n = ::getxattr(box.in("file").c_str(), c["key"].get<std::string>().c_str(), buf, sizeof buf);
      if (n >= 0 || must_set) {
        EXPECT_EQ(n < 0 ? "<missing>" : std::string(buf, static_cast<size_t>(n)), c["value"].get<std::string>())
            << label;
      }
    }
  }
  EXPECT_EQ(ran, t["count"].get<size_t>());
}

// The validators of TestBreakouts; "" means the check passed.
std::string check(const json& v, const std::string& root, const std::string& case_name) {
  auto same_file = [&](const json& a) -> std::string {
    auto s1 = visible(root_path(root, a[0])), s2 = visible(root_path(root, a[1]));
    if (!s1 || !s2) return "missing " + a.dump();
    return s1->st_dev == s2->st_dev && s1->st_ino == s2->st_ino ? "" : "files differ";
  };
  if (v.contains("$ident") && v["$ident"] == "unbrokenCheck") {
    auto p = root_path(root, "etc/unbroken");
    return visible(p) && hoist::fs::read_file(p) == "unbroken" ? "" : "etc/unbroken does not read unbroken";
  }
  if (v.contains("$func")) {
    // Inline Go funcs, not in the table: written here from the Go source.
    if (case_name == "SymlinkEmptyFile") {
      auto p = root_path(root, "etc/emptied");
      return visible(p) && hoist::fs::read_file(p).empty() ? "" : "/etc/emptied: missing or non-empty";
    }
    if (case_name == "SymlinkOverridePath") {
      // The symlink foo -> / must not have sent the write to the host's /tmp.
      return lstat_path("/tmp/breakout-" + kTname) ? "wrote the host's /tmp/breakout-" + kTname : "";
    }
    return "no inline validator for " + case_name;
  }
  const std::string call = v["$call"];
  const json& a = v["args"];
  if (call == "all") {
    for (const json& sub : a)
      if (auto err = check(sub, root, case_name); !err.empty()) return err;
    return "";
  }
  if (call == "sameFile") return same_file(a);
  if (call == "notSameFile") {
    auto r = same_file(a);
    return r == "files differ" ? "" : r.empty() ? "files are the same, expected diff" : r;
  }
  if (call == "fileValue") {
    auto p = root_path(root, go_bytes(a[0]));
    std::string want = go_bytes(a[1]);
    if (!visible(p)) return go_bytes(a[0]) + " missing";
    return hoist::fs::read_file(p) == want ? "" : go_bytes(a[0]) + ": content differs";
  }
  if (call == "fileNotExists")
    return visible(root_path(root, go_bytes(a[0]), false)) ? go_bytes(a[0]) + " exists" : "";
  return "unknown validator " + call;
}

TEST_P(ArchiveConformance, ContainerdBreakouts) {
  const json& t = table(kContainerd, "TestBreakouts", "breakouts");
  size_t ran = 0;
  for (const json& c : t["cases"]) {
    ++ran;
    const std::string name = c["name"];
    for (bool owner : owner_modes()) {
      std::string label = describe_case("TestBreakouts", name, owner);
      Sandbox box;
      if (c.contains("apply")) apply_ops(ops_of(c["apply"]), box.dest);
      auto entries = tar_all(c["w"]);
      box.watch_entries(entries);
      box.watch_host("/tmp/breakout-" + kTname);
      std::string err = box.run(make_tar(entries), owner_options(owner));
      if (c.contains("err")) {
        EXPECT_EQ(c["err"]["$ident"], "errInvalidArchive");
        EXPECT_NE(err.find("invalid archive"), std::string::npos) << label << ": expected errInvalidArchive, got \""
                                                                  << err << "\"";
        continue;
      }
      ASSERT_EQ(err, "") << label;
      EXPECT_EQ(check(c["validator"], box.dest, name), "") << label;
    }
  }
  EXPECT_EQ(ran, t["count"].get<size_t>());
}

// ---- moby ---------------------------------------------------------------------------

// utils_test.go testBreakout: dest and victim/hello side by side; the unpack
// may fail or succeed, but victim must be untouched and nothing in dest may
// hold hello's content. "untar" runs with NoLchown (owners not preserved);
// "applylayer" applies owners, as hoist does by default as root.
void run_test_breakout(const std::string& label, const json& headers, bool applylayer) {
  for (bool owner : applylayer ? owner_modes() : std::vector<bool>{false}) {
    Sandbox box("dest");
    std::string victim = box.tmp.path() + "/victim";
    hoist::fs::mkdir_p(victim);
    const std::string hello = "hello " + std::to_string(::time(nullptr)) + " " + kTname;
    write_file(victim + "/hello", hello, 0644);
    std::vector<TarEntry> entries;
    for (const json& h : headers) entries.push_back(go_header(h));
    box.watch_entries(entries);
    std::string err = box.run(make_tar(entries), owner_options(owner));
    std::string full = label + (owner ? " (preserving owners)" : "") + (err.empty() ? "" : " [refused: " + err + "]");
    EXPECT_EQ(snapshot_tree(victim).size(), 1u) << full;
    EXPECT_EQ(hoist::fs::read_file(victim + "/hello"), hello) << full;
    for (const auto& [path, desc] : snapshot_tree(box.dest))
      EXPECT_EQ(desc.find("data=" + hello), std::string::npos) << full << ": " << path << " reads victim/hello";
  }
}

void run_breakout_table(const std::string& func, const std::string& untar_fn) {
  const json& t = table(kMoby, func, "range");
  size_t ran = 0;
  for (size_t i = 0; i < t["cases"].size(); ++i, ++ran)
    run_test_breakout(func + " i=" + std::to_string(i), t["cases"][i], untar_fn == "applylayer");
  EXPECT_EQ(ran, t["count"].get<size_t>());
}

TEST_P(ArchiveConformance, MobyUntarInvalidFilenames) { run_breakout_table("TestUntarInvalidFilenames", "untar"); }
TEST_P(ArchiveConformance, MobyUntarInvalidHardlink) { run_breakout_table("TestUntarInvalidHardlink", "untar"); }
TEST_P(ArchiveConformance, MobyUntarInvalidSymlink) { run_breakout_table("TestUntarInvalidSymlink", "untar"); }
TEST_P(ArchiveConformance, MobyApplyLayerInvalidFilenames) {
  run_breakout_table("TestApplyLayerInvalidFilenames", "applylayer");
}
TEST_P(ArchiveConformance, MobyApplyLayerInvalidHardlink) {
  run_breakout_table("TestApplyLayerInvalidHardlink", "applylayer");
}
TEST_P(ArchiveConformance, MobyApplyLayerInvalidSymlink) {
  run_breakout_table("TestApplyLayerInvalidSymlink", "applylayer");
}

// moby rejects these names with a breakoutError. hoist differs on purpose (see
// the top of this file): "../pwned" is written as <dest>/pwned and ".." names
// the root itself and is skipped. What the Go test guards, that dest's parent
// holds nothing but dest, holds here too.
TEST_P(ArchiveConformance, MobyUntarParentTraversalContained) {
  const json& t = table(kMoby, "TestUntarParentTraversalContained", "range");
  size_t ran = 0;
  for (const json& c : t["cases"]) {
    ++ran;
    std::string label = "TestUntarParentTraversalContained case " + c["name"].get<std::string>();
    Sandbox box("dest");
    auto entry = tar_file(c["entry"], "bad", 0644);
    box.watch_entries({entry});
    box.run(make_tar({entry}), owner_options(false));
    std::vector<std::string> beside;
    for (const auto& ent : std::filesystem::directory_iterator(box.tmp.path()))
      beside.push_back(ent.path().filename().string());
    EXPECT_EQ(beside, std::vector<std::string>{"dest"}) << label;
    auto inside = snapshot_tree(box.dest);
    if (c["entry"] == "..") {
      EXPECT_TRUE(inside.empty()) << label;
    } else {
      EXPECT_EQ(hoist::fs::read_file(box.in("pwned")), "bad") << label;
    }
  }
  EXPECT_EQ(ran, t["count"].get<size_t>());
}

// One case: four headers building a two-hop symlink chain.
TEST_P(ArchiveConformance, MobyUntarSymlinkBreakout) {
  const json& t = table(kMoby, "TestUntarSymlinkBreakout", "range");
  Sandbox box("dest");
  hoist::fs::mkdir_p(box.tmp.path() + "/victim");
  std::vector<TarEntry> entries;
  for (const json& h : t["cases"]) entries.push_back(go_header(h));
  EXPECT_EQ(entries.size(), t["count"].get<size_t>());
  box.watch_entries(entries);
  box.run(make_tar(entries), owner_options(false));
  EXPECT_FALSE(lstat_path(box.tmp.path() + "/victim/newfile")) << "TestUntarSymlinkBreakout: breakout";
}

// The Go test requires root; hoist must give the same modes unprivileged.
TEST_P(ArchiveConformance, MobyImpliedDirectoryPermissions) {
  const json& headers = table(kMoby, "TestImpliedDirectoryPermissions", "headers");
  const json& umasks = table(kMoby, "TestImpliedDirectoryPermissions", "range");
  std::vector<TarEntry> entries;
  for (const json& h : headers["cases"]) entries.push_back(go_header(h));
  size_t ran = 0;
  for (const json& u : umasks["cases"]) {
    ++ran;
    char octal[8];
    std::snprintf(octal, sizeof octal, "%#o", u.get<unsigned>());
    std::string label = std::string("TestImpliedDirectoryPermissions umask=") + octal;
    Sandbox box;
    mode_t old = ::umask(static_cast<mode_t>(u.get<int>()));
    std::string err = box.run(make_tar(entries), UnpackOptions{});
    ::umask(old);
    ASSERT_EQ(err, "") << label;
    // Every listed entry keeps its header's mode; every directory only
    // implied by a name is 0755.
    std::map<std::string, mode_t> want;
    for (const auto& e : entries) {
      auto parts = clean(e.name);
      for (size_t n = 1; n < parts.size(); ++n) want.emplace(join(parts, n), 0755);
    }
    for (const auto& e : entries) want[rel(e.name)] = e.mode;
    // Shallowest first, each directory opened up once checked, so that an
    // unprivileged run can reach below "explicit/" (0644) as root can.
    std::vector<std::pair<std::string, mode_t>> order(want.begin(), want.end());
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return clean(a.first).size() < clean(b.first).size(); });
    for (const auto& [path, mode] : order) {
      auto st = lstat_path(box.in(path));
      ASSERT_TRUE(st) << label << " " << path << " missing";
      EXPECT_EQ(st->st_mode & 07777, mode) << label << " " << path;
      if (S_ISDIR(st->st_mode)) ::chmod(box.in(path).c_str(), 0755);
    }
  }
  EXPECT_EQ(ran, umasks["count"].get<size_t>());
}

TEST_P(ArchiveConformance, MobyUnpackLayerCreatesImpliedDirectoriesThroughLowerLayerSymlink) {
  const json& t = table(kMoby, "TestUnpackLayerCreatesImpliedDirectoriesThroughLowerLayerSymlink", "range");
  Sandbox box("dest");
  std::vector<TarEntry> lower;
  for (const json& h : t["cases"]) lower.push_back(go_header(h));
  EXPECT_EQ(lower.size(), t["count"].get<size_t>());
  ASSERT_EQ(box.run(make_tar(lower), owner_options(false)), "");
  // The upper layer is written out in the Go test body.
  auto upper = tar_file("lib/systemd/system/container.service", "content", 0644);
  box.watch_host("/usr/lib/systemd/system/container.service");
  ASSERT_EQ(box.run(make_tar({upper}), owner_options(false)), "");
  EXPECT_EQ(read_link(box.in("lib")), "usr/lib");
  EXPECT_EQ(hoist::fs::read_file(box.in("usr/lib/systemd/system/container.service")), "content");
}

TEST_P(ArchiveConformance, MobyHandleTarTypeBlockCharFifoDeviceRange) {
  const json& t = table(kMoby, "TestHandleTarTypeBlockCharFifoDeviceRange", "range");
  size_t ran = 0;
  for (const json& c : t["cases"]) {
    ++ran;
    std::string label = "TestHandleTarTypeBlockCharFifoDeviceRange case " + c["name"].get<std::string>();
    Sandbox box("dest");
    TarEntry e;
    e.name = "dev";
    e.type = '4';
    e.devmajor = go_int(c["devmajor"]);
    e.devminor = go_int(c["devminor"]);
    std::string err = box.run(make_tar({e}), UnpackOptions{});
    EXPECT_NE(err.find("invalid archive"), std::string::npos) << label << ": got \"" << err << "\"";
    EXPECT_FALSE(lstat_path(box.in("dev"))) << label;
  }
  EXPECT_EQ(ran, t["count"].get<size_t>());
}

// Both of moby's unpackers (Untar, UnpackLayer, with NoLchown) are the one
// unpack_tar here; the unpacker table still drives how often each case runs.
TEST_P(ArchiveConformance, MobyUntarThroughAbsoluteSymlink) {
  const json& unpackers = table(kMoby, "TestUntarThroughAbsoluteSymlink", "unpackers");
  const json& t = table(kMoby, "TestUntarThroughAbsoluteSymlink", "range");
  size_t ran = 0;
  for (const json& u : unpackers["cases"]) {
    for (const json& c : t["cases"]) {
      ++ran;
      std::string label = "TestUntarThroughAbsoluteSymlink " + u["name"].get<std::string>() + "/" +
                          c["name"].get<std::string>();
      Sandbox box("dest");
      hoist::fs::mkdir_p(box.in("var"));
      if (c["createTarget"].get<bool>()) hoist::fs::mkdir_p(box.in("run/existing"));
      ASSERT_EQ(::symlink("/run", box.in("var/run").c_str()), 0);
      auto f = tar_file("var/run/existing/non-existing/file", "content", 0644);
      box.watch_host("/run/existing");
      box.watch_host("/run/existing/non-existing/file");
      ASSERT_EQ(box.run(make_tar({f}), owner_options(false)), "") << label;
      EXPECT_EQ(hoist::fs::read_file(box.in("run/existing/non-existing/file")), "content") << label;
    }
  }
  EXPECT_EQ(ran, unpackers["count"].get<size_t>() * t["count"].get<size_t>());
}

// moby expects a path-escape error here. hoist differs on purpose (top of this
// file): escape -> ".." at the root is the root, so "escape/absolute/file" is
// "/absolute/file", which absolute -> /target makes <dest>/target/file: the
// path the container itself would see. Nothing outside dest is written.
TEST_P(ArchiveConformance, MobyUnpackRejectsRelativeEscapeBeforeAbsoluteSymlink) {
  const json& unpackers = table(kMoby, "TestUnpackRejectsRelativeEscapeBeforeAbsoluteSymlink", "unpackers");
  size_t ran = 0;
  for (const json& u : unpackers["cases"]) {
    ++ran;
    std::string label = "TestUnpackRejectsRelativeEscapeBeforeAbsoluteSymlink " + u["name"].get<std::string>();
    Sandbox box("dest");
    hoist::fs::mkdir_p(box.in("target"));
    ASSERT_EQ(::symlink("..", box.in("escape").c_str()), 0);
    ASSERT_EQ(::symlink("/target", box.in("absolute").c_str()), 0);
    auto f = tar_file("escape/absolute/file", "", 0644);
    box.watch_host("/target");
    box.watch_host("/absolute");
    ASSERT_EQ(box.run(make_tar({f}), owner_options(false)), "") << label;
    EXPECT_TRUE(lstat_path(box.in("target/file"))) << label;
    EXPECT_FALSE(lstat_path(box.tmp.path() + "/target")) << label;
  }
  EXPECT_EQ(ran, unpackers["count"].get<size_t>());
}

TEST_P(ArchiveConformance, MobyHardlinkSourceThroughAbsoluteSymlink) {
  const json& unpackers = table(kMoby, "TestHardlinkSourceThroughAbsoluteSymlink", "unpackers");
  size_t ran = 0;
  for (const json& u : unpackers["cases"]) {
    ++ran;
    std::string label = "TestHardlinkSourceThroughAbsoluteSymlink " + u["name"].get<std::string>();
    Sandbox box("dest");
    hoist::fs::mkdir_p(box.in("var"));
    ASSERT_EQ(::symlink("/run", box.in("var/run").c_str()), 0);
    std::vector<TarEntry> entries = {tar_file("var/run/source", "content", 0644),
                                     tar_hardlink("var/run/source", "var/run/link")};
    box.watch_entries(entries);
    box.watch_host("/run/source");
    box.watch_host("/run/link");
    ASSERT_EQ(box.run(make_tar(entries), owner_options(false)), "") << label;
    auto source = lstat_path(box.in("run/source")), link = lstat_path(box.in("run/link"));
    ASSERT_TRUE(source && link) << label;
    EXPECT_EQ(hoist::fs::read_file(box.in("run/link")), "content") << label;
    EXPECT_EQ(source->st_ino, link->st_ino) << label;
    EXPECT_EQ(source->st_nlink, 2u) << label;
  }
  EXPECT_EQ(ran, unpackers["count"].get<size_t>());
}

// diff_test.go: four layers applied in turn to one directory. Each layer is
// built as makeTestLayer does (a tree of 0700 dirs and empty 0600 files, tarred
// in filepath.Walk order); the result is listed like readDirContents.
std::vector<std::string> walk_sorted(std::vector<std::string> paths) {
  auto key = [](const std::string& p) { return clean(p); };
  std::sort(paths.begin(), paths.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  return paths;
}

// The tree as readDirContents lists it: relative paths, "/" after directories.
std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& [path, desc] : snapshot_tree(dir))
    out.push_back(path.substr(1) + (S_ISDIR(lstat_path(dir + path)->st_mode) ? "/" : ""));
  return out;
}

// What a container sees with `layers` (lowest first) stacked, written from
// overlayfs's documented rules rather than from the unpacker's code: a 0/0
// device hides the name below it, an opaque directory hides what is below it,
// a non-directory replaces a directory and all it held.
std::vector<std::string> overlay_union(const std::vector<std::string>& layers) {
  const char* opaque_key = ::geteuid() == 0 ? "trusted.overlay.opaque" : "user.overlay.opaque";
  std::map<std::string, bool> view;  // relative path -> is a directory
  auto erase_below = [&](const std::string& p) {
    auto it = view.lower_bound(p + "/");
    while (it != view.end() && it->first.rfind(p + "/", 0) == 0) it = view.erase(it);
  };
  auto is_opaque = [&](const std::string& dir) {
    char v;
    return ::getxattr(dir.c_str(), opaque_key, &v, 1) == 1 && v == 'y';
  };
  for (const auto& layer : layers) {
    // overlayfs itself ignores an opaque layer root; hoist ends the stack
    // there (layers/layer_stack.h), which this models.
    if (is_opaque(layer)) view.clear();
    // snapshot_tree's order puts every directory before what it holds.
    for (const auto& [path, desc] : snapshot_tree(layer)) {
      std::string p = path.substr(1);
      struct stat st = *lstat_path(layer + path);
      if (is_whiteout_node(st)) {
        view.erase(p);
        erase_below(p);
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        bool opaque = is_opaque(layer + path);
        auto it = view.find(p);
        // A directory over a directory merges with it unless it is opaque.
        if (it != view.end() && it->second && !opaque) continue;
      }
      erase_below(p);
      view[p] = S_ISDIR(st.st_mode);
    }
  }
  std::vector<std::string> out;
  for (const auto& [p, dir] : view) out.push_back(p + (dir ? "/" : ""));
  return out;
}

TEST_P(ArchiveConformance, MobyApplyLayerWhiteouts) {
  const json& base = table(kMoby, "TestApplyLayerWhiteouts", "base");
  const json& t = table(kMoby, "TestApplyLayerWhiteouts", "tcases");
  EXPECT_EQ(t["cases"][0]["change"], base["cases"]) << "layer 0 is the base list";
  const bool overlay = g_whiteouts == WhiteoutMode::Overlay;
  for (bool owner : owner_modes()) {
    Sandbox box("wd");
    std::vector<std::unique_ptr<Sandbox>> layers;  // Overlay: one directory per layer
    std::vector<std::string> layer_dirs;
    size_t ran = 0;
    for (const json& c : t["cases"]) {
      std::string label = "TestApplyLayerWhiteouts layer " + std::to_string(ran++) + (owner ? " (owners)" : "");
      std::vector<TarEntry> entries;
      for (const std::string& p : walk_sorted(c["change"].get<std::vector<std::string>>())) {
        auto e = p.back() == '/' ? tar_dir(p, 0700) : tar_file(p, "", 0600);
        e.mtime = ::time(nullptr);
        entries.push_back(e);
      }
      Sandbox* target = &box;
      if (overlay) {
        layers.push_back(std::make_unique<Sandbox>("layer"));
        target = layers.back().get();
        layer_dirs.push_back(target->dest);
      }
      target->watch_entries(entries);
      ASSERT_EQ(target->run(make_tar(entries), owner_options(owner)), "") << label;
      std::vector<std::string> got = overlay ? overlay_union(layer_dirs) : listing(box.dest);
      EXPECT_EQ(walk_sorted(got), walk_sorted(c["expected"].get<std::vector<std::string>>())) << label;
    }
    EXPECT_EQ(ran, t["count"].get<size_t>());
  }
}

// TestUntarUstarGnuConflict reads testdata/broken.tar (GNU huge uid together
// with a ustar long name); hoist must unpack it, that file included.
TEST_P(ArchiveConformance, MobyBrokenTar) {
  std::string data = hoist::fs::read_file(conformance_path("moby-go-archive/testdata/broken.tar"));
  for (bool owner : owner_modes()) {
    Sandbox box("dest");
    box.watch_host("/root/.cpanm");
    ASSERT_EQ(box.run(data, owner_options(owner)), "");
    auto st = lstat_path(
        box.in("root/.cpanm/work/1395823785.24209/Plack-1.0030/blib/man3/Plack::Middleware::LighttpdScriptNameFix.3pm"));
    ASSERT_TRUE(st) << "broken.tar: the long-named file is missing";
    EXPECT_EQ(st->st_size, 6149);
    auto meta = lstat_path(box.in("root/.cpanm/work/1395823785.24209/File-Find-Rule-0.33/META.yml"));
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->st_size, 594);
    if (owner) {
      EXPECT_EQ(meta->st_uid, 831580115u);
    }
  }
}

}  // namespace
