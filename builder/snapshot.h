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
std::optional<layers::LayerResult> snapshot_upper(const std::string& upper, oci::Store& store,
                                                  layers::LayerOptions options);

}  // namespace hoist::builder
