#pragma once
// Writing JSON documents whose strings hold bytes from users (a LABEL value,
// a RUN line in `created_by`, a file name): nlohmann's dump throws on bytes
// that are not UTF-8 (type_error 316), which would leave no document at all.
// These write what Go's encoding/json writes for them instead. Like
// json_util.h, for .cc files only.
#include <nlohmann/json.hpp>
#include <string>

#include "common/utf8.h"

namespace hoist::oci::json {

// Replaces every string and key of `j` that is not UTF-8 (replace_invalid_utf8).
inline void make_valid_utf8(nlohmann::ordered_json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    if (!is_valid_utf8(s)) s = replace_invalid_utf8(s);
  } else if (j.is_array()) {
    for (auto& v : j) make_valid_utf8(v);
  } else if (j.is_object()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      make_valid_utf8(it.value());
      // Two keys that differ only in invalid bytes become one, the last value
      // winning: a document with a key twice would be refused when read
      // back, and a Go reader of docker's output would keep the last too.
      out[replace_invalid_utf8(it.key())] = std::move(it.value());
    }
    j = std::move(out);
  }
}

// j.dump(indent), with what is not UTF-8 replaced first. Valid documents,
// nearly all of them, are dumped once and not copied.
inline std::string dump_text(const nlohmann::ordered_json& j, int indent = -1) {
  try {
    return j.dump(indent);
  } catch (const nlohmann::ordered_json::type_error& e) {
    if (e.id != 316) throw;
  }
  nlohmann::ordered_json valid = j;
  make_valid_utf8(valid);
  return valid.dump(indent);
}

}  // namespace hoist::oci::json
