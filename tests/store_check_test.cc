// check_store / check_store_temps on a real store in a temp root: each kind
// of damage is found without --repair changing anything, repaired with it,
// and a second check is clean; leftovers of a live writer are left alone.
#include "oci/store_check.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "common/error.h"
#include "common/fs.h"
#include "oci/media_types.h"

namespace hoist::oci {
namespace {

using Kind = Finding::Kind;

class StoreCheckTest : public ::testing::Test {
 protected:
  StoreCheckTest() : store_(root_.path()) {}

  // An image of one config and `layers` layers; its manifest descriptor.
  Descriptor put_image(const std::string& name, int layers = 1) {
    Manifest m;
    m.media_type = std::string(media::kOciManifest);
    std::string config =
        R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"n":")" + name + "\"}";
    m.config = describe(media::kOciConfig, config);
    store_.put_blob(config);
    for (int i = 0; i < layers; ++i) {
      std::string bytes = "layer " + std::to_string(i) + " of " + name;
      m.layers.push_back(describe(media::kOciLayer, bytes));
      store_.put_blob(bytes);
    }
    return put_document(m.media_type, m.serialize());
  }

  Descriptor put_document(const std::string& media_type, const std::string& bytes) {
    store_.put_blob(bytes);
    return describe(media_type, bytes);
  }

  Manifest manifest_of(const Descriptor& d) { return Manifest::parse(store_.read_blob(d.digest)); }

  FsckReport check(bool repair, bool writers_stopped = true) {
    CheckOptions o;
    o.repair = repair;
    o.writers_stopped = writers_stopped;
    FsckReport r;
    check_store(store_, o, r);
    check_store_temps(store_, o, r);
    return r;
  }

  static std::string lines(const FsckReport& r) {
    std::string s;
    for (const auto& f : r.findings) s += f.line() + "\n";
    return s;
  }

  // Checks, repairs and checks again: the damage is found alone, reported
  // unchanged without repair, repaired, and gone.
  void expect_repaired(size_t problems, size_t leftovers) {
    FsckReport before = check(false);
    EXPECT_EQ(before.count(Kind::Problem), problems) << lines(before);
    EXPECT_EQ(before.count(Kind::Leftover), leftovers) << lines(before);
    EXPECT_EQ(before.sound(), problems == 0);
    EXPECT_EQ(lines(check(false)), lines(before)) << "a check without --repair changed something";
    FsckReport repair = check(true);
    EXPECT_EQ(repair.findings.size(), problems + leftovers) << lines(repair);
    for (const auto& f : repair.findings) EXPECT_TRUE(f.repaired) << f.line();
    EXPECT_TRUE(repair.sound());
    FsckReport after = check(false);
    EXPECT_TRUE(after.findings.empty()) << lines(after);
  }

  void flip_a_byte(const Digest& d) {
    std::string path = store_.blob_path(d);
    std::string bytes = fs::read_file(path);
    bytes[bytes.size() / 2] ^= 1;
    ::unlink(path.c_str());
    fs::write_file_atomic(path, bytes);
  }

