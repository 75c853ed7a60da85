// GCC 12 reports false -Wmaybe-uninitialized warnings inside <regex> when
// optimising with sanitizers; std::regex only runs upstream's expected
// regexps here (CompileTests).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "builder/pattern_matcher.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "common/error.h"
#include "tests/test_support.h"

using hoist::builder::ExcludeWalker;
using hoist::builder::lexical_clean;
using hoist::builder::Pattern;
using hoist::builder::PatternMatcher;
using hoist::builder::trim_space;
using nlohmann::json;
using V = std::vector<std::string>;

namespace {

const json& tables() {
  static const json all =
      hoist::test::load_json(hoist::test::conformance_path("patternmatcher/patternmatcher_tables.json"));
  return all.at("patternmatcher_test.go");
}

const json& table(const std::string& func, const std::string& var) {
  for (const json& t : tables()) {
    if (t.at("func") == func && t.at("var") == var) return t.at("cases");
  }
  throw hoist::Error("no table " + func + " / " + var);
}

// Go's filepath.Dir, as the upstream harness uses it to walk parents.
std::string go_dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : lexical_clean(path.substr(0, slash + 1));
}

// The upstream MatchesUsingParentResults subtest: results for each parent
// directory of `text` are fed to the next one, then to `text`.
bool match_walking_parents(const PatternMatcher& pm, const std::string& text) {
  const std::string parent = go_dir(text);
  PatternMatcher::MatchInfo info;
  if (parent != ".") {
    for (size_t pos = 0;; ++pos) {
      pos = parent.find('/', pos);
      info = pm.matches_using_parent_results(parent.substr(0, pos), info).info;
      if (pos == std::string::npos) break;
    }
  }
  return pm.matches_using_parent_results(text, info).matched;
}

bool throws_naming(const std::vector<std::string>& patterns, const std::string& name) {
  try {
    PatternMatcher pm(patterns);
  } catch (const hoist::Error& e) {
    return e.message().find(name) != std::string::npos;
  }
  return false;
}

}  // namespace

// Every table of patternmatcher_test.go is run by one of the tests below;
// this keeps a new table in the data from being skipped unnoticed.
TEST(PatternMatcherConformance, EveryTableIsKnown) {
  const std::set<std::pair<std::string, std::string>> known = {
      {"(package)", "matchTests"},
      {"(package)", "compileTests"},
      {"TestMatches", "tests"},
      {"TestMatches", "multiPatternTests"},
      {"TestCleanPatterns", "patterns"},
      {"TestCleanPatternsStripEmptyPatterns", "patterns"},
      {"TestCleanPatternsExceptionFlag", "patterns"},
      {"TestCleanPatternsLeadingSpaceTrimmed", "patterns"},
      {"TestCleanPatternsTrailingSpaceTrimmed", "patterns"},
  };
  for (const json& t : tables()) {
    EXPECT_TRUE(known.count({t.at("func"), t.at("var")})) << "unhandled table " << t.at("func") << " / " << t.at("var");
    EXPECT_EQ(t.at("count"), t.at("cases").size()) << t.at("func") << " / " << t.at("var");
  }
  EXPECT_EQ(tables().size(), known.size());
}

// TestMatch: Go's own filepath.Match table run through Matches(s, {pattern}).
// ErrBadPattern rows must fail when the matcher is built.
TEST(PatternMatcherConformance, MatchTests) {
  const json& cases = table("(package)", "matchTests");
  ASSERT_EQ(cases.size(), 54u);
  for (const json& c : cases) {
    const std::string pattern = c.at("pattern"), s = c.at("s");
    if (!c.at("err").is_null()) {
      EXPECT_EQ(c.at("err").at("$ident"), "filepath.ErrBadPattern") << c.dump();
      EXPECT_TRUE(throws_naming({pattern}, pattern)) << "must be rejected: " << c.dump();
      continue;
    }
    PatternMatcher pm({pattern});
    EXPECT_EQ(pm.matches(s), c.at("match").get<bool>()) << c.dump();
  }
}

