#pragma once
// Descriptors and the two manifest documents (image manifest, index). Each
// document keeps the exact bytes it was parsed from or serialised to: those
// are the bytes that are hashed, stored and sent.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/digest.h"
#include "oci/platform.h"

namespace hoist::oci {

using Annotations = std::map<std::string, std::string>;

inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::vector<std::string> urls;
  Annotations annotations;
  std::optional<Platform> platform;
  std::string artifact_type;
  std::string extra_json;  // fields hoist does not model, kept for round trips

  std::string annotation(std::string_view key) const;
};

struct Manifest {
  int schema_version = 2;
  std::string media_type;
  std::string artifact_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::optional<Descriptor> subject;
  Annotations annotations;
  std::string extra_json;

  // Throws hoist::Error on malformed JSON or a missing config.
  static Manifest parse(std::string_view bytes);
  std::string serialize() const;
};

struct Index {
  int schema_version = 2;
  std::string media_type;
  std::string artifact_type;
  std::vector<Descriptor> manifests;
  std::optional<Descriptor> subject;
  Annotations annotations;
  std::string extra_json;

  static Index parse(std::string_view bytes);
  std::string serialize() const;
};

// The media type of a manifest document: its own `mediaType`, else guessed
// from its shape (`manifests` => index, `config`/`layers` => image manifest).
std::string detect_media_type(std::string_view bytes);

// A descriptor for a document's exact bytes.
Descriptor describe(std::string_view media_type, std::string_view bytes);

}  // namespace hoist::oci
