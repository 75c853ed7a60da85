#pragma once
// Hands the bytes written to it to a worker thread that writes them on to
// `next`, so the stages before it (walking, tar, diffID hash) and after it
// (compression, digest, file I/O) run on two cores. Memory is bounded by
// depth x chunk bytes.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "layers/stream.h"

namespace hoist::layers {

class ThreadedWriter : public Writer {
 public:
  explicit ThreadedWriter(Writer& next, size_t chunk = 1 << 20, size_t depth = 4);
  ~ThreadedWriter() override;
  ThreadedWriter(const ThreadedWriter&) = delete;
  ThreadedWriter& operator=(const ThreadedWriter&) = delete;

  void write(const void* data, size_t size) override;
  // Waits until the worker wrote everything, then closes `next`. Rethrows
  // the worker's error, if it had one.
  void close() override;

 private:
  void push(std::string buf);
  void run();
  void rethrow_if_failed();

  Writer& next_;
  size_t chunk_, depth_;
  std::string current_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool done_ = false;
  bool closed_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

}  // namespace hoist::layers
