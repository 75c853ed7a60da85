#pragma once
// Where a path lands inside a root filesystem that is not ours to trust (the
// image below a COPY, another stage, the build context): symlinks are
// expanded as inside a chroot at the root, so neither `..` nor an absolute
// link target can lead outside it. Unlike ConfinedRoot it reports the
// resolved path itself, which COPY needs to mirror into the new layer.
#include <sys/stat.h>

#include <string>

#include "layers/confined_path.h"

namespace hoist::builder {

struct ResolvedPath {
  enum class State {
    found,    // `st` describes the final component (not followed when it is a link kept as is)
    missing,  // some component does not exist; `parts` is where it would be
    blocked,  // a component before the last exists and is not a directory
  };
  State state = State::missing;
  layers::PathParts parts;  // the resolved path, relative to the root
  struct stat st {};
};

// Resolves `path` (already cleaned: no `.` or `..`) inside the directory
// `root_fd`; `root_name` names it in errors. The last component is followed
// when it is a symlink only with `follow_last`. After a missing component the
// rest is taken literally (a `..` cancels the name before it, as
// continuity's fs.RootPath does). Throws hoist::Error on an I/O error or a
// symlink loop, naming the path.
ResolvedPath resolve_in_root(int root_fd, const std::string& root_name, const layers::PathParts& path,
                             bool follow_last);

}  // namespace hoist::builder
