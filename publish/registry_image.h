#pragma once
// A registry repository as an image source (pull) and sink (push).
#include <functional>
#include <string>
#include <vector>

#include "publish/image_io.h"
#include "publish/reference.h"
#include "publish/registry.h"

namespace hoist::publish {

class RegistrySource : public ImageSource {
 public:
  // Fetches the manifest or index `ref` names (by tag or digest).
  RegistrySource(Registry& registry, const Reference& ref);
  oci::Descriptor root() override { return root_; }
  // Narrows the source to one manifest of its index (see select_platform).
  void set_root(const oci::Descriptor& d) { root_ = d; }
  std::string read_manifest(const oci::Descriptor& d) override;
  void read_blob(const oci::Descriptor& d, layers::Writer& out) override;
  // Streamed from a download running on its own thread: no temp file.
  std::unique_ptr<layers::Reader> open_blob(const oci::Descriptor& d) override;
  bool concurrent() const override { return true; }

 private:
  Registry& registry_;
  std::string repo_;
  oci::Descriptor root_;
  Registry::Manifest fetched_;  // the document the reference named, kept to save a second GET
};

class RegistrySink : public ImageSink {
 public:
  // Pushes into the repository of `ref`; finish() tags it with ref's tag.
  RegistrySink(Registry& registry, const Reference& ref);
  bool has_blob(const oci::Descriptor& d) override;
  std::unique_ptr<BlobUpload> write_blob(const oci::Descriptor& d) override;
  void copy_blob(const oci::Descriptor& d, ImageSource& source) override;
  void write_manifest(const oci::Descriptor& d, const std::string& bytes) override;
  // Tags are taken from `ref` (a registry push names exactly one); `tags` is ignored.
  void finish(const oci::Descriptor& root, const std::vector<std::string>& tags) override;
  bool concurrent() const override { return true; }

  // Where a blob may be mounted from instead of uploaded: other repositories
  // of the same registry host known to hold it, best first (see
  // blob_sources.h). Called from copy's worker threads.
  using MountSources = std::function<std::vector<std::string>(const oci::Digest&)>;
  void set_mount_sources(MountSources sources) { mount_sources_ = std::move(sources); }

 private:
  Registry& registry_;
  Reference ref_;
  MountSources mount_sources_;
  std::string root_bytes_;
  oci::Digest root_digest_;
};

// The manifest of an index that `platform` runs best (containerd's rules;
// attestation entries skipped); throws listing what the index offers.
oci::Descriptor select_platform(const oci::Index& index, const oci::Platform& platform, const std::string& what);

}  // namespace hoist::publish
