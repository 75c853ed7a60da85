#include "layers/blob_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "common/fd.h"
#include "common/fs.h"
#include "tests/byte_pattern.h"

using namespace hoist;
using namespace hoist::layers;

namespace {

// Whether the first page of `path` is in the page cache (mincore only looks).
bool cached(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  void* page = ::mmap(nullptr, 1, PROT_READ, MAP_SHARED, fd.get(), 0);
  EXPECT_NE(page, MAP_FAILED);
  unsigned char resident = 0;
  EXPECT_EQ(::mincore(page, 1, &resident), 0);
  ::munmap(page, 1);
  return resident & 1;
}

// Drops the file's clean pages from the cache, as a long idle time would.
void evict(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ::fdatasync(fd.get());
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
}

}  // namespace

// A blob read while out of the cache is read around it and stays out; a
// cached one is read through it. Either way every byte arrives, in order.
TEST(BlobReader, ReadsEveryByteCachedOrNot) {
  // In the working directory (ctest's is the build tree): $TMPDIR may be a
  // tmpfs, whose pages cannot be evicted.
  fs::TempDir t(".");
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{(1 << 20) + 1}, size_t{(3 << 20) + 777}}) {
    std::string path = t.path() + "/blob";
    std::string bytes = test::byte_pattern(size);
    fs::write_file_atomic(path, bytes);
    StringWriter through;
    BlobReader cached_reader(path);
    EXPECT_FALSE(cached_reader.bypasses_cache());
    copy_stream(cached_reader, through);
    EXPECT_EQ(through.out, bytes) << "cached, size " << size;
    if (size == 0) continue;
    evict(path);
    ASSERT_FALSE(cached(path)) << "could not evict " << path;
    // Taken in libcurl's upload-sized pieces, not the reader's own 1 MiB.
    BlobReader evicted_reader(path);
    EXPECT_TRUE(evicted_reader.bypasses_cache());
    std::string around, piece(512 << 10, '\0');
    while (size_t n = evicted_reader.read(piece.data(), piece.size())) around.append(piece, 0, n);
    EXPECT_EQ(around, bytes) << "evicted, size " << size;
    EXPECT_FALSE(cached(path)) << "the read of an evicted blob of " << size << " bytes filled the cache";
  }
}
