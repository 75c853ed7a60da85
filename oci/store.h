#pragma once
// The local store: an OCI image layout at $HOIST_ROOT/store that any OCI tool
// (skopeo `oci:`, umoci) reads as it is. Tags are index.json entries annotated
// with org.opencontainers.image.ref.name = the full normalised reference.
//
// Blobs are written to $HOIST_ROOT/tmp, verified, fsynced and renamed into
// place; index.json is replaced atomically under a file lock, so concurrent
// hoist processes and a SIGKILL at any point leave a valid layout.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "oci/blob_file.h"
#include "oci/descriptor.h"

namespace hoist::oci {

// $HOIST_ROOT, else /var/lib/hoist as root, else $XDG_DATA_HOME/hoist (~/.local/share/hoist).
std::string default_root();

class Store {
 public:
  // Opens (creating if needed) the store under `root` ($HOIST_ROOT).
  explicit Store(std::string root);

  const std::string& root() const { return root_; }
  const std::string& layout_dir() const { return layout_; }

  bool has_blob(const Digest& d) const;
  std::string blob_path(const Digest& d) const;
  // Reads a whole blob and checks its digest; for documents, not layers.
  std::string read_blob(const Digest& d) const;
  // Stores bytes as a blob (no-op when present); returns its digest.
  Digest put_blob(std::string_view bytes);

  // Streams a blob into the store. commit() verifies the digest (when one is
  // expected), fsyncs and renames; a writer dropped without commit() leaves nothing.
  class BlobWriter {
   public:
    virtual ~BlobWriter() = default;
    virtual void write(const void* data, size_t size) = 0;
    // `expected` empty: the digest of what was written is accepted as is.
    virtual Digest commit(const Digest& expected = {}) = 0;
  };
  std::unique_ptr<BlobWriter> blob_writer(BlobFile::Cache cache = BlobFile::Cache::Use);

  // index.json entries, in file order.
  std::vector<Descriptor> list() const;
  // The manifest descriptor tagged `ref` (a full normalised reference).
  std::optional<Descriptor> resolve(std::string_view ref) const;
  // Points `ref` at `manifest` (replacing any previous holder of that name).
  void tag(std::string_view ref, const Descriptor& manifest);
  // Removes the tag; false when it did not exist.
  bool untag(std::string_view ref);
  // Runs `edit` on the index.json entries under the store lock, so it judges
  // and changes the index as it is, with no tag or prune in between; writes
  // them back when `edit` returns true. Throws hoist::Error when index.json
  // cannot be read. (`hoist fsck --repair` drops tags of broken images with it.)
  void update_index(const std::function<bool(std::vector<Descriptor>&)>& edit);

  // Every blob reachable from index.json (manifests, configs, layers, nested indexes).
  std::set<Digest> referenced() const;

  struct PruneResult {
    uint64_t blobs = 0;
    uint64_t bytes = 0;
  };
  // Removes blobs nothing in index.json references, and stale temp files.
  // Holds the store's GcLock exclusive (oci/gc_lock.h) throughout, so it
  // first waits for running writers, calling `on_wait` once if it must.
  // Never call it while this process holds the lock shared: it would wait
  // for itself.
  PruneResult prune(const std::function<void()>& on_wait = {});

  // Registry repositories ("host/path") a blob is known to be in because it was
  // pulled from or pushed to them, as containerd's distribution-source labels:
  // where a push to another repository of the host can mount it from. Kept
  // per blob under $HOIST_ROOT/sources (outside the layout, which other tools
  // read), most recent first, a few per blob; updated under a lock.
  void add_blob_sources(const std::vector<Digest>& blobs, const std::string& host_and_repo);
  std::vector<std::string> blob_sources(const Digest& d) const;

 private:
  std::vector<Descriptor> read_index() const;
  void write_index(const std::vector<Descriptor>& entries);

  std::string root_;
  std::string layout_;
  std::string tmp_;
  std::string lock_path_;
};

}  // namespace hoist::oci
