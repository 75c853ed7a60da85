#include "layers/producer_reader.h"

#include <cstring>

#include "common/error.h"

namespace hoist::layers {

// The producer's side: collects writes into chunks for the queue.
class ProducerReader::Feed : public Writer {
 public:
  explicit Feed(ProducerReader& r) : r_(r) {}
  void write(const void* data, size_t size) override {
    buf_.append(static_cast<const char*>(data), size);
    if (buf_.size() >= r_.chunk_) flush();
  }
  void flush() {
    if (!buf_.empty()) r_.push(std::move(buf_));
    buf_.clear();
  }

 private:
  ProducerReader& r_;
  std::string buf_;
};

ProducerReader::ProducerReader(std::function<void(Writer&)> produce, size_t chunk, size_t depth)
    : chunk_(chunk), depth_(depth) {
  thread_ = std::thread([this, produce = std::move(produce)] {
    std::exception_ptr error;
    try {
      Feed feed(*this);
      produce(feed);
      feed.flush();
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mu_);
    error_ = error;
    done_ = true;
    cv_.notify_all();
  });
}

ProducerReader::~ProducerReader() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

void ProducerReader::push(std::string buf) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return cancelled_ || queue_.size() < depth_; });
  // Ends a producer whose reader went away (e.g. an upload that failed).
  if (cancelled_) throw Error("the reader of this stream stopped");
  queue_.push_back(std::move(buf));
  cv_.notify_all();
}

size_t ProducerReader::read(void* data, size_t size) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || done_; });
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

}  // namespace hoist::layers
