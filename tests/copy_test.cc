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
  int wait_for_in_flight = 0;  // copy_blob holds until this many have run at once
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
      // Until this many have run at once, not while they still do: one that got
      // going may finish before the others wake, and the last blob runs alone.
      cv.wait_for(lock, std::chrono::seconds(20), [&] { return max_in_flight >= wait_for_in_flight; });
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

// A source that lies: descriptors disagreeing with the bytes, indexes nested
// without end or listing themselves, children listed over and over.

oci::Descriptor index_of(MemorySource& src, std::vector<oci::Descriptor> children) {
  oci::Index ix;
  ix.media_type = std::string(oci::media::kOciIndex);
  ix.manifests = std::move(children);
  return src.add(ix.media_type, ix.serialize());
}

TEST(Copy, IndexesNestedUpToEightDeepAreCopiedOneMoreIsRefused) {
  MemorySource src;
  oci::Descriptor d = src.image({"a"});
  for (int i = 0; i < 9; ++i) d = index_of(src, {d});  // an index nested in 8 others
  src.root_desc = d;
  MemorySink sink;
  copy(src, sink, {});
  EXPECT_EQ(sink.manifests.size(), 10u);
  src.root_desc = index_of(src, {d});
  MemorySink refused;
  std::string e;
  try {
    copy(src, refused, {});
  } catch (const Error& err) {
    e = err.describe();
  }
  EXPECT_TRUE(e.starts_with("index sha256:") && e.ends_with(" is nested in more than 8 indexes")) << e;
  EXPECT_TRUE(refused.manifests.empty());
}

TEST(Copy, AnIndexListingItselfIsRefused) {
  MemorySource src;
  // Only a source that does not check digests can serve this: the index's
  // bytes are stored under the digest the index itself lists.
  oci::Descriptor self = src.image({"a"});
  self.media_type = std::string(oci::media::kOciIndex);
  oci::Index ix;
  ix.media_type = self.media_type;
  for (int i = 0; i < 3; ++i) {  // the size it lists is its own: settles once the digit count does
    ix.manifests = {self};
    self.size = static_cast<int64_t>(ix.serialize().size());
  }
  ix.manifests = {self};
  src.blobs[self.digest] = ix.serialize();
  ASSERT_EQ(src.blobs[self.digest].size(), static_cast<size_t>(self.size));
  src.root_desc = self;
  MemorySink sink;
  try {
    copy(src, sink, {});
    FAIL() << "copy succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.describe(), "index " + self.digest.str() + " contains itself");
  }
}

TEST(Copy, AChildListedManyTimesIsReadAndWrittenOnce) {
  struct CountingSource : MemorySource {
    std::map<oci::Digest, int> reads;
    std::string read_manifest(const oci::Descriptor& d) override {
      ++reads[d.digest];
      return MemorySource::read_manifest(d);
    }
  } src;
  oci::Descriptor d = src.image({"a"});
  // Each level lists the one below 16 times: 16^6 paths, six reads.
  for (int i = 0; i < 5; ++i) d = index_of(src, std::vector<oci::Descriptor>(16, d));
  src.root_desc = d;
  MemorySink sink;
  copy(src, sink, {});
  EXPECT_EQ(sink.manifests.size(), 6u);
  for (auto& [digest, n] : src.reads) EXPECT_EQ(n, 1) << digest.str();
}

TEST(Copy, AManifestMustBeAsLongAsItsDescriptorSays) {
  MemorySource src;
  oci::Descriptor m = src.image({"a"});
  m.size += 1;
  src.root_desc = index_of(src, {m});
  MemorySink sink;
  try {
    copy(src, sink, {});
    FAIL() << "copy succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.describe(), "manifest " + m.digest.str() + " is " + std::to_string(m.size - 1) +
                                " bytes where its descriptor says " + std::to_string(m.size));
  }
}

// An image whose layer descriptor says `claimed` bytes for "layer!" (6).
oci::Descriptor image_claiming(MemorySource& src, int64_t claimed, oci::Descriptor& layer) {
  layer = src.add(std::string(oci::media::kOciLayerGzip), "layer!");
  layer.size = claimed;
  oci::Manifest m;
  m.media_type = std::string(oci::media::kOciManifest);
  m.config = src.add(std::string(oci::media::kOciConfig), "{}");
  m.layers = {layer};
  return src.add(m.media_type, m.serialize());
}

std::string copy_error(MemorySource& src, ImageSink& sink) {
  try {
    copy(src, sink, {});
  } catch (const Error& e) {
    return e.describe();
  }
  return "";
}

TEST(Copy, ABlobLongerThanItsDescriptorStopsBeforeTheExtraBytes) {
  MemorySource src;
  oci::Descriptor layer;
  src.root_desc = image_claiming(src, 4, layer);
  MemorySink sink;
  EXPECT_EQ(copy_error(src, sink), "copying blob " + layer.digest.str() + ": blob " + layer.digest.str() +
                                       " is longer than the 4 bytes its descriptor says");
  EXPECT_EQ(sink.blobs.count(layer.digest), 0u);
}

TEST(Copy, ABlobShorterThanItsDescriptorIsRefused) {
  MemorySource src;
  oci::Descriptor layer;
  src.root_desc = image_claiming(src, 9, layer);
  MemorySink sink;
  EXPECT_EQ(copy_error(src, sink), "copying blob " + layer.digest.str() + ": blob " + layer.digest.str() +
                                       " is 6 bytes where its descriptor says 9");
}

TEST(Copy, ASinkReadingTheBlobGetsItsLengthCheckedToo) {
  // As a registry upload pulls from open_blob() instead of being written to.
  struct PullingSink : MemorySink {
    void copy_blob(const oci::Descriptor& d, ImageSource& source) override {
      auto in = source.open_blob(d);
      char buf[2];
      std::string got;
      while (size_t n = in->read(buf, sizeof buf)) got.append(buf, n);
      std::lock_guard lock(mu);
      blobs[d.digest] = got;
    }
  };
  struct ReadableSource : MemorySource {
    std::unique_ptr<layers::Reader> open_blob(const oci::Descriptor& d) override {
      return std::make_unique<layers::BufferReader>(blobs.at(d.digest));
    }
  };
  for (int64_t claimed : {4, 9}) {
    ReadableSource src;
    oci::Descriptor layer;
    src.root_desc = image_claiming(src, claimed, layer);
    PullingSink sink;
    std::string e = copy_error(src, sink);
    EXPECT_TRUE(e.ends_with(claimed == 4 ? " is longer than the 4 bytes its descriptor says"
                                         : " is 6 bytes where its descriptor says 9"))
        << e;
  }
}

}  // namespace
}  // namespace hoist::publish