// TestCompile: the match type of each pattern. The compiled regexp is not
// compared as text (hoist does not build regexps); instead the expected
// regexp, run by std::regex, must agree with the pattern on every path of
// the match tables. The `windowsCompiledRegexp` column (21 rows) is for `\`
// separators: hoist builds Linux images from Linux paths only.
TEST(PatternMatcherConformance, CompileTests) {
  const json& cases = table("(package)", "compileTests");
  ASSERT_EQ(cases.size(), 21u);
  std::set<std::string> corpus = {"",      "file",      "dir",        "dir/file",  "dir2/x",      "a/dir2/x/y",
                                  "a/b/c", "file.txt",  "x/file.txt", "myfile",    "x/.foo",      "abc.def",
                                  "a/b",   "a(b)c/def", "dir2",       "x/dir2",    "filetxt.txt", "abcdef"};
  for (const json& c : table("TestMatches", "tests")) corpus.insert(c.at("text").get<std::string>());
  for (const json& c : table("(package)", "matchTests")) corpus.insert(c.at("s").get<std::string>());

  const std::map<std::string, Pattern::Kind> kinds = {{"exactMatch", Pattern::Kind::exact},
                                                      {"prefixMatch", Pattern::Kind::prefix},
                                                      {"suffixMatch", Pattern::Kind::suffix},
                                                      {"regexpMatch", Pattern::Kind::glob}};
  int regexp_rows = 0;
  for (const json& c : cases) {
    const std::string pattern = c.at("pattern");
    PatternMatcher pm({pattern});
    ASSERT_EQ(pm.patterns().size(), 1u) << c.dump();
    EXPECT_EQ(pm.patterns()[0].kind(), kinds.at(c.at("matchType").at("$ident"))) << c.dump();
    const std::string re = c.at("compiledRegexp");
    if (re.empty()) continue;
    ++regexp_rows;
    const std::regex compiled(re);
    for (const std::string& text : corpus) {
      EXPECT_EQ(pm.matches_exact(text), std::regex_match(text, compiled))
          << c.dump() << " on \"" << text << "\"";
    }
  }
  EXPECT_EQ(regexp_rows, 12);
}

// TestMatches: each single-pattern row through MatchesOrParentMatches and
// the two MatchesUsingParentResults forms (with parents walked, and without
// context). The JSON keeps `pass` as a boolean, so the MatchesExact subtest
// (exact vs. inexact) cannot be rebuilt from it.
TEST(PatternMatcherConformance, Matches) {
  const json& cases = table("TestMatches", "tests");
  ASSERT_EQ(cases.size(), 67u);
  for (const json& c : cases) {
    const std::string pattern = c.at("pattern"), text = c.at("text");
    const bool pass = c.at("pass");
    PatternMatcher pm({pattern});
    EXPECT_EQ(pm.matches(text), pass) << "matches " << c.dump();
    EXPECT_EQ(match_walking_parents(pm, text), pass) << "using parent results " << c.dump();
    EXPECT_EQ(pm.matches_using_parent_results(text).matched, pass) << "no context " << c.dump();
  }
}

TEST(PatternMatcherConformance, MultiPatternMatches) {
  const json& cases = table("TestMatches", "multiPatternTests");
  ASSERT_EQ(cases.size(), 4u);
  for (const json& c : cases) {
    const std::string text = c.at("text");
    const bool pass = c.at("pass");
    PatternMatcher pm(c.at("patterns").get<V>());
    EXPECT_EQ(pm.matches(text), pass) << "matches " << c.dump();
    EXPECT_EQ(match_walking_parents(pm, text), pass) << "using parent results " << c.dump();
    EXPECT_EQ(pm.matches_using_parent_results(text).matched, pass) << "no context " << c.dump();
  }
}

