#pragma once
// `hoist fsck` of the unpacked layers ($HOIST_ROOT/layers, layers/layer_cache.h).
//
// Whoever makes a layer's directory holds that layer's lock, so fsck takes it
// without waiting: a layer whose lock is busy is being made and is left
// alone; with the lock held, whatever of that layer is not a directory marked
// complete belongs to a process that was killed. A complete layer (directory
// and marker) is not locked at all: nothing changes it.
#include "layers/layer_cache.h"
#include "oci/fsck_report.h"
#include "oci/store_check.h"

namespace hoist::layers {

// Finds, and with `options.repair` removes: a layer directory without its
// completeness marker (killed between the rename and the marker: a
// leftover), the temp directories of killed unpacks and temp files of killed
// marker writes (leftovers), and a marker whose directory is missing (a
// problem: nothing hoist does leaves one; removing the marker makes the next
// use unpack the layer again). Trees are removed with `cache.discard`.
void check_layer_cache(const LayerCache& cache, const oci::CheckOptions& options, oci::FsckReport& report);

}  // namespace hoist::layers
