#pragma once
// Which registry repositories hold the blobs of local images, so a push can
// mount a blob from a sibling repository of the same host instead of
// uploading it (docker's v2 metadata, containerd's distribution-source labels).
// The store keeps the record (oci::Store::add_blob_sources).
#include <vector>

#include "oci/descriptor.h"
#include "oci/store.h"
#include "publish/reference.h"
#include "publish/registry_image.h"

namespace hoist::publish {

// The configs and layers the document `root` in the store references, nested
// indexes followed, each once; the manifests themselves are not blobs a
// registry mounts.
std::vector<oci::Digest> image_blobs(const oci::Store& store, const oci::Descriptor& root);

// Records that the blobs of `root` are now in `ref`'s repository (after a pull from it or a push to it).
void record_blob_sources(oci::Store& store, const oci::Descriptor& root, const Reference& ref);

// Mount candidates for a push to `ref`: the other repositories of ref's
// registry host the store has seen holding a blob, most recent first.
RegistrySink::MountSources mount_sources(const oci::Store& store, const Reference& ref);

}  // namespace hoist::publish
