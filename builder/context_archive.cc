#include "builder/context_archive.h"

#include <sys/stat.h>

#include "common/error.h"
#include "layers/compression.h"
#include "layers/stream.h"
#include "layers/unpack.h"

namespace hoist::builder {

bool is_context_archive(const std::string& context) {
  struct stat st;
  return ::stat(context.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void extract_context(const std::string& archive, const std::string& dest) {
  with_context("build context " + archive, [&] {
    layers::FileReader file(archive);
    auto tar = layers::make_decompressor(file);
    layers::UnpackOptions options;
    options.preserve_owner = false;  // COPY from the context makes files root's anyway
    layers::unpack_tar(*tar, dest, options);
  });
}

}  // namespace hoist::builder
