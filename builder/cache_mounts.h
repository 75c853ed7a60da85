#pragma once
// The persistent directories behind `RUN --mount=type=cache`: one per cache
// id under <HOIST_ROOT>/cache/mounts, kept across steps and builds (and
// never part of a layer), created on first use with the mount's mode and
// owner. A lease holds a directory for one RUN; its flock on <dir>.lock
// tells other leases, in this process or another hoist, who is using it:
//   shared  - any number at once (a shared lock, which waits only while a
//             locked or private lease holds the directory alone);
//   locked  - one at a time: an exclusive lock, waited for;
//   private - the directory alone if nobody holds it, else a fresh empty
//             directory under <HOIST_ROOT>/cache/tmp, removed when the
//             lease ends; never waits.
// A process that takes two leases of one id that exclude each other waits
// for itself, as two builds would wait for each other.
#include <string>
#include <string_view>

#include "builder/run_mount.h"
#include "common/fd.h"

namespace hoist::builder {

class CacheMounts {
 public:
  // Move-only; the directory is released when the lease ends.
  class Lease {
   public:
    Lease(Lease&& o) noexcept;
    Lease& operator=(Lease&& o) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    // The host directory to bind-mount read-write at the mount's target.
    const std::string& path() const { return path_; }
    // True for a private lease's throwaway directory.
    bool temporary() const { return temporary_; }
    // Ends the lease now; throws hoist::Error when a temporary directory
    // cannot be removed (the destructor ignores that and leaves it behind).
    void release();

   private:
    friend class CacheMounts;
    Lease(std::string path, UniqueFd lock, bool temporary);
    std::string path_;
    UniqueFd lock_;  // holds the flock on <dir>.lock
    bool temporary_ = false;
  };

  explicit CacheMounts(std::string hoist_root);

  // The directory for `m` (a type=cache mount: its id, sharing, mode, uid
  // and gid), created 0755 0:0 unless the mount says otherwise. uid and gid
  // are ids as the RUN sees them: rootless, they are set inside hoist's user
  // namespace. Blocks as the sharing mode says. Throws hoist::Error
  // ("cache mount /root/.cache: chown ...: Invalid argument").
  Lease acquire(const RunMount& m);

  // The directory name for a cache id: any string becomes one safe name (a
  // readable part of the id, then the sha256 of all of it).
  static std::string dir_name(std::string_view id);

 private:
  std::string mounts_;  // <root>/cache/mounts
  std::string tmp_;     // <root>/cache/tmp
};

}  // namespace hoist::builder
