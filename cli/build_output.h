#pragma once
// `hoist build --output`: where a built image goes besides the store, as
// BuildKit spells it: type=oci,dest=DIR|FILE.tar (an OCI image layout),
// type=docker,dest=FILE.tar (what `docker load` reads), type=local,dest=DIR
// (the final root filesystem). A bare path means type=local, as in docker.
#include <string>

#include "oci/descriptor.h"
#include "oci/store.h"

namespace hoist::cli {

struct BuildOutput {
  enum class Type { Oci, Docker, Local } type = Type::Local;
  std::string dest;
};

// Throws hoist::Error naming the spec when the type or a key is unknown or dest is missing.
BuildOutput parse_build_output(const std::string& spec);

// Writes the image; nothing half-written is left at `dest` when it fails.
void write_build_output(const BuildOutput& out, oci::Store& store, const oci::Descriptor& manifest,
                        const std::string& name);

}  // namespace hoist::cli
