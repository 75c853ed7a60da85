// LayerCache: each layer unpacked once by diffID in overlay-whiteout form,
// concurrent callers waiting for one unpack, leftovers of a killed unpack
// removed, and a corrupt blob or a wrong diffID refused with nothing left.
#include "layers/layer_cache.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "layers/layer_writer.h"
#include "oci/media_types.h"
#include "tests/unpack_test_support.h"

namespace hoist::layers {
namespace {

class OwnedBufferReader : public Reader {
 public:
  explicit OwnedBufferReader(std::string bytes) : bytes_(std::move(bytes)), in_(bytes_) {}
  size_t read(void* d, size_t n) override { return in_.read(d, n); }

 private:
  std::string bytes_;
  BufferReader in_;
};

class LayerCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<test::TarEntry> entries = {test::tar_dir("etc/"), test::tar_file("etc/motd", "hi\n"),
                                           test::tar_file(".wh.gone", "")};
    std::string tar = test::make_tar(entries);
    BufferReader tar_in(tar);
    StringWriter out;
    LayerResult r = write_layer_from_tar(tar_in, out, LayerOptions{});
    blob_ = out.out;
    layer_.media_type = oci::media::kOciLayerGzip;
    layer_.digest = r.digest;
    layer_.size = static_cast<int64_t>(r.size);
    diff_id_ = r.diff_id;
  }

  BlobOpener opener(std::atomic<int>* opened = nullptr) {
    return [this, opened](const oci::Descriptor& d) -> std::unique_ptr<Reader> {
      EXPECT_EQ(d.digest, layer_.digest);
      if (opened) ++*opened;
      return std::make_unique<OwnedBufferReader>(blob_);
    };
  }

  std::vector<std::string> cache_entries() {
    std::vector<std::string> out;
    DIR* d = ::opendir((root_.path() + "/layers").c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string error_of(const BlobOpener& open, const oci::Digest& diff_id) {
    try {
      LayerCache(root_.path()).ensure(layer_, diff_id, open);
    } catch (const Error& e) {
      return e.describe();
    }
    return "no error";
  }

  fs::TempDir root_;
  std::string blob_;
  oci::Descriptor layer_;
  oci::Digest diff_id_;
};

TEST_F(LayerCacheTest, UnpacksOnceInOverlayFormAndReusesIt) {
  std::atomic<int> opened = 0;
  LayerCache cache(root_.path());
  EXPECT_FALSE(cache.has(diff_id_));
  std::string dir = cache.ensure(layer_, diff_id_, opener(&opened));
  EXPECT_EQ(dir, root_.path() + "/layers/" + std::string(diff_id_.hex()));
  EXPECT_EQ(cache.path(diff_id_), dir);
  EXPECT_TRUE(cache.has(diff_id_));
  EXPECT_EQ(fs::read_file(dir + "/etc/motd"), "hi\n");
  struct stat st;
  ASSERT_EQ(::lstat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::lstat((dir + "/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) << "an OCI whiteout becomes an overlay whiteout";

  EXPECT_EQ(LayerCache(root_.path()).ensure(layer_, diff_id_, opener(&opened)), dir);
  EXPECT_EQ(opened.load(), 1);
}

TEST_F(LayerCacheTest, ConcurrentCallersWaitForOneUnpack) {
  std::atomic<int> opened = 0;
  std::vector<std::string> dirs(4);
  std::vector<std::thread> threads;
  for (auto& d : dirs)
    threads.emplace_back([&, out = &d] { *out = LayerCache(root_.path()).ensure(layer_, diff_id_, opener(&opened)); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened.load(), 1);
  for (const auto& d : dirs) EXPECT_EQ(d, dirs[0]);
  EXPECT_EQ(fs::read_file(dirs[0] + "/etc/motd"), "hi\n");
}

TEST_F(LayerCacheTest, LeftoversOfAKilledUnpackAreRemoved) {
  std::string hex(diff_id_.hex());
  std::string layers = root_.path() + "/layers";
  fs::mkdir_p(layers + "/.tmp-" + hex + "-dead01/etc");
  test::write_file(layers + "/.tmp-" + hex + "-dead01/etc/half", "half");
  // Renamed into place but killed before the completeness marker.
  fs::mkdir_p(layers + "/" + hex);
  test::write_file(layers + "/" + hex + "/stale", "stale");

  LayerCache cache(root_.path());
  EXPECT_FALSE(cache.has(diff_id_)) << "a directory without its marker is not a layer";
  std::string dir = cache.ensure(layer_, diff_id_, opener());
  EXPECT_FALSE(fs::exists(dir + "/stale"));
  EXPECT_EQ(fs::read_file(dir + "/etc/motd"), "hi\n");
  EXPECT_EQ(cache_entries(), (std::vector<std::string>{hex, hex + ".complete", hex + ".lock"}));
}

TEST_F(LayerCacheTest, CorruptBlobIsRefusedNamingTheDigestAndLeavesNoDirectory) {
  std::string corrupt = blob_;
  corrupt[corrupt.size() / 2] ^= 0x55;
  auto open = [&](const oci::Descriptor&) -> std::unique_ptr<Reader> {
    return std::make_unique<OwnedBufferReader>(corrupt);
  };
  std::string err = error_of(open, diff_id_);
  EXPECT_NE(err.find(layer_.digest.str()), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  std::string hex(diff_id_.hex());
  EXPECT_EQ(cache_entries(), (std::vector<std::string>{hex + ".lock"}));
  EXPECT_FALSE(LayerCache(root_.path()).has(diff_id_));
}

TEST_F(LayerCacheTest, WrongDiffIdIsRefusedAndLeavesNoDirectory) {
  oci::Digest wrong = oci::Digest::of("not this layer");
  std::string err = error_of(opener(), wrong);
  EXPECT_NE(err.find("has diffID " + diff_id_.str() + ", expected " + wrong.str()), std::string::npos) << err;
  EXPECT_EQ(cache_entries(), (std::vector<std::string>{std::string(wrong.hex()) + ".lock"}));
}

}  // namespace
}  // namespace hoist::layers

namespace hoist::layers {
namespace {

TEST_F(LayerCacheTest, AdoptRenamesAFinishedTreeInOnce) {
  LayerCache cache(root_.path());
  std::string made = root_.path() + "/step/upper";
  fs::mkdir_p(made + "/etc");
  fs::write_file_atomic(made + "/etc/motd", "hi\n");
  EXPECT_EQ(cache.adopt(diff_id_, made), cache.path(diff_id_));
  EXPECT_TRUE(cache.has(diff_id_));
  EXPECT_FALSE(fs::exists(made));
  EXPECT_EQ(fs::read_file(cache.path(diff_id_) + "/etc/motd"), "hi\n");

  // The same layer made again: the cached directory stays, the new tree goes.
  std::string again = root_.path() + "/step/again";
  fs::mkdir_p(again + "/other");
  EXPECT_EQ(cache.adopt(diff_id_, again), cache.path(diff_id_));
  EXPECT_FALSE(fs::exists(again));
  EXPECT_FALSE(fs::exists(cache.path(diff_id_) + "/other"));
  std::atomic<int> opened = 0;
  cache.ensure(layer_, diff_id_, opener(&opened));
  EXPECT_EQ(opened.load(), 0) << "an adopted layer is not unpacked again";
}

}  // namespace
}  // namespace hoist::layers
