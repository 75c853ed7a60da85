#include "builder/fsck.h"

#include "builder/build_state_check.h"
#include "common/error.h"
#include "common/fs_leftovers.h"
#include "layers/layer_cache.h"
#include "layers/layer_cache_check.h"
#include "oci/gc_lock.h"
#include "oci/store_check.h"

namespace hoist::builder {

oci::FsckReport fsck(oci::Store& store, bool repair) {
  oci::FsckReport report;
  layers::LayerCache cache(store.root());
  oci::CheckOptions options;
  options.repair = repair;
  options.remove_tree = [&cache](const std::string& path) {
    // Removing through a mount would remove what is mounted there.
    if (auto mounts = fs::mounts_under(path); !mounts.empty())
      throw Error(path + " has " + mounts.front() + " mounted: not removed");
    cache.discard(path);
  };
  oci::check_store(store, options, report);
  layers::check_layer_cache(cache, options, report);
  auto no_writers = oci::GcLock::try_take(store.root(), oci::GcLock::Mode::Exclusive);
  options.writers_stopped = no_writers.has_value();
  oci::check_store_temps(store, options, report);
  check_build_state(store, cache, options, report);
  return report;
}

}  // namespace hoist::builder
