#pragma once
// `hoist import`: a root filesystem (directory, or a tar that may be gzip or
// zstd compressed, or "-" for a tar on stdin) becomes a one-layer image in
// the local store, as `docker import` does.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layers/compression.h"
#include "oci/descriptor.h"
#include "oci/platform.h"
#include "oci/store.h"

namespace hoist::builder {

struct ImportOptions {
  std::vector<std::string> changes;  // `--change` lines (Dockerfile instructions)
  std::string message;               // history comment
  // SOURCE_DATE_EPOCH / --timestamp: clamps file times and sets `created`.
  std::optional<int64_t> timestamp;
  layers::Compression compression = layers::Compression::Gzip;
  oci::Platform platform;  // os/architecture recorded in the config
};

struct ImportResult {
  oci::Descriptor manifest;
  oci::Digest config;
  oci::Digest layer;
};

// Imports `source` and tags the image as `ref` (a full normalised reference).
ImportResult import_rootfs(oci::Store& store, const std::string& source, const std::string& ref,
                           const ImportOptions& options);

}  // namespace hoist::builder
