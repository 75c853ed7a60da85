#include "cli/base_images.h"

#include "common/error.h"
#include "layers/layer_cache.h"
#include "oci/image_config.h"
#include "oci/media_types.h"
#include "publish/blob_sources.h"
#include "publish/progress_display.h"
#include "publish/registry_image.h"
#include "publish/store_image.h"
#include "publish/unpacking_sink.h"

namespace hoist::cli {

std::optional<oci::Descriptor> StoreOrPull::from_store(const std::string& ref, const oci::Platform& platform) const {
  auto d = store_.resolve(ref);
  if (!d) return std::nullopt;
  if (!oci::media::is_index(d->media_type)) return d;
  auto index = oci::Index::parse(store_.read_blob(d->digest));
  oci::Descriptor m = publish::select_platform(index, platform, ref);
  if (!store_.has_blob(m.digest)) return std::nullopt;  // an index loaded without this platform's image
  return m;
}

namespace {

// Each layer's diffID by its blob digest, from the image's config (read ahead
// of the copy, which fetches it again: it is small).
std::map<oci::Digest, oci::Digest> layer_diff_ids(publish::RegistrySource& src) {
  oci::Descriptor root = src.root();
  if (!oci::media::is_manifest(root.media_type)) return {};
  auto m = oci::Manifest::parse(src.read_manifest(root));
  layers::StringWriter w;
  src.read_blob(m.config, w);
  if (oci::Digest::of(w.out) != m.config.digest) throw Error("config " + m.config.digest.str() + " is corrupt");
  auto config = oci::ImageConfig::parse(w.out);
  std::map<oci::Digest, oci::Digest> out;
  if (config.diff_ids.size() != m.layers.size()) return out;  // the build names this mismatch when it loads the image
  for (size_t i = 0; i < m.layers.size(); ++i) out.emplace(m.layers[i].digest, config.diff_ids[i]);
  return out;
}

}  // namespace

oci::Descriptor StoreOrPull::pull(const std::string& ref_text, const oci::Platform& platform) {
  auto ref = publish::parse_docker_ref(ref_text);
  auto remote = open_registry(g_, ref.domain);
  return with_context("pulling " + ref.str(), [&] {
    publish::RegistrySource src(*remote.registry, ref);
    narrow_to_platform(src, oci::format_platform(platform), ref.str());
    publish::StoreSink store_sink(store_, oci::BlobFile::Cache::Bypass);
    // Unpacked as they arrive: the build's first RUN needs the layers, not just their blobs.
    layers::LayerCache cache(store_.root());
    publish::UnpackingSink sink(store_sink, cache, layer_diff_ids(src));
    std::unique_ptr<publish::ProgressDisplay> progress;
    if (!quiet_) progress = publish::make_stdout_progress(progress_, "downloading");
    publish::copy(src, sink, {ref.str()}, {.progress = progress.get()});
    if (progress) progress->finish();
    publish::record_blob_sources(store_, src.root(), ref);
    return src.root();
  });
}

oci::Descriptor StoreOrPull::resolve(const std::string& ref, const oci::Platform& platform) {
  if (!always_pull_)
    if (auto d = from_store(ref, platform)) return *d;
  return pull(ref, platform);
}

}  // namespace hoist::cli
