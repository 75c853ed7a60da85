// The hostile layers of unpack_hostile_test.cc on the rootless path: an
// ordinary user's LayerCache unpacks them in overlay form inside a user
// namespace (with subordinate ranges, and with the single-id map of a user
// who has none). Each must be refused with a line naming the entry, or
// contained: a sentinel tree the user owns (so an escape would have the
// permission to change it) sits beside HOIST_ROOT and must not change, and a
// refused layer leaves nothing in the cache.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <climits>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "layers/layer_cache.h"
#include "layers/stream.h"
#include "oci/descriptor.h"
#include "oci/media_types.h"
#include "tests/raw_tar.h"
#include "tests/rootless_fixture.h"
#include "tests/unpack_test_support.h"

namespace hoist::test {
namespace {

namespace tar = raw_tar;
using UnpackHostileRootlessTest = RootlessFixture;

constexpr uint64_t kTenGiB = 10ULL << 30;

struct Case {
  std::string name;
  std::string tar;
  std::vector<std::string> error_has;  // empty: must unpack
  std::function<void(const std::string& layer_dir)> check;
};

bool whiteout_at(const std::string& path) {
  auto st = lstat_path(path);
  return st && S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

std::vector<Case> cases(const std::string& sentinel) {
  std::vector<Case> out;
  out.push_back({"device node", tar::header("dev/null", '3', 0, "", 0666, 1, 3) + tar::end(),
                 {"\"dev/null\"", "device node", "not permitted"}, nullptr});
  out.push_back({"whiteouts through escaping symlinks",
                 make_tar({tar_symlink(sentinel, "abs"), tar_symlink("../../../../../..", "up"),
                           tar_file("abs/.wh.secret", ""), tar_file("up/.wh.outside", ""),
                           tar_file("up" + sentinel + "/.wh.etc", "")}),
                 {},
                 [sentinel](const std::string& layer) {
                   // Every one of them landed inside the layer, where the symlinks point in a chroot.
                   EXPECT_TRUE(whiteout_at(layer + sentinel + "/secret"));
                   EXPECT_TRUE(whiteout_at(layer + "/outside"));
                   EXPECT_TRUE(whiteout_at(layer + sentinel + "/etc"));
                 }});
  out.push_back({"hardlink to a whited-out file", make_tar({tar_file(".wh.f", ""), tar_hardlink("f", "l")}),
                 {"\"l\"", "whited out"}, nullptr});
  out.push_back({"name past PATH_MAX", tar::pax({{"path", tar::long_path(5000)}}) + tar::file("x", "x") + tar::end(),
                 {"longer than PATH_MAX", "(5000 bytes)"}, nullptr});
  out.push_back({"truncated 10 GiB file", tar::header("big", '0', kTenGiB) + std::string(1 << 20, 'x'),
                 {"\"big\"", "runcated"}, nullptr});
  out.push_back({"sparse 10 GiB file", tar::sparse_file("sparse", kTenGiB, kTenGiB - 512, std::string(512, 'S')) +
                                           tar::end(),
                 {},
                 [](const std::string& layer) {
                   auto st = lstat_path(layer + "/sparse");
                   ASSERT_TRUE(st);
                   EXPECT_EQ(static_cast<uint64_t>(st->st_size), kTenGiB);
                   EXPECT_LE(st->st_blocks * 512, 1 << 20);
                 }});
  return out;
}

// Unpacks `bytes` through the user's LayerCache; returns the layer's
// directory, or "!" and the error.
std::string ensure_as(const TestUser& user, const std::string& dir, const std::string& bytes) {
  oci::Descriptor desc;
  desc.media_type = oci::media::kOciLayer;
  desc.digest = oci::Digest::of(bytes);
  desc.size = static_cast<int64_t>(bytes.size());
  try {
    return as_user(user, dir, [&] {
      layers::LayerCache cache(std::getenv("HOIST_ROOT"));
      return cache.ensure(desc, desc.digest,
                          [&](const oci::Descriptor&) { return std::make_unique<layers::BufferReader>(bytes); });
    });
  } catch (const std::runtime_error& e) {
    return std::string("!") + e.what();
  }
}

void run_cases(const TestUser& user, const std::string& dir, const std::string& sentinel) {
  auto sentinel_before = snapshot_tree(sentinel);
  std::string host_passwd = snapshot_path("/etc/passwd");
  for (const Case& c : cases(sentinel)) {
    std::string label = user.name + ": " + c.name;
    std::string got = ensure_as(user, dir, c.tar);
    if (c.error_has.empty()) {
      ASSERT_NE(got.substr(0, 1), "!") << label << got.substr(0, 400);
      if (c.check) c.check(got);
    } else {
      ASSERT_EQ(got.substr(0, 1), "!") << label << ": unpacked, expected an error";
      for (const auto& part : c.error_has) EXPECT_NE(got.find(part), std::string::npos) << label << ": " << got;
      EXPECT_EQ(got.find('\n'), std::string::npos) << label << ": " << got;
      EXPECT_LT(got.size(), 1000u) << label;
      std::string hex(oci::Digest::of(c.tar).hex());
      for (const auto& e : std::filesystem::directory_iterator(dir + "/hoist/layers")) {
        std::string name = e.path().filename();
        bool ours = name.starts_with(hex) || name.starts_with(".tmp-" + hex);
        EXPECT_TRUE(!ours || name.ends_with(".lock")) << label << ": the refused layer left " << name;
      }
    }
    EXPECT_EQ(snapshot_tree(sentinel), sentinel_before) << label << ": the sentinel changed";
    EXPECT_EQ(snapshot_path("/etc/passwd"), host_passwd) << label;
  }
}

// The user's own tree beside its HOIST_ROOT, writable by it and so by the
// root of its user namespace.
std::string make_sentinel(const std::string& dir, const TestUser& user) {
  std::string s = dir + "/outside";
  fs::mkdir_p(s + "/etc");
  write_file(s + "/secret", "secret", 0600);
  write_file(s + "/etc/passwd", "outside passwd", 0644);
  sh("chown -R " + std::to_string(user.uid) + ":" + std::to_string(user.gid) + " " + s);
  return s;
}

TEST_F(UnpackHostileRootlessTest, WithSubordinateRanges) {
  std::string dir = dir_.path();
  TestUser user = add_user(dir, kRangedUser, true);
  home_for(user);
  run_cases(user, dir, make_sentinel(dir, user));
}

// Outside any user namespace (unpack_tar called by the user directly, as
// `hoist build` extracts a context tar): the same refusal.
TEST_F(UnpackHostileRootlessTest, DeviceNodeOutsideAUserNamespace) {
  std::string dir = dir_.path();
  TestUser user = add_user(dir, kSingleIdUser, false);
  home_for(user);
  std::string dest = dir + "/tmp/plain";
  std::string got;
  try {
    got = as_user(user, dir, [&] {
      fs::mkdir_p(dest);
      layers::UnpackOptions o;
      EXPECT_FALSE(o.preserve_owner);
      test::unpack(tar::header("dev/null", '3', 0, "", 0666, 1, 3) + tar::end(), dest, o);
      return std::string("unpacked");
    });
  } catch (const std::runtime_error& e) {
    got = std::string("!") + e.what();
  }
  EXPECT_EQ(got, "!unpacking entry \"dev/null\": creating device node " + dest +
                     "/dev/null: not permitted (device nodes need root on the host; "
                     "a user namespace cannot make them)");
  EXPECT_FALSE(lstat_path(dest + "/dev/null"));
}

TEST_F(UnpackHostileRootlessTest, WithTheSingleIdMap) {
  std::string dir = dir_.path();
  TestUser user = add_user(dir, kSingleIdUser, false);
  home_for(user);
  run_cases(user, dir, make_sentinel(dir, user));
}

}  // namespace
}  // namespace hoist::test
