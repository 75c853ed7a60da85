#include "publish/docker_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "layers/compression.h"
#include "oci/image_config.h"
#include "oci/media_types.h"
#include "publish/reference.h"

namespace hoist::publish {

namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kChunk = 1 << 20;
// manifest.json and configs are read whole; a hostile archive must not make that unbounded.
constexpr int64_t kMaxDocument = 64 << 20;
constexpr std::string_view kContainerdName = "io.containerd.image.name";

// ---- references: RepoTags hold the familiar form, sinks and stores the full one.

// "busybox:1" -> "docker.io/library/busybox:1"; a name alone gets ":latest".
std::string full_ref(std::string_view ref) { return with_default_tag(parse_normalized(ref)).str(); }

// ---- files

UniqueFd open_read(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", path);
  return fd;
}

UniqueFd create_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_sys("create", path);
  return fd;
}

void rename_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) throw_sys("rename", to);
}

int64_t file_size(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) throw_sys("stat", path);
  return st.st_size;
}

// By magic bytes, not media type: Docker layer types are known to lie about compression.
layers::Compression sniff(int fd, const std::string& path) {
  unsigned char b[4];
  ssize_t n = ::pread(fd, b, sizeof b, 0);
  if (n < 0) throw_sys("read", path);
  if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return layers::Compression::Gzip;
  if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) return layers::Compression::Zstd;
  return layers::Compression::None;
}

class HashingReader : public layers::Reader {
 public:
  explicit HashingReader(layers::Reader& in) : in_(in) {}
  size_t read(void* d, size_t n) override {
    size_t k = in_.read(d, n);
    sha.update(d, k);
    size += k;
    return k;
  }
  oci::Sha256 sha;
  int64_t size = 0;

 private:
  layers::Reader& in_;
};

struct LayerDigests {
  oci::Digest digest;   // of the file as it is
  oci::Digest diff_id;  // of the tar inside it
  int64_t size = 0;
  int64_t uncompressed_size = 0;
  layers::Compression compression = layers::Compression::None;
};

// Hashes a layer file as stored and as decompressed in one read; when `out`
// is given the decompressed tar is also written there.
LayerDigests digest_layer(const std::string& path, layers::Writer* out) {
  UniqueFd fd = open_read(path);
  LayerDigests r;
  r.compression = sniff(fd.get(), path);
  layers::FdReader raw(fd.get(), path);
  HashingReader hashed(raw);
  auto tar = layers::make_decompressor(hashed);
  oci::Sha256 diff;
  std::vector<char> buf(kChunk);
  while (size_t n = tar->read(buf.data(), buf.size())) {
    diff.update(buf.data(), n);
    r.uncompressed_size += static_cast<int64_t>(n);
    if (out) out->write(buf.data(), n);
  }
  // Bytes the decompressor left unread still belong to the blob digest.
  while (hashed.read(buf.data(), buf.size())) {
  }
  r.digest = hashed.sha.finish();
  r.diff_id = diff.finish();
  r.size = hashed.size;
  return r;
}

std::string read_document(const std::string& file, const std::string& name) {
  UniqueFd fd = open_read(file);
  if (file_size(fd.get(), file) > kMaxDocument) throw Error(name + " is too large for a JSON document");
  return fs::read_file(file);
}

// ---- the outer tar (writing)

class TarOut {
 public:
  explicit TarOut(int fd) : a_(archive_write_new()) {
    if (!a_) throw Error("cannot create a tar writer");
    archive_write_set_format_pax_restricted(a_);
    check(archive_write_open_fd(a_, fd), "opening the tar");
  }
  ~TarOut() { archive_write_free(a_); }
  TarOut(const TarOut&) = delete;
  TarOut& operator=(const TarOut&) = delete;

  void dir(const std::string& name) { header(name, AE_IFDIR, 0, 0755); }

  void bytes(const std::string& name, std::string_view data) {
    header(name, AE_IFREG, static_cast<int64_t>(data.size()), 0644);
    if (archive_write_data(a_, data.data(), data.size()) != static_cast<la_ssize_t>(data.size()))
      throw Error("writing " + name + " into the tar: " + error());
  }

