#include "publish/registry_image.h"

#include <fcntl.h>

#include <algorithm>

#include "common/error.h"
#include "common/fs.h"
#include "layers/producer_reader.h"
#include "oci/media_types.h"

namespace hoist::publish {

RegistrySource::RegistrySource(Registry& registry, const Reference& ref) : registry_(registry), repo_(ref.path) {
  fetched_ = registry.get_manifest(repo_, ref.digest.empty() ? ref.tag : ref.digest);
  root_ = fetched_.descriptor;
}

std::string RegistrySource::read_manifest(const oci::Descriptor& d) {
  if (d.digest == fetched_.descriptor.digest) return fetched_.bytes;
  return registry_.get_manifest(repo_, d.digest.str(), d.size).bytes;
}

// copy() writes what it reads here into a sink's BlobUpload, whose commit() checks the digest.
void RegistrySource::read_blob(const oci::Descriptor& d, layers::Writer& out) {
  registry_.get_blob(repo_, d, out, /*check_digest=*/false);
}

std::unique_ptr<layers::Reader> RegistrySource::open_blob(const oci::Descriptor& d) {
  return std::make_unique<layers::ProducerReader>([this, d](layers::Writer& w) { registry_.get_blob(repo_, d, w); });
}

RegistrySink::RegistrySink(Registry& registry, const Reference& ref) : registry_(registry), ref_(ref) {}

bool RegistrySink::has_blob(const oci::Descriptor& d) { return registry_.has_blob(ref_.path, d.digest); }

namespace {

// For sources that can only push bytes: spool to a temp file, then upload it.
class SpoolUpload : public BlobUpload {
 public:
  SpoolUpload(Registry& r, std::string repo, oci::Descriptor d)
      : registry_(r), repo_(std::move(repo)), d_(std::move(d)), dir_(), path_(dir_.path() + "/blob") {
    fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (!fd_.valid()) throw_sys("create", path_);
  }
  void write(const void* data, size_t n) override { fs::write_all(fd_.get(), data, n, path_); }
  void commit() override {
    fd_.reset();
    registry_.put_blob(repo_, d_, [&] { return std::make_unique<layers::FileReader>(path_); });
  }

 private:
  Registry& registry_;
  std::string repo_;
  oci::Descriptor d_;
  fs::TempDir dir_;
  std::string path_;
  UniqueFd fd_;
};

}  // namespace

std::unique_ptr<BlobUpload> RegistrySink::write_blob(const oci::Descriptor& d) {
  return std::make_unique<SpoolUpload>(registry_, ref_.path, d);
}

void RegistrySink::copy_blob(const oci::Descriptor& d, ImageSource& source) {
  auto from = mount_sources_ ? mount_sources_(d.digest) : std::vector<std::string>{};
  // The source is opened only when bytes must go up: a mounted blob is never read.
  auto open = [&] { return source.open_blob(d); };
  registry_.put_blob(ref_.path, d, open, from);
}

void RegistrySink::write_manifest(const oci::Descriptor& d, const std::string& bytes) {
  // Every manifest goes up by digest; the last one (the root) is tagged in finish().
  registry_.put_manifest(ref_.path, d.digest.str(), d, bytes);
  root_bytes_ = bytes;
  root_digest_ = d.digest;
}

void RegistrySink::finish(const oci::Descriptor& root, const std::vector<std::string>&) {
  if (root.digest != root_digest_) throw Error("internal: the root manifest was not written last");
  if (!ref_.tag.empty()) registry_.put_manifest(ref_.path, ref_.tag, root, root_bytes_);
}

oci::Descriptor select_platform(const oci::Index& index, const oci::Platform& platform, const std::string& what) {
  auto matcher = oci::PlatformMatcher::only(platform);
  std::vector<oci::Descriptor> candidates;
  std::string offered;
  for (auto& m : index.manifests) {
    if (!m.platform) continue;
    if (m.annotation("vnd.docker.reference.type") == "attestation-manifest") continue;
    offered += (offered.empty() ? "" : ", ") + oci::format_platform(*m.platform);
    if (matcher.match(*m.platform)) candidates.push_back(m);
  }
  if (candidates.empty())
    throw Error("no manifest for " + oci::format_platform(platform) + " in " + what + " (it has: " +
                (offered.empty() ? "none" : offered) + ")");
  // Best match first; ties keep index order, as containerd does.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](const oci::Descriptor& a, const oci::Descriptor& b) { return matcher.less(*a.platform, *b.platform); });
  return candidates.front();
}

}  // namespace hoist::publish
