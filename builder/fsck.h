#pragma once
// `hoist fsck`: every check of a $HOIST_ROOT (oci/store_check.h,
// layers/layer_cache_check.h, builder/build_state_check.h), in the order that
// keeps repairs consistent: blobs before the tags that need them, the store
// before the step-cache records that point into it.
//
// Temp entries are judged while holding the GcLock exclusive (oci/gc_lock.h),
// taken without waiting: when a build, pull, import, load or prune runs, fsck
// neither waits for it nor touches what it may be writing. Blob hashing, the
// long part, runs without it, so writers are kept waiting only briefly.
#include "oci/fsck_report.h"
#include "oci/store.h"

namespace hoist::builder {

// Checks the root of `store`; with `repair`, repairs what can be repaired
// safely (see oci/fsck_report.h for what that is) and reports what it did.
// Throws hoist::Error only when a check cannot read what it must.
oci::FsckReport fsck(oci::Store& store, bool repair);

}  // namespace hoist::builder