  void file(const std::string& name, const std::string& path) {
    UniqueFd fd = open_read(path);
    int64_t size = file_size(fd.get(), path);
    header(name, AE_IFREG, size, 0644);
    layers::FdReader in(fd.get(), path);
    std::vector<char> buf(kChunk);
    int64_t copied = 0;
    while (size_t n = in.read(buf.data(), buf.size())) {
      if (archive_write_data(a_, buf.data(), n) < 0) throw Error("writing " + name + " into the tar: " + error());
      copied += static_cast<int64_t>(n);
    }
    // libarchive pads a short entry with zeros: a file that shrank would go unnoticed.
    if (copied != size) throw Error(path + " changed while it was being archived");
  }

  void close() { check(archive_write_close(a_), "finishing the tar"); }

 private:
  // docker save writes every entry as root at the epoch, so the archive
  // depends only on the image.
  void header(const std::string& name, unsigned type, int64_t size, int perm) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_size(e, size);
    archive_entry_set_mtime(e, 0, 0);
    int rc = archive_write_header(a_, e);
    archive_entry_free(e);
    check(rc, "writing the tar header of " + name);
  }
  void check(int rc, const std::string& what) {
    if (rc != ARCHIVE_OK) throw Error(what + ": " + error());
  }
  std::string error() {
    const char* s = archive_error_string(a_);
    return s ? s : "unknown libarchive error";
  }

  archive* a_;
};

// ---- the outer tar (reading)

// "./a//b/" -> "a/b"; nullopt for names with "..", which nothing may refer to.
std::optional<std::string> clean_name(std::string_view name) {
  std::string out;
  while (!name.empty()) {
    auto slash = name.find('/');
    std::string_view c = name.substr(0, slash);
    name = slash == std::string_view::npos ? std::string_view() : name.substr(slash + 1);
    if (c.empty() || c == ".") continue;
    if (c == "..") return std::nullopt;
    if (!out.empty()) out += '/';
    out += c;
  }
  return out;
}

