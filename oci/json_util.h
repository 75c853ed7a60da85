#pragma once
// nlohmann/json helpers private to oci/*.cc: keep this header out of public ones
// so the heavy template library is compiled only where documents are handled.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace hoist::oci::json {

using Json = nlohmann::ordered_json;

// Deeper than any manifest, index or config needs; dumping and copying a
// document recurse, so a hostile one nested a million deep would exhaust the stack.
inline constexpr int kMaxDepth = 64;

// `key` fit for a one-line error: printable ASCII, the rest as \xNN, cut short.
inline std::string quote_key(const std::string& key) {
  std::string out = "\"";
  for (unsigned char c : key.substr(0, 64)) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += {'\\', 'x', hex[c >> 4], hex[c & 15]};
    }
  }
  return out + (key.size() > 64 ? "...\"" : "\"");
}

// Parses a document that must be a JSON object. Refused besides malformed
// JSON: a key twice in one object, which parsers resolve differently (Go keeps
// the last value, others the first), so a registry or a signer could be shown
// another document than the one hoist acts on; and nesting beyond kMaxDepth.
inline Json parse(std::string_view bytes, std::string_view what) {
  std::vector<std::set<std::string>> open_objects;  // the keys seen in each
  auto check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth > kMaxDepth) throw Error(std::string(what) + " is nested more than " + std::to_string(kMaxDepth) + " deep");
    switch (event) {
      case Json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        open_objects.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!open_objects.back().insert(parsed.get<std::string>()).second)
          throw Error(std::string(what) + " has the key " + quote_key(parsed.get<std::string>()) +
                      " twice in one object");
        break;
      default:
        break;
    }
    return true;
  };
  try {
    Json j = Json::parse(bytes, check);
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