  fs::TempDir root_;
  Store store_;
};

TEST_F(StoreCheckTest, ASoundStoreHasNoFindings) {
  store_.tag("docker.io/library/a:1", put_image("a", 2));
  store_.tag("docker.io/library/b:1", put_image("b"));
  FsckReport r = check(true);
  EXPECT_TRUE(r.findings.empty()) << lines(r);
  EXPECT_EQ(r.blobs, 7u);
  EXPECT_EQ(r.tags, 2u);
  EXPECT_TRUE(r.sound());
}

TEST_F(StoreCheckTest, CorruptLayerIsRemovedAndOnlyItsTagDropped) {
  Descriptor bad = put_image("bad");
  store_.tag("docker.io/library/bad:1", bad);
  store_.tag("docker.io/library/good:1", put_image("good"));
  Digest layer = manifest_of(bad).layers[0].digest;
  flip_a_byte(layer);

  FsckReport r = check(false);
  ASSERT_EQ(r.count(Kind::Problem), 2u) << lines(r);
  EXPECT_EQ(r.findings[0].subject, "blob " + layer.str());
  EXPECT_NE(r.findings[0].what.find("corrupt"), std::string::npos) << r.findings[0].what;
  EXPECT_EQ(r.findings[1].subject, "tag docker.io/library/bad:1");
  EXPECT_NE(r.findings[1].what.find("layer " + layer.str() + " is corrupt"), std::string::npos) << r.findings[1].what;
  EXPECT_NE(r.findings[1].line().find("hoist fsck --repair"), std::string::npos) << r.findings[1].line();

  expect_repaired(2, 0);
  EXPECT_FALSE(store_.has_blob(layer));
  EXPECT_FALSE(store_.resolve("docker.io/library/bad:1"));
  EXPECT_TRUE(store_.resolve("docker.io/library/good:1"));
}

TEST_F(StoreCheckTest, MissingConfigIsFoundAndTheTagDropped) {
  Descriptor img = put_image("img");
  store_.tag("docker.io/library/img:1", img);
  Digest config = manifest_of(img).config.digest;
  ASSERT_EQ(::unlink(store_.blob_path(config).c_str()), 0);
  FsckReport r = check(false);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_EQ(r.findings[0].what, "image " + img.digest.str() + " is incomplete: config " + config.str() + " is missing");
  expect_repaired(1, 0);
  EXPECT_TRUE(store_.list().empty());
}

TEST_F(StoreCheckTest, MissingManifestOfATag) {
  Descriptor img = put_image("img");
  store_.tag("docker.io/library/img:1", img);
  ASSERT_EQ(::unlink(store_.blob_path(img.digest).c_str()), 0);
  FsckReport r = check(false);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_NE(r.findings[0].what.find("manifest " + img.digest.str() + " is missing"), std::string::npos);
  expect_repaired(1, 0);
}

TEST_F(StoreCheckTest, NestedIndexMissingAManifestCountsAllProblems) {
  Descriptor a = put_image("a", 2);
  Descriptor b = put_image("b");
  Index inner;
  inner.media_type = std::string(media::kOciIndex);
  inner.manifests = {b};
  Descriptor inner_d = put_document(inner.media_type, inner.serialize());
  Index outer;
  outer.media_type = std::string(media::kOciIndex);
  outer.manifests = {a, inner_d};
  store_.tag("docker.io/library/multi:1", put_document(outer.media_type, outer.serialize()));
  ASSERT_EQ(::unlink(store_.blob_path(b.digest).c_str()), 0);
  for (const auto& l : manifest_of(a).layers) ASSERT_EQ(::unlink(store_.blob_path(l.digest).c_str()), 0);
  FsckReport r = check(false);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_NE(r.findings[0].what.find("(and 2 more)"), std::string::npos) << r.findings[0].what;
  expect_repaired(1, 0);
}

TEST_F(StoreCheckTest, SizeThatDisagreesWithTheDescriptor) {
  std::string layer = "the layer";
  store_.put_blob(layer);
  std::string config = "{}";
  store_.put_blob(config);
  Manifest m;
  m.media_type = std::string(media::kOciManifest);
  m.config = describe(media::kOciConfig, config);
  m.layers = {describe(media::kOciLayer, layer)};
  m.layers[0].size = 3;
  store_.tag("docker.io/library/sized:1", put_document(m.media_type, m.serialize()));
  FsckReport r = check(false);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_NE(r.findings[0].what.find("has 9 bytes, its descriptor says 3"), std::string::npos) << r.findings[0].what;
  expect_repaired(1, 0);
}

TEST_F(StoreCheckTest, UnparsableManifest) {
  Descriptor junk = put_document(std::string(media::kOciManifest), "not json");
  store_.tag("docker.io/library/junk:1", junk);
  FsckReport r = check(false);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_NE(r.findings[0].what.find("cannot be parsed"), std::string::npos) << r.findings[0].what;
  expect_repaired(1, 0);
}

TEST_F(StoreCheckTest, StrayEntryInTheBlobDirectory) {
  fs::write_file_atomic(store_.layout_dir() + "/blobs/sha256/notablob", "x");
  fs::mkdir_p(store_.layout_dir() + "/blobs/sha256/" + std::string(Digest::of("d").hex()));
  expect_repaired(2, 0);
}

TEST_F(StoreCheckTest, UnreadableIndexIsReportedNeverRewritten) {
  store_.tag("docker.io/library/a:1", put_image("a"));
  std::string index = store_.layout_dir() + "/index.json";
  fs::write_file_atomic(index, "{ truncated");
  FsckReport r = check(true);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_EQ(r.findings[0].subject, index);
  EXPECT_EQ(r.findings[0].fix, Finding::Fix::None);
  EXPECT_FALSE(r.findings[0].repaired);
  EXPECT_FALSE(r.sound());
  EXPECT_NE(r.findings[0].line().find("fsck cannot repair it"), std::string::npos) << r.findings[0].line();
  EXPECT_EQ(fs::read_file(index), "{ truncated");
}

TEST_F(StoreCheckTest, IndexTempFileOfAKilledTagIsALeftover) {
  store_.tag("docker.io/library/a:1", put_image("a"));
  std::string temp = store_.layout_dir() + "/index.json.tmp-0123456789ab";
  fs::write_file_atomic(temp, "{\"half");
  expect_repaired(0, 1);
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_TRUE(store_.resolve("docker.io/library/a:1"));
}

TEST_F(StoreCheckTest, TempEntriesAreLeftAloneWhileWritersRun) {
  std::string blob = root_.path() + "/tmp/blob-AbC123";
  std::string dir = root_.path() + "/tmp/context-XyZ789";
  fs::write_file_atomic(blob, "half a blob");
  fs::mkdir_p(dir + "/sub");
  FsckReport running = check(true, /*writers_stopped=*/false);
  EXPECT_TRUE(running.findings.empty()) << lines(running);
  EXPECT_EQ(running.in_use, 2u);
  EXPECT_TRUE(fs::exists(blob));
  EXPECT_TRUE(fs::exists(dir + "/sub"));
  expect_repaired(0, 2);
  EXPECT_FALSE(fs::exists(blob));
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(StoreCheckTest, SourceRecordTempFilesAreLeftoversOnceADayOld) {
  std::string sources = root_.path() + "/sources";
  fs::mkdir_p(sources);
  std::string young = sources + "/" + std::string(Digest::of("a").hex()) + ".tmp-0123456789ab";
  std::string old = sources + "/" + std::string(Digest::of("b").hex()) + ".tmp-ba9876543210";
  fs::write_file_atomic(young, "x\n");
  fs::write_file_atomic(old, "x\n");
  struct timespec times[2] = {{::time(nullptr) - 2 * 24 * 3600, 0}, {::time(nullptr) - 2 * 24 * 3600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, old.c_str(), times, 0), 0);
  FsckReport r = check(true);
  ASSERT_EQ(r.findings.size(), 1u) << lines(r);
  EXPECT_EQ(r.findings[0].subject, old);
  EXPECT_EQ(r.in_use, 1u);
  EXPECT_FALSE(fs::exists(old));
  EXPECT_TRUE(fs::exists(young));
}

}  // namespace
}  // namespace hoist::oci
