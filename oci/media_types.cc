#include "oci/media_types.h"

namespace hoist::oci::media {

std::string_view strip_parameters(std::string_view mt) {
  auto semi = mt.find(';');
  if (semi != std::string_view::npos) mt = mt.substr(0, semi);
  while (!mt.empty() && mt.back() == ' ') mt.remove_suffix(1);
  return mt;
}

bool is_manifest(std::string_view mt) {
  mt = strip_parameters(mt);
  return mt == kOciManifest || mt == kDockerManifest;
}

bool is_index(std::string_view mt) {
  mt = strip_parameters(mt);
  return mt == kOciIndex || mt == kDockerManifestList;
}

bool is_layer(std::string_view mt) {
  mt = strip_parameters(mt);
  return mt.starts_with("application/vnd.oci.image.layer.") ||
         mt.starts_with("application/vnd.docker.image.rootfs.");
}

std::string layer_type(std::string_view compression, bool docker) {
  if (compression == "gzip") return std::string(docker ? kDockerLayerGzip : kOciLayerGzip);
  if (compression == "zstd") return std::string(docker ? kDockerLayerZstd : kOciLayerZstd);
  return std::string(docker ? kDockerLayer : kOciLayer);
}

}  // namespace hoist::oci::media
