#pragma once
// Bytes handed from a writing thread to a reading thread through a bounded
// queue: the writer blocks while the reader is `depth` chunks behind. Under
// ProducerReader (a download read by an upload or an unpacker) and the build's
// base pull (a download stored and unpacked at once).
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>

#include "layers/stream.h"

namespace hoist::layers {

class BytePipe : public Writer, public Reader {
 public:
  // What a write does once the reader hung up: throw (a producer that only
  // feeds this pipe stops) or drop the bytes (a writer with another use for
  // them goes on).
  enum class AfterHangUp { Throw, Drop };
  // Writes are gathered into chunks of `chunk` bytes: one hand-over per chunk, not per write.
  explicit BytePipe(AfterHangUp after = AfterHangUp::Throw, size_t chunk = 256 << 10, size_t depth = 8)
      : after_(after), chunk_(chunk), depth_(depth) {}

  // The writer's side.
  void write(const void* data, size_t size) override;
  void close() override;  // end of stream: the reader gets 0 once it has read everything
  // The reader gets `why` (rethrown) once it has read what came before.
  void fail(std::exception_ptr why);

  // The reader's side.
  size_t read(void* data, size_t size) override;
  void hang_up();  // the reader stops: see AfterHangUp

 private:
  void push(std::string buf);

  AfterHangUp after_;
  std::string pending_;  // the writer's, not yet handed over
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  size_t offset_ = 0;  // into queue_.front()
  size_t chunk_, depth_;
  bool closed_ = false, gone_ = false;
  std::exception_ptr error_;
};

}  // namespace hoist::layers
