#include "builder/layer_job.h"

#include <semaphore>

namespace hoist::builder {

namespace {
// Each compressor holds its buffers; two bound memory and leave the stage
// threads a core on a 2-core runner.
std::counting_semaphore<2> compress_slots(2);
}  // namespace

LayerJob::LayerJob(std::function<oci::Descriptor()> work) : thread_([this, w = std::move(work)] { run(w); }) {}

LayerJob::~LayerJob() {
  if (thread_.joinable()) thread_.join();
}

void LayerJob::run(const std::function<oci::Descriptor()>& work) {
  std::optional<oci::Descriptor> result;
  std::exception_ptr error;
  compress_slots.acquire();
  try {
    result = work();
  } catch (...) {
    error = std::current_exception();  // rethrown by get()
  }
  compress_slots.release();
  // Callbacks run outside the lock; one added while they run is taken on
  // the next round, and done_ is set in the same locked moment as the last
  // round finds none left, so on_success never misses the end.
  for (;;) {
    std::vector<std::function<void(const oci::Descriptor&)>> then;
    {
      std::lock_guard lock(mu_);
      if (then_.empty() || !result) {
        then_.clear();
        result_ = std::move(result);
        error_ = error;
        done_ = true;
        done_cv_.notify_all();
        return;
      }
      then.swap(then_);
    }
    for (auto& f : then) {
      try {
        f(*result);
      } catch (...) {
        if (!error) error = std::current_exception();  // rethrown by get()
      }
    }
  }
}

oci::Descriptor LayerJob::get() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [this] { return done_; });
  if (error_) std::rethrow_exception(error_);
  return *result_;
}

void LayerJob::on_success(std::function<void(const oci::Descriptor&)> then) {
  std::unique_lock lock(mu_);
  if (!done_) {
    then_.push_back(std::move(then));
    return;
  }
  std::optional<oci::Descriptor> result = result_;
  lock.unlock();
  if (result) then(*result);
}

}  // namespace hoist::builder
