#include "oci/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>

#include "common/error.h"
#include "common/fs.h"
#include "oci/blob_file.h"
#include "oci/gc_lock.h"
#include "oci/json_util.h"
#include "oci/media_types.h"

namespace hoist::oci {

std::string default_root() {
  if (const char* r = std::getenv("HOIST_ROOT"); r && *r) return r;
  if (::geteuid() == 0) return "/var/lib/hoist";
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/hoist";
  const char* home = std::getenv("HOME");
  if (!home || !*home) throw Error("cannot find a store: set HOIST_ROOT or HOME");
  return std::string(home) + "/.local/share/hoist";
}

Store::Store(std::string root)
    : root_(std::move(root)), layout_(root_ + "/store"), tmp_(root_ + "/tmp"), lock_path_(root_ + "/store.lock") {
  with_context("opening store " + layout_, [&] {
    fs::mkdir_p(layout_ + "/blobs/sha256");
    fs::mkdir_p(tmp_);
    if (!fs::exists(layout_ + "/oci-layout"))
      fs::write_file_atomic(layout_ + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    if (!fs::exists(layout_ + "/index.json")) {
      fs::FileLock lock(lock_path_);
      if (!fs::exists(layout_ + "/index.json")) write_index({});
    }
  });
}

bool Store::has_blob(const Digest& d) const { return fs::exists(blob_path(d)); }

std::string Store::blob_path(const Digest& d) const {
  return layout_ + "/blobs/sha256/" + std::string(d.hex());
}

std::string Store::read_blob(const Digest& d) const {
  std::string bytes = with_context("reading blob " + d.str(), [&] { return fs::read_file(blob_path(d)); });
  if (Digest::of(bytes) != d) throw Error("blob " + d.str() + " in the store is corrupt (digest mismatch)");
  return bytes;
}

namespace {

class FileBlobWriter : public Store::BlobWriter {
 public:
  FileBlobWriter(const std::string& blobs_dir, const std::string& tmp_dir, BlobFile::Cache cache)
      : file_(blobs_dir, tmp_dir, cache) {}
  void write(const void* data, size_t size) override { file_.write(data, size); }
  Digest commit(const Digest& expected) override { return file_.commit(expected); }

 private:
  BlobFile file_;
};

}  // namespace

std::unique_ptr<Store::BlobWriter> Store::blob_writer(BlobFile::Cache cache) {
  return std::make_unique<FileBlobWriter>(layout_ + "/blobs/sha256", tmp_, cache);
}

Digest Store::put_blob(std::string_view bytes) {
  Digest d = Digest::of(bytes);
  if (has_blob(d)) return d;
  auto w = blob_writer();
  w->write(bytes.data(), bytes.size());
  return w->commit(d);
}

std::vector<Descriptor> Store::read_index() const {
  std::string bytes = fs::read_file(layout_ + "/index.json");
  return with_context("reading " + layout_ + "/index.json", [&] { return Index::parse(bytes).manifests; });
}

void Store::write_index(const std::vector<Descriptor>& entries) {
  Index ix;
  ix.media_type = std::string(media::kOciIndex);
  ix.manifests = entries;
  fs::write_file_atomic(layout_ + "/index.json", ix.serialize());
}

std::vector<Descriptor> Store::list() const { return read_index(); }

std::optional<Descriptor> Store::resolve(std::string_view ref) const {
  for (auto& d : read_index())
    if (d.annotation(kRefNameAnnotation) == ref) return d;
  return std::nullopt;
}

void Store::tag(std::string_view ref, const Descriptor& manifest) {
  fs::FileLock lock(lock_path_);
  auto entries = read_index();
  Descriptor entry = manifest;
  entry.annotations[std::string(kRefNameAnnotation)] = std::string(ref);
  bool replaced = false;
  for (auto& d : entries) {
    if (d.annotation(kRefNameAnnotation) == ref) {
      d = entry;
      replaced = true;
    }
  }
  if (!replaced) entries.push_back(entry);
  write_index(entries);
}

bool Store::untag(std::string_view ref) {
  fs::FileLock lock(lock_path_);
  auto entries = read_index();
  auto n = std::erase_if(entries, [&](const Descriptor& d) { return d.annotation(kRefNameAnnotation) == ref; });
  if (n) write_index(entries);
  return n > 0;
}

void Store::update_index(const std::function<bool(std::vector<Descriptor>&)>& edit) {
  fs::FileLock lock(lock_path_);
  auto entries = read_index();
  if (edit(entries)) write_index(entries);
}

std::set<Digest> Store::referenced() const {
  std::set<Digest> seen;
  std::vector<Descriptor> pending = read_index();
  while (!pending.empty()) {
    Descriptor d = std::move(pending.back());
    pending.pop_back();
    if (!seen.insert(d.digest).second || !has_blob(d.digest)) continue;
    if (media::is_index(d.media_type)) {
      for (auto& m : Index::parse(read_blob(d.digest)).manifests) pending.push_back(m);
    } else if (media::is_manifest(d.media_type)) {
      Manifest m = Manifest::parse(read_blob(d.digest));
      seen.insert(m.config.digest);
      for (auto& l : m.layers) seen.insert(l.digest);
      if (m.subject) seen.insert(m.subject->digest);
    }
  }
  return seen;
}

Store::PruneResult Store::prune(const std::function<void()>& on_wait) {
  GcLock no_writers(root_, GcLock::Mode::Exclusive, on_wait);
  fs::FileLock lock(lock_path_);
  PruneResult r;
  auto keep = referenced();
  std::string dir = layout_ + "/blobs/sha256";
  DIR* d = ::opendir(dir.c_str());
  if (!d) throw_sys("opendir", dir);
  std::vector<std::string> victims;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (Digest::valid("sha256:" + name) && keep.count(Digest::from_hex(name))) continue;
    victims.push_back(dir + "/" + name);
  }
  ::closedir(d);
  // Temp files of a writer still running are young; only stale ones (a killed process) go.
  d = ::opendir(tmp_.c_str());
  if (!d) throw_sys("opendir", tmp_);
  time_t cutoff = ::time(nullptr) - 24 * 3600;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    struct stat st;
    if (name == "." || name == ".." || ::lstat((tmp_ + "/" + name).c_str(), &st) != 0) continue;
    if (st.st_mtime < cutoff) victims.push_back(tmp_ + "/" + name);
  }
  ::closedir(d);
  for (auto& v : victims) {
    struct stat st;
    if (::lstat(v.c_str(), &st) == 0) r.bytes += static_cast<uint64_t>(st.st_size);
    fs::remove_all(v);
    ++r.blobs;
  }
  return r;
}

