#pragma once
// A Reader fed by a function that writes, run on its own thread: lets a
// consumer that pulls (an HTTP upload) read what a producer pushes (an HTTP
// download) with no temp file. Memory is bounded by depth x chunk bytes.
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "layers/stream.h"

namespace hoist::layers {

class ProducerReader : public Reader {
 public:
  explicit ProducerReader(std::function<void(Writer&)> produce, size_t chunk = 1 << 20, size_t depth = 4);
  // Stops the producer (its next write throws) and waits for it.
  ~ProducerReader() override;
  ProducerReader(const ProducerReader&) = delete;
  ProducerReader& operator=(const ProducerReader&) = delete;

  // Returns 0 once the producer returned; rethrows its error at that point instead.
  size_t read(void* data, size_t size) override;

 private:
  class Feed;
  void push(std::string buf);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  size_t offset_ = 0;  // into queue_.front()
  size_t chunk_, depth_;
  bool done_ = false, cancelled_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace hoist::layers
