#pragma once
// Runs one process the way a RUN step does, with no daemon and no external
// runtime: new mount, PID, UTS and IPC namespaces (and a network namespace for
// `--network none`), an overlayfs root over the stage's layers whose upper
// directory collects the changes, a minimal /dev, /proc, a read-only /sys,
// /etc/resolv.conf, /etc/hosts and /etc/hostname mounted in for the run only,
// the step's own mounts (RUN --mount), the step's USER and WORKDIR, and
// exactly the given environment.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/overlay_mount.h"

namespace hoist::builder {

enum class NetworkMode { Host, None };

// A filesystem mounted over the rootfs for one run (a RUN --mount): a host
// file or directory bound in (a cache directory read-write, a secret file or
// the build context read-only), or an empty tmpfs.
struct SandboxMount {
  enum class Kind { Bind, Tmpfs } kind = Kind::Bind;
  std::string source;  // Bind: absolute host path of a file or directory; its submounts come along
  // Absolute path in the rootfs. Symlinks of the image on the way resolve
  // inside the rootfs; missing directories (and, for a file, the file) are
  // made as mount points and taken out of the upper directory afterwards.
  std::string target;
  bool readonly = false;
  std::optional<uint64_t> size;  // Tmpfs: bytes; unset is the kernel's default, half of RAM
  std::optional<uint32_t> mode;  // Tmpfs: mode of its root; unset is tmpfs's own 01777, as BuildKit leaves it
};

struct SandboxSpec {
  OverlayDirs layers;  // upper and work fresh; upper receives the step's changes
  // An empty directory the root is mounted on, inside the sandbox's own mount
  // namespace only: on the host it stays empty.
  std::string rootfs;
  std::vector<std::string> argv;  // run as given: the caller adds `/bin/sh -c` for the shell form
  std::vector<std::string> env;   // "KEY=value", exactly the process's environment
  std::string workdir = "/";      // absolute; created (owned by root) when missing
  std::string user;               // USER: name, uid, uid:gid, name:group; empty is root
  std::string hostname = "hoist";
  NetworkMode network = NetworkMode::Host;
  // Mounted over the rootfs for this run only, after /proc, /dev, /sys and
  // /etc's files, parents before children (sorted by target, as BuildKit
  // does); never in the layer: what the run writes into one stays there.
  std::vector<SandboxMount> mounts;
  // Receives stdout and stderr (interleaved, as they arrive). When empty the
  // process writes to hoist's own stdout and stderr.
  std::function<void(std::string_view)> output;
};

struct SandboxResult {
  int exit_code = 0;    // when the process exited
  int signal = 0;       // when it was killed by a signal
  int interrupted = 0;  // SIGINT or SIGTERM that hoist received and that stopped the run
  bool ok() const { return exit_code == 0 && signal == 0; }
};

// Runs spec.argv in a sandbox and waits for it (and for every process it
// started: they end with it). SIGINT or SIGTERM to hoist meanwhile kills the
// sandbox and is reported in `interrupted`; the caller then stops the build.
// Afterwards the upper directory holds only the step's changes: the mount
// points the sandbox needed (/etc/hosts, /dev, ...) are taken out again.
// Throws hoist::Error with the one failing step ("mount overlay on /x:
// Invalid argument", "unknown user app", "exec /bin/nope: No such file or
// directory") when the process could not be started.
SandboxResult run_sandboxed(const SandboxSpec& spec);

}  // namespace hoist::builder
