#pragma once
// nlohmann/json helpers private to oci/*.cc: keep this header out of public ones
// so the heavy template library is compiled only where documents are handled.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/error.h"

namespace hoist::oci::json {

using Json = nlohmann::ordered_json;

inline Json parse(std::string_view bytes, std::string_view what) {
  try {
    Json j = Json::parse(bytes);
    if (!j.is_object()) throw Error(std::string(what) + " is not a JSON object");
    return j;
  } catch (const Json::exception& e) {
    throw Error("invalid " + std::string(what) + " JSON: " + e.what());
  }
}

// Removes `key` from obj and returns it (null when absent).
inline Json take(Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return nullptr;
  Json v = std::move(*it);
  obj.erase(it);
  return v;
}

inline std::string take_string(Json& obj, const char* key) {
  Json v = take(obj, key);
  if (v.is_null()) return {};
  if (!v.is_string()) throw Error(std::string("field \"") + key + "\" must be a string");
  return v.get<std::string>();
}

// What remains of an object after the known fields were taken: kept verbatim.
inline std::string rest(const Json& obj) { return obj.empty() ? std::string() : obj.dump(); }

inline void merge_rest(Json& obj, const std::string& extra) {
  if (extra.empty()) return;
  const Json kept = Json::parse(extra);
  for (auto it = kept.begin(); it != kept.end(); ++it)
    if (!obj.contains(it.key())) obj[it.key()] = it.value();
}

}  // namespace hoist::oci::json
