#include "layers/layer_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/fs.h"
#include "layers/layer_writer.h"

using namespace hoist;
using namespace hoist::layers;

namespace {

// A small tree written as a layer with the given compression.
std::string make_blob(const std::string& src, Compression c, LayerResult* r) {
  fs::mkdir_p(src + "/dir/sub");
  fs::write_file_atomic(src + "/dir/file", "content");
  ::symlink("file", (src + "/dir/link").c_str());
  StringWriter out;
  LayerOptions o;
  o.compression = c;
  *r = write_layer_from_dir(src, out, o);
  return out.out;
}

}  // namespace

TEST(LayerReader, UnpacksAndReportsDiffId) {
  for (auto c : {Compression::Gzip, Compression::Zstd, Compression::None}) {
    fs::TempDir t;
    LayerResult written;
    std::string blob = make_blob(t.path() + "/src", c, &written);
    fs::mkdir_p(t.path() + "/dest");
    BufferReader in(blob);
    auto r = unpack_layer(in, written.digest, t.path() + "/dest");
    EXPECT_EQ(r.diff_id, written.diff_id) << compression_name(c);
    EXPECT_EQ(fs::read_file(t.path() + "/dest/dir/file"), "content");
    struct stat st;
    ASSERT_EQ(::lstat((t.path() + "/dest/dir/link").c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
  }
}

TEST(LayerReader, RejectsWrongDigest) {
  fs::TempDir t;
  LayerResult written;
  std::string blob = make_blob(t.path() + "/src", Compression::Gzip, &written);
  fs::mkdir_p(t.path() + "/dest");
  BufferReader in(blob);
  try {
    unpack_layer(in, oci::Digest::of("something else"), t.path() + "/dest");
    FAIL() << "accepted a blob with the wrong digest";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("digest mismatch"), std::string::npos) << e.describe();
    EXPECT_NE(e.describe().find(written.digest.str()), std::string::npos) << e.describe();
  }
}

TEST(LayerReader, CorruptBlobNamesDigest) {
  fs::TempDir t;
  LayerResult written;
  std::string blob = make_blob(t.path() + "/src", Compression::Gzip, &written);
  blob[blob.size() / 2] ^= 0x55;
  fs::mkdir_p(t.path() + "/dest");
  BufferReader in(blob);
  try {
    unpack_layer(in, written.digest, t.path() + "/dest");
    FAIL() << "accepted a corrupt blob";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find(written.digest.str()), std::string::npos) << e.describe();
  }
}

TEST(LayerReader, TruncatedBlobFails) {
  fs::TempDir t;
  LayerResult written;
  std::string blob = make_blob(t.path() + "/src", Compression::Zstd, &written);
  blob.resize(blob.size() - 5);
  fs::mkdir_p(t.path() + "/dest");
  BufferReader in(blob);
  EXPECT_THROW(unpack_layer(in, written.digest, t.path() + "/dest"), Error);
}
