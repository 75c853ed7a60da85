#include "publish/store_image.h"

#include <fcntl.h>

#include "common/error.h"
#include "common/fd.h"

namespace hoist::publish {

StoreSource::StoreSource(const oci::Store& store, const std::string& ref) : store_(store) {
  auto d = store.resolve(ref);
  if (!d) throw Error("no such image in the local store: " + ref);
  root_ = *d;
  root_.annotations.clear();
}

std::string StoreSource::read_manifest(const oci::Descriptor& d) { return store_.read_blob(d.digest); }

void StoreSource::read_blob(const oci::Descriptor& d, layers::Writer& out) {
  std::string path = store_.blob_path(d.digest);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", path);
  layers::FdReader in(fd.get(), path);
  std::string buf(1 << 20, '\0');
  while (size_t n = in.read(buf.data(), buf.size())) out.write(buf.data(), n);
}

namespace {

class StoreUpload : public BlobUpload {
 public:
  StoreUpload(oci::Store& store, oci::Digest expected) : w_(store.blob_writer()), expected_(std::move(expected)) {}
  void write(const void* d, size_t n) override { w_->write(d, n); }
  void commit() override { w_->commit(expected_); }

 private:
  std::unique_ptr<oci::Store::BlobWriter> w_;
  oci::Digest expected_;
};

}  // namespace

std::unique_ptr<BlobUpload> StoreSink::write_blob(const oci::Descriptor& d) {
  return std::make_unique<StoreUpload>(store_, d.digest);
}

void StoreSink::write_manifest(const oci::Descriptor& d, const std::string& bytes) {
  if (oci::Digest::of(bytes) != d.digest) throw Error("manifest bytes do not match " + d.digest.str());
  store_.put_blob(bytes);
}

void StoreSink::finish(const oci::Descriptor& root, const std::vector<std::string>& tags) {
  oci::Descriptor entry = root;
  entry.annotations.clear();
  for (auto& t : tags) store_.tag(t, entry);
}

}  // namespace hoist::publish
