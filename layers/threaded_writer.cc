#include "layers/threaded_writer.h"

#include <cstring>

namespace hoist::layers {

ThreadedWriter::ThreadedWriter(Writer& next, size_t chunk, size_t depth)
    : next_(next), chunk_(chunk), depth_(depth), worker_([this] { run(); }) {
  current_.reserve(chunk_);
}

ThreadedWriter::~ThreadedWriter() {
  {
    std::lock_guard lock(mu_);
    done_ = true;
    if (!closed_) queue_.clear();  // abandoned (an error upstream): drop what was not written
  }
  cv_.notify_all();
  worker_.join();
}

void ThreadedWriter::rethrow_if_failed() {
  std::lock_guard lock(mu_);
  if (error_) std::rethrow_exception(error_);
}

void ThreadedWriter::push(std::string buf) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < depth_ || error_; });
  if (error_) std::rethrow_exception(error_);
  queue_.push_back(std::move(buf));
  cv_.notify_all();
}

void ThreadedWriter::write(const void* data, size_t size) {
  auto* p = static_cast<const char*>(data);
  while (size > 0) {
    size_t n = std::min(size, chunk_ - current_.size());
    current_.append(p, n);
    p += n;
    size -= n;
    if (current_.size() == chunk_) {
      push(std::move(current_));
      current_ = std::string();
      current_.reserve(chunk_);
    }
  }
}

void ThreadedWriter::close() {
  if (!current_.empty()) push(std::move(current_));
  current_.clear();
  {
    std::unique_lock lock(mu_);
    closed_ = true;
    cv_.wait(lock, [&] { return queue_.empty() || error_; });
  }
  rethrow_if_failed();
  next_.close();
}

void ThreadedWriter::run() {
  for (;;) {
    std::string buf;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || done_; });
      if (queue_.empty()) return;
      buf = std::move(queue_.front());
    }
    try {
      next_.write(buf.data(), buf.size());
    } catch (...) {
      std::lock_guard lock(mu_);
      error_ = std::current_exception();
      queue_.clear();
      cv_.notify_all();
      return;
    }
    std::lock_guard lock(mu_);
    queue_.pop_front();
    cv_.notify_all();
  }
}

}  // namespace hoist::layers
