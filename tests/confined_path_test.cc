#include "layers/confined_path.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/fs.h"

namespace {

using hoist::layers::clean_path;
using hoist::layers::ConfinedRoot;
using hoist::layers::DirCreatedHook;
using hoist::layers::join_path;
using hoist::layers::PathParts;

TEST(ConfinedPath, CleansNamesLexicallyWithoutLeavingTheRoot) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},           {"/", ""},           {".", ""},           {"..", ""},
      {"./a", "a"},       {"a//b/", "a/b"},    {"/etc/passwd", "etc/passwd"},
      {"../a", "a"},      {"/../a", "a"},      {"a/../../b", "b"},
      {"a/./b/..", "a"},  {"a/b/../c", "a/c"}, {".wh..", ".wh.."},
      {"...", "..."},     {"a/.../b", "a/.../b"}};
  for (const auto& [in, want] : cases) EXPECT_EQ(join_path(clean_path(in)), want) << "\"" << in << "\"";
  EXPECT_EQ(join_path({"a", "b", "c"}, 2), "a/b");
  EXPECT_EQ(join_path({"a", "b"}, 0), "");
}

// Runs with openat2 and with the userspace walk.
class ConfinedRootTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    hoist::layers::use_kernel_resolution(GetParam());
    root = tmp.path() + "/root";
    hoist::fs::mkdir_p(root + "/a/b");
    hoist::fs::mkdir_p(tmp.path() + "/outside");
  }
  void TearDown() override { hoist::layers::use_kernel_resolution(true); }

  static ino_t ino_of_fd(int fd) {
    struct stat st;
    EXPECT_EQ(::fstat(fd, &st), 0);
    return st.st_ino;
  }
  static ino_t ino_of(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_ino;
  }
  void link(const std::string& target, const std::string& name) {
    ASSERT_EQ(::symlink(target.c_str(), (root + "/" + name).c_str()), 0) << name;
  }
  ino_t resolve(const std::string& path) {
    ConfinedRoot r(root);
    PathParts parts = clean_path(path);
    hoist::UniqueFd fd = r.open_dir(parts, parts.size());
    return fd.valid() ? ino_of_fd(fd.get()) : 0;
  }

  hoist::fs::TempDir tmp;
  std::string root;
};

TEST_P(ConfinedRootTest, OpensExistingDirectories) {
  EXPECT_EQ(resolve("a/b"), ino_of(root + "/a/b"));
  EXPECT_EQ(resolve(""), ino_of(root));
  ConfinedRoot r(root);
  PathParts parts = {"a", "b", "c"};
  hoist::UniqueFd fd = r.open_dir(parts, 1);
  ASSERT_TRUE(fd.valid());
  EXPECT_EQ(ino_of_fd(fd.get()), ino_of(root + "/a"));
}

TEST_P(ConfinedRootTest, MissingOrNonDirectoryComponentsGiveNoFd) {
  hoist::UniqueFd(::open((root + "/file").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
  EXPECT_EQ(resolve("nope"), 0u);
  EXPECT_EQ(resolve("a/nope/b"), 0u);
  EXPECT_EQ(resolve("file"), 0u);
  EXPECT_EQ(resolve("file/x"), 0u);
}

TEST_P(ConfinedRootTest, SymlinksResolveInsideTheRoot) {
  link("/a", "abs");
  link("../../../../a", "up");
  link("/../../a/b", "absup");
  link(tmp.path() + "/outside", "host");
  link("a/missing/../b", "lexical");
  EXPECT_EQ(resolve("abs/b"), ino_of(root + "/a/b"));
  EXPECT_EQ(resolve("up"), ino_of(root + "/a"));
  EXPECT_EQ(resolve("absup"), ino_of(root + "/a/b"));
  EXPECT_EQ(resolve("host"), 0u) << "a host path names nothing inside the root";
  EXPECT_EQ(resolve("lexical"), ino_of(root + "/a/b"));
}

TEST_P(ConfinedRootTest, SymlinkLoopsAreErrors) {
  link("loop2", "loop1");
  link("loop1", "loop2");
  EXPECT_THROW(resolve("loop1"), hoist::Error);
}

TEST_P(ConfinedRootTest, CreatesMissingDirectoriesThroughDanglingSymlinks) {
  hoist::fs::mkdir_p(root + "/var");
  ASSERT_EQ(::symlink("/run", (root + "/var/run").c_str()), 0);
  std::vector<std::string> created;
  DirCreatedHook hook = [&](int parent, const std::string& name) {
    struct stat st;
    EXPECT_EQ(::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    created.push_back(name);
  };
  ConfinedRoot r(root);
  PathParts parts = clean_path("var/run/x/y");
  hoist::UniqueFd fd = r.open_dir(parts, parts.size(), &hook);
  ASSERT_TRUE(fd.valid());
  EXPECT_EQ(ino_of_fd(fd.get()), ino_of(root + "/run/x/y"));
  EXPECT_EQ(created, (std::vector<std::string>{"run", "x", "y"}));
  EXPECT_FALSE(hoist::fs::exists("/run/x/y") && ino_of("/run/x/y") == ino_of(root + "/run/x/y"));
}

TEST_P(ConfinedRootTest, CreatingThroughAFileIsAnError) {
  hoist::UniqueFd(::open((root + "/file").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
  DirCreatedHook hook = [](int, const std::string&) {};
  ConfinedRoot r(root);
  PathParts parts = clean_path("file/sub");
  EXPECT_THROW(r.open_dir(parts, parts.size(), &hook), hoist::Error);
}

TEST_P(ConfinedRootTest, CreatingThroughAnEscapingSymlinkStaysInside) {
  link("../outside", "esc");
  DirCreatedHook hook = [](int, const std::string&) {};
  ConfinedRoot r(root);
  PathParts parts = clean_path("esc/made");
  hoist::UniqueFd fd = r.open_dir(parts, parts.size(), &hook);
  ASSERT_TRUE(fd.valid());
  EXPECT_TRUE(hoist::fs::exists(root + "/outside/made"));
  EXPECT_FALSE(hoist::fs::exists(tmp.path() + "/outside/made"));
}

INSTANTIATE_TEST_SUITE_P(ConfinedPathResolution, ConfinedRootTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Openat2" : "UserspaceWalk"; });

}  // namespace