// The TestCleanPatterns* inputs; the assertions are upstream's (pattern
// count, Exclusions()), the same ones simple_cases.json records.
TEST(PatternMatcherConformance, CleanPatterns) {
  for (const std::string func : {"TestCleanPatterns", "TestCleanPatternsStripEmptyPatterns"}) {
    const V patterns = table(func, "patterns").get<V>();
    EXPECT_EQ(PatternMatcher(patterns).patterns().size(), 2u) << func;
  }
  for (const std::string func : {"TestCleanPatternsExceptionFlag", "TestCleanPatternsLeadingSpaceTrimmed",
                                 "TestCleanPatternsTrailingSpaceTrimmed"}) {
    const V patterns = table(func, "patterns").get<V>();
    ASSERT_EQ(patterns.size(), 2u) << func;
    PatternMatcher pm(patterns);
    EXPECT_TRUE(pm.has_exclusions()) << func;
    EXPECT_EQ(pm.patterns().back().text(), "docs/README.md") << func;
  }
}

// simple_cases.json: the one-assertion tests of patternmatcher_test.go.
// One row differs on purpose: patternmatcher accepts "[Local-Only]/" in New
// and fails on the first match (the range "l-O" is reversed, which only its
// regexp compiler notices); hoist rejects it when the matcher is built.
TEST(PatternMatcherConformance, SimpleCases) {
  const json cases = hoist::test::load_json(hoist::test::conformance_path("patternmatcher/simple_cases.json"));
  ASSERT_EQ(cases.size(), 19u);
  int earlier_errors = 0;
  for (const json& c : cases) {
    const std::string func = c.at("func"), name = c.at("test");
    // The unix-only row appended to TestMatches has one `pattern`.
    const V patterns = c.contains("patterns") ? c.at("patterns").get<V>() : V{c.at("pattern").get<std::string>()};
    if (c.value("error", false) || c.contains("match_error")) {
      const std::string named = patterns.at(0) == "!" ? "\"!\"" : patterns.at(0);
      EXPECT_TRUE(throws_naming(patterns, named)) << name << ": must be rejected, naming the pattern";
      if (c.contains("new_error") && !c.at("new_error").get<bool>()) ++earlier_errors;
      continue;
    }
    PatternMatcher pm(patterns);
    if (func == "New+Patterns") {
      EXPECT_EQ(pm.patterns().size(), c.at("cleaned_len").get<size_t>()) << name;
    } else if (func == "New+Exclusions") {
      EXPECT_EQ(pm.has_exclusions(), c.at("exclusions").get<bool>()) << name;
    } else if (func.starts_with("Matches")) {
      EXPECT_EQ(pm.matches(c.at("text").get<std::string>()), c.at("match").get<bool>()) << name;
    } else {
      ADD_FAILURE() << "unhandled simple case " << name << " (" << func << ")";
    }
  }
  EXPECT_EQ(earlier_errors, 1) << "deliberate differences counted above";
}

