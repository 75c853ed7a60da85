#include "layers/layer_cache_check.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <map>
#include <optional>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs_leftovers.h"
#include "oci/digest.h"

namespace hoist::layers {

namespace {

using Kind = oci::Finding::Kind;
using Fix = oci::Finding::Fix;

// The names in the cache's directory that belong to one layer.
struct LayerNames {
  std::vector<std::string> temps;  // unpack directories and marker temp files
};

// The layers named in `names`, by hex digest, with their temp entries.
std::map<std::string, LayerNames> group(const std::vector<std::string>& names) {
  std::map<std::string, LayerNames> layers;
  for (const auto& n : names) {
    if (n.size() < 64) continue;
    std::string hex = n.substr(0, 64);
    if (!oci::Digest::valid("sha256:" + hex)) continue;
    LayerNames& l = layers[hex];
    if (n.starts_with(LayerCache::marker_path(hex)) && fs::is_atomic_write_temp(n)) l.temps.push_back(n);
  }
  // An unpack's temp directory has its layer's lock file beside it (made first).
  std::map<std::string, std::string> prefixes;  // temp prefix -> hex
  for (const auto& [hex, l] : layers) prefixes[LayerCache::temp_prefix(hex)] = hex;
  for (const auto& n : names) {
    auto it = prefixes.upper_bound(n);
    if (it == prefixes.begin()) continue;
    --it;
    if (n.starts_with(it->first)) layers[it->second].temps.push_back(n);
  }
  return layers;
}

enum class Type { Missing, Directory, Other };

Type type_of(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Type::Missing;
    throw_sys("stat", path);
  }
  return S_ISDIR(st.st_mode) ? Type::Directory : Type::Other;
}

// The layer's lock, taken without waiting: nullopt when a maker holds it. An
// absent lock file is held by nobody; it is only made to hold it for a repair.
std::optional<UniqueFd> try_lock(const std::string& path, bool create) {
  UniqueFd fd(::open(path.c_str(), (create ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    if (errno == ENOENT && !create) return UniqueFd();
    throw_sys("open", path);
  }
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return std::nullopt;
    if (errno != EINTR) throw_sys("lock", path);
  }
  return fd;
}

}  // namespace

void check_layer_cache(const LayerCache& cache, const oci::CheckOptions& o, oci::FsckReport& r) {
  for (const auto& [hex, names] : group(fs::list_dir(cache.dir()))) {
    std::string dir = cache.dir() + "/" + hex;
    std::string marker = LayerCache::marker_path(dir);
    bool marked = type_of(marker) != Type::Missing;
    Type layer = type_of(dir);
    if (names.temps.empty() && (marked ? layer == Type::Directory : layer == Type::Missing)) {
      if (marked) ++r.layers;
      continue;  // complete, or only its lock file is left
    }
    auto lock = try_lock(LayerCache::lock_path(dir), o.repair);
    if (!lock) {
      r.in_use += names.temps.size() + (!marked && layer != Type::Missing ? 1 : 0);
      continue;
    }
    // Judged again under the lock: a maker may have finished since the listing.
    marked = type_of(marker) != Type::Missing;
    layer = type_of(dir);
    auto add = [&](Kind kind, const std::string& path, const std::string& what, Fix fix, const std::string& victim) {
      oci::Finding& f = r.add(kind, path, what, fix);
      if (o.repair) f.apply([&] { cache.discard(victim); });
    };
    if (layer == Type::Directory && marked) ++r.layers;
    if (layer == Type::Directory && !marked)
      add(Kind::Leftover, dir, "layer directory without its completeness marker (an interrupted unpack)", Fix::Remove,
          dir);
    if (layer == Type::Other)
      add(Kind::Problem, dir, "not a directory, where an unpacked layer belongs", Fix::Remove, dir);
    if (layer != Type::Directory && marked)
      add(Kind::Problem, marker, "completeness marker without its layer directory", Fix::RemoveMarker, marker);
    for (const auto& t : names.temps) {
      std::string path = cache.dir() + "/" + t;
      if (type_of(path) == Type::Missing) continue;
      std::string what = fs::is_atomic_write_temp(t) ? "temp file of an interrupted marker write"
                                                     : "temp directory of an interrupted unpack";
      add(Kind::Leftover, path, what, Fix::Remove, path);
    }
  }
}

}  // namespace hoist::layers
