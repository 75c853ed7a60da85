#pragma once
// ADD's URL sources turned into files copy_files can copy. Each URL is
// downloaded (builder/add_url.h) into its own directory under a scratch
// directory, under the name the copy gives it, so that copy_files copies it
// as BuildKit does: that name, mode 0600 (before --chmod), the mtime from
// Last-Modified (0 without), owned by root (or --chown), never extracted.
//
// copy_files reads every source from one root, and an ADD may mix URLs with
// build-context paths. Such a request is cut into runs of consecutive
// sources of one kind, each a copy_files request of its own (URL runs over
// the scratch directory with extraction off, the others over the request's
// root as they were), and copy_url_sources carries them out in source order
// as one copy_files call would: same multiple-source rule, later sources
// over earlier ones, the destination directory's mtime as the first run set
// it. Neither the build context nor the image root is written to.
#include <string>
#include <vector>

#include "builder/add_url.h"
#include "builder/copy_files.h"
#include "publish/http_client.h"

namespace hoist::builder {

struct AddUrlSources {
  // In source order; exactly `request` when it has no URL source.
  std::vector<CopyRequest> requests;
  // One per URL source, in source order, each at <scratch_dir>/<source index>/<name>:
  // with the names and mtimes, what a cache key of the step needs to know
  // (copy_source_digest does not count mtimes; BuildKit's key has Last-Modified).
  std::vector<UrlDownload> downloads;
};

// Downloads the URL sources of `request` through `http` into `scratch_dir`
// (created if missing; the caller removes it once the copy is done or this
// throws), `checksum` (ADD --checksum, "" for none) checked against the one
// source it may name. Checks everything before the first download and
// throws hoist::Error for: a URL in a COPY ("source can't be a URL for
// COPY"), a git repository, --checksum on COPY, on more than one source or
// on a source that is not an http(s) URL (BuildKit's messages), a malformed
// checksum; then download_for_add's errors.
AddUrlSources download_url_sources(publish::HttpClient& http, const CopyRequest& request, const std::string& checksum,
                                   const std::string& scratch_dir);

// Copies what `sources` names into `layer_dir` over `image_root`, as
// copy_files(request, image_root, layer_dir) would with every source under
// one root. Throws copy_files' errors; for a request cut in several runs,
// also "When using ADD with more than one source file, the destination
// must be a directory and end with a /: DEST" before copying anything.
void copy_url_sources(const AddUrlSources& sources, const std::string& image_root, const std::string& layer_dir);

}  // namespace hoist::builder
