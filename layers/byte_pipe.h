#pragma once
// Bytes handed from a writing thread to a reading thread through a bounded
// queue: a download written into the store can be unpacked by another thread
// as it arrives. The writer blocks while the reader is `depth` chunks behind;
// once the reader is gone, writes are dropped rather than block forever.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "common/error.h"
#include "layers/stream.h"

namespace hoist::layers {

class BytePipe : public Writer, public Reader {
 public:
  // Writes are gathered into chunks of `chunk` bytes: one hand-over per chunk, not per write.
  explicit BytePipe(size_t chunk = 256 << 10, size_t depth = 8) : chunk_(chunk), depth_(depth) {}

  // The writer's side.
  void write(const void* data, size_t size) override;
  void close() override;       // end of stream: the reader gets 0 once it has read everything
  void fail(Error why);        // the reader gets `why` instead of the rest

  // The reader's side.
  size_t read(void* data, size_t size) override;
  void hang_up();  // the reader stops: later writes are dropped

 private:
  void push(std::string buf);

  std::string pending_;  // the writer's, not yet handed over
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  size_t offset_ = 0;  // into queue_.front()
  size_t chunk_, depth_;
  bool closed_ = false, gone_ = false;
  std::optional<Error> error_;
};

}  // namespace hoist::layers
