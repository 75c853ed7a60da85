#include "builder/build_state_check.h"

#include <cerrno>

#include "builder/build_cache.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/fs_leftovers.h"
#include "oci/digest.h"

namespace hoist::builder {

namespace {

using Kind = oci::Finding::Kind;
using Fix = oci::Finding::Fix;

void check_records(const oci::Store& store, const oci::CheckOptions& o, oci::FsckReport& r) {
  BuildCache steps(store.root());
  for (const auto& name : fs::list_dir(steps.dir())) {
    std::string path = steps.dir() + "/" + name;
    if (fs::is_atomic_write_temp(name)) {
      if (!o.writers_stopped) {
        ++r.in_use;
        continue;
      }
      oci::Finding& f = r.add(Kind::Leftover, path, "temp file of an interrupted build cache record", Fix::Remove);
      if (o.repair) f.apply([&] { fs::remove_all(path); });
      continue;
    }
    if (!oci::Digest::valid("sha256:" + name)) continue;  // not the cache's
    std::string bytes;
    try {
      bytes = fs::read_file(path);
    } catch (const Error&) {
      if (!fs::exists(path)) continue;  // replaced or removed by a build meanwhile
      throw;
    }
    ++r.cache_records;
    auto record = parse_cache_record(bytes);
    std::string what;
    if (!record)
      what = "build cache record that cannot be parsed";
    else if (record->layer && !store.has_blob(record->layer->digest))
      what = "build cache record of layer " + record->layer->digest.str() + ", which the store no longer has";
    else
      continue;
    oci::Finding& f = r.add(Kind::Leftover, path, what, Fix::Remove);
    if (o.repair) f.apply([&] { fs::remove_all(path); });
  }
}

// Every entry of `dir` is a running build's or a killed one's (see the header).
void check_scratch(const std::string& dir, const std::string& what, const layers::LayerCache& cache,
                   const oci::CheckOptions& o, oci::FsckReport& r) {
  for (const auto& name : fs::list_dir(dir)) {
    if (!o.writers_stopped) {
      ++r.in_use;
      continue;
    }
    std::string path = dir + "/" + name;
    if (auto mounts = fs::mounts_under(path); !mounts.empty()) {
      r.add(Kind::Problem, path, what + ", with " + mounts.front() + " still mounted", Fix::None);
      continue;
    }
    oci::Finding& f = r.add(Kind::Leftover, path, what, Fix::Remove);
    if (o.repair) f.apply([&] { cache.discard(path); });
  }
}

}  // namespace

void check_build_state(const oci::Store& store, const layers::LayerCache& cache, const oci::CheckOptions& o,
                       oci::FsckReport& r) {
  check_records(store, o, r);
  check_scratch(store.root() + "/build", "scratch directory of an interrupted build", cache, o, r);
  check_scratch(store.root() + "/cache/tmp", "cache-mount directory of an interrupted RUN", cache, o, r);
  std::string index = store.root() + "/cache/context-index";
  for (const auto& name : fs::list_dir(index)) {
    if (!fs::is_atomic_write_temp(name)) continue;
    if (!o.writers_stopped) {
      ++r.in_use;
      continue;
    }
    std::string path = index + "/" + name;
    oci::Finding& f = r.add(Kind::Leftover, path, "temp file of an interrupted build-context index", Fix::Remove);
    if (o.repair) f.apply([&] { fs::remove_all(path); });
  }
}

}  // namespace hoist::builder
