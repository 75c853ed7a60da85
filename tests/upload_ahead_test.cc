#include "publish/upload_ahead.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/error.h"
#include "common/fs.h"
#include "oci/media_types.h"
#include "oci/store.h"
#include "publish/store_image.h"

using namespace hoist;

namespace {

oci::Descriptor put(oci::Store& store, const std::string& bytes) {
  store.put_blob(bytes);
  return oci::describe(oci::media::kOciLayerGzip, bytes);
}

// The uploads run on their own thread: waits (bounded) for `d` to be sent.
bool eventually_sent(const publish::UploadAhead& ahead, const oci::Digest& d) {
  for (int i = 0; i < 1000 && !ahead.sent(d); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return ahead.sent(d);
}

}  // namespace

TEST(UploadAhead, SendsEachBlobOnceAndRemembersIt) {
  fs::TempDir t;
  oci::Store from(t.path() + "/from"), to(t.path() + "/to");
  publish::StoreSource source(from, oci::Descriptor{});
  publish::StoreSink sink(to);
  std::vector<oci::Descriptor> blobs = {put(from, "layer one"), put(from, "layer two"), put(from, "layer three")};
  publish::UploadAhead ahead(source, [&]() -> publish::ImageSink& { return sink; });
  for (const auto& d : blobs) ahead.add(d);
  ahead.add(blobs[0]);  // a layer two stages share is announced twice
  for (const auto& d : blobs) {
    EXPECT_TRUE(eventually_sent(ahead, d.digest)) << d.digest.str();
    EXPECT_TRUE(to.has_blob(d.digest)) << d.digest.str();
  }
  EXPECT_FALSE(ahead.sent(oci::Digest::of("never added")));
  ahead.stop();
  ahead.add(put(from, "after the stop"));  // ignored
  EXPECT_FALSE(to.has_blob(oci::Digest::of("after the stop")));
}

TEST(UploadAhead, FoundInTheSinkCountsAsSent) {
  fs::TempDir t;
  oci::Store from(t.path() + "/from"), to(t.path() + "/to");
  publish::StoreSource source(from, oci::Descriptor{});
  publish::StoreSink sink(to);
  oci::Descriptor d = put(from, "base layer");
  to.put_blob("base layer");
  publish::UploadAhead ahead(source, [&]() -> publish::ImageSink& { return sink; });
  ahead.add(d);
  EXPECT_TRUE(eventually_sent(ahead, d.digest));
}

TEST(UploadAhead, ASinkThatCannotBeOpenedSendsNothing) {
  fs::TempDir t;
  oci::Store from(t.path() + "/from");
  publish::StoreSource source(from, oci::Descriptor{});
  int opened = 0;
  publish::UploadAhead ahead(source, [&]() -> publish::ImageSink& {
    ++opened;
    throw Error("registry 127.0.0.1:1 unreachable");
  });
  oci::Descriptor d = put(from, "a layer");
  ahead.add(d);
  for (int i = 0; i < 1000 && !ahead.failed(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(ahead.failed());
  ahead.add(put(from, "another layer"));
  ahead.stop();
  EXPECT_FALSE(ahead.sent(d.digest));
  EXPECT_EQ(opened, 1);
}

TEST(UploadAhead, TheFirstFailureEndsTheUploads) {
  fs::TempDir t;
  oci::Store from(t.path() + "/from"), to(t.path() + "/to");
  publish::StoreSource source(from, oci::Descriptor{});
  publish::StoreSink sink(to);
  oci::Descriptor missing = oci::describe(oci::media::kOciLayerGzip, "not in the source store");
  oci::Descriptor good = put(from, "a good layer");
  publish::UploadAhead ahead(source, [&]() -> publish::ImageSink& { return sink; });
  ahead.add(missing);
  for (int i = 0; i < 1000 && !ahead.failed(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(ahead.failed());
  ahead.add(good);
  ahead.stop();
  EXPECT_FALSE(ahead.sent(missing.digest));
  EXPECT_FALSE(ahead.sent(good.digest));
  EXPECT_FALSE(to.has_blob(good.digest));
}
