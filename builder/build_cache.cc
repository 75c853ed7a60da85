#include "builder/build_cache.h"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs.h"
#include "oci/store.h"

namespace hoist::builder {

namespace {

using Json = nlohmann::ordered_json;

// Length-prefixed, so that no instruction, arg or content can be shifted
// into a neighbouring field and give another step's key.
void field(oci::Sha256& h, std::string_view s) {
  h.update(std::to_string(s.size()));
  h.update(":");
  h.update(s);
}

Json layer_to_json(const oci::Descriptor& d) {
  Json j;
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest.str();
  j["size"] = d.size;
  if (!d.urls.empty()) j["urls"] = d.urls;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  if (!d.artifact_type.empty()) j["artifactType"] = d.artifact_type;
  return j;
}

std::optional<oci::Descriptor> layer_from_json(const Json& j) {
  if (!j.is_object() || !j.contains("digest") || !j["digest"].is_string() || !j.contains("size") ||
      !j["size"].is_number_integer() || !j.contains("mediaType") || !j["mediaType"].is_string())
    return std::nullopt;
  const std::string digest = j["digest"].get<std::string>();
  if (!oci::Digest::valid(digest)) return std::nullopt;
  oci::Descriptor d;
  d.media_type = j["mediaType"].get<std::string>();
  d.digest = oci::Digest::parse(digest);
  d.size = j["size"].get<int64_t>();
  if (j.contains("urls")) d.urls = j["urls"].get<std::vector<std::string>>();
  if (j.contains("annotations")) d.annotations = j["annotations"].get<oci::Annotations>();
  if (j.contains("artifactType")) d.artifact_type = j["artifactType"].get<std::string>();
  return d;
}

}  // namespace

// The cache only ever misses on what this does not accept.
std::optional<CacheRecord> parse_cache_record(const std::string& bytes) {
  try {
    Json j = Json::parse(bytes);
    if (!j.is_object() || !j.contains("created") || !j["created"].is_string()) return std::nullopt;
    CacheRecord r;
    r.created = j["created"].get<std::string>();
    if (j.contains("layer") && !j["layer"].is_null()) {
      r.layer = layer_from_json(j["layer"]);
      if (!r.layer || !j.contains("diffID") || !j["diffID"].is_string()) return std::nullopt;
      const std::string diff_id = j["diffID"].get<std::string>();
      if (!oci::Digest::valid(diff_id)) return std::nullopt;
      r.diff_id = oci::Digest::parse(diff_id);
    }
    return r;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

std::string step_cache_key(const std::string& parent_key, const std::string& instruction,
                           const std::vector<std::pair<std::string, std::string>>& visible_args,
                           const std::string& content) {
  auto args = visible_args;
  std::sort(args.begin(), args.end());
  oci::Sha256 h;
  field(h, "hoist step v1");
  field(h, parent_key);
  field(h, instruction);
  field(h, std::to_string(args.size()));
  for (const auto& [name, value] : args) {
    field(h, name);
    field(h, value);
  }
  field(h, content);
  return h.finish().str();
}

std::string base_cache_key(const std::string& base_manifest_digest, const std::string& platform) {
  oci::Sha256 h;
  field(h, "hoist base v1");
  field(h, base_manifest_digest);
  field(h, platform);
  return h.finish().str();
}

BuildCache::BuildCache(std::string hoist_root) : dir_(std::move(hoist_root) + "/cache/steps") {}

std::string BuildCache::path_of(const std::string& key) const {
  // Only keys of our own making become file names: nothing can name a path elsewhere.
  if (!oci::Digest::valid(key)) throw Error("invalid build cache key \"" + key + "\"");
  return dir_ + "/" + key.substr(7);
}

std::optional<CacheRecord> BuildCache::lookup(const std::string& key, const oci::Store& store) const {
  const std::string path = path_of(key);
  std::string bytes;
  try {
    if (!fs::exists(path)) return std::nullopt;
    bytes = fs::read_file(path);
  } catch (const Error&) {
    return std::nullopt;  // unreadable: the step runs again and record() replaces it
  }
  std::optional<CacheRecord> r = parse_cache_record(bytes);
  // A concurrent record() may have just renamed a good record into place;
  // removing it then costs one later miss, never a wrong hit.
  if (!r || (r->layer && !store.has_blob(r->layer->digest))) {
    ::unlink(path.c_str());
    return std::nullopt;
  }
  return r;
}

void BuildCache::record(const std::string& key, const CacheRecord& r) {
  const std::string path = path_of(key);
  if (r.layer && r.diff_id.empty()) throw Error("build cache record " + key + " has a layer but no diff_id");
  Json j;
  j["layer"] = r.layer ? layer_to_json(*r.layer) : Json(nullptr);
  if (r.layer) j["diffID"] = r.diff_id.str();
  j["created"] = r.created;
  with_context("recording build cache entry " + key, [&] {
    fs::mkdir_p(dir_);
    fs::write_file_atomic(path, j.dump() + "\n");
  });
}

}  // namespace hoist::builder
