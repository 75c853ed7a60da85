#include "builder/layer_job.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "common/error.h"

namespace hoist::builder {
namespace {

oci::Descriptor descriptor(int64_t size) {
  oci::Descriptor d;
  d.size = size;
  return d;
}

TEST(LayerJobTest, GetWaitsForTheWork) {
  std::promise<void> go;
  auto started = go.get_future().share();
  LayerJob job([started] {
    started.wait();
    return descriptor(7);
  });
  go.set_value();
  EXPECT_EQ(job.get().size, 7);
  EXPECT_EQ(job.get().size, 7);  // again: the result stays
}

TEST(LayerJobTest, GetRethrowsTheWorksError) {
  LayerJob job([]() -> oci::Descriptor { throw Error("disk full"); });
  EXPECT_THROW(
      {
        try {
          job.get();
        } catch (const Error& e) {
          EXPECT_STREQ(e.what(), "disk full");
          throw;
        }
      },
      Error);
}

TEST(LayerJobTest, CallbacksRunOnceWhetherAddedBeforeOrAfterTheEnd) {
  std::promise<void> go;
  auto started = go.get_future().share();
  std::atomic<int> before{0}, after{0};
  LayerJob job([started] {
    started.wait();
    return descriptor(3);
  });
  job.on_success([&](const oci::Descriptor& d) { before += static_cast<int>(d.size); });
  go.set_value();
  job.get();
  job.on_success([&](const oci::Descriptor& d) { after += static_cast<int>(d.size); });
  EXPECT_EQ(before, 3);
  EXPECT_EQ(after, 3);  // run at once, on this thread
}

TEST(LayerJobTest, NoCallbackWhenTheWorkFails) {
  std::atomic<bool> called{false};
  {
    LayerJob job([]() -> oci::Descriptor { throw Error("bad layer"); });
    job.on_success([&](const oci::Descriptor&) { called = true; });
    EXPECT_THROW(job.get(), Error);
    job.on_success([&](const oci::Descriptor&) { called = true; });
  }
  EXPECT_FALSE(called);
}

TEST(LayerJobTest, ACallbacksErrorReachesGet) {
  std::promise<void> go;
  auto started = go.get_future().share();
  LayerJob job([started] {
    started.wait();
    return descriptor(1);
  });
  job.on_success([](const oci::Descriptor&) { throw Error("cannot write the cache record"); });
  go.set_value();
  EXPECT_THROW(job.get(), Error);
}

TEST(LayerJobTest, TheDestructorWaitsForTheWork) {
  std::atomic<bool> finished{false};
  {
    std::promise<void> go;
    auto started = go.get_future().share();
    LayerJob job([started, &finished] {
      started.wait();
      finished = true;
      return descriptor(0);
    });
    go.set_value();
  }
  EXPECT_TRUE(finished);
}

TEST(LayerJobTest, ManyJobsAllFinishThoughOnlyTwoRunAtOnce) {
  std::atomic<int> running{0}, most{0};
  std::vector<std::unique_ptr<LayerJob>> jobs;
  for (int i = 0; i < 8; ++i) {
    jobs.push_back(std::make_unique<LayerJob>([&, i] {
      int now = ++running;
      for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {
      }
      std::this_thread::yield();
      --running;
      return descriptor(i);
    }));
  }
  for (int i = 0; i < 8; ++i) EXPECT_EQ(jobs[static_cast<size_t>(i)]->get().size, i);
  EXPECT_LE(most, 2);
}

}  // namespace
}  // namespace hoist::builder
