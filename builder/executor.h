#pragma once
// `hoist build`'s executor: walks the plan of a Dockerfile stage by stage,
// runs each step (RUN in the sandbox, COPY/ADD into a new layer directory,
// the rest on the config), and assembles the target stage into an image in
// the local store, tagged with every -t.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/build_plan.h"
#include "builder/pattern_matcher.h"
#include "builder/run_mounts.h"
#include "builder/sandbox.h"
#include "layers/compression.h"
#include "oci/descriptor.h"
#include "oci/platform.h"
#include "oci/store.h"

namespace hoist::publish {
class HttpClient;
}

namespace hoist::builder {

// Where FROM images (and COPY --from=<image>) come from: the local store,
// pulled from a registry when missing. Kept behind an interface so that the
// executor knows nothing about registries.
class BaseImages {
 public:
  virtual ~BaseImages() = default;
  // The image manifest (never an index) of `ref` (a full normalised
  // reference) for `platform`, with its config and layer blobs in the store.
  virtual oci::Descriptor resolve(const std::string& ref, const oci::Platform& platform) = 0;
};

struct BuildOptions {
  std::string context_dir;                 // "" when there is none (Dockerfile on stdin)
  const PatternMatcher* ignore = nullptr;  // the context's .dockerignore
  std::vector<std::string> tags;           // full normalised references
  std::vector<std::pair<std::string, std::string>> labels;  // --label, on the final image
  std::optional<int64_t> timestamp;        // --timestamp / SOURCE_DATE_EPOCH
  layers::Compression compression = layers::Compression::Gzip;
  bool docker_format = false;              // Docker schema2 media types instead of OCI
  NetworkMode network = NetworkMode::Host;
  // How RUN is isolated: Overlay (namespaces + overlayfs), Chroot (a plain
  // copy of the stage's root, scanned for changes: where overlayfs or mount
  // namespaces are refused), or Auto: overlay, falling back to chroot the
  // first time overlay is refused.
  enum class Isolation { Auto, Overlay, Chroot } isolation = Isolation::Auto;
  bool no_cache = false;
  std::map<std::string, SecretSource> secrets;  // --secret, by id, for RUN --mount=type=secret
  publish::HttpClient* http = nullptr;          // for ADD <url>; none: such an ADD is an error
  // Progress lines and the output of RUN steps, each piece ending in '\n'.
  std::function<void(std::string_view)> log;
  // Told of each layer blob of the target stage's image once it is in the
  // store: the base's when the stage starts, a cached step's at once, a new
  // one when its compression ends (on that job's thread). build --push starts
  // uploading them while later steps run. Must not throw.
  std::function<void(const oci::Descriptor&)> on_target_layer;
};

struct BuildResult {
  oci::Descriptor manifest;
  oci::Digest config;  // the image ID
};

// Plans `dockerfile` with `plan_options` (after resolving the base images,
// whose Env the plan's expansion sees) and builds its target stage. Throws
// hoist::Error naming the Dockerfile line at fault; nothing is tagged then.
BuildResult build(const ParseResult& dockerfile, PlanOptions plan_options, oci::Store& store, BaseImages& bases,
                  const BuildOptions& options);

}  // namespace hoist::builder
