#pragma once
// A Reader whose input is read on a thread of its own, a few chunks ahead of
// the consumer: unpacking a layer then reads the blob, hashes it, inflates it
// and hashes the tar on one core while the other creates the files, instead of
// one core doing both in turn.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "layers/stream.h"

namespace hoist::layers {

class ReadAhead : public Reader {
 public:
  // `in` must outlive this object and is read only by its thread until
  // finish() or the destructor returns.
  explicit ReadAhead(Reader& in, size_t chunk = 1 << 20, size_t depth = 4);
  // Stops the thread between two chunks and waits for it: `in` is then left
  // part-way, for the caller to drain or drop.
  ~ReadAhead() override;
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // What the thread read, in order; an error it met is rethrown where the
  // bytes after it would have been.
  size_t read(void* data, size_t size) override;
  // Waits until the thread has read `in` to its end (the consumer may stop
  // before: tar padding, trailing zero blocks) and rethrows its error.
  void finish();

 private:
  void run();
  void stop();

  Reader& in_;
  size_t chunk_, depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  size_t offset_ = 0;  // into queue_.front()
  bool eof_ = false, stopping_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

}  // namespace hoist::layers
