// COPY's rules, each on a small context, image and layer in a temp dir.
#include "builder/copy_files.h"

#include <gtest/gtest.h>

#include "tests/copy_fixture.h"

namespace hoist::test {
namespace {

using Tree = std::map<std::string, std::string>;

class CopyFiles : public CopyFixture {
 protected:
  CopyFiles() {
    file(ctx, "a.txt", "hello", 0600, 123, 456);
    file(ctx, "b.txt", "bee");
    dir(ctx, "dir", 0750, 5, 6);
    file(ctx, "dir/x", "x", 0755);
    file(ctx, "dir/sub/y", "y");
    dir(ctx, "dir/sub", 0700, 0, 0, 1400000000);
    link(ctx, "dir/xl", "x");
    link(ctx, "la", "a.txt");
    dir(image, "srv", 0750, 1000, 1000, 1000000);
    link(image, "lnk", "/srv");
    file(image, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  }
};

TEST_F(CopyFiles, FileToNewDirectoryCreatesParentsAsRoot) {
  run(request({"a.txt"}, "/new/deep/"));
  EXPECT_EQ(result(), (Tree{{"/new", dir_line(0755)},
                           {"/new/deep", dir_line(0755)},
                           {"/new/deep/a.txt", file_line(0600, "hello")}}));
}

TEST_F(CopyFiles, FileToPathIsWrittenAsThatPath) {
  run(request({"b.txt"}, "/opt/renamed"));
  EXPECT_EQ(result(), (Tree{{"/opt", dir_line(0755)}, {"/opt/renamed", file_line(0644, "bee")}}));
}

TEST_F(CopyFiles, DirectoryCopiesItsContentsWithModesAndLinks) {
  run(request({"dir"}, "/d"));
  EXPECT_EQ(result(), (Tree{{"/d", dir_line(0755)},
                           {"/d/sub", dir_line(0700) + ""},
                           {"/d/sub/y", file_line(0644, "y")},
                           {"/d/x", file_line(0755, "x")},
                           {"/d/xl", link_line("x")}}));
  struct stat st;
  ASSERT_EQ(::stat((layer + "/d/sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1400000000);
}

TEST_F(CopyFiles, ExistingParentsKeepTheImagesAttributes) {
  run(request({"b.txt"}, "/srv/in/"));
  Tree t = result();
  EXPECT_EQ(t["/srv"], dir_line(0750, 1000, 1000));
  EXPECT_EQ(t["/srv/in"], dir_line(0755));
  struct stat st;
  ASSERT_EQ(::stat((layer + "/srv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000000);
}

TEST_F(CopyFiles, FileToAnExistingDirectoryGoesInside) {
  run(request({"b.txt"}, "/srv"));
  EXPECT_EQ(result()["/srv/b.txt"], file_line(0644, "bee"));
}

TEST_F(CopyFiles, DestinationSymlinksResolveInsideTheImage) {
  link(image, "usr/esc", "../../../../../outside");
  run(request({"b.txt"}, "/lnk/"));
  run(request({"a.txt"}, "/usr/esc/"));
  Tree t = result();
  EXPECT_EQ(t["/srv/b.txt"], file_line(0644, "bee"));
  EXPECT_EQ(t["/outside/a.txt"], file_line(0600, "hello"));
  EXPECT_FALSE(t.contains("/lnk"));
  EXPECT_FALSE(fs::exists(tmp.path() + "/outside"));
}

TEST_F(CopyFiles, RelativeDestinationIsUnderWorkdir) {
  auto r = request({"b.txt"}, "sub/");
  r.workdir = "/app";
  run(r);
  EXPECT_EQ(result()["/app/sub/b.txt"], file_line(0644, "bee"));
  auto dot = request({"a.txt"}, ".");
  dot.workdir = "/app";
  run(dot);
  EXPECT_TRUE(result().contains("/app/a.txt"));
}

TEST_F(CopyFiles, WildcardsMatchInLexicalOrder) {
  file(ctx, "c.md", "c");
  run(request({"?.txt", "[c]*"}, "/w/"));
  EXPECT_EQ(result(), (Tree{{"/w", dir_line(0755)},
                           {"/w/a.txt", file_line(0600, "hello")},
                           {"/w/b.txt", file_line(0644, "bee")},
                           {"/w/c.md", file_line(0644, "c")}}));
}

TEST_F(CopyFiles, WildcardMatchingNothingIsAllowed) {
  run(request({"nothing*"}, "/w/"));
  EXPECT_EQ(result(), (Tree{{"/w", dir_line(0755)}}));
}

TEST_F(CopyFiles, MissingSourceIsAnErrorNamingIt) {
  EXPECT_EQ(error_of(request({"missing.txt"}, "/w/")), "\"missing.txt\": not found in the build context");
}

TEST_F(CopyFiles, SeveralSourcesNeedADirectoryDestination) {
  EXPECT_EQ(error_of(request({"a.txt", "b.txt"}, "/w")),
            "When using COPY with more than one source file, the destination must be a directory and end "
            "with a /: /w");
  EXPECT_EQ(error_of(request({"*.txt"}, "/w")),
            "When using COPY with more than one source file, the destination must be a directory and end "
            "with a /: /w");
  run(request({"a.txt", "b.txt"}, "/srv"));  // an existing directory is one
  EXPECT_TRUE(result().contains("/srv/a.txt"));
}

TEST_F(CopyFiles, SourcesCannotLeaveTheContext) {
  file(tmp.path(), "secret", "s");
  link(ctx, "abs", "/secret");
  EXPECT_EQ(error_of(request({"../secret"}, "/w/")), "\"../secret\": not found in the build context");
  EXPECT_EQ(error_of(request({"abs"}, "/w/")), "\"abs\": not found in the build context");
}

TEST_F(CopyFiles, SymlinkSourceIsFollowedWhileLinksInsideAreCopied) {
  run(request({"la"}, "/f"));
  EXPECT_EQ(result()["/f"], file_line(0600, "hello"));
}

TEST_F(CopyFiles, DockerignoreHidesFiles) {
  builder::PatternMatcher ignore({"b.txt", "dir/sub"});
  auto r = request({"*.txt", "dir"}, "/w/");
  r.ignore = &ignore;
  run(r);
  Tree t = result();
  EXPECT_TRUE(t.contains("/w/a.txt"));
  EXPECT_FALSE(t.contains("/w/b.txt"));
  EXPECT_TRUE(t.contains("/w/x"));
  EXPECT_FALSE(t.contains("/w/sub"));
  auto named = request({"b.txt"}, "/w/");
  named.ignore = &ignore;
  EXPECT_EQ(error_of(named), "\"b.txt\": not found in the build context (or excluded by .dockerignore)");
}

TEST_F(CopyFiles, ChownAppliesToFilesAndNewParents) {
  auto r = request({"dir"}, "/c/d/");
  r.chown = builder::Owner{1000, 50};
  run(r);
  Tree t = result();
  EXPECT_EQ(t["/c"], dir_line(0755, 1000, 50));
  EXPECT_EQ(t["/c/d/sub"], dir_line(0700, 1000, 50));
  EXPECT_EQ(t["/c/d/xl"], link_line("x", 1000, 50));
}

TEST_F(CopyFiles, FromAnotherStageKeepsOwners) {
  auto r = request({"/dir", "/a.txt"}, "/fr/");
  r.from_context = false;
  r.source_name = "stage build";
  run(r);
  Tree t = result();
  EXPECT_EQ(t["/fr"], dir_line(0755));
  EXPECT_EQ(t["/fr/a.txt"], file_line(0600, "hello", 1700000000, 123, 456));
  EXPECT_EQ(t["/fr/sub"], dir_line(0700));
  auto missing = request({"/nope"}, "/fr/");
  missing.from_context = false;
  missing.source_name = "stage build";
  EXPECT_EQ(error_of(missing), "\"/nope\": not found in the stage build");
}

TEST_F(CopyFiles, ChmodAppliesToWhatIsCopied) {
  auto r = request({"a.txt", "dir"}, "/m/");
  r.chmod = "go=u-w";
  run(r);
  Tree t = result();
  EXPECT_EQ(t["/m"], dir_line(0755));
  EXPECT_EQ(t["/m/a.txt"], file_line(0644, "hello"));
  EXPECT_EQ(t["/m/sub"], dir_line(0755));
  EXPECT_EQ(t["/m/x"], file_line(0755, "x"));
}

TEST_F(CopyFiles, ExcludePatternsApplyInsideSources) {
  file(ctx, "dir/skip.log", "l");
  file(ctx, "dir/sub/keep.log", "k");
  auto r = request({"dir"}, "/e/");
  r.excludes = {"*.log", "sub/y"};
  run(r);
  Tree t = result();
  EXPECT_FALSE(t.contains("/e/skip.log"));
  EXPECT_TRUE(t.contains("/e/sub/keep.log"));
  EXPECT_FALSE(t.contains("/e/sub/y"));
  EXPECT_TRUE(t.contains("/e/x"));
}

TEST_F(CopyFiles, ParentsKeepTheSourcePath) {
  auto r = request({"dir/sub/y", "./dir/./x"}, "/p/");
  r.parents = true;
  run(r);
  Tree t = result();
  EXPECT_EQ(t["/p/dir"], dir_line(0750));
  EXPECT_EQ(t["/p/dir/sub"], dir_line(0700));
  EXPECT_EQ(t["/p/dir/sub/y"], file_line(0644, "y"));
  EXPECT_EQ(t["/p/x"], file_line(0755, "x"));
}

TEST_F(CopyFiles, DirectoryOntoAFileIsAnError) {
  EXPECT_EQ(error_of(request({"dir"}, "/etc/passwd")), "cannot copy to non-directory: /etc/passwd");
  EXPECT_EQ(error_of(request({"a.txt"}, "/etc/passwd/x")),
            "COPY destination /etc/passwd/x: /etc/passwd is not a directory");
}

TEST_F(CopyFiles, HardlinksStayLinkedWithinOneSourceOnly) {
  // BuildKit copies each source argument with a copier of its own (and
  // buildah agrees): links inside one source survive, links across two do not.
  ASSERT_EQ(::link((ctx + "/b.txt").c_str(), (ctx + "/dir/hard").c_str()), 0);
  ASSERT_EQ(::link((ctx + "/b.txt").c_str(), (ctx + "/dir/hard2").c_str()), 0);
  run(request({"b.txt", "dir"}, "/h/"));
  struct stat a, b, c;
  ASSERT_EQ(::stat((layer + "/h/b.txt").c_str(), &a), 0);
  ASSERT_EQ(::stat((layer + "/h/hard").c_str(), &b), 0);
  ASSERT_EQ(::stat((layer + "/h/hard2").c_str(), &c), 0);
  EXPECT_NE(a.st_ino, b.st_ino);
  EXPECT_EQ(b.st_ino, c.st_ino);
}

TEST_F(CopyFiles, LaterSourcesDoNotFollowLinksEarlierOnesWrote) {
  link(ctx, "one/s", tmp.path() + "/escape");
  file(ctx, "two/s/f", "f");
  EXPECT_EQ(error_of(request({"one", "two"}, "/t/")), "cannot copy to non-directory: /t/s");
  EXPECT_FALSE(fs::exists(tmp.path() + "/escape"));
}

// Each source's files land in directories an earlier source may have made:
// those are checked and replaced as in the image, not taken as fresh.
TEST_F(CopyFiles, LaterSourcesMergeIntoDirectoriesEarlierOnesMade) {
  file(ctx, "one/s/f", "first");
  file(ctx, "one/s/g", "g");
  file(ctx, "two/s/f", "second");
  run(request({"one", "two"}, "/t/"));
  Tree t = result();
  EXPECT_EQ(t["/t/s/f"], file_line(0644, "second"));
  EXPECT_EQ(t["/t/s/g"], file_line(0644, "g"));
  file(ctx, "three/s/g/deep", "d");
  file(ctx, "four/s/g", "over a directory");
  EXPECT_EQ(error_of(request({"three", "four"}, "/u/")), "cannot overwrite directory /u/s/g with a non-directory");
}

}  // namespace
}  // namespace hoist::test
