// libFuzzer target: any bytes as a layer blob (gzip, zstd or plain tar)
// through the layer reader, unpacked into a fresh scratch directory that is
// removed afterwards. Errors are fine (hoist::Error); crashes, hangs and
// anything written outside the scratch directory are not.
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"
#include "layers/layer_reader.h"
#include "layers/stream.h"
#include "oci/digest.h"

namespace {

// A decompression bomb must not fill the disk: files stop growing at 4 MiB
// (the write fails with EFBIG instead of killing the process with SIGXFSZ).
// libFuzzer's own files (crash inputs, corpus entries) are far smaller.
void limit_file_size() {
  signal(SIGXFSZ, SIG_IGN);
  rlimit r{4 << 20, 4 << 20};
  setrlimit(RLIMIT_FSIZE, &r);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  limit_file_size();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view blob(reinterpret_cast<const char*>(data), size);
  const char* tmp = getenv("TMPDIR");
  std::string scratch = std::string(tmp && *tmp ? tmp : "/tmp") + "/hoist-layer-fuzz.XXXXXX";
  if (!mkdtemp(scratch.data())) __builtin_trap();
  std::string dest = scratch + "/root";
  std::filesystem::create_directory(dest);
  // The digest is right: what is exercised is the tar, not the digest check.
  auto digest = hoist::oci::Digest::of(blob);
  hoist::layers::UnpackOptions options;
  options.preserve_owner = false;
  try {
    hoist::layers::BufferReader in(blob);
    hoist::layers::unpack_layer(in, digest, dest, options);
  } catch (const hoist::Error&) {
    // a broken archive is an expected outcome for fuzzed input
  }
  // Everything the layer made is inside `scratch`: a sibling would be an escape.
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(scratch, ec))
    if (e.path().filename() != "root") __builtin_trap();
  std::filesystem::permissions(scratch, std::filesystem::perms::owner_all, ec);
  // Directories the layer made unwritable must become writable to be removed.
  for (auto it = std::filesystem::recursive_directory_iterator(dest, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec))
      std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::add, ec);
  std::filesystem::remove_all(scratch, ec);
  return 0;
}
