#include "layers/layer_stack.h"

#include <sys/xattr.h>

#include <cerrno>

#include "common/error.h"

namespace hoist::layers {

bool has_opaque_root(const std::string& layer) {
  for (const char* key : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
    char value[2];
    ssize_t n = ::getxattr(layer.c_str(), key, value, sizeof value);
    if (n == 1 && value[0] == 'y') return true;
    // ENODATA: not set; ENOTSUP: this filesystem has none; ERANGE: not "y".
    if (n < 0 && errno != ENODATA && errno != ENOTSUP && errno != ERANGE)
      throw_sys(std::string("getxattr ") + key, layer);
  }
  return false;
}

std::vector<std::string> visible_layers(const std::vector<std::string>& top_first) {
  std::vector<std::string> out;
  for (const auto& layer : top_first) {
    out.push_back(layer);
    if (has_opaque_root(layer)) break;
  }
  return out;
}

}  // namespace hoist::layers
