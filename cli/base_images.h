#pragma once
// FROM images for `hoist build`: the local store first, pulled from the
// registry (and tagged in the store, as docker does) when missing or when
// --pull asks for a fresh look.
#include <map>

#include "builder/executor.h"
#include "cli/command.h"

namespace hoist::cli {

class StoreOrPull : public builder::BaseImages {
 public:
  // `progress` is --progress (auto, tty, plain); `quiet` shows none.
  StoreOrPull(const Globals& g, oci::Store& store, bool always_pull, std::string progress, bool quiet)
      : g_(g), store_(store), always_pull_(always_pull), progress_(std::move(progress)), quiet_(quiet) {}
  oci::Descriptor resolve(const std::string& ref, const oci::Platform& platform) override;

 private:
  std::optional<oci::Descriptor> from_store(const std::string& ref, const oci::Platform& platform) const;
  oci::Descriptor pull(const std::string& ref, const oci::Platform& platform);

  const Globals& g_;
  oci::Store& store_;
  bool always_pull_;
  std::string progress_;
  bool quiet_;
};

}  // namespace hoist::cli
