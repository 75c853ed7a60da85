// write_layer_from_tar: an existing tar (e.g. `hoist import rootfs.tar`) made
// into a layer in one streaming pass, so owners survive without root and the
// memory used does not grow with the archive.
#include <archive.h>
#include <archive_entry.h>

#include <cstring>

#include "common/error.h"
#include "layers/layer_pipeline.h"
#include "layers/layer_writer.h"

namespace hoist::layers {

namespace {

struct ArchiveReader {
  explicit ArchiveReader(Reader& r) : in(r) {}
  Reader& in;
  std::string buf = std::string(1 << 20, '\0');
  std::string pending_error;

  static la_ssize_t on_read(archive*, void* self, const void** out) {
    auto* r = static_cast<ArchiveReader*>(self);
    try {
      *out = r->buf.data();
      return static_cast<la_ssize_t>(r->in.read(r->buf.data(), r->buf.size()));
    } catch (const Error& e) {
      // libarchive is C: carry the error across it and rethrow on our side.
      r->pending_error = e.describe();
      return -1;
    }
  }
};

// Entry data as a Reader over libarchive's current entry.
class EntryData : public Reader {
 public:
  explicit EntryData(archive* a) : a_(a) {}
  size_t read(void* d, size_t n) override {
    la_ssize_t got = archive_read_data(a_, d, n);
    if (got < 0) throw Error(std::string("reading tar data: ") + archive_error_string(a_));
    return static_cast<size_t>(got);
  }

 private:
  archive* a_;
};

// "./a/b/" -> "a/b/"; "/etc" -> "etc"; any ".." component is refused.
std::string clean_name(const std::string& raw, bool keep_trailing_slash) {
  std::string out;
  size_t i = 0;
  while (i <= raw.size()) {
    size_t j = raw.find('/', i);
    if (j == std::string::npos) j = raw.size();
    std::string part = raw.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") throw Error("tar entry \"" + raw + "\" has a \"..\" path component");
    if (!out.empty()) out += '/';
    out += part;
  }
  if (keep_trailing_slash && !out.empty()) out += '/';
  return out;
}

}  // namespace

LayerResult write_layer_from_tar(Reader& tar_in, Writer& out, const LayerOptions& options) {
  LayerPipeline pipeline(out, options);
  TarWriter& tar = pipeline.tar();

  auto plain = make_decompressor(tar_in);
  ArchiveReader src(*plain);
  archive* a = archive_read_new();
  struct Guard {
    archive* a;
    ~Guard() { archive_read_free(a); }
  } guard{a};
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  if (archive_read_open(a, &src, nullptr, &ArchiveReader::on_read, nullptr) != ARCHIVE_OK)
    throw Error(src.pending_error.empty() ? std::string("not a tar archive: ") + archive_error_string(a)
                                          : src.pending_error);
  for (;;) {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(a, &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      if (!src.pending_error.empty()) throw Error(src.pending_error);
      throw Error(std::string("invalid tar archive: ") + archive_error_string(a));
    }
    std::string raw = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    std::string name = clean_name(raw, archive_entry_filetype(e) == AE_IFDIR);
    if (name.empty()) continue;  // the archive's own root "./" is not an entry of the layer
    archive_entry_set_pathname(e, name.c_str());
    if (const char* link = archive_entry_hardlink(e)) {
      std::string target = clean_name(link, false);
      archive_entry_set_hardlink(e, target.c_str());
    }
    // Names of owners are ignored by image consumers and differ between machines.
    archive_entry_set_uname(e, nullptr);
    archive_entry_set_gname(e, nullptr);
    EntryData data(a);
    with_context("tar entry " + raw, [&] { tar.add_entry(e, data); });
  }
  return pipeline.finish();
}

}  // namespace hoist::layers
