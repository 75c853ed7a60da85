// Hostile layers beyond the two conformance corpora (archive_conformance_test):
// sizes the body never reaches, a sparse file claiming 10 GiB, 100,000
// entries, names past PATH_MAX, whiteouts through symlinked parents, hardlinks
// to whited-out files. Each case runs in both whiteout modes (Apply, the
// flattened rootfs; Overlay, the layer cache's form) and with both
// resolutions (openat2 and the userspace walk); each must be refused with one
// line naming the entry, or contained: a sentinel tree beside the
// destination and the host's /etc must not change. The rootless path (the
// layer cache in a user namespace) is in unpack_hostile_rootless_test.cc.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <climits>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "layers/confined_path.h"
#include "layers/unpack.h"
#include "tests/child_process.h"
#include "tests/raw_tar.h"
#include "tests/test_support.h"
#include "tests/unpack_test_support.h"

namespace {

using hoist::Error;
using hoist::layers::UnpackOptions;
using hoist::layers::WhiteoutMode;
using namespace hoist::test;
namespace tar = hoist::test::raw_tar;

constexpr uint64_t kTenGiB = 10ULL << 30;
// Generous on purpose: the point is "not proportional to what the archive
// claims or to its entry count", not a tight budget. Under AddressSanitizer
// freed memory stays resident in its quarantine (256 MB by default), which
// 100,000 entries' worth of short-lived strings fills.
#ifdef __SANITIZE_ADDRESS__
constexpr long kRssBoundKb = (200 + 256) * 1024;
#else
constexpr long kRssBoundKb = 200 * 1024;
#endif

bool is_root() { return ::geteuid() == 0; }

// Runs `fn` in a forked child and returns its result ("+..." or "-error")
// with how far the child's peak resident set grew while it ran, in KiB.
// A child, so earlier tests' allocations in this process do not count.
struct Measured {
  std::string result;
  long growth_kb = -1;
};

Measured measure_in_child(const std::function<std::string()>& fn) {
  int status = 0;
  std::string out = hoist::test::run_in_child([&] {
    // The child starts with its parent's pages resident: the peak is reset
    // to that, and only what fn adds counts.
    hoist::UniqueFd clear(::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC));
    if (clear.valid()) (void)!::write(clear.get(), "5", 1);
    struct rusage before {}, after {};
    ::getrusage(RUSAGE_SELF, &before);
    std::string out;
    try {
      out = "+" + fn();
    } catch (const Error& e) {
      out = "-" + e.describe();
    } catch (const std::exception& e) {
      out = std::string("-unexpected exception: ") + e.what();
    }
    ::getrusage(RUSAGE_SELF, &after);
    return std::to_string(after.ru_maxrss - before.ru_maxrss) + "\n" + out;
  }, &status);
  Measured m;
  size_t nl = out.find('\n');
  if (nl == std::string::npos) {
    m.result = "-child ended without a result, status " + std::to_string(status);
    return m;
  }
  m.growth_kb = std::stol(out.substr(0, nl));
  m.result = out.substr(nl + 1);
  return m;
}

// The measure itself must see memory a child really uses, or every bound
// below would pass vacuously.
TEST(HostileLayerSize, MeasureSeesWhatTheChildAllocates) {
  Measured m = measure_in_child([] {
    std::string big(64 << 20, 'x');
    return std::to_string(big.size());
  });
  EXPECT_EQ(m.result, "+" + std::to_string(64 << 20));
  EXPECT_GE(m.growth_kb, 60 * 1024);
  EXPECT_LT(m.growth_kb, 2 * 64 * 1024);
}

