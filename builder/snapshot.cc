#include "builder/snapshot.h"

#include <dirent.h>

#include "common/error.h"
#include "layers/store_writer.h"

namespace hoist::builder {

bool upper_is_empty(const std::string& upper) {
  DIR* d = ::opendir(upper.c_str());
  if (!d) throw_sys("opendir", upper);
  bool empty = true;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") empty = false;
  }
  ::closedir(d);
  return empty;
}

std::optional<layers::LayerResult> snapshot_upper(const std::string& upper, oci::Store& store,
                                                  layers::LayerOptions options) {
  return with_context("snapshotting " + upper, [&]() -> std::optional<layers::LayerResult> {
    if (upper_is_empty(upper)) return std::nullopt;
    options.overlay_whiteouts = true;
    auto blob = store.blob_writer();
    layers::StoreWriter out(*blob);
    layers::LayerResult r = layers::write_layer_from_dir(upper, out, options);
    blob->commit(r.digest);
    return r;
  });
}

}  // namespace hoist::builder
