#pragma once
// The step cache: what a build step produced, found again by a key over
// everything the step depends on, so a rebuild reuses the layer instead of
// running the step (Docker's layer cache). Keys chain: a stage starts at
// base_cache_key() and each step's key covers its parent's, so a change to
// one step invalidates every step after it.
//
// One record per key under $HOIST_ROOT/cache/steps/<hex>, a small JSON file
// replaced atomically (temp file, fsync, rename): concurrent builds that
// record the same key leave one whole record, the last one written.
//
// Records point at layer blobs of the local store without holding them:
// `hoist prune` keeps only what index.json references, so it removes layers
// that only the cache remembers (Docker keeps its build cache apart from
// images in the same way, with its own `builder prune`). Such a record is
// then a miss, and lookup() removes it.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "oci/descriptor.h"
#include "oci/digest.h"

namespace hoist::oci {
class Store;
}

namespace hoist::builder {

// The cache key of a step ("sha256:<hex>"): a digest over the parent key, the
// instruction as expanded (its display text), the build args the step sees
// (in any order: they are sorted) and, for COPY/ADD, `content`: the digest of
// what it copies (copy_source_digest), or for --from=<stage> that stage's
// final key.
std::string step_cache_key(const std::string& parent_key, const std::string& instruction,
                           const std::vector<std::pair<std::string, std::string>>& visible_args,
                           const std::string& content = "");

// The first key of a stage: its base image's manifest digest (or "scratch")
// and the platform it is built for ("linux/amd64").
std::string base_cache_key(const std::string& base_manifest_digest, const std::string& platform);

struct CacheRecord {
  std::optional<oci::Descriptor> layer;  // nullopt: the step added no layer (empty_layer history)
  oci::Digest diff_id;                   // when layer
  std::string created;                   // RFC 3339 time of the history entry when first built
};

// A record file's contents as lookup() reads them: nullopt for anything that
// is not a whole record (a file from another version, or damaged on disk).
std::optional<CacheRecord> parse_cache_record(const std::string& bytes);

class BuildCache {
 public:
  // Records live under `hoist_root`/cache/steps (created on first record).
  explicit BuildCache(std::string hoist_root);

  // The record of `key` when there is one whose layer blob `store` still has.
  // A record whose blob is gone (pruned) is removed and is a miss; so is one
  // that cannot be read or parsed (never an exception for a bad record).
  // Throws hoist::Error only for a key step_cache_key cannot have made.
  std::optional<CacheRecord> lookup(const std::string& key, const oci::Store& store) const;

  // Writes (or replaces) the record of `key`. Throws hoist::Error naming the
  // key for a malformed key or a layer without a diff_id, and naming the
  // file when it cannot be written.
  void record(const std::string& key, const CacheRecord& r);

  // Where the records are, one file per key's hex (for `hoist fsck`).
  const std::string& dir() const { return dir_; }

 private:
  std::string path_of(const std::string& key) const;

  std::string dir_;
};

}  // namespace hoist::builder
