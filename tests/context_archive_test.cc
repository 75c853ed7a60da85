#include "builder/context_archive.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/fs.h"
#include "layers/compression.h"
#include "tests/test_support.h"
#include "tests/unpack_test_support.h"

using namespace hoist;

TEST(ContextArchive, PlainAndCompressedTarsAreExtracted) {
  fs::TempDir tmp;
  std::string tar = test::make_tar({test::tar_dir("src/"), test::tar_file("src/a.txt", "a"),
                                    test::tar_file("Dockerfile", "FROM scratch\n")});
  fs::write_file_atomic(tmp.path() + "/ctx.tar", tar);
  layers::StringWriter gz;
  {
    auto c = layers::make_compressor(layers::Compression::Gzip, gz);
    c->write(tar.data(), tar.size());
    c->close();
  }
  fs::write_file_atomic(tmp.path() + "/ctx.tar.gz", gz.out);
  for (const char* name : {"ctx.tar", "ctx.tar.gz"}) {
    std::string dest = tmp.path() + "/out-" + name;
    fs::mkdir_p(dest);
    EXPECT_TRUE(builder::is_context_archive(tmp.path() + "/" + name));
    builder::extract_context(tmp.path() + "/" + name, dest);
    EXPECT_EQ(fs::read_file(dest + "/src/a.txt"), "a");
    EXPECT_EQ(fs::read_file(dest + "/Dockerfile"), "FROM scratch\n");
  }
  EXPECT_FALSE(builder::is_context_archive(tmp.path()));
}

TEST(ContextArchive, NamesCannotLeaveTheContext) {
  fs::TempDir tmp;
  fs::write_file_atomic(tmp.path() + "/evil.tar", test::make_tar({test::tar_file("../../escaped", "x")}));
  fs::mkdir_p(tmp.path() + "/ctx/inner");
  builder::extract_context(tmp.path() + "/evil.tar", tmp.path() + "/ctx/inner");
  EXPECT_TRUE(fs::exists(tmp.path() + "/ctx/inner/escaped"));
  EXPECT_FALSE(fs::exists(tmp.path() + "/escaped"));
}

TEST(ContextArchive, ANonTarIsAnErrorNamingIt) {
  fs::TempDir tmp;
  fs::write_file_atomic(tmp.path() + "/notes.txt", std::string(1024, 'x'));
  fs::mkdir_p(tmp.path() + "/ctx");
  EXPECT_NE(test::error_of([&] { builder::extract_context(tmp.path() + "/notes.txt", tmp.path() + "/ctx"); })
                .find("build context " + tmp.path() + "/notes.txt"),
            std::string::npos);
}
