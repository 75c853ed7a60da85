#pragma once
// docker-archive: the tar `docker save` writes and `docker load` reads.
//
// The sink writes the Docker >= 25 layout, which is at the same time an OCI
// image layout (oci-layout, index.json, blobs/sha256/...) and a classic
// archive (manifest.json, repositories), so docker load, skopeo
// `docker-archive:` and OCI tools all accept it. Layers are stored
// uncompressed because docker-archive readers expect a layer file's digest to
// be its diffID.
//
// The source reads both that layout and the legacy one (<hex>.json configs,
// <id>/layer.tar), and presents the selected image as an OCI manifest.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/fs.h"
#include "oci/digest.h"
#include "publish/image_io.h"

namespace hoist::publish {

class DockerArchiveSink : public ImageSink {
 public:
  // Blobs are staged in a temp dir beside `path`; `path` appears only when
  // finish() succeeds, complete (fsynced, then renamed into place).
  explicit DockerArchiveSink(std::string path);
  ~DockerArchiveSink() override;

  bool has_blob(const oci::Descriptor& d) override;
  // Layers are decompressed as they are committed; their diffIDs are checked
  // against the image config in finish().
  std::unique_ptr<BlobUpload> write_blob(const oci::Descriptor& d) override;
  void write_manifest(const oci::Descriptor& d, const std::string& bytes) override;
  // `root` must be an image manifest, or an index holding exactly one image
  // (attestation manifests aside): a docker-archive has one platform.
  void finish(const oci::Descriptor& root, const std::vector<std::string>& tags) override;

 private:
  class Upload;
  struct Layer {
    oci::Digest diff_id;
    int64_t size = 0;  // uncompressed
  };

  std::string staged(const oci::Digest& d) const;
  oci::Descriptor pick_image(const oci::Descriptor& root) const;

  std::string path_;
  std::unique_ptr<fs::TempDir> staging_;
  std::mutex mu_;  // copy() may upload blobs in parallel
  std::map<oci::Digest, int64_t> blobs_;    // non-layer blobs (the config), staged as they are
  std::map<oci::Digest, Layer> layers_;     // by compressed digest; staged under the diffID
  std::map<oci::Digest, std::string> manifests_;
};

class DockerArchiveSource : public ImageSource {
 public:
  // Opens the archive at `path` and selects the image tagged `tag`, familiar
  // ("busybox:1.36", "user/app:1") or full ("docker.io/library/busybox:1.36");
  // with no tag, the first image listed. The archive's files are extracted to
  // a temp dir (under `temp_parent`, default $TMPDIR) for the source's lifetime.
  explicit DockerArchiveSource(const std::string& path, const std::string& tag = "",
                               const std::string& temp_parent = "");
  ~DockerArchiveSource() override;

  oci::Descriptor root() override { return root_; }
  std::string read_manifest(const oci::Descriptor& d) override;
  void read_blob(const oci::Descriptor& d, layers::Writer& out) override;

  // The selected image's tags as full normalised references (empty when untagged).
  std::vector<std::string> tags() const { return tags_; }

 private:
  std::unique_ptr<fs::TempDir> dir_;
  oci::Descriptor root_;
  std::string manifest_;
  std::map<oci::Digest, std::string> blobs_;  // digest -> extracted file
  std::vector<std::string> tags_;
};

}  // namespace hoist::publish
