#include "publish/image_io.h"

#include "common/error.h"
#include "oci/media_types.h"

namespace hoist::publish {

namespace {

struct Copier {
  ImageSource& src;
  ImageSink& sink;
  CopyStats stats;

  void blob(const oci::Descriptor& d) {
    if (sink.has_blob(d)) {
      ++stats.blobs_skipped;
      return;
    }
    with_context("copying blob " + d.digest.str(), [&] { sink.copy_blob(d, src); });
    ++stats.blobs_copied;
    stats.bytes += static_cast<uint64_t>(d.size);
  }

  void document(const oci::Descriptor& d) {
    std::string bytes = src.read_manifest(d);
    if (oci::media::is_index(d.media_type)) {
      for (auto& child : oci::Index::parse(bytes).manifests) document(child);
    } else if (oci::media::is_manifest(d.media_type)) {
      oci::Manifest m = oci::Manifest::parse(bytes);
      blob(m.config);
      for (auto& l : m.layers) blob(l);
    } else {
      throw Error("unsupported manifest media type \"" + d.media_type + "\" for " + d.digest.str());
    }
    sink.write_manifest(d, bytes);
  }
};

}  // namespace

void ImageSink::copy_blob(const oci::Descriptor& d, ImageSource& source) {
  auto up = write_blob(d);
  source.read_blob(d, *up);
  up->commit();
}

CopyStats copy(ImageSource& source, ImageSink& sink, const std::vector<std::string>& tags) {
  Copier c{source, sink, {}};
  oci::Descriptor root = source.root();
  c.document(root);
  sink.finish(root, tags);
  return c.stats;
}

}  // namespace hoist::publish
