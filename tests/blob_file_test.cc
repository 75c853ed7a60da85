#include "oci/blob_file.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>

#include <string>

#include "common/error.h"
#include "common/fs.h"
#include "layers/user_namespace.h"
#include "tests/byte_pattern.h"

using namespace hoist;
using namespace hoist::oci;

namespace {

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
        std::string bytes = test::byte_pattern(size);
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
  std::string bytes = test::byte_pattern((2 << 20) + 100);
  bypass.write(bytes.data(), bytes.size());
  EXPECT_TRUE(bypass.bypasses_cache()) << "the full megabytes went through the cache";
  bypass.commit(Digest::of(bytes));
  EXPECT_EQ(fs::read_file(d.blobs + "/" + std::string(Digest::of(bytes).hex())), bytes);
}

TEST(BlobFile, MismatchLeavesNothing) {
  Dirs d;
  {
    BlobFile f(d.blobs, d.tmp, BlobFile::Cache::Bypass);
    std::string bytes = test::byte_pattern(3 << 20);
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
  std::string bytes = test::byte_pattern((3 << 20) + 777);
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
