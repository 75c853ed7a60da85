#pragma once
// The Dockerfile instructions that only change the image config (ENV,
// LABEL, CMD, ENTRYPOINT, EXPOSE, VOLUME, USER, WORKDIR, SHELL, STOPSIGNAL,
// HEALTHCHECK, ONBUILD, MAINTAINER), applied as docker build applies them.
#include <string>

#include "builder/instructions.h"
#include "oci/image_config.h"

namespace hoist::builder {

struct MetadataTarget {
  oci::ImageConfig& image;
  bool& cmd_set;  // CMD given in this stage (ENTRYPOINT clears an inherited CMD only)
};

// Applies `command` (already expanded) to the config and returns true, or
// returns false for an instruction that is not metadata (RUN, COPY, ADD,
// ARG, FROM). Throws hoist::Error for an invalid port or signal.
bool apply_metadata(const Command& command, MetadataTarget target);

// The argv of a shell-form or exec-form command line under `config`'s SHELL.
std::vector<std::string> command_argv(const CommandLine& line, const oci::RuntimeConfig& config);

// EXPOSE's port spec as the config records it: "80" -> "80/tcp",
// "53/UDP" -> "53/udp"; a range "8000-8002" gives each port. Throws on a malformed spec.
std::vector<std::string> exposed_ports(const std::string& spec);

}  // namespace hoist::builder
