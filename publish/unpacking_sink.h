#pragma once
// A sink that also unpacks each layer into the layer cache while its blob
// arrives: a pulled base image is ready for the build's first RUN when the
// download ends, instead of being read back from the store and unpacked
// after it (hoist build, whose FROM image is not in the store yet). The blobs
// go to `inner` as always; an unpack that fails is not the pull's failure:
// nothing is left of it, and the build unpacks the layer from the store again
// and reports what is wrong there.
#include <map>

#include "layers/layer_cache.h"
#include "publish/image_io.h"

namespace hoist::publish {

class UnpackingSink : public ImageSink {
 public:
  // `diff_ids`: each layer's diffID by its blob digest (the image's config).
  UnpackingSink(ImageSink& inner, layers::LayerCache& cache, std::map<oci::Digest, oci::Digest> diff_ids)
      : inner_(inner), cache_(cache), diff_ids_(std::move(diff_ids)) {}
  bool has_blob(const oci::Descriptor& d) override { return inner_.has_blob(d); }
  std::unique_ptr<BlobUpload> write_blob(const oci::Descriptor& d) override;
  void write_manifest(const oci::Descriptor& d, const std::string& bytes) override { inner_.write_manifest(d, bytes); }
  void finish(const oci::Descriptor& root, const std::vector<std::string>& tags) override { inner_.finish(root, tags); }
  bool concurrent() const override { return inner_.concurrent(); }

 private:
  ImageSink& inner_;
  layers::LayerCache& cache_;
  std::map<oci::Digest, oci::Digest> diff_ids_;
};

}  // namespace hoist::publish
