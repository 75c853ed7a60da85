#pragma once
// One `RUN --mount=...` value, as BuildKit's Dockerfile frontend reads it
// (instructions/commands_runmount.go, then the defaults dockerfile2llb
// fills in): a CSV list of key=value fields, already variable-expanded.
// Parsing is pure; what each mount is backed by (the context, a stage, a
// cache directory, a secret file) is the executor's business.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoist::builder {

struct RunMount {
  enum class Type { Bind, Cache, Tmpfs, Secret, Ssh };
  Type type = Type::Bind;  // type= (default bind)
  // target=, dst=, destination=: absolute and clean, a relative one joined to
  // the WORKDIR as BuildKit does. Secrets default to /run/secrets/<id> (none
  // when only env= is asked for), ssh sockets to /run/buildkit/ssh_agent.N.
  std::string target;
  std::string source;  // source=, src=: path in the context, stage or cache; a secret's id
  std::string from;    // from=: stage name or image (bind, cache)
  // ro/readonly, rw/readwrite (bare or =bool); default true for bind, secret
  // and ssh, false for cache and tmpfs.
  bool readonly = false;
  // id=: cache: default the target as written, cleaned; secret: source=,
  // else the base name of the target; ssh: "default".
  std::string id;
  enum class Sharing { Shared, Private, Locked } sharing = Sharing::Shared;  // cache only
  // cache, secret, ssh. Unset means the kind's default: a cache directory is
  // created 0755 0:0, a secret file 0400 0:0, an ssh socket 0600 0:0.
  std::optional<uint32_t> mode, uid, gid;
  bool required = false;         // secret, ssh: fail when the id is not provided
  std::optional<uint64_t> size;  // tmpfs size= in bytes (64m = 64 MiB); unset or 0: no limit
  std::string env;               // secret env=: also expose it as this variable
};

// Parses one --mount value for a RUN whose WORKDIR is `workdir` (absolute).
// An ssh mount without a target gets ssh_agent.0; parse_run_mounts numbers
// them. Throws hoist::Error("--mount: <what is wrong>: <spec>"), with
// BuildKit's wording, for malformed CSV, a field without `=` (other than the
// boolean ones), an unknown type, key or sharing mode, a bad number, a key
// the type does not take (size, required, mode/uid/gid, sharing, from or
// sharing on a secret, source on ssh), a secret with neither id, source nor
// target or with both id and source, and a target of "/".
RunMount parse_run_mount(std::string_view spec, std::string_view workdir = "/");

// Every --mount of one RUN, in order; ssh mounts without a target get
// /run/buildkit/ssh_agent.N, N counting the RUN's ssh mounts from 0.
std::vector<RunMount> parse_run_mounts(const std::vector<std::string>& specs, std::string_view workdir = "/");

}  // namespace hoist::builder
