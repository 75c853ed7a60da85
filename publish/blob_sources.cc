#include "publish/blob_sources.h"

#include <set>

#include "common/error.h"
#include "oci/media_types.h"

namespace hoist::publish {

std::vector<oci::Digest> image_blobs(const oci::Store& store, const oci::Descriptor& root) {
  std::vector<oci::Digest> blobs;
  std::set<oci::Digest> seen, read;  // blobs; documents already read
  std::vector<oci::Descriptor> pending{root};
  auto add = [&](const oci::Descriptor& d) {
    if (seen.insert(d.digest).second) blobs.push_back(d.digest);
  };
  while (!pending.empty()) {
    oci::Descriptor d = std::move(pending.back());
    pending.pop_back();
    // Indexes listing one child many times over, level after level, must not make this exponential.
    if (!read.insert(d.digest).second) continue;
    // A partial pull of an index holds only the manifest it chose.
    if (!store.has_blob(d.digest)) continue;
    if (oci::media::is_index(d.media_type)) {
      for (auto& m : oci::Index::parse(store.read_blob(d.digest)).manifests) pending.push_back(m);
    } else if (oci::media::is_manifest(d.media_type)) {
      oci::Manifest m = oci::Manifest::parse(store.read_blob(d.digest));
      add(m.config);
      for (auto& l : m.layers) add(l);
    }
  }
  return blobs;
}

void record_blob_sources(oci::Store& store, const oci::Descriptor& root, const Reference& ref) {
  store.add_blob_sources(image_blobs(store, root), ref.domain + "/" + ref.path);
}

RegistrySink::MountSources mount_sources(const oci::Store& store, const Reference& ref) {
  std::string prefix = ref.domain + "/";
  return [&store, prefix, repo = ref.path](const oci::Digest& d) {
    std::vector<std::string> repos;
    for (auto& source : store.blob_sources(d))
      if (source.starts_with(prefix) && source.size() > prefix.size() && source.substr(prefix.size()) != repo)
        repos.push_back(source.substr(prefix.size()));
    return repos;
  };
}

}  // namespace hoist::publish
