#include "builder/copy_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <memory>

#include "common/error.h"
#include "layers/stream.h"
#include "layers/unpack.h"

namespace hoist::builder {

namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

// Filters only, no lookalikes: lz4, lzip or compress(1) are not archives to ADD.
ArchivePtr open_filtered(int fd, const std::string& what, bool raw) {
  if (::lseek(fd, 0, SEEK_SET) != 0) throw_sys("seek", what);
  ArchivePtr a(archive_read_new());
  if (!a) throw Error("out of memory reading " + what);
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_zstd(a.get());
  if (raw) {
    archive_read_support_format_raw(a.get());
  } else {
    archive_read_support_format_tar(a.get());
    archive_read_support_format_gnutar(a.get());
  }
  return a;
}

// The decompressed bytes of the file, for the unpacker's tar reader.
class DecompressedReader : public layers::Reader {
 public:
  DecompressedReader(archive* a, std::string what) : a_(a), what_(std::move(what)) {}
  size_t read(void* data, size_t size) override {
    la_ssize_t n = archive_read_data(a_, data, size);
    if (n < 0) throw Error("decompressing " + what_ + ": " + archive_error_string(a_));
    return static_cast<size_t>(n);
  }

 private:
  archive* a_;
  std::string what_;
};

}  // namespace

bool is_tar_archive(int fd, const std::string& what) {
  ArchivePtr a = open_filtered(fd, what, false);
  if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK) return false;
  archive_entry* entry = nullptr;
  int r = archive_read_next_header(a.get(), &entry);
  return r == ARCHIVE_OK || r == ARCHIVE_WARN;
}

void extract_archive(int fd, const std::string& what, const std::string& dest) {
  ArchivePtr a = open_filtered(fd, what, true);
  archive_entry* entry = nullptr;
  if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &entry) != ARCHIVE_OK)
    throw Error("reading " + what + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "empty"));
  DecompressedReader tar(a.get(), what);
  with_context("extracting " + what, [&] { layers::unpack_tar(tar, dest); });
}

}  // namespace hoist::builder
