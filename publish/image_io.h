#pragma once
// Sources and sinks of images (as go-containerregistry's remote / layout /
// tarball). One copy() moves an image from any source to any sink: that is
// push, pull, save, export and load. Implementations: the local store, an OCI
// layout (dir or tar), a docker-archive, and (later) a registry repository.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layers/stream.h"
#include "oci/descriptor.h"

namespace hoist::publish {

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // The descriptor of the document the source names (an image manifest or an index).
  virtual oci::Descriptor root() = 0;
  // The exact bytes of a manifest or index; implementations verify the digest.
  virtual std::string read_manifest(const oci::Descriptor& d) = 0;
  // Streams a blob (config or layer) as stored, compressed layers stay compressed.
  // Its digest need not be checked here: copy() writes into a BlobUpload,
  // whose commit() does; other callers check it themselves.
  virtual void read_blob(const oci::Descriptor& d, layers::Writer& out) = 0;
  // The same bytes as a Reader, for consumers that pull (the unpacker). By
  // default the blob is spooled to an unlinked temp file; sources that hold
  // blobs as files open them directly.
  virtual std::unique_ptr<layers::Reader> open_blob(const oci::Descriptor& d);
  // True when read_blob/open_blob may run on several threads at once.
  virtual bool concurrent() const { return false; }
};

// A blob being written to a sink; commit() verifies and publishes it.
class BlobUpload : public layers::Writer {
 public:
  virtual void commit() = 0;
};

class ImageSink {
 public:
  virtual ~ImageSink() = default;
  // True when the sink already holds the blob and it need not be sent again.
  virtual bool has_blob(const oci::Descriptor& d) = 0;
  virtual std::unique_ptr<BlobUpload> write_blob(const oci::Descriptor& d) = 0;
  // Moves one blob from `source`. By default through write_blob(); sinks that
  // pull their input (an HTTP upload) read source.open_blob() instead.
  virtual void copy_blob(const oci::Descriptor& d, ImageSource& source);
  // Stores a manifest or index (after all the blobs it references).
  virtual void write_manifest(const oci::Descriptor& d, const std::string& bytes) = 0;
  // Names the root document with `tags` (full normalised references) and
  // finishes the output (index.json, manifest.json, closing a tar, ...).
  virtual void finish(const oci::Descriptor& root, const std::vector<std::string>& tags) = 0;
  // True when has_blob/copy_blob/write_blob may run on several threads at once.
  virtual bool concurrent() const { return false; }
};

struct CopyStats {
  uint64_t blobs_copied = 0;   // bytes read from the source and sent
  uint64_t blobs_mounted = 0;  // obtained by the sink without reading the source (a registry mount)
  uint64_t blobs_skipped = 0;  // already in the sink
  uint64_t bytes = 0;          // of the copied blobs
};

// What happens to each blob of a copy, for a progress display. Called from
// the copy's worker threads, so implementations synchronise themselves.
class CopyProgress {
 public:
  enum class State { Waiting, Transferring, Verifying, Done, Exists, Mounted };
  virtual ~CopyProgress() = default;
  // `bytes` is how much of the blob has moved so far.
  virtual void update(const oci::Descriptor& blob, State state, uint64_t bytes) = 0;
};

struct CopyOptions {
  // Blob transfers at once, when both ends are concurrent (as docker's 3 downloads / 5 uploads).
  unsigned jobs = 4;
  CopyProgress* progress = nullptr;
  // Blobs this command already put in the sink (build --push sends layers
  // while the build runs, see upload_ahead.h): counted as copied, not asked
  // for or sent again.
  std::function<bool(const oci::Digest&)> already_sent = nullptr;
};

// Unpacks the layers of an image manifest into `dest`, lowest first, applying
// whiteouts, each layer checked against its digest and the config's diffIDs:
// the root filesystem a container of the image would see.
void unpack_image(ImageSource& source, const oci::Descriptor& manifest, const std::string& dest);

// Moves one blob from source to sink unless the sink has it (or mounts it
// without reading the source), reporting to `progress` (may be null).
enum class BlobOutcome { Exists, Mounted, Copied };
BlobOutcome transfer_blob(ImageSource& source, ImageSink& sink, const oci::Descriptor& d, CopyProgress* progress);

// Copies the image (and, for an index, every manifest it lists) from source
// to sink: blobs first (several at once when both ends allow), children
// before the index, the root last. The first failure stops the copy before
// any manifest is written.
CopyStats copy(ImageSource& source, ImageSink& sink, const std::vector<std::string>& tags,
               const CopyOptions& options = {});

}  // namespace hoist::publish
