#include "layers/producer_reader.h"

namespace hoist::layers {

ProducerReader::ProducerReader(std::function<void(Writer&)> produce, size_t chunk, size_t depth)
    : pipe_(BytePipe::AfterHangUp::Throw, chunk, depth) {
  thread_ = std::thread([this, produce = std::move(produce)] {
    try {
      produce(pipe_);
      pipe_.close();
    } catch (...) {
      pipe_.fail(std::current_exception());
    }
  });
}

ProducerReader::~ProducerReader() {
  pipe_.hang_up();
  thread_.join();
}

}  // namespace hoist::layers
