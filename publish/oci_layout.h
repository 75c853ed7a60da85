#pragma once
// A standalone OCI image layout, as a directory or as a tar of one
// (`hoist export --oci`), and reading one back.
#include <memory>
#include <string>

#include "common/fs.h"
#include "publish/image_io.h"

namespace hoist::publish {

class OciLayoutSink : public ImageSink {
 public:
  // `dest` ending in ".tar" is written as a tar file, anything else as a
  // directory (created if missing; an existing layout is added to).
  explicit OciLayoutSink(std::string dest);
  ~OciLayoutSink() override;
  bool has_blob(const oci::Descriptor& d) override;
  std::unique_ptr<BlobUpload> write_blob(const oci::Descriptor& d) override;
  void write_manifest(const oci::Descriptor& d, const std::string& bytes) override;
  // index.json entries carry the tag alone in org.opencontainers.image.ref.name
  // (what `skopeo oci:DIR:TAG` and docker look up) and the full reference in
  // io.containerd.image.name.
  void finish(const oci::Descriptor& root, const std::vector<std::string>& tags) override;

 private:
  std::string dest_;
  bool as_tar_;
  std::unique_ptr<fs::TempDir> staging_;  // for tar output
  std::string dir_;                       // the layout being written
};

class OciLayoutSource : public ImageSource {
 public:
  // `name` selects the index.json entry whose ref.name is the tag or the full
  // reference; empty selects the only image. Throws listing what is there.
  OciLayoutSource(std::string dir, const std::string& name);
  oci::Descriptor root() override { return root_; }
  std::string read_manifest(const oci::Descriptor& d) override;
  void read_blob(const oci::Descriptor& d, layers::Writer& out) override;
  std::unique_ptr<layers::Reader> open_blob(const oci::Descriptor& d) override {
    return std::make_unique<layers::FileReader>(blob_path(d));
  }

 private:
  std::string blob_path(const oci::Descriptor& d) const;
  std::string dir_;
  oci::Descriptor root_;
};

}  // namespace hoist::publish
