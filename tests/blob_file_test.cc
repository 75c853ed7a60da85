#include "oci/blob_file.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/user_namespace.h"

using namespace hoist;
using namespace hoist::oci;

namespace {

// Bytes that differ at every offset, so a chunk written twice or skipped shows.
std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 4096) & 0xff);
  return s;
}

struct Dirs {
  fs::TempDir t;
  std::string blobs = t.path() + "/blobs";
  std::string tmp = t.path() + "/tmp";
  Dirs() {
    fs::mkdir_p(blobs);
    fs::mkdir_p(tmp);
  }
};

// Writes `bytes` in pieces of `piece` bytes and returns what landed on disk.
std::string round_trip(Dirs& d, BlobFile::Cache cache, const std::string& bytes, size_t piece) {
  BlobFile f(d.blobs, d.tmp, cache);
  for (size_t at = 0; at < bytes.size(); at += piece) f.write(bytes.data() + at, std::min(piece, bytes.size() - at));
  Digest got = f.commit(Digest::of(bytes));
  EXPECT_EQ(got, Digest::of(bytes));
  return fs::read_file(d.blobs + "/" + std::string(got.hex()));
}

}  // namespace

// Sizes around the 1 MiB buffer and the 4 KiB block, in libcurl-sized and odd pieces.
TEST(BlobFile, EverySizeLandsWhole) {
  for (auto cache : {BlobFile::Cache::Use, BlobFile::Cache::Bypass}) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{(1 << 20) - 1}, size_t{1 << 20},
                        size_t{(1 << 20) + 1}, size_t{(3 << 20) + 8192}, size_t{(3 << 20) + 12345}}) {
      for (size_t piece : {size_t{16384}, size_t{7}, size_t{3 << 20}}) {
        if (piece == 7 && size > (1 << 20) + 1) continue;  // byte-sized pieces of megabytes prove nothing more
        Dirs d;
        std::string bytes = pattern(size);
        EXPECT_EQ(round_trip(d, cache, bytes, piece), bytes)
            << "size " << size << ", pieces of " << piece << (cache == BlobFile::Cache::Bypass ? ", bypass" : "");
        EXPECT_TRUE(fs::is_empty_dir(d.tmp));
      }
    }
  }
}

// The test machines' $TMPDIR (ext4, or tmpfs since Linux 6.6) takes O_DIRECT:
// the bypass must really happen there, or the option is silently a no-op.
TEST(BlobFile, BypassGoesAroundThePageCacheWhereTheFilesystemAllows) {
  Dirs d;
  BlobFile use(d.blobs, d.tmp);
  EXPECT_FALSE(use.bypasses_cache());
  BlobFile bypass(d.blobs, d.tmp, BlobFile::Cache::Bypass);
  ASSERT_TRUE(bypass.bypasses_cache()) << d.tmp << " refused O_DIRECT";
  std::string bytes = pattern((2 << 20) + 100);
  bypass.write(bytes.data(), bytes.size());
  EXPECT_TRUE(bypass.bypasses_cache()) << "the full megabytes went through the cache";
  bypass.commit(Digest::of(bytes));
  EXPECT_EQ(fs::read_file(d.blobs + "/" + std::string(Digest::of(bytes).hex())), bytes);
}

TEST(BlobFile, MismatchLeavesNothing) {
  Dirs d;
  {
    BlobFile f(d.blobs, d.tmp, BlobFile::Cache::Bypass);
    std::string bytes = pattern(3 << 20);
    f.write(bytes.data(), bytes.size());
    EXPECT_THROW(f.commit(Digest::of("other")), Error);
  }
  EXPECT_TRUE(fs::is_empty_dir(d.tmp));
  EXPECT_TRUE(fs::is_empty_dir(d.blobs));
}

// ramfs refuses O_DIRECT (EINVAL from fcntl): a bypass there must still write
// the whole blob, through the cache. Mounted in a user and mount namespace of
// the test's own, so it runs as any user.
TEST(BlobFile, AFilesystemWithoutODirectGetsBufferedWrites) {
  fs::TempDir t;
  std::string bytes = pattern((3 << 20) + 777);
  std::string got = layers::run_in_user_namespace(layers::current_user_id_map(), [&]() -> std::string {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      throw_sys("unshare", "a mount namespace");
    if (::mount("none", t.path().c_str(), "ramfs", 0, nullptr) != 0) throw_sys("mount ramfs on", t.path());
    fs::mkdir_p(t.path() + "/blobs");
    fs::mkdir_p(t.path() + "/tmp");
    BlobFile f(t.path() + "/blobs", t.path() + "/tmp", BlobFile::Cache::Bypass);
    if (f.bypasses_cache()) return "ramfs took O_DIRECT";
    f.write(bytes.data(), bytes.size());
    Digest d = f.commit(Digest::of(bytes));
    return fs::read_file(t.path() + "/blobs/" + std::string(d.hex())) == bytes ? "same" : "different";
  });
  EXPECT_EQ(got, "same");
}

namespace {

class StringWriter : public layers::Writer {
 public:
  void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
  std::string out;
};

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
    std::string bytes = pattern(size);
    fs::write_file_atomic(path, bytes);
    StringWriter through;
    BlobReader cached_reader(path);
    EXPECT_FALSE(cached_reader.bypasses_cache());
    layers::copy_stream(cached_reader, through);
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
