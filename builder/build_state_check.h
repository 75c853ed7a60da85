#pragma once
// `hoist fsck` of what builds keep under $HOIST_ROOT: the step cache's records
// (cache/steps, builder/build_cache.h), the scratch directories of builds
// (build/), the private directories of RUN cache mounts (cache/tmp) and the
// build contexts' stat indexes (cache/context-index).
//
// A build holds the GcLock shared while it runs (oci/gc_lock.h): when the
// caller holds it exclusive (`writers_stopped`), every scratch directory and
// temp file there is a killed build's; otherwise they are left alone. A tree
// with anything still mounted under it is never removed, only reported.
#include <string>

#include "layers/layer_cache.h"
#include "oci/fsck_report.h"
#include "oci/store.h"
#include "oci/store_check.h"

namespace hoist::builder {

// Finds, and with `options.repair` removes: step-cache records that do not
// parse or whose layer blob `store` no longer has (leftovers: lookup() would
// miss on them and remove them itself; a prune leaves them), and the
// leftovers above. Trees are removed with `cache.discard`.
void check_build_state(const oci::Store& store, const layers::LayerCache& cache, const oci::CheckOptions& options,
                       oci::FsckReport& report);

}  // namespace hoist::builder
