#include "publish/unpacking_sink.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/fs.h"
#include "layers/layer_writer.h"
#include "oci/media_types.h"
#include "oci/store.h"
#include "publish/store_image.h"
#include "tests/unpack_test_support.h"

using namespace hoist;

namespace {

// Hands out fixed bytes as any blob: a registry that may send the wrong ones.
class BytesSource : public publish::ImageSource {
 public:
  explicit BytesSource(std::string bytes) : bytes_(std::move(bytes)) {}
  oci::Descriptor root() override { return {}; }
  std::string read_manifest(const oci::Descriptor&) override { throw Error("no manifests here"); }
  void read_blob(const oci::Descriptor&, layers::Writer& out) override {
    // In pieces, as a download arrives.
    for (size_t at = 0; at < bytes_.size(); at += 1000) out.write(bytes_.data() + at, std::min<size_t>(1000, bytes_.size() - at));
  }

 private:
  std::string bytes_;
};

struct Layer {
  std::string blob;
  oci::Descriptor d;
  oci::Digest diff_id;
};

Layer make_layer(const std::string& motd) {
  std::string tar = test::make_tar({test::tar_dir("etc/"), test::tar_file("etc/motd", motd)});
  layers::BufferReader in(tar);
  layers::StringWriter out;
  auto r = layers::write_layer_from_tar(in, out, layers::LayerOptions{});
  Layer l{out.out, oci::describe(oci::media::kOciLayerGzip, out.out), r.diff_id};
  return l;
}

}  // namespace

TEST(UnpackingSink, ALayerIsInTheCacheWhenItsBlobIsStored) {
  fs::TempDir t;
  oci::Store store(t.path());
  layers::LayerCache cache(t.path());
  Layer l = make_layer(std::string(300'000, 'm'));  // many pieces, several pipe chunks
  publish::StoreSink inner(store);
  publish::UnpackingSink sink(inner, cache, {{l.d.digest, l.diff_id}});
  BytesSource src(l.blob);
  sink.copy_blob(l.d, src);
  EXPECT_TRUE(store.has_blob(l.d.digest));
  ASSERT_TRUE(cache.has(l.diff_id));
  EXPECT_EQ(fs::read_file(cache.path(l.diff_id) + "/etc/motd"), std::string(300'000, 'm'));
}

TEST(UnpackingSink, WrongBytesLeaveNeitherBlobNorLayer) {
  fs::TempDir t;
  oci::Store store(t.path());
  layers::LayerCache cache(t.path());
  Layer good = make_layer("good\n"), evil = make_layer("evil\n");
  publish::StoreSink inner(store);
  publish::UnpackingSink sink(inner, cache, {{good.d.digest, good.diff_id}});
  BytesSource src(evil.blob);
  oci::Descriptor d = good.d;
  d.size = static_cast<int64_t>(evil.blob.size());
  EXPECT_THROW(sink.copy_blob(d, src), Error);
  EXPECT_FALSE(store.has_blob(good.d.digest));
  EXPECT_FALSE(cache.has(good.diff_id));
  EXPECT_FALSE(fs::exists(cache.path(good.diff_id)));
}

TEST(UnpackingSink, ABlobWithoutAKnownDiffIdIsOnlyStored) {
  fs::TempDir t;
  oci::Store store(t.path());
  layers::LayerCache cache(t.path());
  Layer l = make_layer("plain\n");
  publish::StoreSink inner(store);
  publish::UnpackingSink sink(inner, cache, {});
  BytesSource src(l.blob);
  sink.copy_blob(l.d, src);
  EXPECT_TRUE(store.has_blob(l.d.digest));
  EXPECT_FALSE(cache.has(l.diff_id));
}
