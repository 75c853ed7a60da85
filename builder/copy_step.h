#pragma once
// A COPY or ADD step: the sources (from the build context, or the root of
// another stage or image) copied into a fresh layer directory over the
// stage's root filesystem, which becomes the step's layer.
#include <string>

#include "builder/add_url_source.h"
#include "builder/build_plan.h"
#include "builder/copy_files.h"
#include "builder/copy_tree.h"
#include "builder/stage_state.h"

namespace hoist::builder {

// `from` is the --from stage or image (nullptr: the build context), named
// `from_name` in errors. With --link the copy is made as over an empty
// image (BuildKit's linked layer). Throws hoist::Error "FILE:LINE: COPY ...".
// `urls` are the step's downloaded URL sources (ADD <url>), when it has any.
void copy_step(BuildEnv& env, StageState& stage, const PlannedStep& step, const StageState* from,
               const std::string& from_name, const AddUrlSources* urls = nullptr);

// The request copy_step carries out (sources from the build context, or
// from `from_name` when the step has --from; its source_root then still to
// be set), for the cache's digest of what it copies.
CopyRequest copy_request(const BuildEnv& env, const StageState& stage, const CopyCmd& cmd, const std::string& from_name);

// A file of the image whose root is `root` (e.g. "etc", "passwd"), looked up
// inside it (an image's symlinks never lead out); nullopt when missing.
std::optional<std::string> read_image_file(const std::string& root, const std::string& dir, const std::string& name);

// --chown's owner: a name or id, optionally ":group"; without a group the
// gid is the uid, as docker documents. Names are looked up in the image's
// /etc/passwd and /etc/group (their contents, nullopt when missing).
Owner resolve_chown(const std::string& spec, const std::optional<std::string>& passwd,
                    const std::optional<std::string>& group);

}  // namespace hoist::builder
