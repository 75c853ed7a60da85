#include "layers/layer_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/layer_reader.h"

namespace hoist::layers {

namespace {

// The rename of the directory is not enough on its own: after a crash the
// rename may be on disk before the files are. The marker is written last,
// after everything is synced, and is what says "this layer is usable".
std::string marker_path(const std::string& layer_dir) { return layer_dir + ".complete"; }

std::string temp_prefix(const std::string& hex) { return ".tmp-" + hex + "-"; }

}  // namespace

LayerCache::LayerCache(const std::string& root) : dir_(root + "/layers"), user_xattr_(::geteuid() != 0) {
  fs::mkdir_p(dir_, 0700);
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
  for (const auto& p : stale) fs::remove_all(p);
}

std::string LayerCache::ensure(const oci::Descriptor& layer, const oci::Digest& diff_id, const BlobOpener& open) {
  std::string dest = path(diff_id);
  if (has(diff_id)) return dest;
  return with_context("caching layer " + diff_id.str(), [&] {
    std::string hex(diff_id.hex());
    fs::FileLock lock(dest + ".lock");
    if (has(diff_id)) return dest;  // another process unpacked it while we waited
    remove_leftovers(hex);

    std::string tmp = dir_ + "/" + temp_prefix(hex) + "XXXXXX";
    if (!::mkdtemp(tmp.data())) throw_sys("mkdtemp", tmp);
    try {
      // mkdtemp's 0700 would become the mode of the layer's root directory.
      if (::chmod(tmp.c_str(), 0755) != 0) throw_sys("chmod", tmp);
      auto blob = open(layer);
      UnpackOptions options;
      options.whiteouts = WhiteoutMode::Overlay;
      options.user_xattr = user_xattr_;
      UnpackedLayer r = unpack_layer(*blob, layer.digest, tmp, options);
      if (r.diff_id != diff_id)
        throw Error("layer " + layer.digest.str() + " has diffID " + r.diff_id.str() + ", expected " + diff_id.str());
      UniqueFd fd(::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!fd.valid()) throw_sys("open", tmp);
      // One syncfs flushes the whole unpacked tree, instead of an fsync per file.
      if (::syncfs(fd.get()) != 0) throw_sys("syncfs", tmp);
      if (::rename(tmp.c_str(), dest.c_str()) != 0) throw_sys("rename", tmp + " to " + dest);
    } catch (...) {
      try {
        fs::remove_all(tmp);
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

}  // namespace hoist::layers
