#include "cli/base_images.h"

#include "common/error.h"
#include "oci/media_types.h"
#include "publish/blob_sources.h"
#include "publish/progress_display.h"
#include "publish/registry_image.h"
#include "publish/store_image.h"

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

oci::Descriptor StoreOrPull::pull(const std::string& ref_text, const oci::Platform& platform) {
  auto ref = publish::parse_docker_ref(ref_text);
  auto remote = open_registry(g_, ref.domain);
  return with_context("pulling " + ref.str(), [&] {
    publish::RegistrySource src(*remote.registry, ref);
    narrow_to_platform(src, oci::format_platform(platform), ref.str());
    publish::StoreSink sink(store_);
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
