#pragma once
// What keeps `hoist prune` from removing blobs a running hoist still needs.
//
// Prune keeps what index.json references, but a writer puts blobs in the
// store before anything references them: a build's layers and config before
// it tags the image, a pull's or load's blobs before the manifest is tagged;
// and a build reuses layers the step cache points at, which no index entry
// holds. So every command that writes into the store (build, pull, import,
// load) holds $HOIST_ROOT/gc.lock *shared* for as long as it runs, and prune
// holds it *exclusive*: prune waits until no writer runs, and a writer that
// starts while prune runs waits for it to end (prune is short).
//
// Why a lock and not leases listing digests: a lease would have to name each
// blob before it is written and each cache hit before it is checked, with
// prune and leases agreeing under a second lock; a killed process would
// leave leases to be told stale from live. A flock says "a writer runs" with
// nothing to keep in step, and the kernel drops it with the process's last
// descriptor, however the process ends (the descriptor is close-on-exec, so
// programs a RUN starts do not inherit it). The price: prune waits for the
// builds running, and as flock does not queue, for as long as writers keep
// overlapping.
#include <functional>
#include <optional>
#include <string>

#include "common/fd.h"

namespace hoist::oci {

class GcLock {
 public:
  enum class Mode {
    Shared,     // a writer: any number at once
    Exclusive,  // prune: alone, no writer running
  };

  // Takes the lock on `root`/gc.lock (`root` is $HOIST_ROOT, created if
  // missing), waiting as long as it takes; calls `on_wait` once, before
  // waiting, when it has to wait. Throws hoist::Error naming the lock file.
  GcLock(const std::string& root, Mode mode, const std::function<void()>& on_wait = {});

  // The lock, or nullopt when taking it would wait.
  static std::optional<GcLock> try_take(const std::string& root, Mode mode);

  GcLock(GcLock&&) = default;
  GcLock& operator=(GcLock&&) = default;

  // The lock file of the store under `root`.
  static std::string path(const std::string& root);

 private:
  GcLock() = default;
  UniqueFd fd_;  // closing it drops the lock
};

}  // namespace hoist::oci