// The archive's members by name. Regular files are extracted under numbered
// names (a member's own name never becomes a host path); symlinks are kept as
// targets and resolved inside the archive, as docker load's FollowSymlinkInScope.
class ArchiveIndex {
 public:
  ArchiveIndex(const std::string& path, const std::string& dir) {
    std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
    if (!a) throw Error("cannot create a tar reader");
    // `docker save | gzip` output is accepted by docker load too.
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_zstd(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_filter_bzip2(a.get());
    archive_read_support_format_tar(a.get());
    auto fail = [&](const std::string& what) -> Error {
      const char* s = archive_error_string(a.get());
      return Error(what + ": " + (s ? s : "unknown libarchive error"));
    };
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) throw_sys("open", path);
    // libarchive would report a directory as an unrecognised format.
    if (S_ISDIR(st.st_mode)) throw Error(path + " is a directory, not a docker-archive tar");
    // Opening already reads the first header.
    if (archive_read_open_filename(a.get(), path.c_str(), kChunk) != ARCHIVE_OK)
      throw fail(path + " is not a readable tar archive");
    std::vector<char> buf(kChunk);
    for (;;) {
      archive_entry* e = nullptr;
      int rc = archive_read_next_header(a.get(), &e);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) throw fail(path + " is not a readable tar archive");
      const char* raw = archive_entry_pathname(e);
      auto name = clean_name(raw ? raw : "");
      if (!name || name->empty()) continue;
      if (const char* link = archive_entry_hardlink(e)) {
        auto target = clean_name(link);
        auto it = target ? members_.find(*target) : members_.end();
        if (it != members_.end()) members_[*name] = it->second;
        continue;
      }
      if (archive_entry_filetype(e) == AE_IFLNK) {
        const char* target = archive_entry_symlink(e);
        members_[*name] = {true, target ? target : ""};
      } else if (archive_entry_filetype(e) == AE_IFREG) {
        std::string file = dir + "/" + std::to_string(files_++);
        UniqueFd out = create_file(file);
        for (;;) {
          la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
          if (n < 0) throw fail("reading " + *name + " from " + path);
          if (n == 0) break;
          fs::write_all(out.get(), buf.data(), static_cast<size_t>(n), file);
        }
        members_[*name] = {false, file};
      }
    }
  }

  // The extracted file `ref` names, following symlinks without leaving the archive.
  std::optional<std::string> find(const std::string& ref) const {
    std::vector<std::string> pending;  // components still to walk, last one first
    auto push = [&](std::string_view p) {
      std::vector<std::string> parts;
      while (!p.empty()) {
        auto slash = p.find('/');
        parts.emplace_back(p.substr(0, slash));
        p = slash == std::string_view::npos ? std::string_view() : p.substr(slash + 1);
      }
      pending.insert(pending.end(), parts.rbegin(), parts.rend());
    };
    push(ref);
    std::vector<std::string> done;
    int links = 0;
    while (!pending.empty()) {
      std::string c = std::move(pending.back());
      pending.pop_back();
      if (c.empty() || c == ".") continue;
      if (c == "..") {  // only from symlink targets: clamped at the archive root
        if (!done.empty()) done.pop_back();
        continue;
      }
      done.push_back(c);
      auto it = members_.find(join(done));
      if (it == members_.end() || !it->second.symlink) continue;
      if (++links > 40) throw Error("too many levels of symbolic links resolving \"" + ref + "\"");
      done.pop_back();
      if (it->second.data.starts_with('/')) done.clear();
      push(it->second.data);
    }
    auto it = members_.find(join(done));
    if (it == members_.end() || it->second.symlink) return std::nullopt;
    return it->second.data;
  }

  // As find(), for a path taken from manifest.json: confined and required.
  std::string resolve(const std::string& ref) const {
    if (ref.empty()) throw Error("manifest.json names an empty path");
    if (ref.starts_with('/')) throw Error("manifest.json names an absolute path \"" + ref + "\"");
    if (!clean_name(ref)) throw Error("manifest.json names a path outside the archive \"" + ref + "\"");
    auto file = find(ref);
    if (!file) throw Error("\"" + ref + "\" named in manifest.json is not a file in the archive");
    return *file;
  }

 private:
  struct Member {
    bool symlink = false;
    std::string data;  // symlink: its target; file: where it was extracted
  };
  static std::string join(const std::vector<std::string>& parts) {
    std::string s;
    for (auto& p : parts) s += (s.empty() ? "" : "/") + p;
    return s;
  }
  std::map<std::string, Member> members_;
  size_t files_ = 0;  // not members_.size(): a repeated name replaces its member
};

std::vector<std::string> string_list(const Json& j, const std::string& what) {
  std::vector<std::string> out;
  if (j.is_null()) return out;
  if (!j.is_array()) throw Error(what + " is not a list");
  for (auto& s : j) {
    if (!s.is_string()) throw Error(what + " holds a non-string");
    out.push_back(s.get<std::string>());
  }
  return out;
}

struct ArchiveEntry {
  std::string config;
  std::vector<std::string> layers;
  std::vector<std::string> repo_tags;  // as written (familiar)
};

std::vector<ArchiveEntry> parse_archive_manifest(const std::string& bytes) {
  Json list;
  try {
    list = Json::parse(bytes);
  } catch (const Json::exception& e) {
    throw Error(std::string("manifest.json is not valid JSON: ") + e.what());
  }
  if (list.is_null()) throw Error("manifest.json is null: the archive lists no images");
  if (!list.is_array()) throw Error("manifest.json is not a JSON array");
  if (list.empty()) throw Error("manifest.json lists no images");
  std::vector<ArchiveEntry> out;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string what = "manifest.json entry " + std::to_string(i);
    const Json& j = list[i];
    if (!j.is_object()) throw Error(what + " is not an object");
    ArchiveEntry e;
    if (!j.contains("Config") || !j["Config"].is_string()) throw Error(what + " has no Config");
    e.config = j["Config"].get<std::string>();
    e.layers = string_list(j.value("Layers", Json()), what + " Layers");
    e.repo_tags = string_list(j.value("RepoTags", Json()), what + " RepoTags");
    out.push_back(std::move(e));
  }
  return out;
}

