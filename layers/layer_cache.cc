#include "layers/layer_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/layer_reader.h"
#include "layers/user_namespace.h"

namespace hoist::layers {

namespace {

// A socket rather than a pipe: send() with MSG_NOSIGNAL reports a child that
// stopped reading as EPIPE instead of killing hoist with SIGPIPE.
class SocketWriter : public Writer {
 public:
  explicit SocketWriter(int fd) : fd_(fd) {}
  void write(const void* data, size_t size) override {
    auto* p = static_cast<const char*>(data);
    while (size > 0) {
      ssize_t n = ::send(fd_, p, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_sys("send", "layer to the user namespace");
      p += n;
      size -= static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
};

// Without subordinate ranges a chown to any id but 0 fails with EINVAL;
// the unpacker's message names the file and the owner, this says why.
Error explain_single_id(const Error& e, const IdMap& map) {
  std::string text = e.describe();
  if (!(map.single_uid() || map.single_gid()) || !e.message().starts_with("chown ") ||
      !e.message().ends_with(std::strerror(EINVAL)))
    return Error(text);
  return Error(text + " (the user namespace has only id 0: " + map.user +
               " has no range in /etc/subuid or /etc/subgid for the layer's other owners)");
}

}  // namespace

// The rename of the directory is not enough on its own: after a crash the
// rename may be on disk before the files are. The marker is written last,
// after everything is synced, and is what says "this layer is usable".
std::string LayerCache::marker_path(const std::string& layer_dir) { return layer_dir + ".complete"; }

std::string LayerCache::lock_path(const std::string& layer_dir) { return layer_dir + ".lock"; }

std::string LayerCache::temp_prefix(std::string_view hex) { return ".tmp-" + std::string(hex) + "-"; }

LayerCache::LayerCache(const std::string& root) : dir_(root + "/layers") {
  fs::mkdir_p(dir_, 0700);
  if (::geteuid() != 0) userns_ = current_user_id_map();
}

std::string LayerCache::path(const oci::Digest& diff_id) const { return dir_ + "/" + std::string(diff_id.hex()); }

bool LayerCache::has(const oci::Digest& diff_id) const { return fs::exists(marker_path(path(diff_id))); }

// Only a holder of the layer's lock creates its temp directories, so any
// found while holding it belong to a process that died mid-unpack.
void LayerCache::remove_leftovers(const std::string& hex) const {
  std::vector<std::string> stale;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) throw_sys("opendir", dir_);
  std::string prefix = temp_prefix(hex);
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.starts_with(prefix)) stale.push_back(dir_ + "/" + n);
  }
  ::closedir(d);
  stale.push_back(dir_ + "/" + hex);  // renamed into place but never marked complete
  for (const auto& p : stale) remove_tree(p);
}

// Unpacked as root of the user namespace, a tree may hold directories of
// subordinate ids that the host user cannot empty.
void LayerCache::remove_tree(const std::string& path) const {
  if (userns_ && fs::exists(path))
    remove_all_in_user_namespace(*userns_, path);
  else
    fs::remove_all(path);
}

UnpackedLayer LayerCache::unpack(const oci::Descriptor& layer, const BlobOpener& open, const std::string& dest) const {
  UnpackOptions options;
  options.whiteouts = WhiteoutMode::Overlay;
  if (!userns_) return unpack_layer(*open(layer), layer.digest, dest, options);

  options.preserve_owner = true;
  options.user_xattr = true;
  auto blob = open(layer);
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) throw_sys("socketpair", "layer unpack");
  UniqueFd feed(sv[0]), source(sv[1]);
  // Only the bytes cross into the namespace; the digest is checked there, as
  // they are unpacked, and the diffID comes back.
  std::string diff_id = run_in_user_namespace(
      *userns_,
      [&] {
        feed.reset();
        FdReader in(source.get(), "layer from hoist");
        try {
          return unpack_layer(in, layer.digest, dest, options).diff_id.str();
        } catch (const Error& e) {
          throw explain_single_id(e, *userns_);
        }
      },
      [&] {
        source.reset();
        UniqueFd out = std::move(feed);
        SocketWriter w(out.get());
        copy_stream(*blob, w);
      });
  UnpackedLayer r;
  r.diff_id = oci::Digest::parse(diff_id);
  return r;
}

std::string LayerCache::ensure(const oci::Descriptor& layer, const oci::Digest& diff_id, const BlobOpener& open) {
  std::string dest = path(diff_id);
  if (has(diff_id)) return dest;
  return with_context("caching layer " + diff_id.str(), [&] {
    std::string hex(diff_id.hex());
    fs::FileLock lock(lock_path(dest));
    if (has(diff_id)) return dest;  // another process unpacked it while we waited
    remove_leftovers(hex);

    std::string tmp = dir_ + "/" + temp_prefix(hex) + "XXXXXX";
    if (!::mkdtemp(tmp.data())) throw_sys("mkdtemp", tmp);
    try {
      // mkdtemp's 0700 would become the mode of the layer's root directory.
      if (::chmod(tmp.c_str(), 0755) != 0) throw_sys("chmod", tmp);
      UnpackedLayer r = unpack(layer, open, tmp);
      if (r.diff_id != diff_id)
        throw Error("layer " + layer.digest.str() + " has diffID " + r.diff_id.str() + ", expected " + diff_id.str());
      UniqueFd fd(::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!fd.valid()) throw_sys("open", tmp);
      // One syncfs flushes the whole unpacked tree, instead of an fsync per file.
      if (::syncfs(fd.get()) != 0) throw_sys("syncfs", tmp);
      if (::rename(tmp.c_str(), dest.c_str()) != 0) throw_sys("rename", tmp + " to " + dest);
    } catch (...) {
      try {
        remove_tree(tmp);
      } catch (const Error&) {
        // The next ensure() removes it; the original error is the one to report.
      }
      throw;
    }
    fs::fsync_dir(dir_);
    fs::write_file_atomic(marker_path(dest), layer.digest.str() + "\n");
    return dest;
  });
}

std::string LayerCache::adopt(const oci::Digest& diff_id, const std::string& dir) {
  std::string dest = path(diff_id);
  return with_context("caching layer " + diff_id.str(), [&] {
    fs::FileLock lock(lock_path(dest));
    if (has(diff_id)) {
      remove_tree(dir);
      return dest;
    }
    remove_leftovers(std::string(diff_id.hex()));
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) throw_sys("open", dir);
    if (::syncfs(fd.get()) != 0) throw_sys("syncfs", dir);
    if (::rename(dir.c_str(), dest.c_str()) != 0) throw_sys("rename", dir + " to " + dest);
    fs::fsync_dir(dir_);
    fs::write_file_atomic(marker_path(dest), diff_id.str() + "\n");
    return dest;
  });
}

}  // namespace hoist::layers
