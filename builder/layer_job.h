#pragma once
// A layer blob compressed and stored in the background while the build goes
// on: compression of layer N overlaps step N+1. The layer's diffID is known
// before the job starts (the next step's cache key needs it); its compressed
// digest and size only when the job ends, which the manifest and the step's
// cache record wait for.
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "oci/descriptor.h"

namespace hoist::builder {

class LayerJob {
 public:
  // Runs `work` on a thread of its own, at most two jobs compressing at once
  // per process (the machine's other core runs the build).
  explicit LayerJob(std::function<oci::Descriptor()> work);
  // Waits for the work: a failed or interrupted build still leaves every
  // layer it made complete, with its cache record.
  ~LayerJob();
  LayerJob(const LayerJob&) = delete;
  LayerJob& operator=(const LayerJob&) = delete;

  // Waits; returns the descriptor, or rethrows what the work (or a callback
  // run on the job's thread) threw.
  oci::Descriptor get();
  // Runs `then` with the descriptor once the work succeeded: at once when it
  // already has, on the job's thread otherwise; never when it failed.
  void on_success(std::function<void(const oci::Descriptor&)> then);

 private:
  void run(const std::function<oci::Descriptor()>& work);

  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::optional<oci::Descriptor> result_;
  std::exception_ptr error_;
  std::vector<std::function<void(const oci::Descriptor&)>> then_;
  std::thread thread_;
};

}  // namespace hoist::builder
