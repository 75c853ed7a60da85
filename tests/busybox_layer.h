#pragma once
// The base image of the sandbox tests: samples/make-rootfs.sh's busybox root
// filesystem, written as a layer into a store and unpacked through the
// LayerCache, exactly as a pulled base image's layer would be.
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/fs.h"
#include "layers/layer_cache.h"
#include "layers/layer_writer.h"
#include "layers/store_writer.h"
#include "oci/media_types.h"
#include "oci/store.h"

namespace hoist::test {

struct BusyboxLayer {
  fs::TempDir root{"", "hoist-busybox-"};
  std::string lower;  // the unpacked layer directory

  BusyboxLayer() {
    std::string rootfs = root.path() + "/rootfs";
    std::string cmd = "bash " HOIST_SOURCE_DIR "/samples/make-rootfs.sh " + rootfs;
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
    oci::Store store(root.path());
    auto blob = store.blob_writer();
    layers::StoreWriter out(*blob);
    layers::LayerResult r = layers::write_layer_from_dir(rootfs, out, layers::LayerOptions{});
    blob->commit(r.digest);
    oci::Descriptor d;
    d.media_type = oci::media::kOciLayerGzip;
    d.digest = r.digest;
    d.size = static_cast<int64_t>(r.size);
    lower = layers::LayerCache(root.path()).ensure(d, r.diff_id, [&](const oci::Descriptor& desc) {
      return std::make_unique<layers::FileReader>(store.blob_path(desc.digest));
    });
    fs::remove_all(rootfs);
  }
};

}  // namespace hoist::test
