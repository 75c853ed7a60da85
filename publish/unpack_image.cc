#include <fcntl.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fd.h"
#include "layers/layer_reader.h"
#include "oci/image_config.h"
#include "oci/media_types.h"
#include "publish/image_io.h"

namespace hoist::publish {

namespace {

class SpooledReader : public layers::Reader {
 public:
  explicit SpooledReader(UniqueFd fd) : fd_(std::move(fd)), in_(fd_.get(), "spooled blob") {}
  size_t read(void* d, size_t n) override { return in_.read(d, n); }

 private:
  UniqueFd fd_;
  layers::FdReader in_;
};

}  // namespace

std::unique_ptr<layers::Reader> ImageSource::open_blob(const oci::Descriptor& d) {
  const char* t = std::getenv("TMPDIR");
  std::string dir = t && *t ? t : "/tmp";
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd.valid()) throw_sys("create temp file in", dir);
  layers::FdWriter out(fd.get(), "spooled blob " + d.digest.str());
  read_blob(d, out);
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) throw_sys("seek", "spooled blob " + d.digest.str());
  return std::make_unique<SpooledReader>(std::move(fd));
}

void unpack_image(ImageSource& source, const oci::Descriptor& manifest, const std::string& dest) {
  with_context("unpacking image " + manifest.digest.str() + " into " + dest, [&] {
    if (!oci::media::is_manifest(manifest.media_type))
      throw Error("not an image manifest: " + manifest.media_type);
    auto m = oci::Manifest::parse(source.read_manifest(manifest));
    std::string config_bytes;
    {
      layers::StringWriter w;
      source.read_blob(m.config, w);
      if (oci::Digest::of(w.out) != m.config.digest) throw Error("config " + m.config.digest.str() + " is corrupt");
      config_bytes = std::move(w.out);
    }
    auto config = oci::ImageConfig::parse(config_bytes);
    if (config.diff_ids.size() != m.layers.size())
      throw Error("config lists " + std::to_string(config.diff_ids.size()) + " diffIDs for " +
                  std::to_string(m.layers.size()) + " layers");
    for (size_t i = 0; i < m.layers.size(); ++i) {
      auto blob = source.open_blob(m.layers[i]);
      auto r = layers::unpack_layer(*blob, m.layers[i].digest, dest);
      if (r.diff_id != config.diff_ids[i])
        throw Error("layer " + m.layers[i].digest.str() + " has diffID " + r.diff_id.str() + ", config says " +
                    config.diff_ids[i].str());
    }
  });
}

}  // namespace hoist::publish
