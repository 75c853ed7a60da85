#include "builder/import.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>

#include "builder/config_change.h"
#include "common/error.h"
#include "common/fd.h"
#include "layers/layer_writer.h"
#include "layers/store_writer.h"
#include "oci/image_config.h"
#include "oci/media_types.h"

namespace hoist::builder {

namespace {

layers::LayerResult write_layer(oci::Store& store, const std::string& source, const layers::LayerOptions& lo) {
  auto blob = store.blob_writer();
  layers::StoreWriter out(*blob);
  layers::LayerResult r;
  struct stat st;
  if (source != "-" && ::stat(source.c_str(), &st) != 0) throw_sys("stat", source);
  if (source != "-" && S_ISDIR(st.st_mode)) {
    r = layers::write_layer_from_dir(source, out, lo);
  } else {
    UniqueFd fd(source == "-" ? ::dup(0) : ::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) throw_sys("open", source);
    layers::FdReader in(fd.get(), source == "-" ? "standard input" : source);
    r = layers::write_layer_from_tar(in, out, lo);
  }
  blob->commit(r.digest);
  return r;
}

}  // namespace

ImportResult import_rootfs(oci::Store& store, const std::string& source, const std::string& ref,
                           const ImportOptions& options) {
  return with_context("importing " + source, [&] {
    oci::ImageConfig config;
    for (auto& c : options.changes) apply_change(config.config, c);

    layers::LayerOptions lo;
    lo.compression = options.compression;
    lo.clamp_mtime = options.timestamp;
    layers::LayerResult layer = write_layer(store, source, lo);

    int64_t now = options.timestamp ? *options.timestamp : static_cast<int64_t>(::time(nullptr));
    config.created = oci::format_rfc3339(now);
    config.architecture = options.platform.architecture;
    config.os = options.platform.os;
    config.variant = options.platform.variant;
    config.diff_ids = {layer.diff_id};
    oci::HistoryEntry h;
    h.created = config.created;
    h.created_by = "hoist import " + (source == "-" ? std::string("-") : source.substr(source.rfind('/') + 1));
    h.comment = options.message;
    config.history = {h};

    std::string config_bytes = config.serialize();
    oci::Manifest m;
    m.media_type = std::string(oci::media::kOciManifest);
    m.config = oci::describe(oci::media::kOciConfig, config_bytes);
    oci::Descriptor ld;
    ld.media_type = oci::media::layer_type(layers::compression_name(options.compression), false);
    ld.digest = layer.digest;
    ld.size = static_cast<int64_t>(layer.size);
    m.layers = {ld};
    std::string manifest_bytes = m.serialize();

    // Blobs before the manifest, the manifest before the tag: a reader never
    // finds a name whose content is missing.
    store.put_blob(config_bytes);
    store.put_blob(manifest_bytes);
    ImportResult r;
    r.manifest = oci::describe(oci::media::kOciManifest, manifest_bytes);
    store.tag(ref, r.manifest);
    r.config = m.config.digest;
    r.layer = layer.digest;
    return r;
  });
}

}  // namespace hoist::builder
