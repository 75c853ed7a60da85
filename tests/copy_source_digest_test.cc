// copy_source_digest: what changes a COPY's content digest (content, modes,
// links, names, what a copied directory holds) and what must not (mtimes,
// files the copy leaves out), on small contexts; and the stat index that
// spares re-reading an unchanged context.
#include "builder/copy_source_digest.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <functional>

#include "builder/pattern_matcher.h"
#include "tests/copy_fixture.h"
#include "tests/test_support.h"

namespace hoist::test {
namespace {

using builder::copy_source_digest;
using builder::CopyRequest;
using builder::StatIndex;

int64_t ns(const struct timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

class CopySourceDigestTest : public CopyFixture {
 protected:
  CopySourceDigestTest() {
    file(ctx, "a.txt", "hello");
    file(ctx, "b.txt", "bee", 0600);
    file(ctx, "notes.md", "# notes");
    dir(ctx, "dir", 0750);
    file(ctx, "dir/x", "x", 0755);
    file(ctx, "dir/sub/y", "y");
    file(ctx, "dir/debug.log", "log");
    link(ctx, "dir/xl", "x");
  }

  oci::Digest digest(const CopyRequest& r) { return copy_source_digest(r).digest; }
  oci::Digest digest_of(std::vector<std::string> sources) { return digest(request(std::move(sources), "/dst/")); }

  // Waits until the coarse clock the kernel stamps inodes with has moved past
  // now, so files written so far count as settled for the stat index. A
  // wait for a condition, not a timing assertion.
  static void settle() {
    struct timespec start, now;
    ::clock_gettime(CLOCK_REALTIME, &start);
    do {
      ::usleep(1000);
      ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
    } while (ns(now) <= ns(start));
  }

  std::string index_file() const { return tmp.path() + "/root/cache/context-index/ctx"; }
};

TEST_F(CopySourceDigestTest, SameSelectionSameDigest) {
  const oci::Digest first = digest_of({"a.txt", "dir"});
  EXPECT_EQ(first.algorithm(), "sha256");
  EXPECT_EQ(digest_of({"a.txt", "dir"}), first);
  // Where it goes is the instruction's business, not the content's.
  EXPECT_EQ(digest(request({"a.txt", "dir"}, "/elsewhere/")), first);
  EXPECT_NE(digest_of({"dir", "a.txt"}), first);  // later sources overwrite earlier ones
  EXPECT_NE(digest_of({"a.txt"}), first);
}

TEST_F(CopySourceDigestTest, ContentChangeCounts) {
  const oci::Digest before = digest_of({"dir"});
  file(ctx, "dir/sub/y", "Y");  // same size, same mtime
  EXPECT_NE(digest_of({"dir"}), before);
}

TEST_F(CopySourceDigestTest, ModeChangeCounts) {
  const oci::Digest file_before = digest_of({"a.txt"});
  const oci::Digest dir_before = digest_of({"dir"});
  ASSERT_EQ(::chmod((ctx + "/a.txt").c_str(), 0640), 0);
  ASSERT_EQ(::chmod((ctx + "/dir/sub").c_str(), 0700), 0);
  EXPECT_NE(digest_of({"a.txt"}), file_before);
  EXPECT_NE(digest_of({"dir"}), dir_before);
}

TEST_F(CopySourceDigestTest, SymlinkTargetCounts) {
  const oci::Digest before = digest_of({"dir"});
  ASSERT_EQ(::unlink((ctx + "/dir/xl").c_str()), 0);
  link(ctx, "dir/xl", "sub/y");
  EXPECT_NE(digest_of({"dir"}), before);
}

TEST_F(CopySourceDigestTest, FileAddedToACopiedDirectoryCounts) {
  const oci::Digest before = digest_of({"dir"});
  file(ctx, "dir/sub/new", "");
  EXPECT_NE(digest_of({"dir"}), before);
}

TEST_F(CopySourceDigestTest, EmptyDirectoryAddedCounts) {
  const oci::Digest before = digest_of({"dir"});
  dir(ctx, "dir/empty");
  EXPECT_NE(digest_of({"dir"}), before);
}

TEST_F(CopySourceDigestTest, RenameCounts) {
  const oci::Digest before = digest_of({"dir"});
  ASSERT_EQ(::rename((ctx + "/dir/x").c_str(), (ctx + "/dir/z").c_str()), 0);
  EXPECT_NE(digest_of({"dir"}), before);
}

TEST_F(CopySourceDigestTest, MtimeOnlyChangeDoesNotCount) {
  const oci::Digest before = digest_of({"a.txt", "dir"});
  attrs(ctx + "/a.txt", 0644, 0, 0, 1234567890);
  attrs(ctx + "/dir/sub", 0755, 0, 0, 1234567890);
  EXPECT_EQ(digest_of({"a.txt", "dir"}), before);
}

TEST_F(CopySourceDigestTest, ExcludedFilesDoNotCount) {
  CopyRequest r = request({"dir"}, "/dst/");
  r.excludes = {"*.log", "sub"};
  const auto before = copy_source_digest(r);
  EXPECT_EQ(before.files_read, 1u);  // dir/x only: what is excluded is not even read
  file(ctx, "dir/debug.log", "another log");
  file(ctx, "dir/sub/y", "changed");
  file(ctx, "dir/sub/more", "new");
  EXPECT_EQ(digest(r), before.digest);
  file(ctx, "dir/x", "changed");
  EXPECT_NE(digest(r), before.digest);
}

TEST_F(CopySourceDigestTest, DockerignoredFilesDoNotCount) {
  builder::PatternMatcher ignore({"dir/debug.log", "b.txt"});
  CopyRequest r = request({"."}, "/dst/");
  r.ignore = &ignore;
  const oci::Digest before = digest(r);
  file(ctx, "dir/debug.log", "another log");
  file(ctx, "b.txt", "changed");
  EXPECT_EQ(digest(r), before);
  file(ctx, "notes.md", "changed");
  EXPECT_NE(digest(r), before);
}

TEST_F(CopySourceDigestTest, DockerignoreExceptionsInsideAnIgnoredDirectory) {
  builder::PatternMatcher ignore({"dir", "!dir/x"});
  CopyRequest r = request({"."}, "/dst/");
  r.ignore = &ignore;
  const oci::Digest before = digest(r);
  file(ctx, "dir/sub/y", "changed");  // still ignored: dir/sub holds nothing kept
  EXPECT_EQ(digest(r), before);
  file(ctx, "dir/x", "changed");  // kept by the exception
  EXPECT_NE(digest(r), before);
}

TEST_F(CopySourceDigestTest, IgnoreDoesNotApplyToAnotherStage) {
  // copy_files applies .dockerignore to the build context only.
  builder::PatternMatcher ignore({"dir/debug.log"});
  CopyRequest r = request({"dir"}, "/dst/");
  r.ignore = &ignore;
  r.from_context = false;
  const oci::Digest before = digest(r);
  file(ctx, "dir/debug.log", "another log");
  EXPECT_NE(digest(r), before);
}

TEST_F(CopySourceDigestTest, OwnersCountOnlyWhenTheCopyKeepsThem) {
  CopyRequest from_context = request({"dir"}, "/dst/");
  CopyRequest from_stage = from_context;
  from_stage.from_context = false;
  const oci::Digest context_before = digest(from_context);
  const oci::Digest stage_before = digest(from_stage);
  EXPECT_NE(context_before, stage_before);
  ASSERT_EQ(::lchown((ctx + "/dir/x").c_str(), 1000, 1000), 0);
  EXPECT_EQ(digest(from_context), context_before);  // the copy makes it root's anyway
  EXPECT_NE(digest(from_stage), stage_before);
}

TEST_F(CopySourceDigestTest, HardlinksCount) {
  file(ctx, "h/one", "same");
  file(ctx, "h/two", "same");
  const oci::Digest separate = digest_of({"h"});
  ASSERT_EQ(::unlink((ctx + "/h/two").c_str()), 0);
  ASSERT_EQ(::link((ctx + "/h/one").c_str(), (ctx + "/h/two").c_str()), 0);
  const auto linked = copy_source_digest(request({"h"}, "/dst/"));
  EXPECT_NE(linked.digest, separate);
  EXPECT_EQ(linked.files_read, 1u);  // the second name of a file is not read again
}

TEST_F(CopySourceDigestTest, WildcardSources) {
  const auto before = copy_source_digest(request({"*.txt"}, "/dst/"));
  EXPECT_EQ(before.files_read, 2u);
  EXPECT_NE(before.digest, digest_of({"a.txt"}));
  EXPECT_EQ(before.digest, digest_of({"a.txt", "b.txt"}));  // what the wildcard names, in its order
  file(ctx, "notes.md", "changed");  // does not match
  EXPECT_EQ(digest_of({"*.txt"}), before.digest);
  file(ctx, "c.txt", "sea");  // a new match
  EXPECT_NE(digest_of({"*.txt"}), before.digest);
  ASSERT_EQ(::unlink((ctx + "/c.txt").c_str()), 0);
  EXPECT_EQ(digest_of({"*.txt"}), before.digest);
  ASSERT_EQ(::rename((ctx + "/b.txt").c_str(), (ctx + "/d.txt").c_str()), 0);
  EXPECT_NE(digest_of({"*.txt"}), before.digest);
}

TEST_F(CopySourceDigestTest, WildcardMatchingNothingIsNotAnError) {
  // Nothing copied, nothing read; the source text itself is the instruction's part of the key.
  EXPECT_EQ(copy_source_digest(request({"*.none"}, "/dst/")).files_read, 0u);
}

TEST_F(CopySourceDigestTest, HeredocSources) {
  CopyRequest r = request({}, "/dst/");
  r.sources.push_back({"script.sh", std::string("echo hi\n")});
  const auto before = copy_source_digest(r);
  EXPECT_EQ(before.files_read, 0u);
  EXPECT_EQ(digest(r), before.digest);
  CopyRequest body = r;
  body.sources[0].heredoc = "echo bye\n";
  EXPECT_NE(digest(body), before.digest);
  CopyRequest name = r;
  name.sources[0].path = "other.sh";
  EXPECT_NE(digest(name), before.digest);
  CopyRequest mixed = r;
  mixed.sources.push_back({"a.txt", std::nullopt});
  EXPECT_NE(digest(mixed), before.digest);
}

TEST_F(CopySourceDigestTest, ParentsCountTheDirectoriesAboveTheSource) {
  CopyRequest r = request({"dir/sub/y"}, "/dst/");
  r.parents = true;
  const oci::Digest before = digest(r);
  EXPECT_NE(before, digest_of({"dir/sub/y"}));
  ASSERT_EQ(::chmod((ctx + "/dir/sub").c_str(), 0700), 0);  // given to the directory created for it
  EXPECT_NE(digest(r), before);
}

TEST_F(CopySourceDigestTest, MissingSourceFailsAsTheCopyWould) {
  const std::string expected = error_of(request({"a.txt", "nope"}, "/dst/"));
  EXPECT_EQ(expected, "\"nope\": not found in the build context");
  EXPECT_EQ(test::error_of([&] { digest_of({"a.txt", "nope"}); }), expected);

  builder::PatternMatcher ignore({"b.txt"});
  CopyRequest r = request({"b.txt"}, "/dst/");
  r.ignore = &ignore;
  EXPECT_EQ(test::error_of([&] { digest(r); }), error_of(r));
  EXPECT_EQ(test::error_of([&] { digest(request({}, "/dst/")); }), "COPY needs at least one source");
}

// The oracle: along a series of edits to the context, the digest changes
// exactly when the layer copy_files writes changes (file mtimes aside).
TEST_F(CopySourceDigestTest, ChangesExactlyWhenTheCopiedLayerChanges) {
  builder::PatternMatcher ignore({"dir", "!dir/x", "b.txt"});
  struct Case {
    const char* name;
    std::vector<std::string> sources;
    std::vector<std::string> excludes;
    bool ignored = false;
    bool parents = false;
    bool from_context = true;
  };
  const std::vector<Case> cases = {
      {"directory with --exclude", {"dir"}, {"*.log", "sub/new"}},
      {".dockerignore with an exception", {"."}, {}, true},
      {"wildcard and a directory", {"*.txt", "dir/sub"}, {}},
      {"--parents", {"dir/sub/y", "dir/x*"}, {}, false, true},
      {"another stage's files", {"dir", "a.txt"}, {}, false, false, false},
  };
  const std::vector<std::pair<const char*, std::function<void()>>> edits = {
      {"touch", [&] { attrs(ctx + "/dir/x", 0755, 0, 0, 1111111111); }},
      {"log content", [&] { file(ctx, "dir/debug.log", "more log"); }},
      {"directory mode", [&] { ASSERT_EQ(::chmod((ctx + "/dir/sub").c_str(), 0700), 0); }},
      {"new file", [&] { file(ctx, "dir/sub/new", "new"); }},
      {"symlink target", [&] {
         ASSERT_EQ(::unlink((ctx + "/dir/xl").c_str()), 0);
         link(ctx, "dir/xl", "sub/y");
       }},
      {"owner", [&] { ASSERT_EQ(::lchown((ctx + "/dir/x").c_str(), 1000, 1000), 0); }},
      {"rename", [&] { ASSERT_EQ(::rename((ctx + "/dir/x").c_str(), (ctx + "/dir/x2").c_str()), 0); }},
      {"ignored file", [&] { file(ctx, "b.txt", "changed"); }},
      {"hardlink", [&] { ASSERT_EQ(::link((ctx + "/a.txt").c_str(), (ctx + "/dir/sub/a-link").c_str()), 0); }},
      {"file mode", [&] { ASSERT_EQ(::chmod((ctx + "/a.txt").c_str(), 0600), 0); }},
  };
  for (const auto& c : cases) {
    fs::remove_all(ctx);
    fs::mkdir_p(ctx);
    file(ctx, "a.txt", "hello");
    file(ctx, "b.txt", "bee", 0600);
    dir(ctx, "dir", 0750);
    file(ctx, "dir/x", "x", 0755);
    file(ctx, "dir/sub/y", "y");
    file(ctx, "dir/debug.log", "log");
    link(ctx, "dir/xl", "x");
    CopyRequest r = request(c.sources, "/dst/");
    r.excludes = c.excludes;
    r.ignore = c.ignored ? &ignore : nullptr;
    r.parents = c.parents;
    r.from_context = c.from_context;
    auto copied = [&] {
      fs::remove_all(layer);
      fs::mkdir_p(layer);
      run(r);
      return tree_snapshot(layer, false);
    };
    auto tree = copied();
    oci::Digest d = digest(r);
    for (const auto& [what, edit] : edits) {
      edit();
      auto tree_after = copied();
      oci::Digest d_after = digest(r);
      EXPECT_EQ(tree_after != tree, d_after != d) << c.name << ", after the edit: " << what;
      tree = std::move(tree_after);
      d = d_after;
    }
  }
}

TEST_F(CopySourceDigestTest, StatIndexSparesReadingUnchangedFiles) {
  settle();
  const oci::Digest plain = digest_of({"a.txt", "dir"});
  {
    StatIndex index(index_file());
    const auto first = copy_source_digest(request({"a.txt", "dir"}, "/dst/"), &index);
    EXPECT_EQ(first.digest, plain);
    EXPECT_EQ(first.files_read, 4u);  // a.txt, dir/debug.log, dir/sub/y, dir/x
    EXPECT_EQ(first.files_from_index, 0u);
    index.save();
  }
  {
    StatIndex index(index_file());  // as the next build finds it on disk
    const auto again = copy_source_digest(request({"a.txt", "dir"}, "/dst/"), &index);
    EXPECT_EQ(again.digest, plain);
    EXPECT_EQ(again.files_read, 0u);
    EXPECT_EQ(again.files_from_index, 4u);
    EXPECT_EQ(again.bytes_read, 0u);
  }
  // A rewrite with the same size and mtime still changes ctime: read again.
  file(ctx, "dir/x", "X", 0755);
  settle();
  StatIndex index(index_file());
  const auto changed = copy_source_digest(request({"a.txt", "dir"}, "/dst/"), &index);
  EXPECT_EQ(changed.files_read, 1u);
  EXPECT_EQ(changed.files_from_index, 3u);
  EXPECT_EQ(changed.digest, digest_of({"a.txt", "dir"}));
  EXPECT_NE(changed.digest, plain);
}

TEST_F(CopySourceDigestTest, ContextIndexFileIsPerContext) {
  const std::string root = tmp.path() + "/root";
  const std::string f = builder::context_index_file(root, ctx);
  EXPECT_TRUE(f.starts_with(root + "/cache/context-index/"));
  EXPECT_EQ(f.size(), root.size() + std::string("/cache/context-index/").size() + 64);
  EXPECT_EQ(builder::context_index_file(root, ctx + "/./dir/.."), f);  // the same directory
  EXPECT_NE(builder::context_index_file(root, image), f);
}

}  // namespace
}  // namespace hoist::test
