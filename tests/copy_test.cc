// copy(): the order of writes, parallel blob transfers, mounts, failures.
// The source and sink here are in-memory implementations of the interfaces.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "common/error.h"
#include "oci/media_types.h"
#include "publish/image_io.h"

namespace hoist::publish {
namespace {

struct MemorySource : ImageSource {
  std::map<oci::Digest, std::string> blobs;
  oci::Descriptor root_desc;
  bool parallel = true;

  oci::Descriptor add(const std::string& media_type, const std::string& bytes) {
    oci::Descriptor d = oci::describe(media_type, bytes);
    blobs[d.digest] = bytes;
    return d;
  }
  oci::Descriptor image(const std::vector<std::string>& layers) {
    oci::Manifest m;
    m.media_type = std::string(oci::media::kOciManifest);
    m.config = add(std::string(oci::media::kOciConfig), "{\"n\":" + std::to_string(blobs.size()) + "}");
    for (auto& l : layers) m.layers.push_back(add(std::string(oci::media::kOciLayerGzip), l));
    return add(m.media_type, m.serialize());
  }
  oci::Descriptor root() override { return root_desc; }
  std::string read_manifest(const oci::Descriptor& d) override { return blobs.at(d.digest); }
  void read_blob(const oci::Descriptor& d, layers::Writer& out) override {
    auto& b = blobs.at(d.digest);
    out.write(b.data(), b.size());
  }
  bool concurrent() const override { return parallel; }
};

struct MemorySink : ImageSink {
  std::mutex mu;
  std::condition_variable cv;
  std::map<oci::Digest, std::string> blobs;
  std::vector<oci::Digest> manifests;
  bool parallel = true;
  int in_flight = 0, max_in_flight = 0;
  int wait_for_in_flight = 0;  // copy_blob holds until this many run at once
  oci::Digest fail_on, mount;

  bool has_blob(const oci::Descriptor& d) override {
    std::lock_guard lock(mu);
    return blobs.count(d.digest) > 0;
  }
  struct Upload : BlobUpload {
    MemorySink& sink;
    oci::Digest digest;
    std::string bytes;
    Upload(MemorySink& s, oci::Digest d) : sink(s), digest(std::move(d)) {}
    void write(const void* p, size_t n) override { bytes.append(static_cast<const char*>(p), n); }
    void commit() override {
      if (oci::Digest::of(bytes) != digest) throw Error("digest mismatch");
      std::lock_guard lock(sink.mu);
      sink.blobs[digest] = bytes;
    }
  };
  std::unique_ptr<BlobUpload> write_blob(const oci::Descriptor& d) override {
    return std::make_unique<Upload>(*this, d.digest);
  }
  void copy_blob(const oci::Descriptor& d, ImageSource& source) override {
    {
      std::unique_lock lock(mu);
      max_in_flight = std::max(max_in_flight, ++in_flight);
      cv.notify_all();
      // Bounded so a sequential copy fails the test instead of hanging it.
      cv.wait_for(lock, std::chrono::seconds(20), [&] { return in_flight >= wait_for_in_flight; });
    }
    struct Done {
      MemorySink& s;
      ~Done() {
        std::lock_guard lock(s.mu);
        --s.in_flight;
      }
    } done{*this};
    if (d.digest == fail_on) throw Error("connection reset");
    if (d.digest == mount) {
      std::lock_guard lock(mu);
      blobs[d.digest] = "mounted";
      return;
    }
    ImageSink::copy_blob(d, source);
  }
  void write_manifest(const oci::Descriptor& d, const std::string&) override { manifests.push_back(d.digest); }
  void finish(const oci::Descriptor&, const std::vector<std::string>&) override {}
  bool concurrent() const override { return parallel; }
};

TEST(Copy, TransfersBlobsInParallelWhenBothEndsAllowIt) {
  MemorySource src;
  src.root_desc = src.image({"a", "b", "c"});
  MemorySink sink;
  sink.wait_for_in_flight = 3;
  auto stats = copy(src, sink, {}, {.jobs = 3});
  EXPECT_EQ(sink.max_in_flight, 3);
  EXPECT_EQ(stats.blobs_copied, 4u);
  EXPECT_EQ(sink.manifests, std::vector<oci::Digest>{src.root_desc.digest});
}

TEST(Copy, OneAtATimeWhenAnEndIsNotConcurrent) {
  MemorySource src;
  src.root_desc = src.image({"a", "b", "c"});
  MemorySink sink;
  sink.parallel = false;
  copy(src, sink, {}, {.jobs = 4});
  EXPECT_EQ(sink.max_in_flight, 1);
  EXPECT_EQ(sink.blobs.size(), 4u);
}

TEST(Copy, AFailedBlobStopsTheCopyBeforeAnyManifest) {
  MemorySource src;
  src.root_desc = src.image({"a", "b", "c", "d", "e"});
  auto m = oci::Manifest::parse(src.blobs.at(src.root_desc.digest));
  MemorySink sink;
  sink.fail_on = m.layers[1].digest;
  try {
    copy(src, sink, {}, {.jobs = 2});
    FAIL() << "copy succeeded";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("copying blob " + m.layers[1].digest.str()), std::string::npos) << e.describe();
    EXPECT_NE(e.describe().find("connection reset"), std::string::npos) << e.describe();
  }
  EXPECT_TRUE(sink.manifests.empty());
}

TEST(Copy, CountsBlobsTheSinkGotWithoutReadingAsMounted) {
  MemorySource src;
  src.root_desc = src.image({"a", "b"});
  auto m = oci::Manifest::parse(src.blobs.at(src.root_desc.digest));
  MemorySink sink;
  sink.mount = m.layers[0].digest;
  sink.blobs[m.config.digest] = "already";
  auto stats = copy(src, sink, {});
  EXPECT_EQ(stats.blobs_mounted, 1u);
  EXPECT_EQ(stats.blobs_skipped, 1u);
  EXPECT_EQ(stats.blobs_copied, 1u);
  EXPECT_EQ(stats.bytes, 1u);
}

TEST(Copy, AnIndexCopiesSharedBlobsOnceAndChildrenBeforeTheIndex) {
  MemorySource src;
  auto a = src.image({"shared", "amd64"});
  auto b = src.image({"shared", "arm64"});
  a.platform = oci::Platform{"linux", "amd64", "", "", {}};
  b.platform = oci::Platform{"linux", "arm64", "v8", "", {}};
  oci::Index inner;
  inner.media_type = std::string(oci::media::kOciIndex);
  inner.manifests = {b};
  auto inner_d = src.add(inner.media_type, inner.serialize());
  oci::Index outer;
  outer.media_type = std::string(oci::media::kOciIndex);
  outer.manifests = {a, inner_d};
  src.root_desc = src.add(outer.media_type, outer.serialize());
  MemorySink sink;
  auto stats = copy(src, sink, {});
  // Two configs, one shared layer, two own layers.
  EXPECT_EQ(stats.blobs_copied, 5u);
  EXPECT_EQ(sink.manifests, (std::vector<oci::Digest>{a.digest, b.digest, inner_d.digest, src.root_desc.digest}));
}

}  // namespace
}  // namespace hoist::publish
