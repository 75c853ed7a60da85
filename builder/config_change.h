#pragma once
// `--change 'INSTRUCTION args'` edits of an image config, as `docker import
// --change` / `docker commit --change` apply them: CMD, ENTRYPOINT, ENV,
// EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
#include <string_view>

#include "oci/image_config.h"

namespace hoist::builder {

// Applies one change line to `config`; throws hoist::Error naming the line
// when the instruction is unknown or its arguments are malformed.
void apply_change(oci::RuntimeConfig& config, std::string_view line);

}  // namespace hoist::builder