// Docker >= 25 archives carry the image's own OCI manifest: using it keeps the
// image digest docker reports. Only a manifest whose config and layers are
// exactly the ones manifest.json named (and that were verified) is taken.
std::optional<std::string> archive_oci_manifest(const ArchiveIndex& ix, const oci::Manifest& synthesised) {
  auto index_file = ix.find("index.json");
  if (!index_file) return std::nullopt;
  Json index;
  try {
    index = Json::parse(read_document(*index_file, "index.json"));
  } catch (const Json::exception&) {
    return std::nullopt;  // the OCI side is optional; manifest.json is what counts
  }
  if (!index.is_object() || !index["manifests"].is_array()) return std::nullopt;
  for (auto& entry : index["manifests"]) {
    if (!entry.is_object() || !oci::media::is_manifest(entry.value("mediaType", "")) ||
        !oci::Digest::valid(entry.value("digest", "")))
      continue;
    auto digest = oci::Digest::parse(entry["digest"].get<std::string>());
    auto file = ix.find("blobs/sha256/" + std::string(digest.hex()));
    if (!file) continue;
    std::string bytes = read_document(*file, "blobs/sha256/" + std::string(digest.hex()));
    if (oci::Digest::of(bytes) != digest) continue;
    oci::Manifest m;
    try {
      m = oci::Manifest::parse(bytes);
    } catch (const Error&) {
      continue;
    }
    bool same = m.config.digest == synthesised.config.digest && m.layers.size() == synthesised.layers.size();
    for (size_t i = 0; same && i < m.layers.size(); ++i) same = m.layers[i].digest == synthesised.layers[i].digest;
    if (same) return bytes;
  }
  return std::nullopt;
}

}  // namespace

// ================================================================ sink

class DockerArchiveSink::Upload : public BlobUpload {
 public:
  Upload(DockerArchiveSink& sink, oci::Descriptor d) : sink_(sink), d_(std::move(d)) {
    path_ = sink.staging_->path() + "/upload-XXXXXX";
    fd_.reset(::mkostemp(path_.data(), O_CLOEXEC));
    if (!fd_.valid()) throw_sys("create", path_);
  }
  ~Upload() override {
    if (fd_.valid()) ::unlink(path_.c_str());
  }

  void write(const void* data, size_t size) override {
    sha_.update(data, size);
    size_ += static_cast<int64_t>(size);
    fs::write_all(fd_.get(), data, size, path_);
  }

  void commit() override {
    oci::Digest got = sha_.finish();
    if (got != d_.digest) throw Error("digest mismatch: expected " + d_.digest.str() + ", got " + got.str());
    if (size_ != d_.size)
      throw Error("size mismatch for " + d_.digest.str() + ": expected " + std::to_string(d_.size) + ", got " +
                  std::to_string(size_));
    fd_.reset();
    if (!oci::media::is_layer(d_.media_type)) {
      rename_file(path_, sink_.staged(d_.digest));
      std::lock_guard lock(sink_.mu_);
      sink_.blobs_[d_.digest] = size_;
    } else {
      Layer l = decompress();
      std::lock_guard lock(sink_.mu_);
      sink_.layers_[d_.digest] = l;
    }
  }

 private:
  // Readers of docker-archives take a layer file's digest as its diffID, so
  // the stored file must be the plain tar.
  Layer decompress() {
    UniqueFd probe = open_read(path_);
    if (sniff(probe.get(), path_) == layers::Compression::None) {
      rename_file(path_, sink_.staged(d_.digest));
      return {d_.digest, size_};
    }
    std::string tar_path = path_ + ".tar";
    UniqueFd out = create_file(tar_path);
    layers::FdWriter writer(out.get(), tar_path);
    LayerDigests r = digest_layer(path_, &writer);
    out.reset();
    rename_file(tar_path, sink_.staged(r.diff_id));
    ::unlink(path_.c_str());
    return {r.diff_id, r.uncompressed_size};
  }

