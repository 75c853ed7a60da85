// check_layer_cache on layers a real LayerCache made: what a killed unpack
// leaves is found and removed, a marker without its directory is a problem,
// complete layers are kept, and a layer whose lock is held is left alone.
#include "layers/layer_cache_check.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/fs.h"
#include "oci/digest.h"

namespace hoist::layers {
namespace {

using Kind = oci::Finding::Kind;

class LayerCacheCheckTest : public ::testing::Test {
 protected:
  LayerCacheCheckTest() : cache_(root_.path()) {}

  // A layer adopted into the cache, as a build's step does; its directory.
  std::string adopt(const std::string& name) {
    std::string made = root_.path() + "/made-" + name;
    fs::mkdir_p(made + "/etc");
    fs::write_file_atomic(made + "/etc/" + name, name);
    return cache_.adopt(oci::Digest::of(name), made);
  }

  oci::FsckReport check(bool repair) {
    oci::CheckOptions o;
    o.repair = repair;
    oci::FsckReport r;
    check_layer_cache(cache_, o, r);
    return r;
  }

  static std::string lines(const oci::FsckReport& r) {
    std::string s;
    for (const auto& f : r.findings) s += f.line() + "\n";
    return s;
  }

  fs::TempDir root_;
  LayerCache cache_;
};

TEST_F(LayerCacheCheckTest, CompleteLayersHaveNoFindings) {
  adopt("a");
  adopt("b");
  oci::FsckReport r = check(true);
  EXPECT_TRUE(r.findings.empty()) << lines(r);
  EXPECT_EQ(r.layers, 2u);
}

TEST_F(LayerCacheCheckTest, DirectoryWithoutMarkerIsALeftoverRemoved) {
  std::string dir = adopt("a");
  std::string kept = adopt("b");
  ASSERT_EQ(::unlink(LayerCache::marker_path(dir).c_str()), 0);
  oci::FsckReport r = check(false);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_EQ(r.findings[0].kind, Kind::Leftover);
  EXPECT_EQ(r.findings[0].subject, dir);
  EXPECT_TRUE(fs::exists(dir));
  r = check(true);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_TRUE(r.findings[0].repaired);
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_TRUE(cache_.has(oci::Digest::of("b")));
  EXPECT_TRUE(fs::exists(kept + "/etc/b"));
  r = check(false);
  EXPECT_TRUE(r.findings.empty()) << lines(r);
  EXPECT_EQ(r.layers, 1u);
}

TEST_F(LayerCacheCheckTest, MarkerWithoutDirectoryIsAProblemRepairedByRemovingIt) {
  std::string dir = adopt("a");
  fs::remove_all(dir);
  oci::FsckReport r = check(false);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_EQ(r.findings[0].kind, Kind::Problem);
  EXPECT_EQ(r.findings[0].subject, LayerCache::marker_path(dir));
  EXPECT_FALSE(r.sound());
  r = check(true);
  EXPECT_TRUE(r.sound()) << lines(r);
  EXPECT_FALSE(cache_.has(oci::Digest::of("a")));
  EXPECT_TRUE(check(false).findings.empty());
}

TEST_F(LayerCacheCheckTest, TempEntriesOfKilledUnpacksAndMarkerWrites) {
  std::string dir = adopt("a");
  std::string hex(oci::Digest::of("a").hex());
  std::string unpack = cache_.dir() + "/" + LayerCache::temp_prefix(hex) + "Q1w2E3";
  fs::mkdir_p(unpack + "/usr/bin");
  std::string marker_temp = LayerCache::marker_path(dir) + ".tmp-0123456789ab";
  fs::write_file_atomic(marker_temp, "sha256:");
  // A layer never finished at all: its lock and a temp directory.
  std::string other(oci::Digest::of("never").hex());
  fs::write_file_atomic(LayerCache::lock_path(cache_.dir() + "/" + other), "");
  std::string unfinished = cache_.dir() + "/" + LayerCache::temp_prefix(other) + "zZ9yY8";
  fs::mkdir_p(unfinished);
  oci::FsckReport r = check(false);
  EXPECT_EQ(r.count(Kind::Leftover), 3u) << lines(r);
  EXPECT_EQ(r.count(Kind::Problem), 0u) << lines(r);
  r = check(true);
  EXPECT_EQ(r.repaired(Kind::Leftover), 3u) << lines(r);
  EXPECT_FALSE(fs::exists(unpack));
  EXPECT_FALSE(fs::exists(marker_temp));
  EXPECT_FALSE(fs::exists(unfinished));
  EXPECT_TRUE(cache_.has(oci::Digest::of("a")));
  EXPECT_TRUE(check(false).findings.empty());
}

TEST_F(LayerCacheCheckTest, ALayerBeingMadeIsLeftAlone) {
  std::string dir = adopt("a");
  ASSERT_EQ(::unlink(LayerCache::marker_path(dir).c_str()), 0);
  {
    // As ensure() or adopt() holds it between its rename and its marker.
    fs::FileLock maker(LayerCache::lock_path(dir));
    oci::FsckReport r = check(true);
    EXPECT_TRUE(r.findings.empty()) << lines(r);
    EXPECT_EQ(r.in_use, 1u);
    EXPECT_TRUE(fs::exists(dir));
  }
  oci::FsckReport r = check(true);
  EXPECT_EQ(r.repaired(Kind::Leftover), 1u) << lines(r);
}

}  // namespace
}  // namespace hoist::layers