// --- COPY --exclude (BuildKit frontend/dockerfile/exclude_patterns_test.go) ---
//
// instructions_tables.json also holds bflag_test.go (TestBuilderFlags),
// parse_heredoc_test.go (TestCopyHeredoc, TestRunHeredoc) and convert_test.go
// (TestAddEnv, TestToEnvList): those are the instruction parser's tables and
// are run by its tests, not here.
//
// testExcludedFilesOnCopy builds a Dockerfile whose stages COPY/ADD parts of a
// context with --exclude flags and checks which files land in the result.
// The same walk is replayed here over an in-memory context: every file and
// directory goes through ExcludeWalker, as fsutil's copy does. The context is
// the upstream test's; dir4 (a file and two symlinks, one dangling, whose
// expected "content" is the link target) is inferred from the rows of the
// newer revision the table was taken from.
namespace {

struct Entry {
  std::string path;
  bool is_dir;
  std::string content;
};

const std::vector<Entry>& context_tree() {
  static const std::vector<Entry> tree = {
      {"dir1", true, ""},
      {"dir1/file-101.png", false, "2"},
      {"dir1/file-102.txt", false, "3"},
      {"dir1/file-103.jpeg", false, "4"},
      {"dir2", true, ""},
      {"dir2/file-201.pdf", false, "6"},
      {"dir2/file-202.jpeg", false, "7"},
      {"dir2/file-203.png", false, "8"},
      {"dir3", true, ""},
      {"dir3/file-301.mp3", false, "9"},
      {"dir3/file-302.mpeg", false, "10"},
      {"dir4", true, ""},
      {"dir4/file-401.txt", false, "11"},
      {"dir4/file-402.txt", false, "file-401.txt"},  // symlink
      {"dir4/file-403.txt", false, "file-404.txt"},  // dangling symlink
  };
  return tree;
}

struct Stage {
  std::string name;
  V excludes;
  std::string source;  // "." | "dir3/" | "dir*"
  std::string dest;
};

// Copies the source's contents into `dest` of `out`, leaving out what the
// walk excludes; a wildcard source copies each matching directory's contents.
void run_stage(const Stage& stage, std::map<std::string, std::string>& out) {
  PatternMatcher pm(stage.excludes);
  std::vector<std::string> roots;
  if (stage.source == ".") {
    roots = {""};
  } else if (stage.source == "dir*") {
    for (const Entry& e : context_tree()) {
      if (e.is_dir && e.path.starts_with("dir") && e.path.find('/') == std::string::npos) roots.push_back(e.path + "/");
    }
  } else {
    roots = {stage.source};
  }
  for (const std::string& root : roots) {
    ExcludeWalker walker(pm);
    std::string skipped;  // prefix of a skipped directory
    for (const Entry& e : context_tree()) {
      if (!e.path.starts_with(root)) continue;
      const std::string rel = e.path.substr(root.size());
      if (!skipped.empty() && rel.starts_with(skipped)) continue;
      const ExcludeWalker::Verdict v = walker.visit(rel, e.is_dir);
      if (v == ExcludeWalker::Verdict::skip_dir) skipped = rel + "/";
      if (v == ExcludeWalker::Verdict::keep && !e.is_dir) out[stage.dest + rel] = e.content;
    }
  }
}

}  // namespace

TEST(PatternMatcherCopyExclude, ExcludedFilesOnCopy) {
  const json all =
      hoist::test::load_json(hoist::test::conformance_path("buildkit-instructions/instructions_tables.json"));
  const json& tables = all.at("exclude_patterns_test.go");
  ASSERT_EQ(tables.size(), 2u);

  const std::vector<Stage> stages = {
      {"builder1", {"*/*.png", "*/*.jpeg"}, ".", "builder1/1/"},
      {"builder2", {"*/*.pdf", "*/*.txt"}, ".", "builder2/2/"},
      {"builder3", {"*.mp3"}, "dir3/", "builder3/3/"},
      {"builder4", {"*.mp3", "*.jpeg", "*.png", "*.pdf", "*.txt"}, "dir*", "builder4/4/"},
      {"builder5", {"*.mp*", "*.jpeg", "*.png", "*.pdf"}, "dir*", "builder5/5/"},
      {"builder6", {"*"}, "dir*", "builder6/6/"},
  };
  std::map<std::string, std::string> result;
  for (const Stage& s : stages) run_stage(s, result);

  int rows = 0;
  for (const json& t : tables) {
    if (t.at("var") == "gitCommands") {
      // 7 shell commands that turn the context into a git repository for the
      // second half of the upstream test (same Dockerfile, COPY --from a git
      // checkout): no pattern data, and the walk above is the same for both.
      EXPECT_EQ(t.at("cases").size(), 7u);
      continue;
    }
    ASSERT_EQ(t.at("var"), "testCases");
    for (const json& c : t.at("cases")) {
      ++rows;
      const std::string file = c.at("filename");
      const auto it = result.find(file);
      if (c.at("excluded").get<bool>()) {
        EXPECT_EQ(it, result.end()) << file << " should not exist: " << c.dump();
      } else {
        ASSERT_NE(it, result.end()) << file << " should exist: " << c.dump();
        EXPECT_EQ(it->second, c.at("expectedContent").get<std::string>()) << c.dump();
      }
    }
  }
  EXPECT_EQ(rows, 48);
  // "As all files are excluded, the directory must be empty."
  for (const auto& [path, content] : result) EXPECT_FALSE(path.starts_with("builder6/")) << path;
}

