#pragma once
// Unpacked layers, one directory per diffID under $HOIST_ROOT/layers, used
// read-only as overlayfs lower directories. Each layer is unpacked once, in
// overlay-whiteout mode, verified against its digest and diffID while it
// streams, and published by a rename only when complete.
//
// Not as root, the unpack runs inside the user namespace the sandbox uses
// (layers/id_map.h): files keep their owners there, stored on disk under the
// mapped subordinate ids, and whiteouts use user.overlay.* xattrs. With a
// single-id map a layer holding a file owned by any id but 0 is refused,
// naming the file and its owner: giving it to root would change the image.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "layers/id_map.h"
#include "layers/layer_reader.h"
#include "layers/stream.h"
#include "oci/descriptor.h"
#include "oci/digest.h"

namespace hoist::layers {

// Opens the blob of a layer for reading (from the store, a registry, ...);
// keeps the cache free of where blobs come from.
using BlobOpener = std::function<std::unique_ptr<Reader>(const oci::Descriptor&)>;

class LayerCache {
 public:
  // `root` is $HOIST_ROOT; the cache lives in `root`/layers (created if missing).
  explicit LayerCache(const std::string& root);

  // The directory of the layer with this diffID, whether or not it is unpacked yet.
  std::string path(const oci::Digest& diff_id) const;
  // True when the layer is completely unpacked.
  bool has(const oci::Digest& diff_id) const;

  // Returns the unpacked directory, unpacking `layer` first when it is not
  // there. Concurrent callers (threads or processes) for one diffID wait for
  // each other; the blob is read once. Throws hoist::Error naming the layer
  // when the blob does not match its digest or `diff_id`; nothing is left.
  std::string ensure(const oci::Descriptor& layer, const oci::Digest& diff_id, const BlobOpener& open);

  // Takes `dir`, a directory already holding exactly the layer with this
  // diffID in the cache's form (a RUN's overlay upper, a COPY's layer tree),
  // as that layer's directory: renamed, not unpacked again. When the layer is
  // there already `dir` is removed instead. `dir` must be on the cache's
  // filesystem. Returns the layer's directory.
  std::string adopt(const oci::Digest& diff_id, const std::string& dir);
  // The user namespace unpacked layers live in (their owners are its ids),
  // or nullptr as root.
  const IdMap* user_namespace() const { return userns_ ? &*userns_ : nullptr; }
  // Removes a tree the build made (as root of the user namespace when rootless).
  void discard(const std::string& dir) const { remove_tree(dir); }

  // What the cache keeps in dir(), for `hoist fsck` (layers/layer_cache_check.h):
  // beside a layer's directory `<hex>`, `<hex>.complete`, written last, says it
  // is usable, and `<hex>.lock` is held while it is made; directories named
  // with temp_prefix(hex) are unpacks in progress.
  const std::string& dir() const { return dir_; }
  static std::string marker_path(const std::string& layer_dir);
  static std::string lock_path(const std::string& layer_dir);
  static std::string temp_prefix(std::string_view hex);

 private:
  void remove_leftovers(const std::string& hex) const;
  void remove_tree(const std::string& path) const;
  UnpackedLayer unpack(const oci::Descriptor& layer, const BlobOpener& open, const std::string& dest) const;

  std::string dir_;
  std::optional<IdMap> userns_;  // set when not root
};

}  // namespace hoist::layers