  DockerArchiveSink& sink_;
  oci::Descriptor d_;
  std::string path_;
  UniqueFd fd_;
  oci::Sha256 sha_;
  int64_t size_ = 0;
};

DockerArchiveSink::DockerArchiveSink(std::string path) : path_(std::move(path)) {
  auto slash = path_.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
  std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  // Beside the destination, so the finished archive is renamed, never copied, into place.
  staging_ = with_context("writing docker-archive " + path_, [&] {
    auto t = std::make_unique<fs::TempDir>(dir, "." + base + ".hoist-");
    fs::mkdir_p(t->path() + "/blobs");
    return t;
  });
}

DockerArchiveSink::~DockerArchiveSink() = default;

std::string DockerArchiveSink::staged(const oci::Digest& d) const {
  return staging_->path() + "/blobs/" + std::string(d.hex());
}

bool DockerArchiveSink::has_blob(const oci::Descriptor& d) {
  std::lock_guard lock(mu_);
  return blobs_.count(d.digest) > 0 || layers_.count(d.digest) > 0;
}

std::unique_ptr<BlobUpload> DockerArchiveSink::write_blob(const oci::Descriptor& d) {
  return std::make_unique<Upload>(*this, d);
}

void DockerArchiveSink::write_manifest(const oci::Descriptor& d, const std::string& bytes) {
  if (oci::Digest::of(bytes) != d.digest) throw Error("manifest bytes do not match " + d.digest.str());
  std::lock_guard lock(mu_);
  manifests_[d.digest] = bytes;
}

oci::Descriptor DockerArchiveSink::pick_image(const oci::Descriptor& root) const {
  auto it = manifests_.find(root.digest);
  if (it == manifests_.end()) throw Error("manifest " + root.digest.str() + " was never written to the archive");
  if (oci::media::is_manifest(root.media_type)) return root;
  if (!oci::media::is_index(root.media_type))
    throw Error("cannot save a \"" + root.media_type + "\" as a docker-archive: not an image");
  std::vector<oci::Descriptor> images;
  for (auto& m : oci::Index::parse(it->second).manifests) {
    bool attestation = m.annotation("vnd.docker.reference.type") == "attestation-manifest" ||
                       (m.platform && m.platform->os == "unknown");
    if (oci::media::is_manifest(m.media_type) && !attestation) images.push_back(m);
  }
  if (images.size() == 1) return images.front();
  std::string listed;
  for (auto& m : images) {
    std::string p = m.platform ? m.platform->os + "/" + m.platform->architecture +
                                     (m.platform->variant.empty() ? "" : "/" + m.platform->variant)
                               : m.digest.str();
    listed += (listed.empty() ? "" : ", ") + p;
  }
  throw Error("a docker-archive holds a single platform, but index " + root.digest.str() + " lists " +
              std::to_string(images.size()) + " images" + (listed.empty() ? "" : " (" + listed + ")") +
              ": select one platform");
}