namespace {

// Enough to find a sibling repository; an old base image pushed everywhere must not grow a file without end.
constexpr size_t kMaxBlobSources = 16;

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::string text = fs::read_file(path);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

}  // namespace

void Store::add_blob_sources(const std::vector<Digest>& blobs, const std::string& host_and_repo) {
  std::string dir = root_ + "/sources";
  with_context("recording where blobs came from in " + dir, [&] {
    fs::mkdir_p(dir);
    fs::FileLock lock(root_ + "/sources.lock");
    for (auto& d : blobs) {
      std::string path = dir + "/" + std::string(d.hex());
      std::vector<std::string> sources = fs::exists(path) ? read_lines(path) : std::vector<std::string>{};
      if (!sources.empty() && sources.front() == host_and_repo) continue;
      std::erase(sources, host_and_repo);
      sources.insert(sources.begin(), host_and_repo);
      if (sources.size() > kMaxBlobSources) sources.resize(kMaxBlobSources);
      std::string text;
      for (auto& s : sources) text += s + "\n";
      fs::write_file_atomic(path, text);
    }
  });
}

std::vector<std::string> Store::blob_sources(const Digest& d) const {
  std::string path = root_ + "/sources/" + std::string(d.hex());
  if (!fs::exists(path)) return {};
  return with_context("reading blob sources " + path, [&] { return read_lines(path); });
}

}  // namespace hoist::oci