bool is_whiteout_node(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

std::string mode_name(WhiteoutMode m) { return m == WhiteoutMode::Apply ? "Apply" : "Overlay"; }

class HostileLayer : public ::testing::TestWithParam<std::tuple<bool, WhiteoutMode>> {
 protected:
  void SetUp() override {
    hoist::layers::use_kernel_resolution(std::get<0>(GetParam()));
    root = tmp.path() + "/root";
    hoist::fs::mkdir_p(root);
    // The sentinel: what an escape from root would reach first.
    hoist::fs::mkdir_p(tmp.path() + "/outside/etc");
    write_file(tmp.path() + "/outside/secret", "secret", 0640);
    write_file(tmp.path() + "/outside/etc/passwd", "outside passwd", 0644);
    outside_before = snapshot_tree(tmp.path(), {root});
    for (const char* host : {"/etc/passwd", "/etc/hostname", "/etc/hosts"}) host_before[host] = snapshot_path(host);
  }
  void TearDown() override {
    hoist::layers::use_kernel_resolution(true);
    EXPECT_EQ(snapshot_tree(tmp.path(), {root}), outside_before) << "something changed outside the root";
    for (const auto& [path, state] : host_before) EXPECT_EQ(snapshot_path(path), state) << path;
  }

  WhiteoutMode whiteouts() const { return std::get<1>(GetParam()); }
  bool overlay() const { return whiteouts() == WhiteoutMode::Overlay; }
  UnpackOptions options() const {
    UnpackOptions o;
    o.whiteouts = whiteouts();
    o.user_xattr = !is_root();  // trusted.* needs CAP_SYS_ADMIN
    return o;
  }
  // The error of unpacking `bytes` into root, "" when it succeeds.
  std::string unpack_error(const std::string& bytes) {
    return error_of([&] { unpack(bytes, root, options()); });
  }

  std::string p(const std::string& rel) const { return root + "/" + rel; }
  // Present, and not a whiteout: what a container would see of `rel` when
  // this directory is its whole filesystem.
  bool visible(const std::string& rel) const {
    auto st = lstat_path(p(rel));
    return st && !is_whiteout_node(*st);
  }
  // The mark a whiteout leaves: nothing (Apply) or a 0/0 device (Overlay).
  void expect_whited_out(const std::string& rel) const {
    auto st = lstat_path(p(rel));
    if (overlay()) {
      EXPECT_TRUE(st && is_whiteout_node(*st)) << rel << " is not an overlay whiteout";
    } else {
      EXPECT_FALSE(st) << rel << " is still there";
    }
  }

  hoist::fs::TempDir tmp;
  std::string root;
  std::map<std::string, std::string> outside_before;
  std::map<std::string, std::string> host_before;
};

INSTANTIATE_TEST_SUITE_P(Modes, HostileLayer,
                         ::testing::Combine(::testing::Values(true, false),
                                            ::testing::Values(WhiteoutMode::Apply, WhiteoutMode::Overlay)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Openat2" : "UserspaceWalk") +
                                  mode_name(std::get<1>(info.param));
                         });

// ---- sizes ------------------------------------------------------------------

// A header claiming 10 GiB with 1 MiB behind it: the unpack fails on the
// truncation, having written what came and no more, without holding the
// claimed size in memory.
TEST_P(HostileLayer, TruncatedTenGiBFileFailsWithoutWritingOrAllocatingItsSize) {
  std::string bytes = tar::header("big", '0', kTenGiB) + std::string(1 << 20, 'x');
  Measured m = measure_in_child([&] {
    unpack(bytes, root, options());
    return std::string("unpacked");
  });
  ASSERT_EQ(m.result.substr(0, 1), "-") << "a truncated archive was accepted";
  EXPECT_NE(m.result.find("\"big\""), std::string::npos) << m.result;
  EXPECT_NE(m.result.find("runcated"), std::string::npos) << m.result;
  EXPECT_EQ(m.result.find('\n'), std::string::npos) << m.result;
  RecordProperty("peak_rss_growth_kb", std::to_string(m.growth_kb));
  EXPECT_LT(m.growth_kb, kRssBoundKb);
  if (auto st = lstat_path(p("big"))) {
    EXPECT_LE(st->st_size, 1 << 20);
    EXPECT_LE(st->st_blocks * 512, 2 << 20);
  }
}

// The same claim in a pax header's own size: libarchive must not allocate
// it to read the records.
TEST_P(HostileLayer, TenGiBPaxHeaderIsRefusedWithoutAllocatingIt) {
  std::string bytes = tar::header("PaxHeaders/big", 'x', kTenGiB) + std::string(1 << 20, '9');
  Measured m = measure_in_child([&] {
    unpack(bytes, root, options());
    return std::string("unpacked");
  });
  EXPECT_EQ(m.result.substr(0, 1), "-") << m.result;
  EXPECT_EQ(m.result.find('\n'), std::string::npos) << m.result;
  EXPECT_LT(m.growth_kb, kRssBoundKb);
  EXPECT_TRUE(snapshot_tree(root).empty());
}

// A pax 1.0 sparse file whose map claims 10 GiB with one 512-byte extent at
// the end. Kept sparse, as tar does: the file has its full apparent size but
// only the extent's blocks, so disk use is bounded by the archive's own
// bytes; refusing it would refuse real images (sparse database and log files).
std::string sparse_tar(const std::string& name, uint64_t realsize, uint64_t offset, const std::string& data) {
  return tar::sparse_file(name, realsize, offset, data) + tar::end();
}

TEST_P(HostileLayer, SparseFileClaimingTenGiBStaysSparse) {
  std::string extent(512, 'S');
  Measured m = measure_in_child([&] {
    auto stats = unpack(sparse_tar("sparse", kTenGiB, kTenGiB - 512, extent), root, options());
    return std::to_string(stats.bytes);
  });
  ASSERT_EQ(m.result, "+512");
  EXPECT_LT(m.growth_kb, kRssBoundKb);
  auto st = lstat_path(p("sparse"));
  ASSERT_TRUE(st);
  EXPECT_EQ(static_cast<uint64_t>(st->st_size), kTenGiB);
  EXPECT_LE(st->st_blocks * 512, 1 << 20) << "the holes were written out";
  hoist::UniqueFd fd(::open(p("sparse").c_str(), O_RDONLY | O_CLOEXEC));
  std::string tail(512, '\0'), head(512, 'x');
  ASSERT_EQ(::pread(fd.get(), tail.data(), tail.size(), static_cast<off_t>(kTenGiB - 512)), 512);
  ASSERT_EQ(::pread(fd.get(), head.data(), head.size(), 0), 512);
  EXPECT_EQ(tail, extent);
  EXPECT_EQ(head, std::string(512, '\0'));
}

// An extent no filesystem can hold: an error naming the entry, not a crash.
TEST_P(HostileLayer, SparseExtentBeyondAnyFileSizeIsRefused) {
  uint64_t far = 1ULL << 62;
  std::string err = unpack_error(sparse_tar("far", far + 512, far, std::string(512, 'F')));
  EXPECT_NE(err, "");
  EXPECT_NE(err.find("far"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  if (auto st = lstat_path(p("far"))) {
    EXPECT_LE(st->st_blocks * 512, 1 << 20);
  }
}

// ---- names past PATH_MAX ----------------------------------------------------

using raw_tar::long_path;

// A name whose path below the destination is past PATH_MAX is refused
// rather than cut: with one line that shows where it starts and how long it
// is, not all 5000 bytes of it.
TEST_P(HostileLayer, NamesPastPathMaxAreRefusedNotTruncated) {
  for (size_t len : {size_t{PATH_MAX} - root.size() - 1, size_t{PATH_MAX - 1}, size_t{5000}}) {
    std::string name = long_path(len);
    std::string err = unpack_error(tar::pax({{"path", name}}) + tar::file("x", "long") + tar::end());
    EXPECT_NE(err.find("longer than PATH_MAX"), std::string::npos) << len << ": " << err.substr(0, 300);
    EXPECT_NE(err.find(std::to_string(len) + " bytes"), std::string::npos) << err.substr(0, 300);
    EXPECT_LT(err.size(), 1000u) << "the error holds the whole name";
    EXPECT_EQ(err.find('\n'), std::string::npos);
    EXPECT_TRUE(snapshot_tree(root).empty()) << len;
  }
}

// The longest name that fits is written whole, and whole-path tools (the
// snapshot here, the temporary directory's removal) still reach it.
TEST_P(HostileLayer, LongestNameThatFitsIsWritten) {
  std::string name = long_path(PATH_MAX - root.size() - 2);
  ASSERT_EQ(unpack_error(tar::pax({{"path", name}}) + tar::file("x", "longest") + tar::end()), "");
  EXPECT_EQ(hoist::fs::read_file(p(name)), "longest");
  EXPECT_EQ(snapshot_tree(root).count("/" + name), 1u);
}

TEST_P(HostileLayer, HardlinkTargetsPastPathMaxAreRefused) {
  std::string target = long_path(5000);
  std::string err = unpack_error(make_tar({tar_file("f", "f"), tar_hardlink(target, "link")}));
  EXPECT_NE(err.find("longer than"), std::string::npos) << err.substr(0, 300);
  EXPECT_NE(err.find("\"link\""), std::string::npos) << err.substr(0, 300);
  EXPECT_LT(err.size(), 1000u);
  EXPECT_FALSE(lstat_path(p("link")));
}

// Symlink targets past PATH_MAX and components past NAME_MAX: the kernel
// refuses them; the error still names the entry, on one line.
TEST_P(HostileLayer, OverlongSymlinkTargetsAndComponentsFailNamingTheEntry) {
  std::string err = unpack_error(tar::pax({{"linkpath", long_path(5000)}}) + tar::header("sym", '2', 0) + tar::end());
  EXPECT_NE(err.find("\"sym\""), std::string::npos) << err.substr(0, 300);
  EXPECT_LT(err.size(), 1000u);
  std::string component(300, 'c');
  err = unpack_error(tar::pax({{"path", "d/" + component}}) + tar::file("x", "x") + tar::end());
  EXPECT_NE(err.find("File name too long"), std::string::npos) << err;
  EXPECT_NE(err.find("ccc"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos);
}

// ---- whiteouts through symlinked parents -------------------------------------

// The lower layers' view in root: an /etc, and symlinks that would leave it
// if they were followed on the host.
void make_lower(const std::string& root) {
  hoist::fs::mkdir_p(root + "/etc");
  write_file(root + "/etc/passwd", "inside passwd");
  write_file(root + "/etc/group", "inside group");
  hoist::fs::mkdir_p(root + "/outside");
  write_file(root + "/outside/secret", "inside secret");
  EXPECT_EQ(::symlink("/etc", (root + "/lower-abs").c_str()), 0);
  EXPECT_EQ(::symlink("../..", (root + "/lower-up").c_str()), 0);
}

TEST_P(HostileLayer, WhiteoutsThroughLowerSymlinksStayInsideTheRoot) {
  make_lower(root);
  ASSERT_EQ(unpack_error(make_tar({tar_file("lower-abs/.wh.passwd", ""), tar_file("lower-up/.wh.outside", "")})), "");
  // `lower-abs` is /etc inside the root, `lower-up` is the root itself.
  expect_whited_out("etc/passwd");
  expect_whited_out("outside");
  EXPECT_EQ(hoist::fs::read_file(p("etc/group")), "inside group");
  EXPECT_EQ(read_link(p("lower-abs")), "/etc");
}

TEST_P(HostileLayer, WhiteoutsThroughSymlinksOfTheSameLayerStayInsideTheRoot) {
  make_lower(root);
  std::string err = unpack_error(make_tar({tar_symlink("/etc", "a"), tar_symlink("../..", "b"),
                                           tar_symlink("b/b/b", "c"), tar_file("a/.wh.passwd", ""),
                                           tar_file("b/.wh.outside", ""), tar_file("c/etc/.wh.group", "")}));
  ASSERT_EQ(err, "");
  expect_whited_out("etc/passwd");
  expect_whited_out("etc/group");
  expect_whited_out("outside");
}

// A dangling symlink as the whiteout's parent: Apply has nothing to hide
// there; Overlay creates the directory it points to, inside the root, to
// hold the whiteout.
TEST_P(HostileLayer, WhiteoutThroughADanglingSymlinkStaysInsideTheRoot) {
  ASSERT_EQ(::symlink("/../nowhere/dir", p("dangling").c_str()), 0);
  ASSERT_EQ(unpack_error(make_tar({tar_file("dangling/.wh.x", "")})), "");
  if (overlay()) {
    expect_whited_out("nowhere/dir/x");
  } else {
    EXPECT_FALSE(lstat_path(p("nowhere")));
  }
}

// Whiting out the symlink removes the link, never what it points to.
TEST_P(HostileLayer, WhiteoutOfASymlinkRemovesTheLinkOnly) {
  make_lower(root);
  ASSERT_EQ(unpack_error(make_tar({tar_file(".wh.lower-abs", ""), tar_file(".wh.lower-up", "")})), "");
  expect_whited_out("lower-abs");
  expect_whited_out("lower-up");
  EXPECT_EQ(hoist::fs::read_file(p("etc/passwd")), "inside passwd");
  EXPECT_EQ(hoist::fs::read_file(p("outside/secret")), "inside secret");
}

// An opaque marker reached through a symlink to "/" applies to the root:
// inside it, whatever it clears.
TEST_P(HostileLayer, OpaqueMarkerThroughASymlinkToTheTopStaysInsideTheRoot) {
  make_lower(root);
  ASSERT_EQ(unpack_error(make_tar({tar_file("new", "new"), tar_file("lower-up/.wh..wh..opq", "")})), "");
  EXPECT_EQ(hoist::fs::read_file(p("new")), "new");
  if (overlay()) {
    char v[4];
    const char* key = is_root() ? "trusted.overlay.opaque" : "user.overlay.opaque";
    ASSERT_EQ(::getxattr(root.c_str(), key, v, sizeof v), 1);
    EXPECT_EQ(v[0], 'y');
  } else {
    EXPECT_FALSE(lstat_path(p("etc")));
    EXPECT_FALSE(lstat_path(p("outside")));
  }
}

// ---- hardlinks and whiteouts --------------------------------------------------

// A hardlink to a file this layer whited out is refused in both forms: in
// Apply the file is gone, and in Overlay linking the 0/0 device would turn
// the link into a second whiteout instead of the file the layer asked for.
TEST_P(HostileLayer, HardlinkToAWhitedOutLowerFileIsRefused) {
  write_file(p("f"), "lower f");
  std::string err = unpack_error(make_tar({tar_file(".wh.f", ""), tar_hardlink("f", "l")}));
  EXPECT_NE(err.find("\"l\""), std::string::npos) << err;
  EXPECT_NE(err.find("\"f\""), std::string::npos) << err;
  EXPECT_FALSE(visible("l")) << "l links to the whiteout";
}

TEST_P(HostileLayer, HardlinkToAWhiteoutOfNothingIsRefused) {
  std::string err = unpack_error(make_tar({tar_file("d/.wh.f", ""), tar_hardlink("d/f", "l")}));
  EXPECT_NE(err.find("\"l\""), std::string::npos) << err;
  EXPECT_FALSE(lstat_path(p("l")));
}

// The whiteout entry itself is no file to link to.
TEST_P(HostileLayer, HardlinkToAWhiteoutEntryIsRefused) {
  write_file(p("f"), "lower f");
  std::string err = unpack_error(make_tar({tar_file(".wh.f", ""), tar_hardlink(".wh.f", "l")}));
  EXPECT_NE(err.find("not found"), std::string::npos) << err;
  EXPECT_FALSE(lstat_path(p("l")));
}

// This layer's own file survives its whiteout, so links to it work.
TEST_P(HostileLayer, HardlinkToAFileOfThisLayerAfterItsWhiteoutWorks) {
  ASSERT_EQ(unpack_error(make_tar({tar_file("f", "mine"), tar_file(".wh.f", ""), tar_hardlink("f", "l")})), "");
  EXPECT_EQ(hoist::fs::read_file(p("l")), "mine");
  EXPECT_EQ(lstat_path(p("l"))->st_ino, lstat_path(p("f"))->st_ino);
}

// A link made before its target is whited out keeps the content.
TEST_P(HostileLayer, HardlinkMadeBeforeItsTargetIsWhitedOutKeepsTheContent) {
  write_file(p("f"), "lower f");
  ASSERT_EQ(unpack_error(make_tar({tar_hardlink("f", "l"), tar_file(".wh.f", "")})), "");
  EXPECT_EQ(hoist::fs::read_file(p("l")), "lower f");
  expect_whited_out("f");
}

// A hardlink entry named like a whiteout is a whiteout, whatever it links to.
TEST_P(HostileLayer, HardlinkNamedLikeAWhiteoutIsAWhiteout) {
  write_file(p("g"), "lower g");
  ASSERT_EQ(unpack_error(make_tar({tar_file("f", "f"), tar_hardlink("f", ".wh.g")})), "");
  expect_whited_out("g");
  EXPECT_FALSE(lstat_path(p(".wh.g")));
}

// ---- many entries --------------------------------------------------------------

// 100 directories of 900 files, 90 hardlinks and 10 whiteouts each: 100,100
// entries streamed as they are made, so what grows is the unpacker's own
// per-entry state (names it created, directories to finish), which must stay
// far below the bound. openat2 resolution only: the userspace walk keeps no
// state from one entry to the next, and 100,000 entries four times over would
// take minutes on a busy machine.
TEST(HostileLayerSize, HundredThousandEntriesKeepMemoryBounded) {
  constexpr uint64_t kDirs = 100, kPerDir = 1000;
  for (WhiteoutMode mode : {WhiteoutMode::Apply, WhiteoutMode::Overlay}) {
    // On tmpfs: 100,000 creations on a busy disk take minutes, and the
    // memory question does not depend on the filesystem.
    hoist::fs::TempDir tmp(hoist::fs::exists("/dev/shm") ? "/dev/shm" : "");
    std::string root = tmp.path() + "/root";
    hoist::fs::mkdir_p(root);
    Measured m = measure_in_child([&] {
      raw_tar::GeneratedTar gen([&](uint64_t i) -> std::string {
        uint64_t dir = i / (kPerDir + 1), k = i % (kPerDir + 1);
        if (dir == kDirs) return i == kDirs * (kPerDir + 1) ? raw_tar::end() : "";
        char d[32];
        std::snprintf(d, sizeof d, "d%03llu", static_cast<unsigned long long>(dir));
        if (k == 0) return raw_tar::header(std::string(d) + "/", '5', 0, "", 0755);
        std::string base = std::string(d) + "/f" + std::to_string(k);
        if (k % 100 == 0) return raw_tar::header(std::string(d) + "/.wh.gone" + std::to_string(k), '0', 0);
        if (k % 10 == 0) return raw_tar::header(base, '1', 0, std::string(d) + "/f" + std::to_string(k - 1));
        return raw_tar::header(base, '0', 0);
      });
      UnpackOptions o;
      o.whiteouts = mode;
      o.user_xattr = !is_root();
      return std::to_string(hoist::layers::unpack_tar(gen, root, o).entries);
    });
    EXPECT_EQ(m.result, "+" + std::to_string(kDirs * (kPerDir + 1))) << mode_name(mode);
    RecordProperty("peak_rss_growth_kb_" + mode_name(mode), std::to_string(m.growth_kb));
    EXPECT_LT(m.growth_kb, kRssBoundKb) << mode_name(mode);
    EXPECT_EQ(lstat_path(root + "/d099/f999")->st_size, 0) << mode_name(mode);
    EXPECT_EQ(lstat_path(root + "/d042/f990")->st_ino, lstat_path(root + "/d042/f989")->st_ino) << mode_name(mode);
  }
}

// ---- device nodes ----------------------------------------------------------------

// As root the node is made in both forms. Unprivileged it is refused, naming
// the entry: that branch runs when this binary runs as a user, and
// unpack_hostile_rootless_test.cc runs it as one (with and without a user
// namespace) when the tests run as root.
TEST_P(HostileLayer, DeviceNodeIsMadeAsRootAndRefusedWithoutPrivilege) {
  if (is_root()) {
    ASSERT_EQ(unpack_error(tar::header("dev/null", '3', 0, "", 0666, 1, 3) + tar::end()), "");
    EXPECT_TRUE(S_ISCHR(lstat_path(p("dev/null"))->st_mode));
    return;
  }
  std::string err = unpack_error(tar::header("dev/null", '3', 0, "", 0666, 1, 3) + tar::end());
  EXPECT_NE(err.find("\"dev/null\""), std::string::npos) << err;
  EXPECT_NE(err.find("device node"), std::string::npos) << err;
  EXPECT_FALSE(lstat_path(p("dev/null")));
}

}  // namespace