void DockerArchiveSink::finish(const oci::Descriptor& root, const std::vector<std::string>& tags) {
  with_context("writing docker-archive " + path_, [&] {
    std::lock_guard lock(mu_);
    oci::Descriptor image = pick_image(root);
    auto mit = manifests_.find(image.digest);
    if (mit == manifests_.end()) throw Error("manifest " + image.digest.str() + " was never written to the archive");
    oci::Manifest m = oci::Manifest::parse(mit->second);
    if (!blobs_.count(m.config.digest)) throw Error("config " + m.config.digest.str() + " was never written");
    std::string config_file = staged(m.config.digest);
    oci::ImageConfig config = oci::ImageConfig::parse(read_document(config_file, "config " + m.config.digest.str()));
    if (config.diff_ids.size() != m.layers.size())
      throw Error("the image config lists " + std::to_string(config.diff_ids.size()) + " diff_ids for " +
                  std::to_string(m.layers.size()) + " layers");

    // The OCI view of the archive references the uncompressed layers, as docker's does.
    oci::Manifest out;
    out.media_type = std::string(oci::media::kOciManifest);
    out.config.media_type = std::string(oci::media::kOciConfig);
    out.config.digest = m.config.digest;
    out.config.size = blobs_.at(m.config.digest);
    out.annotations = m.annotations;
    for (size_t i = 0; i < m.layers.size(); ++i) {
      auto lit = layers_.find(m.layers[i].digest);
      if (lit == layers_.end()) throw Error("layer " + m.layers[i].digest.str() + " was never written");
      if (lit->second.diff_id != config.diff_ids[i])
        throw Error("layer " + m.layers[i].digest.str() + " uncompresses to " + lit->second.diff_id.str() +
                    ", but the image config's diff_id " + std::to_string(i) + " is " + config.diff_ids[i].str());
      oci::Descriptor l;
      l.media_type = std::string(oci::media::kOciLayer);
      l.digest = lit->second.diff_id;
      l.size = lit->second.size;
      out.layers.push_back(std::move(l));
    }
    std::string manifest_bytes = out.serialize();
    oci::Descriptor manifest = oci::describe(oci::media::kOciManifest, manifest_bytes);

    oci::Index index;
    index.media_type = std::string(oci::media::kOciIndex);
    Json repo_tags = Json::array();
    Json repositories = Json::object();
    for (auto& t : tags) {
      Reference ref = with_default_tag(parse_normalized(t));
      if (!ref.digest.empty()) throw Error("a docker-archive names images by tag, not by digest: " + t);
      oci::Descriptor e = manifest;
      e.annotations[std::string(kContainerdName)] = ref.str();
      e.annotations[std::string(oci::kRefNameAnnotation)] = ref.tag;
      index.manifests.push_back(std::move(e));
      repo_tags.push_back(ref.familiar_str());
      // Legacy readers want the top layer's ID; docker >= 25 writes its diffID hex there.
      if (!out.layers.empty()) repositories[ref.familiar()][ref.tag] = std::string(out.layers.back().digest.hex());
    }
    if (index.manifests.empty()) index.manifests.push_back(manifest);

    Json entry = Json::object();
    entry["Config"] = "blobs/sha256/" + std::string(m.config.digest.hex());
    entry["RepoTags"] = repo_tags.empty() ? Json() : repo_tags;
    entry["Layers"] = Json::array();
    for (auto& l : out.layers) entry["Layers"].push_back("blobs/sha256/" + std::string(l.digest.hex()));

    // Blobs in digest order, each once (two layers may share a diffID).
    std::map<std::string, std::string> blob_files;
    blob_files[std::string(m.config.digest.hex())] = config_file;
    for (auto& l : out.layers) blob_files[std::string(l.digest.hex())] = staged(l.digest);

    std::string tmp = staging_->path() + "/archive.tar";
    UniqueFd fd = create_file(tmp);
    {
      TarOut tar(fd.get());
      tar.dir("blobs/");
      tar.dir("blobs/sha256/");
      bool manifest_written = false;
      for (auto& [hex, file] : blob_files) {
        if (!manifest_written && std::string(manifest.digest.hex()) < hex) {
          tar.bytes("blobs/sha256/" + std::string(manifest.digest.hex()), manifest_bytes);
          manifest_written = true;
        }
        tar.file("blobs/sha256/" + hex, file);
      }
      if (!manifest_written) tar.bytes("blobs/sha256/" + std::string(manifest.digest.hex()), manifest_bytes);
      tar.bytes("index.json", index.serialize());
      tar.bytes("manifest.json", Json::array({entry}).dump());
      tar.bytes("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
      if (!repositories.empty()) tar.bytes("repositories", repositories.dump());
      tar.close();
    }
    if (::fsync(fd.get()) != 0) throw_sys("fsync", tmp);
    fd.reset();
    rename_file(tmp, path_);
    auto slash = path_.rfind('/');
    fs::fsync_dir(slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash));
  });
}

