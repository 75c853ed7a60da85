#pragma once
// The local store as an image source (by reference) and as a sink.
#include <string>

#include "layers/blob_reader.h"
#include "oci/store.h"
#include "publish/image_io.h"

namespace hoist::publish {

class StoreSource : public ImageSource {
 public:
  // Throws hoist::Error when `ref` (full normalised reference) is not in the store.
  StoreSource(const oci::Store& store, const std::string& ref);
  StoreSource(const oci::Store& store, oci::Descriptor root) : store_(store), root_(std::move(root)) {}
  oci::Descriptor root() override { return root_; }
  std::string read_manifest(const oci::Descriptor& d) override;
  void read_blob(const oci::Descriptor& d, layers::Writer& out) override;
  std::unique_ptr<layers::Reader> open_blob(const oci::Descriptor& d) override {
    return std::make_unique<layers::BlobReader>(store_.blob_path(d.digest));
  }
  bool concurrent() const override { return true; }

 private:
  const oci::Store& store_;
  oci::Descriptor root_;
};

class StoreSink : public ImageSink {
 public:
  // `cache`: how blob bytes go to disk (oci::BlobFile::Cache). A pull bypasses
  // the page cache; a load keeps it, as a push of what it loaded often follows.
  explicit StoreSink(oci::Store& store, oci::BlobFile::Cache cache = oci::BlobFile::Cache::Use)
      : store_(store), cache_(cache) {}
  bool has_blob(const oci::Descriptor& d) override { return store_.has_blob(d.digest); }
  std::unique_ptr<BlobUpload> write_blob(const oci::Descriptor& d) override;
  void write_manifest(const oci::Descriptor& d, const std::string& bytes) override;
  void finish(const oci::Descriptor& root, const std::vector<std::string>& tags) override;
  // Each blob goes through its own temp file.
  bool concurrent() const override { return true; }

 private:
  oci::Store& store_;
  oci::BlobFile::Cache cache_;
};

}  // namespace hoist::publish
