#include "layers/read_ahead.h"

#include <cstring>

namespace hoist::layers {

ReadAhead::ReadAhead(Reader& in, size_t chunk, size_t depth)
    : in_(in), chunk_(chunk), depth_(depth), worker_([this] { run(); }) {}

ReadAhead::~ReadAhead() { stop(); }

void ReadAhead::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void ReadAhead::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return queue_.size() < depth_ || stopping_; });
      if (stopping_) return;
    }
    std::string buf(chunk_, '\0');
    size_t got = 0;
    try {
      // Full chunks, so the consumer's small reads mostly find bytes waiting.
      while (got < chunk_) {
        size_t n = in_.read(buf.data() + got, chunk_ - got);
        if (n == 0) break;
        got += n;
      }
    } catch (...) {
      std::lock_guard lock(mu_);
      if (got > 0) queue_.push_back(buf.substr(0, got));
      error_ = std::current_exception();
      cv_.notify_all();
      return;
    }
    std::lock_guard lock(mu_);
    if (got > 0) {
      buf.resize(got);
      queue_.push_back(std::move(buf));
    }
    if (got < chunk_) eof_ = true;
    cv_.notify_all();
    if (eof_) return;
  }
}

size_t ReadAhead::read(void* data, size_t size) {
  if (size == 0) return 0;
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || eof_ || error_; });
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

void ReadAhead::finish() {
  std::unique_lock lock(mu_);
  // What the consumer left is dropped as it comes: the thread reads on until the end.
  for (;;) {
    queue_.clear();
    offset_ = 0;
    cv_.notify_all();
    if (eof_ || error_) break;
    cv_.wait(lock, [&] { return !queue_.empty() || eof_ || error_; });
  }
  lock.unlock();
  if (worker_.joinable()) worker_.join();
  if (error_) std::rethrow_exception(error_);
}

}  // namespace hoist::layers
