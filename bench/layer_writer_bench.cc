// Layer writer throughput: directory -> tar -> compress -> hashes, output
// discarded. Prints one line per compression: bytes in, seconds, MB/s.
// Usage: layer_writer_bench DIR [gzip|zstd|none]...
#include <chrono>
#include <cstdio>
#include <string>

#include "common/error.h"
#include "layers/hashing_writer.h"
#include "layers/layer_writer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIR gzip|zstd|none...\n", argv[0]);
    return 2;
  }
  try {
    for (int i = 2; i < argc; ++i) {
      hoist::layers::LayerOptions opts;
      opts.compression = hoist::layers::parse_compression(argv[i]);
      hoist::layers::NullWriter out;
      auto t0 = std::chrono::steady_clock::now();
      auto r = hoist::layers::write_layer_from_dir(argv[1], out, opts);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("%s %llu %llu %.3f %.1f\n", argv[i], static_cast<unsigned long long>(r.uncompressed_size),
                  static_cast<unsigned long long>(r.size), secs, r.uncompressed_size / secs / 1e6);
    }
  } catch (const hoist::Error& e) {
    std::fprintf(stderr, "layer_writer_bench: %s\n", e.describe().c_str());
    return 1;
  }
  return 0;
}
