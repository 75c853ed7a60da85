#pragma once
// What backs each `RUN --mount` of a step: the build context (or a one-layer
// stage) for type=bind, a persistent cache directory for type=cache, a fresh
// tmpfs, a secret's file. Made into the sandbox's mounts for one run and
// released afterwards; nothing of them reaches the layer, the history or the
// cache key (a secret's value never leaves its private file).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/cache_mounts.h"
#include "builder/run_mount.h"
#include "builder/sandbox.h"

namespace hoist::builder {

// A --secret of `hoist build`: the file holding the value.
struct SecretSource {
  std::string file;  // host path; read when a RUN mounts the secret
};

// `--secret id=ID[,src=FILE|,env=VAR][,type=file|env]` as buildx reads it:
// without src or env the value comes from the environment variable named ID
// (when set) or the file ID. Values from the environment are written to a
// 0600 file under `private_dir`. Throws hoist::Error naming the spec.
std::pair<std::string, SecretSource> parse_secret_flag(const std::string& spec, const std::string& private_dir);

struct RunMountContext {
  std::string context_dir;   // the build context
  std::string step_dir;      // private scratch space of the step (secret copies go here)
  std::string hoist_root;
  // The single layer directory of a stage or image a bind mount names with
  // from=, or nullopt when it has several (not supported yet) or none exists.
  std::function<std::optional<std::string>(const std::string& from)> from_root;
  const std::map<std::string, SecretSource>* secrets = nullptr;
};

// The mounts of one RUN, alive while the object is (cache leases held).
class RunMounts {
 public:
  // Throws hoist::Error ("--mount ...: ...") for a source that does not exist
  // or leaves its root, a required secret not given, a kind not supported.
  RunMounts(const std::vector<RunMount>& mounts, const RunMountContext& ctx);

  const std::vector<SandboxMount>& sandbox_mounts() const { return mounts_; }
  // `VAR=value` for secrets mounted with env=.
  const std::vector<std::string>& env() const { return env_; }

 private:
  std::vector<SandboxMount> mounts_;
  std::vector<std::string> env_;
  std::vector<CacheMounts::Lease> leases_;
};

}  // namespace hoist::builder