// ================================================================ source

DockerArchiveSource::DockerArchiveSource(const std::string& path, const std::string& tag,
                                         const std::string& temp_parent) {
  with_context("reading docker-archive " + path, [&] {
    dir_ = std::make_unique<fs::TempDir>(temp_parent, "hoist-archive-");
    ArchiveIndex ix(path, dir_->path());
    auto manifest_file = ix.find("manifest.json");
    if (!manifest_file) throw Error("no manifest.json in the archive: not a docker save archive");
    auto entries = parse_archive_manifest(read_document(*manifest_file, "manifest.json"));

    const ArchiveEntry* chosen = &entries.front();
    if (!tag.empty()) {
      std::string want = full_ref(tag);
      chosen = nullptr;
      std::string available;
      for (auto& e : entries) {
        for (auto& t : e.repo_tags) {
          if (!chosen && full_ref(t) == want) chosen = &e;
          available += (available.empty() ? "" : ", ") + t;
        }
        if (e.repo_tags.empty()) available += available.empty() ? "(untagged)" : ", (untagged)";
      }
      if (!chosen) throw Error("no image tagged \"" + tag + "\" in the archive; it holds: " + available);
    }
    for (auto& t : chosen->repo_tags) tags_.push_back(full_ref(t));

    std::string config_file = ix.resolve(chosen->config);
    std::string config = read_document(config_file, chosen->config);
    auto parsed = with_context("parsing config " + chosen->config, [&] { return oci::ImageConfig::parse(config); });
    if (parsed.diff_ids.size() != chosen->layers.size())
      throw Error("config " + chosen->config + " lists " + std::to_string(parsed.diff_ids.size()) +
                  " diff_ids, but manifest.json lists " + std::to_string(chosen->layers.size()) + " layers");

    oci::Manifest m;
    m.media_type = std::string(oci::media::kOciManifest);
    m.config = oci::describe(oci::media::kOciConfig, config);
    blobs_[m.config.digest] = config_file;
    for (size_t i = 0; i < chosen->layers.size(); ++i) {
      const std::string& name = chosen->layers[i];
      std::string file = ix.resolve(name);
      LayerDigests r = with_context("reading layer " + name, [&] { return digest_layer(file, nullptr); });
      // Checked here because nothing downstream can tell a wrong layer from a right one.
      if (r.diff_id != parsed.diff_ids[i])
        throw Error("layer " + name + " holds a tar with digest " + r.diff_id.str() + ", but the config's diff_id " +
                    std::to_string(i) + " is " + parsed.diff_ids[i].str());
      oci::Descriptor l;
      l.media_type = oci::media::layer_type(layers::compression_name(r.compression), false);
      l.digest = r.digest;
      l.size = r.size;
      m.layers.push_back(std::move(l));
      blobs_[r.digest] = file;
    }

    if (auto own = archive_oci_manifest(ix, m))
      manifest_ = *own;
    else
      manifest_ = m.serialize();
    root_ = oci::describe(oci::detect_media_type(manifest_), manifest_);
  });
}

DockerArchiveSource::~DockerArchiveSource() = default;

std::string DockerArchiveSource::read_manifest(const oci::Descriptor& d) {
  if (d.digest != root_.digest) throw Error("manifest " + d.digest.str() + " is not in the docker-archive");
  return manifest_;
}

void DockerArchiveSource::read_blob(const oci::Descriptor& d, layers::Writer& out) {
  auto it = blobs_.find(d.digest);
  if (it == blobs_.end()) throw Error("blob " + d.digest.str() + " is not in the docker-archive");
  UniqueFd fd = open_read(it->second);
  layers::FdReader in(fd.get(), it->second);
  std::vector<char> buf(kChunk);
  while (size_t n = in.read(buf.data(), buf.size())) out.write(buf.data(), n);
}

}  // namespace hoist::publish
