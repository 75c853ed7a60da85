#pragma once
// `hoist fsck` of the store: $HOIST_ROOT/store (blobs and index.json), the
// temp files of blob writes ($HOIST_ROOT/tmp) and of blob-source records
// ($HOIST_ROOT/sources).
//
// What tells a temp file of a live process from a dead one's:
//  - index.json's temp files are made only under the store lock, so any found
//    while holding it are a killed process's;
//  - everything in $HOIST_ROOT/tmp is made by commands that hold the GcLock
//    shared while they run (oci/gc_lock.h): when the caller holds it
//    exclusive (`writers_stopped`), none of them runs and all are leftovers;
//    otherwise they are left alone;
//  - blob-source records are written by push too, which takes no GcLock:
//    their temp files count as leftovers only once a day old, as prune judges
//    $HOIST_ROOT/tmp.
#include <functional>
#include <string>

#include "oci/fsck_report.h"
#include "oci/store.h"

namespace hoist::oci {

struct CheckOptions {
  bool repair = false;
  // The caller holds the GcLock exclusive: no build, pull, import or load runs.
  bool writers_stopped = false;
  // Removes a file or a tree; fs::remove_all when unset. (Rootless, trees may
  // hold files of subordinate ids: layers/layer_cache.h removes those.)
  std::function<void(const std::string&)> remove_tree;
};

// Checks that every blob's bytes hash to its name, and that every index.json
// entry has its whole image: the manifest, and through nested indexes every
// manifest, config and layer, present, not corrupt and of the size the
// descriptor gives. Blob problems are found first, so a tag needing a corrupt
// blob is reported too. With `repair`: a corrupt blob (or anything in
// blobs/sha256 that is not a blob) is removed; the entry of an incomplete
// image is removed from index.json, under the store lock, so a tag another
// process has just made whole is judged as it is then; leftovers are removed.
// An index.json that cannot be read is reported, never rewritten.
void check_store(Store& store, const CheckOptions& options, FsckReport& report);

// Finds, and with `repair` removes, the temp entries of killed processes in
// $HOIST_ROOT/tmp (only with `writers_stopped`) and $HOIST_ROOT/sources;
// counts the others as in use.
void check_store_temps(const Store& store, const CheckOptions& options, FsckReport& report);

}  // namespace hoist::oci
