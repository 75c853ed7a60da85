#include "publish/unpacking_sink.h"

#include <thread>

#include "common/error.h"
#include "layers/byte_pipe.h"

namespace hoist::publish {

namespace {

// The blob's bytes go to the inner upload and, through a pipe, to a thread
// unpacking them.
class UnpackingUpload : public BlobUpload {
 public:
  UnpackingUpload(std::unique_ptr<BlobUpload> inner, layers::LayerCache& cache, const oci::Descriptor& d,
                  const oci::Digest& diff_id)
      : inner_(std::move(inner)), unpacker_([this, &cache, d, diff_id] {
          try {
            cache.ensure(d, diff_id, [this](const oci::Descriptor&) { return std::make_unique<Reading>(pipe_); });
          } catch (const std::exception&) {
            // See unpacking_sink.h: the build unpacks this layer again and reports the error then.
          }
          pipe_.hang_up();
        }) {}
  ~UnpackingUpload() override {
    if (!unpacker_.joinable()) return;
    pipe_.fail(std::make_exception_ptr(Error("the download of this layer stopped")));
    unpacker_.join();
  }
  UnpackingUpload(const UnpackingUpload&) = delete;
  UnpackingUpload& operator=(const UnpackingUpload&) = delete;

  void write(const void* data, size_t size) override {
    inner_->write(data, size);
    pipe_.write(data, size);
  }
  void close() override { inner_->close(); }
  void commit() override {
    inner_->commit();  // the digest checked: the unpacker may finish with the bytes it has
    pipe_.close();
    unpacker_.join();  // the build uses the layer next: it is in the cache or has failed by now
  }

 private:
  // The unpacker's reader; the pipe stays this upload's.
  class Reading : public layers::Reader {
   public:
    explicit Reading(layers::BytePipe& p) : p_(p) {}
    size_t read(void* data, size_t size) override { return p_.read(data, size); }

   private:
    layers::BytePipe& p_;
  };

  std::unique_ptr<BlobUpload> inner_;
  layers::BytePipe pipe_{layers::BytePipe::AfterHangUp::Drop};  // the store still wants the bytes
  std::thread unpacker_;
};

}  // namespace

std::unique_ptr<BlobUpload> UnpackingSink::write_blob(const oci::Descriptor& d) {
  auto it = diff_ids_.find(d.digest);
  if (it == diff_ids_.end() || cache_.has(it->second)) return inner_.write_blob(d);
  return std::make_unique<UnpackingUpload>(inner_.write_blob(d), cache_, d, it->second);
}

}  // namespace hoist::publish
