#include "oci/digest.h"

#include <gtest/gtest.h>

#include "common/error.h"

using hoist::oci::Digest;

TEST(Digest, HashesEmptyInput) {
  EXPECT_EQ(Digest::of("").str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, ParsesValid) {
  auto d = Digest::parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(d.algorithm(), "sha256");
  EXPECT_EQ(d.hex().size(), 64u);
}

TEST(Digest, RejectsInvalid) {
  for (const char* bad : {"", "sha256:", "sha256:abc", "md5:d41d8cd98f00b204e9800998ecf8427e",
                          "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                          "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g"}) {
    EXPECT_THROW(Digest::parse(bad), hoist::Error) << bad;
    EXPECT_FALSE(Digest::valid(bad)) << bad;
  }
}

TEST(Digest, StreamingEqualsOneShot) {
  hoist::oci::Sha256 h;
  h.update("hello ");
  h.update("world");
  EXPECT_EQ(h.finish(), Digest::of("hello world"));
}
