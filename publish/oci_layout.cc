#include "publish/oci_layout.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/error.h"
#include "layers/layer_writer.h"
#include "oci/blob_file.h"
#include "oci/media_types.h"
#include "publish/reference.h"

namespace hoist::publish {

namespace {

constexpr std::string_view kContainerdName = "io.containerd.image.name";

// Blobs are staged in blobs/sha256 itself (the layout may be the only
// filesystem we may write to) and appear under their digest only when verified.
class FileUpload : public BlobUpload {
 public:
  FileUpload(const std::string& blobs_dir, oci::Digest expected)
      : file_(blobs_dir, blobs_dir), expected_(std::move(expected)) {}
  void write(const void* d, size_t n) override { file_.write(d, n); }
  void commit() override { file_.commit(expected_); }

 private:
  oci::BlobFile file_;
  oci::Digest expected_;
};

}  // namespace

OciLayoutSink::OciLayoutSink(std::string dest) : dest_(std::move(dest)) {
  as_tar_ = dest_.size() > 4 && dest_.ends_with(".tar");
  if (as_tar_) {
    auto slash = dest_.rfind('/');
    std::string parent = slash == std::string::npos ? "." : dest_.substr(0, slash);
    staging_ = std::make_unique<fs::TempDir>(parent, ".hoist-export-");
    dir_ = staging_->path();
  } else {
    dir_ = dest_;
  }
  fs::mkdir_p(dir_ + "/blobs/sha256");
  if (!fs::exists(dir_ + "/oci-layout"))
    fs::write_file_atomic(dir_ + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
}

OciLayoutSink::~OciLayoutSink() = default;

bool OciLayoutSink::has_blob(const oci::Descriptor& d) {
  return fs::exists(dir_ + "/blobs/sha256/" + std::string(d.digest.hex()));
}

std::unique_ptr<BlobUpload> OciLayoutSink::write_blob(const oci::Descriptor& d) {
  return std::make_unique<FileUpload>(dir_ + "/blobs/sha256", d.digest);
}

void OciLayoutSink::write_manifest(const oci::Descriptor& d, const std::string& bytes) {
  auto up = write_blob(d);
  up->write(bytes.data(), bytes.size());
  up->commit();
}

void OciLayoutSink::finish(const oci::Descriptor& root, const std::vector<std::string>& tags) {
  oci::Index ix;
  std::string index_path = dir_ + "/index.json";
  if (fs::exists(index_path)) ix = oci::Index::parse(fs::read_file(index_path));
  ix.media_type = std::string(oci::media::kOciIndex);
  auto add = [&](oci::Descriptor entry) {
    std::string tag = entry.annotation(oci::kRefNameAnnotation);
    if (!tag.empty())
      std::erase_if(ix.manifests, [&](const oci::Descriptor& e) { return e.annotation(oci::kRefNameAnnotation) == tag; });
    ix.manifests.push_back(std::move(entry));
  };
  oci::Descriptor entry = root;
  entry.annotations.clear();
  if (tags.empty()) add(entry);
  for (auto& t : tags) {
    oci::Descriptor e = entry;
    Reference ref = parse_normalized(t);
    e.annotations[std::string(kContainerdName)] = ref.str();
    e.annotations[std::string(oci::kRefNameAnnotation)] = ref.tag.empty() ? ref.str() : ref.tag;
    add(e);
  }
  fs::write_file_atomic(index_path, ix.serialize());
  if (!as_tar_) return;

  std::string tmp = dest_ + ".partial";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_sys("create", tmp);
  try {
    layers::FdWriter out(fd.get(), tmp);
    layers::LayerOptions lo;
    lo.compression = layers::Compression::None;
    layers::write_layer_from_dir(dir_, out, lo);
    if (::fsync(fd.get()) != 0) throw_sys("fsync", tmp);
    if (::rename(tmp.c_str(), dest_.c_str()) != 0) throw_sys("rename", dest_);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

OciLayoutSource::OciLayoutSource(std::string dir, const std::string& name) : dir_(std::move(dir)) {
  with_context("reading OCI layout " + dir_, [&] {
    if (!fs::exists(dir_ + "/oci-layout")) throw Error("not an OCI layout: no oci-layout file");
    auto entries = oci::Index::parse(fs::read_file(dir_ + "/index.json")).manifests;
    std::vector<oci::Descriptor> images;
    for (auto& e : entries)
      if (oci::media::is_manifest(e.media_type) || oci::media::is_index(e.media_type)) images.push_back(e);
    std::string available;
    for (auto& e : images) {
      std::string n = e.annotation(oci::kRefNameAnnotation);
      if (!name.empty() && (n == name || e.annotation(kContainerdName) == name)) {
        root_ = e;
        return;
      }
      available += (available.empty() ? "" : ", ") + (n.empty() ? e.digest.str() : n);
    }
    if (name.empty() && images.size() == 1) {
      root_ = images[0];
      return;
    }
    throw Error((name.empty() ? std::string("several images, name one") : "no image named \"" + name + "\"") +
                " (available: " + (available.empty() ? "none" : available) + ")");
  });
  root_.annotations.clear();
}

std::string OciLayoutSource::blob_path(const oci::Descriptor& d) const {
  return dir_ + "/blobs/sha256/" + std::string(d.digest.hex());
}

std::string OciLayoutSource::read_manifest(const oci::Descriptor& d) {
  std::string bytes = fs::read_file(blob_path(d));
  if (oci::Digest::of(bytes) != d.digest) throw Error("blob " + d.digest.str() + " is corrupt (digest mismatch)");
  return bytes;
}

void OciLayoutSource::read_blob(const oci::Descriptor& d, layers::Writer& out) {
  layers::copy_file(blob_path(d), out);
}

}  // namespace hoist::publish
