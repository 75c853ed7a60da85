// check_build_state: step-cache records of layers the store no longer has,
// or that do not parse, are leftovers removed by repair while good ones stay;
// scratch and temp entries of builds are leftovers only when no writer runs,
// and a scratch tree with a mount under it is never removed.
#include "builder/build_state_check.h"

#include <gtest/gtest.h>

#include "builder/build_cache.h"
#include "common/fs.h"
#include "oci/media_types.h"

namespace hoist::builder {
namespace {

using Kind = oci::Finding::Kind;

class BuildStateCheckTest : public ::testing::Test {
 protected:
  BuildStateCheckTest() : store_(root_.path()), cache_(root_.path()), steps_(root_.path()) {}

  // Records `key` as a step that made a layer of `bytes`, stored or not.
  void record(const std::string& key, const std::string& bytes, bool stored) {
    CacheRecord r;
    r.layer = oci::describe(oci::media::kOciLayerGzip, bytes);
    r.diff_id = oci::Digest::of("diff " + bytes);
    r.created = "2024-01-01T00:00:00Z";
    if (stored) store_.put_blob(bytes);
    steps_.record(key, r);
  }

  oci::FsckReport check(bool repair, bool writers_stopped = true) {
    oci::CheckOptions o;
    o.repair = repair;
    o.writers_stopped = writers_stopped;
    oci::FsckReport r;
    check_build_state(store_, cache_, o, r);
    return r;
  }

  static std::string lines(const oci::FsckReport& r) {
    std::string s;
    for (const auto& f : r.findings) s += f.line() + "\n";
    return s;
  }

  static std::string key(const std::string& s) { return oci::Digest::of(s).str(); }
  std::string record_path(const std::string& s) { return steps_.dir() + "/" + std::string(oci::Digest::of(s).hex()); }

  fs::TempDir root_;
  oci::Store store_;
  layers::LayerCache cache_;
  BuildCache steps_;
};

TEST_F(BuildStateCheckTest, RecordsOfPrunedLayersAndDamagedRecordsAreRemoved) {
  record(key("kept"), "layer kept", true);
  record(key("pruned"), "layer pruned", false);
  fs::write_file_atomic(record_path("damaged"), "{\"layer\":");
  oci::FsckReport r = check(false);
  EXPECT_EQ(r.cache_records, 3u);
  ASSERT_EQ(r.count(Kind::Leftover), 2u) << lines(r);
  EXPECT_EQ(r.count(Kind::Problem), 0u);
  EXPECT_NE(lines(r).find("which the store no longer has"), std::string::npos) << lines(r);
  EXPECT_NE(lines(r).find("cannot be parsed"), std::string::npos) << lines(r);
  r = check(true);
  EXPECT_EQ(r.repaired(Kind::Leftover), 2u) << lines(r);
  EXPECT_TRUE(steps_.lookup(key("kept"), store_));
  EXPECT_FALSE(fs::exists(record_path("pruned")));
  EXPECT_FALSE(fs::exists(record_path("damaged")));
  r = check(false);
  EXPECT_TRUE(r.findings.empty()) << lines(r);
  EXPECT_EQ(r.cache_records, 1u);
}

TEST_F(BuildStateCheckTest, ScratchAndTempEntriesAreLeftoversOnlyWhenNoWriterRuns) {
  record(key("kept"), "layer kept", true);
  std::string scratch = root_.path() + "/build/4242-AbCdEf";
  fs::mkdir_p(scratch + "/upper/etc");
  std::string private_mount = root_.path() + "/cache/tmp/private-XyZ123";
  fs::mkdir_p(private_mount);
  std::string record_temp = record_path("next") + ".tmp-0123456789ab";
  fs::write_file_atomic(record_temp, "{}");
  fs::mkdir_p(root_.path() + "/cache/context-index");
  std::string index_temp = root_.path() + "/cache/context-index/" + std::string(oci::Digest::of("c").hex()) +
                           ".tmp-ba9876543210";
  fs::write_file_atomic(index_temp, "hoist-stat-index 1\n");

  oci::FsckReport running = check(true, /*writers_stopped=*/false);
  EXPECT_TRUE(running.findings.empty()) << lines(running);
  EXPECT_EQ(running.in_use, 4u);
  EXPECT_TRUE(fs::exists(scratch) && fs::exists(private_mount) && fs::exists(record_temp) && fs::exists(index_temp));

  oci::FsckReport r = check(false);
  EXPECT_EQ(r.count(Kind::Leftover), 4u) << lines(r);
  r = check(true);
  EXPECT_EQ(r.repaired(Kind::Leftover), 4u) << lines(r);
  EXPECT_FALSE(fs::exists(scratch) || fs::exists(private_mount) || fs::exists(record_temp) || fs::exists(index_temp));
  EXPECT_TRUE(steps_.lookup(key("kept"), store_));
  EXPECT_TRUE(check(false).findings.empty());
}

}  // namespace
}  // namespace hoist::builder
