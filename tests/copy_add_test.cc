// ADD's local archives and COPY's heredoc sources.
#include <gtest/gtest.h>

#include "builder/copy_files.h"
#include "tests/copy_fixture.h"

namespace hoist::test {
namespace {

using Tree = std::map<std::string, std::string>;

class CopyAdd : public CopyFixture {
 protected:
  builder::CopyRequest add(std::vector<std::string> sources, std::string dest) const {
    auto r = request(std::move(sources), std::move(dest));
    r.add = true;
    r.keyword = "ADD";
    return r;
  }
  const std::vector<std::pair<std::string, std::string>> entries = {{"./", ""}, {"t/", ""}, {"t/f", "in"}, {"top", "top"}};
  const Tree extracted = {{"/x", dir_line(0755)},
                          {"/x/t", dir_line(0750, 7, 8)},
                          {"/x/t/f", file_line(0640, "in", 1500000000, 7, 8)},
                          {"/x/top", file_line(0640, "top", 1500000000, 7, 8)}};
};

struct Format {
  const char* name;
  int filter;
};

class CopyAddFormats : public CopyAdd, public ::testing::WithParamInterface<Format> {};

TEST_P(CopyAddFormats, ArchiveIsExtractedWithItsOwners) {
  tarball(ctx + "/" + GetParam().name, GetParam().filter, entries);
  run(add({GetParam().name}, "/x/"));
  EXPECT_EQ(result(), extracted);
}

INSTANTIATE_TEST_SUITE_P(All, CopyAddFormats,
                         ::testing::Values(Format{"a.tar", ARCHIVE_FILTER_NONE}, Format{"a.tgz", ARCHIVE_FILTER_GZIP},
                                           Format{"a.tbz", ARCHIVE_FILTER_BZIP2}, Format{"a.txz", ARCHIVE_FILTER_XZ},
                                           Format{"a.tzst", ARCHIVE_FILTER_ZSTD}),
                         [](const auto& info) { return std::string(info.param.name).substr(2); });

TEST_F(CopyAdd, ArchiveNamedByAWildcardToAPathWithoutSlash) {
  tarball(ctx + "/one.tgz", ARCHIVE_FILTER_GZIP, entries);
  run(add({"one.t?z"}, "/x"));
  EXPECT_EQ(result(), extracted);
}

TEST_F(CopyAdd, CompressedFileThatIsNotATarIsCopied) {
  tarball(ctx + "/lz.tar.lz4", ARCHIVE_FILTER_LZ4, entries);
  file(ctx, "note.txt", "just text");
  run(add({"lz.tar.lz4", "note.txt"}, "/p/"));
  Tree t = result();
  EXPECT_TRUE(t.contains("/p/lz.tar.lz4"));
  EXPECT_EQ(t["/p/note.txt"], file_line(0644, "just text"));
  EXPECT_EQ(t.size(), 3u);
}

TEST_F(CopyAdd, CopyDoesNotExtract) {
  tarball(ctx + "/a.tar", ARCHIVE_FILTER_NONE, entries);
  run(request({"a.tar"}, "/c/"));
  EXPECT_TRUE(result().contains("/c/a.tar"));
}

TEST_F(CopyAdd, ArchiveEntriesCannotLeaveTheDestination) {
  tarball(ctx + "/evil.tar", ARCHIVE_FILTER_NONE, {{"../../../../escaped", "x"}});
  run(add({"evil.tar"}, "/x/"));
  EXPECT_FALSE(fs::exists(tmp.path() + "/escaped"));
  EXPECT_TRUE(result().contains("/x/escaped"));
}

TEST_F(CopyAdd, HeredocSourcesWriteTheirBody) {
  builder::CopyRequest r = request({}, "/etc/app/");
  r.sources.push_back({"conf", std::string("a=1\n")});
  r.sources.push_back({"run.sh", std::string("#!/bin/sh\n")});
  r.chmod = "0755";
  run(r);
  Tree t = result();
  EXPECT_EQ(t["/etc/app/conf"].substr(0, t["/etc/app/conf"].find(" mtime")),
            std::to_string(S_IFREG | 0755) + " 0:0 data=a=1\n");
  EXPECT_TRUE(t.contains("/etc/app/run.sh"));
}

TEST_F(CopyAdd, HeredocToAFilePath) {
  builder::CopyRequest r = request({}, "/greeting");
  r.sources.push_back({"EOF", std::string("hi\n")});
  r.chown = builder::Owner{3, 4};
  run(r);
  std::string line = result()["/greeting"];
  EXPECT_EQ(line.substr(0, line.find(" mtime")), std::to_string(S_IFREG | 0644) + " 3:4 data=hi\n");
}

}  // namespace
}  // namespace hoist::test
