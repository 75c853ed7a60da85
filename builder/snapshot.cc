#include "builder/snapshot.h"

#include <unistd.h>

#include <functional>
#include <sstream>

#include "common/error.h"
#include "common/fs.h"
#include "layers/store_writer.h"
#include "layers/user_namespace.h"

namespace hoist::builder {

bool upper_is_empty(const std::string& upper) { return fs::is_empty_dir(upper); }

namespace {

layers::LayerResult write_to_store(const std::string& upper, oci::Store& store, const layers::LayerOptions& options) {
  auto blob = store.blob_writer();
  layers::StoreWriter out(*blob);
  layers::LayerResult r = layers::write_layer_from_dir(upper, out, options);
  blob->commit(r.digest);
  return r;
}

class DiscardWriter : public layers::Writer {
 public:
  void write(const void*, size_t) override {}
};

layers::LayerResult hash_only(const std::string& upper, const layers::LayerOptions& options) {
  DiscardWriter out;
  return layers::write_layer_from_dir(upper, out, options);
}

// The result crosses from the user namespace's process as one line of text.
std::string encode(const layers::LayerResult& r) {
  return r.digest.str() + " " + r.diff_id.str() + " " + std::to_string(r.size) + " " +
         std::to_string(r.uncompressed_size) + " " + std::to_string(r.entries);
}

layers::LayerResult decode(const std::string& text) {
  std::istringstream in(text);
  std::string digest, diff_id;
  layers::LayerResult r;
  if (!(in >> digest >> diff_id >> r.size >> r.uncompressed_size >> r.entries))
    throw Error("malformed snapshot result from the user namespace: " + text);
  r.digest = oci::Digest::parse(digest);
  r.diff_id = oci::Digest::parse(diff_id);
  return r;
}

// Reads `upper` with `write` as the header says: nothing when it is empty;
// as root, here; otherwise inside the user namespace, as its root, where
// the run's owners are what stat() returns and opaque markers are
// user.overlay.* xattrs. A blob `write` puts in the store is then written
// from inside too: that namespace's root is the host user, so the store's
// files stay the user's own.
std::optional<layers::LayerResult> snapshot(
    const std::string& upper, layers::LayerOptions options,
    const std::function<layers::LayerResult(const layers::LayerOptions&)>& write) {
  return with_context("snapshotting " + upper, [&]() -> std::optional<layers::LayerResult> {
    if (upper_is_empty(upper)) return std::nullopt;
    options.overlay_whiteouts = true;
    if (::geteuid() == 0) return write(options);
    options.user_xattr = true;
    return decode(layers::run_in_user_namespace(layers::current_user_id_map(), [&] { return encode(write(options)); }));
  });
}

}  // namespace

std::optional<layers::LayerResult> snapshot_upper(const std::string& upper, oci::Store& store,
                                                  layers::LayerOptions options) {
  return snapshot(upper, options, [&](const layers::LayerOptions& o) { return write_to_store(upper, store, o); });
}

std::optional<layers::LayerResult> snapshot_diff_id(const std::string& upper, layers::LayerOptions options) {
  options.compression = layers::Compression::None;
  return snapshot(upper, options, [&](const layers::LayerOptions& o) { return hash_only(upper, o); });
}

}  // namespace hoist::builder