// --- Focused tests ---

TEST(PatternMatcher, LexicalCleanIsGoPathClean) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "."},         {".", "."},       {"/", "/"},           {"//", "/"},         {"a/", "a"},
      {"./a", "a"},      {"a//b", "a/b"},  {"a/./b", "a/b"},     {"a/../b", "b"},     {"../a", "../a"},
      {"/../a", "/a"},   {"a/b/../..", "."}, {"a/../../b", "../b"}, {"!./a", "!./a"}, {"/a/b/", "/a/b"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(lexical_clean(in), out) << in;
}

TEST(PatternMatcher, TrimSpaceIsUnicodeAware) {
  EXPECT_EQ(trim_space(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim_space("\u00a0\u3000x\u2003\u0085"), "x");
  EXPECT_EQ(trim_space("  "), "");
  EXPECT_EQ(trim_space("\xff "), "\xff");  // invalid UTF-8 is kept
  EXPECT_EQ(trim_space("é"), "é");
}

TEST(PatternMatcher, PatternsAreTrimmedAndCleaned) {
  PatternMatcher pm({"  ./a/b/ ", "/c", "d//e/../f", "!./g", "", "   ", "! /h"});
  V texts;
  for (const Pattern& p : pm.patterns()) texts.push_back((p.exclusion() ? "!" : "") + p.text());
  // "! /h" keeps its space after "!" as patternmatcher does; ReadAll removes it.
  EXPECT_EQ(texts, (V{"a/b", "c", "d/f", "!g", "! /h"}));
  EXPECT_TRUE(pm.matches("c/x"));  // a leading "/" means the context root
  EXPECT_FALSE(pm.matches("x/c"));
}

TEST(PatternMatcher, StarAndQuestionStopAtSlash) {
  PatternMatcher pm({"*.go", "a?c"});
  EXPECT_TRUE(pm.matches("main.go"));
  EXPECT_FALSE(pm.matches("cmd/main.go"));
  EXPECT_TRUE(pm.matches("abc"));
  EXPECT_TRUE(pm.matches("a☺c"));  // one rune, not one byte
  EXPECT_FALSE(pm.matches("a/c"));
  EXPECT_FALSE(pm.matches("ac"));
}

TEST(PatternMatcher, DoubleStarCrossesDirectories) {
  PatternMatcher pm({"**/*.log", "build/**", "**/tmp"});
  EXPECT_TRUE(pm.matches("x.log"));
  EXPECT_TRUE(pm.matches("a/b/c/x.log"));
  EXPECT_TRUE(pm.matches("build/out/x"));
  EXPECT_FALSE(pm.matches("build"));  // "build/**" needs something below
  EXPECT_TRUE(pm.matches("tmp"));
  EXPECT_TRUE(pm.matches("a/b/tmp/file"));
  EXPECT_FALSE(pm.matches("a/btmp"));
}

TEST(PatternMatcher, MatchKindsFollowPatternmatcher) {
  auto kind = [](const std::string& p) { return PatternMatcher({p}).patterns()[0].kind(); };
  EXPECT_EQ(kind("a.b(c)"), Pattern::Kind::exact);
  EXPECT_EQ(kind("a/**"), Pattern::Kind::prefix);
  EXPECT_EQ(kind("**/a"), Pattern::Kind::suffix);
  EXPECT_EQ(kind("**/a*"), Pattern::Kind::glob);
  EXPECT_EQ(kind("a]b"), Pattern::Kind::glob);
  EXPECT_EQ(kind("a\\.b"), Pattern::Kind::glob);
  // `**file` is a plain suffix test in Docker, so it also matches "myfile".
  EXPECT_TRUE(PatternMatcher({"**file"}).matches("dir/myfile"));
  EXPECT_FALSE(PatternMatcher({"**/file"}).matches("dir/myfile"));
}

TEST(PatternMatcher, CharacterClasses) {
  PatternMatcher pm({"[a-c]x", "[^a-z]y", "[\\]]z", "[α-ω]w"});
  EXPECT_TRUE(pm.matches("bx"));
  EXPECT_FALSE(pm.matches("dx"));
  EXPECT_TRUE(pm.matches("Ay"));
  EXPECT_FALSE(pm.matches("ay"));
  EXPECT_TRUE(pm.matches("]z"));
  EXPECT_TRUE(pm.matches("λw"));
  EXPECT_FALSE(pm.matches("aw"));
  // A negated class, like the regexp Docker builds, also matches "/".
  EXPECT_TRUE(PatternMatcher({"a[^x]b"}).matches_exact("a/b"));
  // Inside a class `*` and `?` are plain characters (filepath.Match's reading).
  EXPECT_TRUE(PatternMatcher({"[*?]"}).matches("*"));
  EXPECT_FALSE(PatternMatcher({"[*?]"}).matches("a"));
}

TEST(PatternMatcher, EscapesAreLiteral) {
  EXPECT_TRUE(PatternMatcher({"a\\*b"}).matches("a*b"));
  EXPECT_FALSE(PatternMatcher({"a\\*b"}).matches("axb"));
  EXPECT_TRUE(PatternMatcher({"a\\?"}).matches("a?"));
  EXPECT_TRUE(PatternMatcher({"\\[x]"}).matches("[x]"));
  // `\d` is "d" as in filepath.Match, not a regexp digit class.
  EXPECT_TRUE(PatternMatcher({"\\d"}).matches("d"));
  EXPECT_FALSE(PatternMatcher({"\\d"}).matches("1"));
  EXPECT_TRUE(PatternMatcher({"a^b$"}).matches("a^b$"));
}

TEST(PatternMatcher, InvalidUtf8IsMatchedBytewise) {
  EXPECT_TRUE(PatternMatcher({"a\xff*"}).matches("a\xff" "bc"));
  EXPECT_FALSE(PatternMatcher({"a\xff*"}).matches("a\xfe" "bc"));
  EXPECT_TRUE(PatternMatcher({"a?b"}).matches("a\xc3" "b"));
}

TEST(PatternMatcher, MalformedPatternsAreRejectedNamingThem) {
  for (const std::string p : {"[", "a[", "[^", "[^bc", "[]a]", "[-]", "[x-]", "[-x]", "[a-b-c]", "\\", "ab\\",
                              "[z-a]", "x/[Local-Only]/y", "[\xff]"}) {
    EXPECT_TRUE(throws_naming({"ok", p}, "\"" + p + "\"")) << p;
  }
  EXPECT_TRUE(throws_naming({"!"}, "\"!\""));
  EXPECT_TRUE(throws_naming({" ! "}, "\"!\""));
  EXPECT_TRUE(throws_naming({"!/"}, "\"!\""));  // cleans to "!"
  EXPECT_NO_THROW(PatternMatcher({"[\\-]", "[x\\-]", "[\\]a]", "a]", "]"}));
}

TEST(PatternMatcher, ExceptionsLastMatchWins) {
  PatternMatcher pm({"*.md", "!README.md", "docs", "!docs/keep/**", "docs/keep/secret"});
  EXPECT_TRUE(pm.has_exclusions());
  EXPECT_TRUE(pm.matches("CHANGES.md"));
  EXPECT_FALSE(pm.matches("README.md"));
  EXPECT_TRUE(pm.matches("docs"));
  EXPECT_TRUE(pm.matches("docs/a/b"));
  EXPECT_FALSE(pm.matches("docs/keep/a"));
  EXPECT_TRUE(pm.matches("docs/keep/secret"));
  EXPECT_TRUE(pm.matches("docs/keep/secret/inner"));
  EXPECT_FALSE(pm.matches("src/x"));
  // An exception before the pattern it would undo has no effect.
  EXPECT_TRUE(PatternMatcher({"!a.go", "*.go"}).matches("a.go"));
}

TEST(PatternMatcher, MatchesCleansThePath) {
  PatternMatcher pm({"a/b"});
  EXPECT_TRUE(pm.matches("./a//b/"));
  EXPECT_TRUE(pm.matches("a/c/../b/d"));
  EXPECT_FALSE(pm.matches("."));
  EXPECT_FALSE(PatternMatcher({"**"}).matches("./"));
  EXPECT_FALSE(PatternMatcher(V{}).matches("a"));
}

TEST(PatternMatcher, SkippingExcludedDirectories) {
  EXPECT_TRUE(PatternMatcher({"node_modules"}).can_skip_excluded_dir("node_modules"));
  PatternMatcher pm({"vendor", "build", "!build/keep.txt", "!vendor-list/**"});
  EXPECT_TRUE(pm.can_skip_excluded_dir("vendor"));  // "vendor-list/" is not under "vendor/"
  EXPECT_FALSE(pm.can_skip_excluded_dir("build"));
  EXPECT_TRUE(pm.can_skip_excluded_dir("build2"));
  EXPECT_FALSE(PatternMatcher({"a", "!a/b/**"}).can_skip_excluded_dir("a/b"));
  // Any wildcard exception could match anywhere: nothing is skipped.
  PatternMatcher wild({"a", "b", "!**/*.keep"});
  EXPECT_FALSE(wild.can_skip_excluded_dir("a"));
  EXPECT_FALSE(PatternMatcher({"a", "!x/*/y"}).can_skip_excluded_dir("a"));
  EXPECT_TRUE(PatternMatcher({"a", "!x/*"}).can_skip_excluded_dir("a"));
}

TEST(PatternMatcher, WalkerSkipsOrDescends) {
  using Verdict = ExcludeWalker::Verdict;
  PatternMatcher pm({"*", "!src", "src/*.o", "!keep/x"});
  ExcludeWalker w(pm);
  EXPECT_EQ(w.visit("README", false), Verdict::exclude);
  EXPECT_EQ(w.visit("cache", true), Verdict::skip_dir);
  EXPECT_EQ(w.visit("keep", true), Verdict::exclude);  // an exception lies inside
  EXPECT_EQ(w.visit("keep/x", false), Verdict::keep);
  EXPECT_EQ(w.visit("keep/y", false), Verdict::exclude);
  EXPECT_EQ(w.visit("src", true), Verdict::keep);
  EXPECT_EQ(w.visit("src/a.c", false), Verdict::keep);
  EXPECT_EQ(w.visit("src/a.o", false), Verdict::exclude);
  EXPECT_EQ(w.visit("srcx", false), Verdict::exclude);
}

// The walk (fsutil) and matches() (MatchesOrParentMatches) part ways when an
// exception matches a parent of an excluded directory: matches() lets the
// exception take back "foo/sub/x"; BuildKit's walk has already skipped
// "foo/sub". Context transfer follows the walk.
TEST(PatternMatcher, WalkerAndMatchesDifferOnParentExceptions) {
  PatternMatcher pm({"foo/*", "!foo"});
  EXPECT_FALSE(pm.matches("foo/sub/x"));
  ExcludeWalker w(pm);
  EXPECT_EQ(w.visit("foo", true), ExcludeWalker::Verdict::keep);
  EXPECT_EQ(w.visit("foo/sub", true), ExcludeWalker::Verdict::skip_dir);
}

TEST(PatternMatcher, ParentResultsFromAnotherMatcherAreRejected) {
  PatternMatcher one({"a"}), two({"a", "b"});
  const auto info = one.matches_using_parent_results("a").info;
  EXPECT_THROW(two.matches_using_parent_results("a/b", info), hoist::Error);
}

// The glob matcher is a state-set simulation, so a pattern built to make a
// backtracking matcher explode runs in linear time.
TEST(PatternMatcher, PathologicalPatternsStayLinear) {
  PatternMatcher pm({"**/*a*a*a*a*a*a*a*a*a*a*a*a*b", "**/**/**/**/**/**/z"});
  const std::string path = std::string(2000, 'a') + "/" + std::string(2000, 'a');
  EXPECT_FALSE(pm.matches(path));
  EXPECT_TRUE(pm.matches(path + "b"));
}
