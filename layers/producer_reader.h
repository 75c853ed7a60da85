#pragma once
// A Reader fed by a function that writes, run on its own thread: lets a
// consumer that pulls (an HTTP upload) read what a producer pushes (an HTTP
// download) with no temp file. Memory is bounded by depth x chunk bytes.
#include <functional>
#include <thread>

#include "layers/byte_pipe.h"

namespace hoist::layers {

class ProducerReader : public Reader {
 public:
  explicit ProducerReader(std::function<void(Writer&)> produce, size_t chunk = 1 << 20, size_t depth = 4);
  // Stops the producer (its next write throws) and waits for it.
  ~ProducerReader() override;
  ProducerReader(const ProducerReader&) = delete;
  ProducerReader& operator=(const ProducerReader&) = delete;

  // Returns 0 once the producer returned; rethrows its error at that point instead.
  size_t read(void* data, size_t size) override { return pipe_.read(data, size); }

 private:
  BytePipe pipe_;
  std::thread thread_;
};

}  // namespace hoist::layers
