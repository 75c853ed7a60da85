#pragma once
// COPY and ADD with BuildKit's semantics, written into the directory tree of
// a new layer (which write_layer_from_dir then turns into a blob). The image
// below is only read: to resolve symlinks in the destination inside it, to
// know whether the destination is a directory, and to give the layer the
// attributes its existing parent directories already have.
#include <optional>
#include <string>
#include <vector>

#include "builder/copy_tree.h"
#include "builder/pattern_matcher.h"

namespace hoist::builder {

struct CopySource {
  std::string path;                    // relative to the source root; may hold wildcards
  std::optional<std::string> heredoc;  // a heredoc source: `path` is its name, this its body
};

struct CopyRequest {
  std::string keyword = "COPY";  // or "ADD", for messages
  bool add = false;              // local tar archives are extracted
  // The build context, or the root filesystem of the --from stage or image;
  // `source_name` says which in errors ("build context", "stage builder").
  std::string source_root;
  std::string source_name = "build context";
  bool from_context = true;               // owners become root unless --chown; else kept
  const PatternMatcher* ignore = nullptr;  // .dockerignore (context only)
  std::vector<CopySource> sources;         // expanded
  std::string dest;                        // expanded
  std::string workdir = "/";
  std::optional<Owner> chown;  // --chown, resolved against the image's passwd/group
  std::string chmod;           // --chmod, validated
  std::vector<std::string> excludes;
  bool parents = false;
};

// Copies what `request` names into `layer_dir` (an empty directory) as the
// layer over `image_root` (the stage's root filesystem so far). Throws
// hoist::Error naming the source or destination at fault: a missing source,
// several sources for a destination that is not a directory, a directory
// copied onto a file, ...
void copy_files(const CopyRequest& request, const std::string& image_root, const std::string& layer_dir);

}  // namespace hoist::builder
