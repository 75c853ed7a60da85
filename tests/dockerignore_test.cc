#include "builder/dockerignore.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "builder/pattern_matcher.h"
#include "common/error.h"
#include "common/fs.h"
#include "tests/test_support.h"

using hoist::builder::find_ignore_file;
using hoist::builder::PatternMatcher;
using hoist::builder::read_ignore_file;
using V = std::vector<std::string>;

// ignorefile_test.go TestReadAll: one input, its patterns, and the note that
// ReadAll(nil) yields nothing (the empty file here: a string_view cannot be nil).
TEST(DockerignoreConformance, ReadAll) {
  const auto c = hoist::test::load_json(hoist::test::conformance_path("patternmatcher/ignorefile_readall.json"));
  ASSERT_EQ(c.at("test"), "TestReadAll");
  EXPECT_EQ(read_ignore_file(c.at("input").get<std::string>()), c.at("expected").get<V>()) << c.dump();
  ASSERT_EQ(c.at("also"), "ReadAll(nil) returns 0 entries and no error");
  EXPECT_TRUE(read_ignore_file("").empty());
}

TEST(Dockerignore, CommentsOnlyInColumnOne) {
  EXPECT_EQ(read_ignore_file("# c\n  # not a comment\n#\n"), V{"# not a comment"});
}

TEST(Dockerignore, LineEndingsAndBlankLines) {
  EXPECT_EQ(read_ignore_file("a\r\nb\r\n\r\n  \t\nc"), (V{"a", "b", "c"}));
  EXPECT_EQ(read_ignore_file("\n\n\n"), V{});
}

TEST(Dockerignore, ByteOrderMarkOnlyOnTheFirstLine) {
  EXPECT_EQ(read_ignore_file("\xEF\xBB\xBF*.log\n"), V{"*.log"});
  EXPECT_EQ(read_ignore_file("\xEF\xBB\xBF# comment\nx"), V{"x"});
  EXPECT_EQ(read_ignore_file("a\n\xEF\xBB\xBF" "b"), (V{"a", "\xEF\xBB\xBF" "b"}));
}

TEST(Dockerignore, PatternsAreCleanedAndMadeRelative) {
  EXPECT_EQ(read_ignore_file("/a/b/\n./c\nd//e/./f\ng/../h\n/\n../up\n\t x y \n"),
            (V{"a/b", "c", "d/e/f", "h", "/", "../up", "x y"}));
}

TEST(Dockerignore, ExceptionMarkIsSplitOffCleanedAndRestored) {
  EXPECT_EQ(read_ignore_file("!a\n! /b/\n!  ./c\n!\n! \n!/\n"), (V{"!a", "!b", "!c", "!", "!", "!/"}));
}

TEST(Dockerignore, BareExceptionIsRejectedByTheMatcher) {
  const V patterns = read_ignore_file("*.tmp\n!\n");
  EXPECT_THROW(PatternMatcher{patterns}, hoist::Error);
  EXPECT_THROW(PatternMatcher{read_ignore_file("!/")}, hoist::Error);
}

TEST(Dockerignore, TypicalFileEndToEnd) {
  const V patterns = read_ignore_file(
      "# build output\n"
      "/build\n"
      "**/*.pyc\n"
      "node_modules/\n"
      "*.md\n"
      "!README.md\n"
      ".git\n");
  PatternMatcher pm(patterns);
  EXPECT_TRUE(pm.matches("build/x.o"));
  EXPECT_FALSE(pm.matches("src/build/x.o"));
  EXPECT_TRUE(pm.matches("a/b/c.pyc"));
  EXPECT_TRUE(pm.matches("node_modules/pkg/index.js"));
  EXPECT_TRUE(pm.matches("CHANGES.md"));
  EXPECT_FALSE(pm.matches("README.md"));
  EXPECT_FALSE(pm.matches("docs/guide.md"));  // `*` stays in the top directory
  EXPECT_TRUE(pm.matches(".git/HEAD"));
  EXPECT_FALSE(pm.matches("Dockerfile"));
}

class DockerignoreFind : public ::testing::Test {
 protected:
  void write(const std::string& rel, const std::string& content = "x\n") {
    hoist::fs::write_file_atomic(dir_.path() + "/" + rel, content);
  }
  std::string path(const std::string& rel) const { return dir_.path() + "/" + rel; }
  hoist::fs::TempDir dir_;
};

TEST_F(DockerignoreFind, NoneIsEmpty) {
  EXPECT_EQ(find_ignore_file(dir_.path(), ""), "");
  EXPECT_EQ(find_ignore_file(dir_.path(), path("Dockerfile")), "");
}

TEST_F(DockerignoreFind, ContextIgnoreFile) {
  write(".dockerignore");
  EXPECT_EQ(find_ignore_file(dir_.path(), path("Dockerfile")), path(".dockerignore"));
  EXPECT_EQ(find_ignore_file(dir_.path(), ""), path(".dockerignore"));
}

TEST_F(DockerignoreFind, DockerfileSpecificTakesPrecedence) {
  write(".dockerignore");
  hoist::fs::mkdir_p(path("ci"));
  write("ci/build.Dockerfile.dockerignore");
  EXPECT_EQ(find_ignore_file(dir_.path(), path("ci/build.Dockerfile")), path("ci/build.Dockerfile.dockerignore"));
  // The specific file belongs to its Dockerfile only.
  EXPECT_EQ(find_ignore_file(dir_.path(), path("ci/other.Dockerfile")), path(".dockerignore"));
  // The default Dockerfile has a specific file too.
  write("Dockerfile.dockerignore");
  EXPECT_EQ(find_ignore_file(dir_.path(), ""), path("Dockerfile.dockerignore"));
}

TEST_F(DockerignoreFind, DockerfileFromStdinUsesTheContextFile) {
  write("-.dockerignore");
  EXPECT_EQ(find_ignore_file(dir_.path(), "-"), "");
  write(".dockerignore");
  EXPECT_EQ(find_ignore_file(dir_.path(), "-"), path(".dockerignore"));
}

TEST_F(DockerignoreFind, NonRegularCandidateIsAnError) {
  hoist::fs::mkdir_p(path("Dockerfile.dockerignore"));
  EXPECT_THROW(find_ignore_file(dir_.path(), ""), hoist::Error);
  write(".dockerignore");
  EXPECT_THROW(find_ignore_file(dir_.path(), ""), hoist::Error);
  EXPECT_EQ(find_ignore_file(dir_.path(), path("other.Dockerfile")), path(".dockerignore"));
}

TEST_F(DockerignoreFind, SymlinksAreFollowed) {
  write("shared.ignore");
  ASSERT_EQ(::symlink("shared.ignore", path(".dockerignore").c_str()), 0);
  EXPECT_EQ(find_ignore_file(dir_.path(), ""), path(".dockerignore"));
  ASSERT_EQ(::symlink("missing", path("Dockerfile.dockerignore").c_str()), 0);
  EXPECT_EQ(find_ignore_file(dir_.path(), ""), path(".dockerignore"));  // dangling: not there
}

TEST_F(DockerignoreFind, DockerfileBelowAFileIsNotThere) {
  write("plain");
  EXPECT_EQ(find_ignore_file(dir_.path(), path("plain/Dockerfile")), "");
}
