#include "publish/upload_ahead.h"

namespace hoist::publish {

UploadAhead::UploadAhead(ImageSource& source, std::function<ImageSink&()> open_sink)
    : source_(source), open_sink_(std::move(open_sink)), worker_([this] { run(); }) {}

UploadAhead::~UploadAhead() { stop(); }

void UploadAhead::add(const oci::Descriptor& d) {
  std::lock_guard lock(mu_);
  if (stopping_ || failed_ || !queued_.insert(d.digest).second) return;
  queue_.push_back(d);
  cv_.notify_all();
}

void UploadAhead::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

bool UploadAhead::sent(const oci::Digest& d) const {
  std::lock_guard lock(mu_);
  return sent_.count(d) > 0;
}

bool UploadAhead::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}

void UploadAhead::run() {
  for (;;) {
    oci::Descriptor d;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;
      d = queue_.front();
      queue_.pop_front();
    }
    try {
      if (!sink_) sink_ = &open_sink_();
      transfer_blob(source_, *sink_, d, nullptr);
    } catch (const std::exception&) {
      // The first failure ends the uploads: a registry that could not be
      // reached or refused one blob (credentials, network, quota) would
      // likely refuse the next, and the push after the build sends this blob
      // again and reports the failure if it is still there.
      std::lock_guard lock(mu_);
      failed_ = true;
      queue_.clear();
      return;
    }
    std::lock_guard lock(mu_);
    sent_.insert(d.digest);
  }
}

}  // namespace hoist::publish
