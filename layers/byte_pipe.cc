#include "layers/byte_pipe.h"

#include <cstring>

#include "common/error.h"

namespace hoist::layers {

void BytePipe::push(std::string buf) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return gone_ || queue_.size() < depth_; });
  if (gone_) {
    if (after_ == AfterHangUp::Drop) return;
    throw Error("the reader of this stream stopped");
  }
  queue_.push_back(std::move(buf));
  cv_.notify_all();
}

void BytePipe::write(const void* data, size_t size) {
  pending_.append(static_cast<const char*>(data), size);
  if (pending_.size() >= chunk_) {
    push(std::move(pending_));
    pending_ = std::string();
  }
}

void BytePipe::close() {
  if (!pending_.empty()) push(std::move(pending_));
  pending_ = std::string();
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

void BytePipe::fail(std::exception_ptr why) {
  std::lock_guard lock(mu_);
  error_ = std::move(why);
  closed_ = true;
  cv_.notify_all();
}

size_t BytePipe::read(void* data, size_t size) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || closed_; });
  if (queue_.empty()) {
    if (error_) std::rethrow_exception(error_);
    return 0;
  }
  std::string& front = queue_.front();
  size_t n = std::min(size, front.size() - offset_);
  std::memcpy(data, front.data() + offset_, n);
  offset_ += n;
  if (offset_ == front.size()) {
    queue_.pop_front();
    offset_ = 0;
    cv_.notify_all();
  }
  return n;
}

void BytePipe::hang_up() {
  std::lock_guard lock(mu_);
  gone_ = true;
  queue_.clear();
  offset_ = 0;
  cv_.notify_all();
}

}  // namespace hoist::layers
