#pragma once
// Layer directories of the layer cache stacked into one root filesystem.
// overlayfs merges the root directories of all its lower layers whatever
// their xattrs: an opaque marker on a layer's root (a tar with a top-level
// `.wh..wh..opq`, "nothing from below survives") would hide nothing. Every
// place that stacks layers (the overlay mounts, the chroot-isolation copy)
// takes the stack from here, which ends it at such a layer instead.
#include <string>
#include <vector>

namespace hoist::layers {

// Whether the directory `layer` is marked opaque (trusted.overlay.opaque, or
// user.overlay.opaque as a rootless unpack writes it). Throws hoist::Error
// when it cannot be read.
bool has_opaque_root(const std::string& layer);

// `top_first` up to and including its first layer with an opaque root.
std::vector<std::string> visible_layers(const std::vector<std::string>& top_first);

}  // namespace hoist::layers
