#include "oci/descriptor.h"

#include "oci/json_util.h"
#include "oci/media_types.h"

namespace hoist::oci {

using json::Json;

namespace {

Annotations take_annotations(Json& obj) {
  Annotations out;
  Json a = json::take(obj, "annotations");
  if (a.is_null()) return out;
  if (!a.is_object()) throw Error("annotations must be an object");
  for (auto& [k, v] : a.items()) {
    if (!v.is_string()) throw Error("annotation \"" + k + "\" must be a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

Platform platform_from_json(Json p) {
  if (!p.is_object()) throw Error("platform must be an object");
  Platform out;
  out.architecture = json::take_string(p, "architecture");
  out.os = json::take_string(p, "os");
  out.os_version = json::take_string(p, "os.version");
  out.variant = json::take_string(p, "variant");
  Json f = json::take(p, "os.features");
  if (f.is_array())
    for (auto& s : f) {
      if (!s.is_string()) throw Error("platform os.features must be an array of strings");
      out.os_features.push_back(s.get<std::string>());
    }
  return out;
}

Json platform_to_json(const Platform& p) {
  Json j = Json::object();
  j["architecture"] = p.architecture;
  j["os"] = p.os;
  if (!p.os_version.empty()) j["os.version"] = p.os_version;
  if (!p.os_features.empty()) j["os.features"] = p.os_features;
  if (!p.variant.empty()) j["variant"] = p.variant;
  return j;
}

Descriptor descriptor_from_json(Json d) {
  if (!d.is_object()) throw Error("descriptor must be an object");
  Descriptor out;
  out.media_type = json::take_string(d, "mediaType");
  std::string digest = json::take_string(d, "digest");
  if (digest.empty()) throw Error("descriptor has no digest");
  out.digest = Digest::parse(digest);
  Json size = json::take(d, "size");
  if (!size.is_number_integer() || size.get<int64_t>() < 0)
    throw Error("descriptor " + digest + " has no valid size");
  out.size = size.get<int64_t>();
  Json urls = json::take(d, "urls");
  if (urls.is_array())
    for (auto& u : urls) {
      if (!u.is_string()) throw Error("descriptor " + digest + " has urls that are not strings");
      out.urls.push_back(u.get<std::string>());
    }
  out.annotations = take_annotations(d);
  Json p = json::take(d, "platform");
  if (!p.is_null()) out.platform = platform_from_json(std::move(p));
  out.artifact_type = json::take_string(d, "artifactType");
  out.extra_json = json::rest(d);
  return out;
}

Json descriptor_to_json(const Descriptor& d) {
  Json j = Json::object();
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest.str();
  j["size"] = d.size;
  if (!d.urls.empty()) j["urls"] = d.urls;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  if (d.platform) j["platform"] = platform_to_json(*d.platform);
  if (!d.artifact_type.empty()) j["artifactType"] = d.artifact_type;
  json::merge_rest(j, d.extra_json);
  return j;
}

int take_schema_version(Json& obj, std::string_view what) {
  Json v = json::take(obj, "schemaVersion");
  if (!v.is_number_integer() || v.get<int>() != 2)
    throw Error(std::string(what) + " has schemaVersion other than 2");
  return 2;
}

}  // namespace

std::string Descriptor::annotation(std::string_view key) const {
  auto it = annotations.find(std::string(key));
  return it == annotations.end() ? std::string() : it->second;
}

Manifest Manifest::parse(std::string_view bytes) {
  return with_context("parsing image manifest", [&] {
    Json j = json::parse(bytes, "manifest");
    Manifest m;
    m.schema_version = take_schema_version(j, "manifest");
    m.media_type = json::take_string(j, "mediaType");
    m.artifact_type = json::take_string(j, "artifactType");
    Json config = json::take(j, "config");
    if (config.is_null()) throw Error("manifest has no config");
    m.config = descriptor_from_json(std::move(config));
    Json layers = json::take(j, "layers");
    if (layers.is_array())
      for (auto& l : layers) m.layers.push_back(descriptor_from_json(std::move(l)));
    else if (!layers.is_null())
      throw Error("manifest layers must be an array");
    Json subject = json::take(j, "subject");
    if (!subject.is_null()) m.subject = descriptor_from_json(std::move(subject));
    m.annotations = take_annotations(j);
    m.extra_json = json::rest(j);
    return m;
  });
}

std::string Manifest::serialize() const {
  Json j = Json::object();
  j["schemaVersion"] = schema_version;
  if (!media_type.empty()) j["mediaType"] = media_type;
  if (!artifact_type.empty()) j["artifactType"] = artifact_type;
  j["config"] = descriptor_to_json(config);
  j["layers"] = Json::array();
  for (auto& l : layers) j["layers"].push_back(descriptor_to_json(l));
  if (subject) j["subject"] = descriptor_to_json(*subject);
  if (!annotations.empty()) j["annotations"] = annotations;
  json::merge_rest(j, extra_json);
  return j.dump();
}

Index Index::parse(std::string_view bytes) {
  return with_context("parsing image index", [&] {
    Json j = json::parse(bytes, "index");
    Index ix;
    ix.schema_version = take_schema_version(j, "index");
    ix.media_type = json::take_string(j, "mediaType");
    ix.artifact_type = json::take_string(j, "artifactType");
    Json manifests = json::take(j, "manifests");
    if (manifests.is_array())
      for (auto& m : manifests) ix.manifests.push_back(descriptor_from_json(std::move(m)));
    else if (!manifests.is_null())
      throw Error("index manifests must be an array");
    Json subject = json::take(j, "subject");
    if (!subject.is_null()) ix.subject = descriptor_from_json(std::move(subject));
    ix.annotations = take_annotations(j);
    ix.extra_json = json::rest(j);
    return ix;
  });
}

std::string Index::serialize() const {
  Json j = Json::object();
  j["schemaVersion"] = schema_version;
  if (!media_type.empty()) j["mediaType"] = media_type;
  if (!artifact_type.empty()) j["artifactType"] = artifact_type;
  j["manifests"] = Json::array();
  for (auto& m : manifests) j["manifests"].push_back(descriptor_to_json(m));
  if (subject) j["subject"] = descriptor_to_json(*subject);
  if (!annotations.empty()) j["annotations"] = annotations;
  json::merge_rest(j, extra_json);
  return j.dump();
}

std::string detect_media_type(std::string_view bytes) {
  Json j = json::parse(bytes, "manifest");
  if (j.contains("mediaType") && j["mediaType"].is_string()) return j["mediaType"].get<std::string>();
  if (j.contains("manifests")) return std::string(media::kOciIndex);
  if (j.contains("config") || j.contains("layers")) return std::string(media::kOciManifest);
  throw Error("document is neither an image manifest nor an index");
}

Descriptor describe(std::string_view media_type, std::string_view bytes) {
  Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = Digest::of(bytes);
  d.size = static_cast<int64_t>(bytes.size());
  return d;
}

}  // namespace hoist::oci
