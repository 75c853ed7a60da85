#pragma once
// The change set of a RUN step (the overlay upper directory after the run)
// as a layer blob in the store. No walk of the lower layers: the upper holds
// exactly what changed, deletions as overlay whiteouts.
#include <optional>
#include <string>

#include "layers/layer_writer.h"
#include "oci/store.h"

namespace hoist::builder {

// True when the run changed nothing (the upper directory has no entries).
bool upper_is_empty(const std::string& upper);

// Writes `upper` as a layer into the store (whiteouts become `.wh.` entries,
// opaque directories `.wh..wh..opq`) and returns its digests and sizes, or
// nullopt when the upper is empty: the step then adds only a history entry
// with empty_layer. `options.overlay_whiteouts` is set here.
//
// Not as root, the upper is read inside the sandbox's user namespace (as
// its root): there the owners the run gave (0, 1000, ...) are what stat()
// returns, whatever host ids hold them on disk, every file is readable, and
// opaque markers are user.overlay.* xattrs (`options.user_xattr` is set).
std::optional<layers::LayerResult> snapshot_upper(const std::string& upper, oci::Store& store,
                                                  layers::LayerOptions options);

// The diffID `upper` would have as a layer (and its uncompressed size), read
// as snapshot_upper reads it but written nowhere; nullopt when it is empty.
// A pass over the bytes that only hashes: the build goes on with the diffID
// while snapshot_upper compresses the same tree in the background.
std::optional<layers::LayerResult> snapshot_diff_id(const std::string& upper, layers::LayerOptions options);

}  // namespace hoist::builder
