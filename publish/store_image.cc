#include "publish/store_image.h"


#include "common/error.h"

namespace hoist::publish {

StoreSource::StoreSource(const oci::Store& store, const std::string& ref) : store_(store) {
  auto d = store.resolve(ref);
  if (!d) throw Error("no such image in the local store: " + ref);
  root_ = *d;
  root_.annotations.clear();
}

std::string StoreSource::read_manifest(const oci::Descriptor& d) { return store_.read_blob(d.digest); }

void StoreSource::read_blob(const oci::Descriptor& d, layers::Writer& out) {
  layers::BlobReader in(store_.blob_path(d.digest));
  layers::copy_stream(in, out);
}

namespace {

class StoreUpload : public BlobUpload {
 public:
  StoreUpload(oci::Store& store, oci::BlobFile::Cache cache, oci::Digest expected)
      : w_(store.blob_writer(cache)), expected_(std::move(expected)) {}
  void write(const void* d, size_t n) override { w_->write(d, n); }
  void commit() override { w_->commit(expected_); }

 private:
  std::unique_ptr<oci::Store::BlobWriter> w_;
  oci::Digest expected_;
};

}  // namespace

std::unique_ptr<BlobUpload> StoreSink::write_blob(const oci::Descriptor& d) {
  return std::make_unique<StoreUpload>(store_, cache_, d.digest);
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
