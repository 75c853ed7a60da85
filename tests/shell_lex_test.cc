// The Dockerfile word expander against BuildKit's shell package tests
// (frontend/dockerfile/shell: envVarTest, wordsTest, lex_test.go exported as
// lex_tables.json), read the way lex_test.go reads them, plus focused tests of
// each feature and error. Where hoist deliberately differs from BuildKit the
// test says so and why.
#include "builder/shell_lex.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "tests/test_support.h"

namespace {

using hoist::builder::Env;
using hoist::builder::EnvList;
using hoist::builder::LexOptions;
using hoist::builder::ShellLex;
using nlohmann::json;

// Go's bufio.Scanner lines: split on '\n', a trailing '\r' dropped, no empty
// line after a final newline.
std::vector<std::string> scan_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string::npos ? text.size() : nl;
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

std::string trim_left(const std::string& s, std::string_view chars) {
  size_t b = s.find_first_not_of(chars);
  return b == std::string::npos ? "" : s.substr(b);
}

std::string trim_space(const std::string& s) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  std::string left = trim_left(s, kSpace);
  return left.substr(0, left.find_last_not_of(kSpace) + 1);
}

std::string error_of(const ShellLex& lex, std::string_view word, const Env& env) {
  try {
    auto r = lex.process_word(word, env);
    ADD_FAILURE() << "no error for " << word << "; got \"" << r.result << "\"";
  } catch (const hoist::Error& e) {
    return e.describe();
  }
  return "";
}

std::string expand(std::string_view word, const Env& env, const ShellLex& lex = ShellLex()) {
  try {
    return lex.process_word(word, env).result;
  } catch (const hoist::Error& e) {
    ADD_FAILURE() << "error for " << word << ": " << e.describe();
    return "<error>";
  }
}

std::string buildkit_shell(const std::string& file) {
  return hoist::test::conformance_path("buildkit-shell/" + file);
}

// ---- Conformance: envVarTest (TestShellParser4EnvVars) ----

TEST(ShellLexConformance, EnvVarTest) {
  const auto env = EnvList::from_strings({"PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="});
  ShellLex lex('\\');
  std::map<std::string, int> seen;
  int line_no = 0;
  for (std::string line : scan_lines(hoist::fs::read_file(buildkit_shell("envVarTest")))) {
    ++line_no;
    if (line.starts_with("#")) continue;
    line = trim_space(line);
    if (line.empty()) continue;
    auto fields = split(line, '|');
    ASSERT_EQ(fields.size(), 3u) << "envVarTest line " << line_no << ": " << line;
    std::string platform = trim_space(fields[0]);
    std::string source = trim_space(fields[1]);
    std::string expected = trim_space(fields[2]);
    ASSERT_TRUE(platform == "A" || platform == "U" || platform == "W")
        << "envVarTest line " << line_no << ": tag " << platform;
    ++seen[platform];
    if (platform == "W") continue;  // Windows only: there $pwd is $PWD.
    std::string where = "envVarTest line " + std::to_string(line_no) + ": " + source;
    if (expected == "error") {
      try {
        auto r = lex.process_word(source, env);
        ADD_FAILURE() << where << ": expected an error, got \"" << r.result << "\"";
      } catch (const hoist::Error&) {
      }
    } else {
      try {
        EXPECT_EQ(lex.process_word(source, env).result, expected) << where;
      } catch (const hoist::Error& e) {
        ADD_FAILURE() << where << ": " << e.describe();
      }
    }
  }
  EXPECT_EQ(seen["A"], 226);
  EXPECT_EQ(seen["U"], 2);
  EXPECT_EQ(seen["W"], 2) << "Windows-only rows are skipped, but all must be seen";
  EXPECT_EQ(seen["A"] + seen["U"] + seen["W"], 230);
}

// ---- Conformance: wordsTest (TestShellParser4Words) ----

// lex_test.go runs the file in two modes, but the second (RawQuotes +
// SkipUnsetEnv) reads the already exhausted file and so checks nothing; its
// expected values have the quotes removed and could not pass with RawQuotes.
// The normal mode runs here; ShellLexOptions covers the other switches.
TEST(ShellLexConformance, WordsTest) {
  ShellLex lex('\\');
  std::vector<std::string> envs;
  int line_no = 0;
  int cases = 0;
  int env_lines = 0;
  for (const std::string& line : scan_lines(hoist::fs::read_file(buildkit_shell("wordsTest")))) {
    ++line_no;
    if (line.starts_with("#")) continue;
    if (line.starts_with("ENV ")) {
      envs.push_back(trim_left(line.substr(3), " "));  // trailing spaces are part of the value
      ++env_lines;
      continue;
    }
    auto parts = split(line, '|');
    ASSERT_EQ(parts.size(), 2u) << "wordsTest line " << line_no << " should have one |: " << line;
    std::string test = trim_space(parts[0]);
    std::vector<std::string> expected = split(trim_left(parts[1], " "), ',');
    std::vector<std::string> result;
    try {
      result = lex.process_words(test, EnvList::from_strings(envs));
    } catch (const hoist::Error&) {
      result = {"error"};
    }
    EXPECT_EQ(result, expected) << "wordsTest line " << line_no << ": " << test;
    ++cases;
  }
  EXPECT_EQ(cases, 24);
  EXPECT_EQ(env_lines, 4);
}

// ---- Conformance: lex_tables.json (lex_test.go) ----

const json& lex_table(const std::string& func, const std::string& var) {
  static const json doc = hoist::test::load_json(buildkit_shell("lex_tables.json"));
  for (const json& t : doc.at("lex_test.go")) {
    if (t.at("func") == func && t.at("var") == var) {
      EXPECT_EQ(t.at("cases").size(), t.at("count").get<size_t>()) << func << " " << var;
      return t.at("cases");
    }
  }
  throw std::runtime_error(func + "/" + var + " not found in lex_tables.json");
}

TEST(ShellLexConformance, EveryTableIsRun) {
  static const std::set<std::pair<std::string, std::string>> kRun = {
      {"TestConvertShellPatternToRegex", "cases"}, {"TestConvertShellPatternToRegex", "invalid"},
      {"TestReversePattern", "cases"},             {"TestShellParserMandatoryEnvVars", "setEnvs"},
      {"TestShellParserMandatoryEnvVars", "emptyEnvs"}, {"TestShellParser4Words", "range"},
      {"TestProcessWithMatches", "tc"}};
  json doc = hoist::test::load_json(buildkit_shell("lex_tables.json"));
  size_t total = 0;
  for (const json& t : doc.at("lex_test.go")) {
    std::pair<std::string, std::string> key{t.at("func").get<std::string>(), t.at("var").get<std::string>()};
    EXPECT_TRUE(kRun.count(key)) << "table not run by this file: " << key.first << " " << key.second;
    total += t.at("count").get<size_t>();
  }
  EXPECT_EQ(total, 65u);
}

std::set<std::string> key_set(const json& row, const char* field) {
  std::set<std::string> out;
  if (row.contains(field) && !row.at(field).is_null()) {
    for (auto& [k, v] : row.at(field).items()) out.insert(k);
  }
  return out;
}

// Like TestProcessWithMatches: the result, and exactly which variables were
// found and which were looked up but unset. Error rows only need the error.
TEST(ShellLexConformance, ProcessWithMatches) {
  const json& cases = lex_table("TestProcessWithMatches", "tc");
  ASSERT_EQ(cases.size(), 47u);
  ShellLex lex('\\');
  for (const json& c : cases) {
    std::string input = c.at("input");
    EnvList env;
    for (auto& [k, v] : c.at("envs").items()) env.set(k, v.get<std::string>());
    bool want_error = c.value("expectedErr", false);
    try {
      auto r = lex.process_word(input, env);
      if (want_error) {
        ADD_FAILURE() << input << ": expected an error, got \"" << r.result << "\"";
        continue;
      }
      EXPECT_EQ(r.result, c.at("expected").get<std::string>()) << input;
      EXPECT_EQ(r.matched, key_set(c, "matches")) << input << ": matched";
      EXPECT_EQ(r.unmatched, key_set(c, "unmatched")) << input << ": unmatched";
    } catch (const hoist::Error& e) {
      EXPECT_TRUE(want_error) << input << ": " << e.describe();
    }
  }
}

// TestConvertShellPatternToRegex checks the Go regexp each pattern becomes.
// hoist matches patterns without building a regexp, so each row instead checks
// what its regexp matches, with the pattern taken from a variable (${V##$P})
// so that it reaches the matcher exactly as written in the table.
TEST(ShellLexConformance, ShellPatternToRegex) {
  struct Check {
    std::string value, after;  // ${V##$P} with V=value
  };
  const std::map<std::string, std::vector<Check>> kChecks = {
      // ^.*  (greedy; '.' does not match a newline)
      {"*", {{"abc", ""}, {"ab\ncd", "\ncd"}}},
      // ^.   (one character, not one byte)
      {"?", {{"abc", "bc"}, {"한국", "국"}}},
      // ^\*
      {"\\*", {{"*a", "a"}, {"a*", "a*"}}},
      // every regexp metacharacter literal; "\}" is '}'
      {"(()[]{\\}^$.\\*\\?|\\\\", {{"(()[]{}^$.*?|\\rest", "rest"}, {"(x", "(x"}}},
  };
  const json& cases = lex_table("TestConvertShellPatternToRegex", "cases");
  ASSERT_EQ(cases.size(), 4u);
  ShellLex lex;
  for (auto& [pattern, regex] : cases.items()) {
    auto it = kChecks.find(pattern);
    if (it == kChecks.end()) {
      ADD_FAILURE() << "no behavioural check for pattern " << pattern << " (regexp " << regex << ")";
      continue;
    }
    for (const Check& check : it->second) {
      EnvList env{{"V", check.value}, {"P", pattern}};
      EXPECT_EQ(expand("${V##$P}", env, lex), check.after)
          << "pattern " << pattern << " (regexp " << regex.get<std::string>() << ") on " << check.value;
    }
  }

  const json& invalid = lex_table("TestConvertShellPatternToRegex", "invalid");
  ASSERT_EQ(invalid.size(), 3u);
  for (const json& p : invalid) {
    EnvList env{{"V", "x"}, {"P", p.get<std::string>()}};
    EXPECT_NE(error_of(lex, "${V#$P}", env).find("invalid pattern (" + p.get<std::string>() + ")"),
              std::string::npos)
        << "pattern " << p;
  }
}

// TestReversePattern checks the helper that turns ${V%p} into a prefix match
// on reversed text. hoist reports an invalid suffix pattern reversed, as
// BuildKit does, so the invalid rows show the reversal in the message and the
// valid ones show it by what ${V%$P} removes.
TEST(ShellLexConformance, ReversePattern) {
  const std::map<std::string, std::pair<std::string, std::string>> kChecks = {
      {"a\\*c", {"xa*c", "x"}},   // c\*a: literal "a*c" suffix
      {"\\\\b", {"x\\b", "x"}},   // b\\: literal "\b" suffix
      {"\\\\\\ab", {"", ""}},     // b\a\\: "\a" is an invalid escape
      {"ab\\", {"", ""}},         // \ba: "\b" is an invalid escape
      {"👽\\🚀🖖", {"", ""}},     // 🖖\🚀👽: "\🚀" is an invalid escape
  };
  const json& cases = lex_table("TestReversePattern", "cases");
  ASSERT_EQ(cases.size(), 5u);
  ShellLex lex;
  for (auto& [pattern, reversed_json] : cases.items()) {
    std::string reversed = reversed_json.get<std::string>();
    auto it = kChecks.find(pattern);
    if (it == kChecks.end()) {
      ADD_FAILURE() << "no check for pattern " << pattern;
      continue;
    }
    auto [value, after] = it->second;
    EnvList env{{"V", value}, {"P", pattern}};
    if (value.empty()) {
      EXPECT_NE(error_of(lex, "${V%$P}", env).find("invalid pattern (" + reversed + ")"), std::string::npos)
          << "pattern " << pattern << " reversed " << reversed;
    } else {
      EXPECT_EQ(expand("${V%$P}", env, lex), after) << "pattern " << pattern << " reversed " << reversed;
    }
  }
}

// TestShellParserMandatoryEnvVars; its unsetEnvs ({"ARG=x"}) is not in the JSON.
TEST(ShellLexConformance, MandatoryEnvVars) {
  auto strings = [](const json& j) { return j.get<std::vector<std::string>>(); };
  const auto set_envs = EnvList::from_strings(strings(lex_table("TestShellParserMandatoryEnvVars", "setEnvs")));
  const auto empty_envs =
      EnvList::from_strings(strings(lex_table("TestShellParserMandatoryEnvVars", "emptyEnvs")));
  const auto unset_envs = EnvList::from_strings({"ARG=x"});
  ShellLex lex('\\');
  const std::string no_empty = "${VAR:?message here$ARG}";
  const std::string no_unset = "${VAR?message here$ARG}";

  EXPECT_EQ(expand(no_empty, set_envs, lex), "plain");
  EXPECT_NE(error_of(lex, no_empty, empty_envs).find("message herex"), std::string::npos);
  EXPECT_NE(error_of(lex, no_empty, unset_envs).find("message herex"), std::string::npos);

  EXPECT_EQ(expand(no_unset, set_envs, lex), "plain");
  EXPECT_EQ(expand(no_unset, empty_envs, lex), "");
  EXPECT_NE(error_of(lex, no_unset, unset_envs).find("message herex"), std::string::npos);
}

TEST(ShellLexConformance, Words4Modes) {
  const json& modes = lex_table("TestShellParser4Words", "range");
  ASSERT_EQ(modes.size(), 2u);
  EXPECT_EQ(modes[0].at("$ident"), "modeNormal");       // run by WordsTest
  EXPECT_EQ(modes[1].at("$ident"), "modeOnlySetEnv");   // vacuous in Go; see WordsTest
}

// TestProcessWithMatchesPlatform.
TEST(ShellLexConformance, ProcessWithMatchesPlatform) {
  const std::string release =
      "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
  ShellLex lex;
  EXPECT_EQ(expand(release, EnvList{{"VERSION", "v1.2.3"}, {"TARGETOS", "linux"}, {"TARGETARCH", "arm"},
                                    {"TARGETVARIANT", "v7"}}, lex),
            "something-v1.2.3.linux-arm-v7.tar.gz");
  EXPECT_EQ(expand(release, EnvList{{"VERSION", "v1.2.3"}, {"TARGETOS", "linux"}, {"TARGETARCH", "arm64"},
                                    {"TARGETVARIANT", ""}}, lex),
            "something-v1.2.3.linux-arm64.tar.gz");
  EXPECT_EQ(expand(release, EnvList{{"VERSION", "v1.2.3"}, {"TARGETOS", "linux"}, {"TARGETARCH", "arm64"}}, lex),
            "something-v1.2.3.linux-arm64.tar.gz");
}

// ---- Env ----

// TestGetEnv.
TEST(ShellLexEnv, FromStrings) {
  EXPECT_EQ(EnvList::from_strings({}).get("foo"), std::nullopt);
  EXPECT_EQ(EnvList::from_strings({"foo"}).get("foo"), "");
  EXPECT_EQ(EnvList::from_strings({"foo="}).get("foo"), "");
  EXPECT_EQ(EnvList::from_strings({"foo=bar"}).get("foo"), "bar");
  auto two = EnvList::from_strings({"foo=bar", "car=hat"});
  EXPECT_EQ(two.get("foo"), "bar");
  EXPECT_EQ(two.get("car"), "hat");
  EXPECT_EQ(EnvList::from_strings({"foo=bar", "car=hat", "car=bike"}).get("car"), "bike");
  EXPECT_EQ(EnvList::from_strings({"a=b=c"}).get("a"), "b=c");
}

TEST(ShellLexEnv, LastWinsAndCaseSensitive) {
  EnvList env{{"A", "1"}, {"a", "lower"}};
  env.set("A", "2");
  EXPECT_EQ(env.get("A"), "2");
  EXPECT_EQ(env.get("a"), "lower");
  EXPECT_EQ(expand("$A $a ${A}", env), "2 lower 2");
}

TEST(ShellLexEnv, SetButEmptyIsNotUnset) {
  EnvList env{{"E", ""}};
  auto r = ShellLex().process_word("${E-default}${U-default}", env);
  EXPECT_EQ(r.result, "default");
  EXPECT_EQ(r.matched, std::set<std::string>{"E"});
  EXPECT_EQ(r.unmatched, std::set<std::string>{"U"});
}

TEST(ShellLexEnv, CustomEnv) {
  struct Upper : Env {
    std::optional<std::string> get(std::string_view name) const override {
      if (name == "NONE") return std::nullopt;
      return "<" + std::string(name) + ">";
    }
  };
  EXPECT_EQ(expand("$A-${B}-${NONE:-d}", Upper()), "<A>-<B>-d");
}

// ---- Expansion ----

struct Row {
  std::string word, expected;
};

void check_rows(const std::vector<Row>& rows, const Env& env, const ShellLex& lex = ShellLex()) {
  for (const Row& row : rows) EXPECT_EQ(expand(row.word, env, lex), row.expected) << "word: " << row.word;
}

TEST(ShellLexExpand, Variables) {
  EnvList env{{"V", "v"}, {"E", ""}, {"PWD", "/home"}, {"_X1", "x"}, {"안녕", "hi"}, {"FOO", "f"}};
  check_rows({{"$V", "v"},
              {"${V}x", "vx"},
              {"$Vx", ""},  // the name is "Vx"
              {"$_X1-", "x-"},
              {"$E|${E}", "|"},
              {"$pwd", ""},  // names are case-sensitive
              {"$UNSET", ""},
              {"a$V$V", "avv"},
              {"$안녕!", "hi!"},          // Unicode letters are name characters
              {"$FOO…", "f…"},            // U+2026 is not a letter
              {"$FOO\u00a0", "f\u00a0"},  // nor is a no-break space
              {"$FOOé", ""},              // but é is: the name is "FOOé"
              {"$FOO\u0661", ""}},        // and so is a non-ASCII digit
             env);
}

TEST(ShellLexExpand, DollarWithoutName) {
  check_rows({{"$", "$"},
              {"a$", "a$"},
              {"$ x", "$ x"},
              {"$.", "$."},
              {"$/", "$/"},
              {"$\"x\"", "$x"},
              {"$'x'", "$x"},
              {"\\$V", "$V"}},
             EnvList{{"V", "v"}});
}

// Positional and special parameters are never set in a Dockerfile; digits
// form one name, a special character a name of its own.
TEST(ShellLexExpand, SpecialParameters) {
  check_rows({{"$1x", "x"},
              {"$12x", "x"},
              {"$0x", "x"},
              {"$00x", "x"},
              {"$@@", "@"},
              {"$$x", "x"},
              {"$*x$#x$?x$-x$!x", "xxxxx"},
              {"${#}${?:-q}${$:+p}", "q"},
              {"$\u0661\u0662x", "x"}},  // a run of non-ASCII digits is a positional name too
             EnvList{});
  auto r = ShellLex().process_word("$12 $$ ${#} $\u0661", EnvList{});
  EXPECT_EQ(r.unmatched, (std::set<std::string>{"12", "$", "#", "\u0661"}));
}

TEST(ShellLexExpand, Modifiers) {
  EnvList env{{"SET", "v"}, {"EMPTY", ""}};
  check_rows({{"${SET:-d}", "v"},   {"${EMPTY:-d}", "d"}, {"${UNSET:-d}", "d"},
              {"${SET-d}", "v"},    {"${EMPTY-d}", ""},   {"${UNSET-d}", "d"},
              {"${SET:+a}", "a"},   {"${EMPTY:+a}", ""},  {"${UNSET:+a}", ""},
              {"${SET+a}", "a"},    {"${EMPTY+a}", "a"},  {"${UNSET+a}", ""},
              {"${SET:?m}", "v"},   {"${SET?m}", "v"},    {"${EMPTY?m}", ""},
              {"${UNSET:-}", ""},   {"${SET:+}", ""}},
             env);
}

TEST(ShellLexExpand, NestedWords) {
  EnvList env{{"SET", "v"}};
  check_rows({{"${UNSET:-${SET}-x}", "v-x"},
              {"${UNSET:-${UNSET2:-${SET}}}", "v"},
              {"${SET:+\"a b\"}", "a b"},
              {"${UNSET:-'$SET'}", "$SET"},
              {"${UNSET:-a\\}b}", "a}b"},
              {"${UNSET:-{x}", "{x"},
              {"${UNSET:-a}}", "a}"}},
             env);
}

// The default word is expanded even when it is not used, so its variables
// count as looked up, as in BuildKit.
TEST(ShellLexExpand, MatchesIncludeUnusedWords) {
  auto r = ShellLex().process_word("${A:-$B}${C#$D}", EnvList{{"A", "a"}, {"C", "xc"}, {"D", "x"}});
  EXPECT_EQ(r.result, "ac");
  EXPECT_EQ(r.matched, (std::set<std::string>{"A", "C", "D"}));
  EXPECT_EQ(r.unmatched, std::set<std::string>{"B"});
}

TEST(ShellLexExpand, Quotes) {
  EnvList env{{"V", "v"}};
  check_rows({{"'a b'", "a b"},
              {"'$V\\'", "$V\\"},
              {"\"a $V\"", "a v"},
              {"\"a\\\"b\"", "a\"b"},
              {"\"a\\b\"", "a\\b"},
              {"\"a\\\\b\"", "a\\b"},
              {"\"\\$V\"", "$V"},
              {"\"'$V'\"", "'v'"},
              {"'\"$V\"'", "\"$V\""},
              {"a\"\"b''c", "abc"}},
             env);
}

TEST(ShellLexExpand, Escapes) {
  check_rows({{"a\\ b", "a b"}, {"\\$V", "$V"}, {"a\\", "a"}, {"a\\\\", "a\\"}, {"\\'x\\\"", "'x\""}},
             EnvList{{"V", "v"}});
}

// `# escape=`` makes the backtick the escape character and '\' ordinary.
TEST(ShellLexExpand, BacktickEscape) {
  ShellLex lex('`');
  check_rows({{"C:\\dir\\$V", "C:\\dir\\v"},
              {"a`$V", "a$V"},
              {"a` b", "a b"},
              {"\"a`\"b\"", "a\"b"},
              {"\"a`b\"", "a`b"},
              {"\"a\\\"", "a\\"},
              {"'a`b'", "a`b"},
              {"a`", "a"}},
             EnvList{{"V", "v"}}, lex);
  EXPECT_THROW(ShellLex('x'), hoist::Error);
}

// Deliberate difference: BuildKit reads the word as Go runes and writes each
// byte that is not valid UTF-8 as U+FFFD; hoist copies such bytes through, so
// that expansion never changes text it does not expand.
TEST(ShellLexExpand, InvalidUtf8PassesThrough) {
  EnvList env{{"V", "x\xff"}};
  EXPECT_EQ(expand("a\xff$V\xc3", env), "a\xffx\xff\xc3");
  EXPECT_EQ(ShellLex().process_words("\xfe $V", env), (std::vector<std::string>{"\xfe", "x\xff"}));
}

// ---- Patterns: # ## % %% / // ----

TEST(ShellLexPatterns, TrimPrefixAndSuffix) {
  EnvList env{{"V", "a/b/c"}, {"K", "한국어"}, {"S", "*x"}, {"B", "[ab]c"}};
  check_rows({{"${V#*/}", "b/c"},
              {"${V##*/}", "c"},
              {"${V%/*}", "a/b"},
              {"${V%%/*}", "a"},
              {"${V#?}", "/b/c"},
              {"${V%??}", "a/b"},
              {"${V#x}", "a/b/c"},
              {"${V#}", "a/b/c"},
              {"${V%%}", "a/b/c"},
              {"${V#a/b/c}", ""},
              {"${K#?}", "국어"},  // '?' is one character, not one byte
              {"${K%?}", "한국"},
              {"${S#\\*}", "x"},
              {"${S#\\?}", "*x"},
              {"${UNSET#*}", ""}},
             env);
}

// BuildKit escapes '[' and ']' into its regexp: no bracket expressions, the
// brackets are literal.
TEST(ShellLexPatterns, BracketsAreLiteral) {
  check_rows({{"${B#[ab]}", "c"}, {"${A#[ab]}", "ac"}}, EnvList{{"B", "[ab]c"}, {"A", "ac"}});
}

// BuildKit's '*' and '?' are Go regexp ".*" and ".", which do not match a newline.
TEST(ShellLexPatterns, WildcardsStopAtNewline) {
  EnvList env{{"V", "a\nb"}, {"W", "ab\ncd"}, {"T", "a\n"}};
  check_rows({{"${V#*b}", "a\nb"}, {"${W##*}", "\ncd"}, {"${T%?}", "a\n"}, {"${V/?/X}", "X\nb"},
              {"${V//?/X}", "X\nX"}},
             env);
}

TEST(ShellLexPatterns, Replace) {
  EnvList env{{"V", "abcb"}, {"P", "a/b"}, {"E", ""}, {"F", "a}b"}};
  check_rows({{"${V/b/X}", "aXcb"},
              {"${V//b/X}", "aXcX"},
              {"${V/z/X}", "abcb"},
              {"${V/b*/X}", "aX"},     // '*' is greedy in replacements
              {"${V//*/X}", "X"},      // the empty match at the end abuts the first: no second X
              {"${V//$E/-}", "-a-b-c-b-"},
              {"${V/$E/-}", "-abcb"},
              {"${V/b/}", "acb"},
              {"${P//\\//_}", "a_b"},  // '\/' is a slash in the pattern
              {"${F/a\\}/X}", "Xb"},   // '\}' is a brace
              {"${UNSET/a/b}", ""}},
             env);
}

// ${V//p/r} goes through Go's Regexp.ReplaceAllString, which expands $0 / ${0}
// to the match, $$ to '$', other $names to "" (the pattern has no groups) and
// leaves a '$' with no name literal; ${V/p/r} inserts r as it is. A '$' reaches
// the replacement only from a variable's value.
TEST(ShellLexPatterns, ReplaceAllExpandsDollarInReplacement) {
  auto env = [](std::string repl) { return EnvList{{"V", "foo"}, {"R", std::move(repl)}}; };
  EXPECT_EQ(expand("${V//o/$R}", env("<$0>")), "f<o><o>");
  EXPECT_EQ(expand("${V//o/$R}", env("${0}x")), "foxox");
  EXPECT_EQ(expand("${V//o/$R}", env("$$")), "f$$");
  EXPECT_EQ(expand("${V//o/$R}", env("$1")), "f");
  EXPECT_EQ(expand("${V//o/$R}", env("$00")), "f");
  EXPECT_EQ(expand("${V//o/$R}", env("$")), "f$$");
  EXPECT_EQ(expand("${V//o/$R}", env("${0")), "f${0${0");
  EXPECT_EQ(expand("${V/o/$R}", env("<$0>")), "f<$0>o");
}

// BuildKit reverses suffix patterns; "a*\" (invalid as a prefix pattern, its
// escape has nothing to escape) reverses to the valid "\*a".
TEST(ShellLexPatterns, SuffixPatternIsReversed) {
  EnvList env{{"V", "xa*"}, {"P", "a*\\"}};
  EXPECT_EQ(expand("${V%$P}", env), "x");
  EXPECT_NE(error_of(ShellLex(), "${V#$P}", env).find("invalid pattern (a*\\)"), std::string::npos);
}

TEST(ShellLexPatterns, LongValuesAreLinear) {
  std::string big(200000, 'a');
  EnvList env{{"V", big + "b"}, {"P", "*a*a*a*a*a*a*a*a*c"}};
  EXPECT_EQ(expand("${V#$P}", env).size(), big.size() + 1);
  EXPECT_EQ(expand("${V%%a*}", env), "");
  EXPECT_EQ(expand("${V//a/}", env), "b");
}

// ---- Word splitting ----

TEST(ShellLexWords, Splitting) {
  EnvList env{{"V", " x  y "}, {"N", "a\u00a0b"}, {"T", "a\tb\nc"}};
  ShellLex lex;
  struct WordsRow {
    std::string word;
    std::vector<std::string> words;
  };
  const std::vector<WordsRow> rows = {
      {"a b  c", {"a", "b", "c"}},
      {"  a  ", {"a"}},
      {"\"a b\" c", {"a b", "c"}},
      {"a\\ b", {"a b"}},
      {"$V", {"x", "y"}},
      {"\"$V\"", {" x  y "}},
      {"p${V}q", {"p", "x", "y", "q"}},
      {"'' a", {"a"}},  // an empty quoted word is dropped
      {"a\"\"b", {"ab"}},
      {"$N", {"a", "b"}},  // Go's unicode.IsSpace: a no-break space splits
      {"$T", {"a", "b", "c"}},
      {"", {}},
      {"${UNSET}", {}},
      // Deliberate difference: the lex.go this follows shares one word buffer
      // across nesting levels, so text before a ${VAR:-word} is lost there
      // ("x" below); hoist keeps one buffer per level, as BuildKit did before.
      {"x${UNSET:-a b}y", {"xa", "by"}},
  };
  for (const auto& row : rows) {
    try {
      EXPECT_EQ(lex.process_words(row.word, env), row.words) << "word: " << row.word;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << "word: " << row.word << ": " << e.describe();
    }
  }
  EXPECT_EQ(lex.process_word("a  $V", env).result, "a   x  y ");
  EXPECT_THROW(lex.process_words("a 'b", env), hoist::Error);
}

// ---- Options ----

TEST(ShellLexOptions, RawQuotes) {
  ShellLex lex('\\', LexOptions{.raw_quotes = true});
  check_rows({{"'a' \"b $V\"", "'a' \"b v\""}, {"x''y", "x''y"}}, EnvList{{"V", "v"}}, lex);
  EXPECT_EQ(lex.process_words("'a b' c", EnvList{}), (std::vector<std::string>{"'a b'", "c"}));
}

// Escape characters stay; inside double quotes BuildKit then also writes the
// escape character itself when it escapes nothing, so "\t" becomes "\\t".
TEST(ShellLexOptions, RawEscapes) {
  ShellLex lex('\\', LexOptions{.raw_escapes = true});
  check_rows({{"a\\ b\\$V", "a\\ b\\$V"}, {"\"a\\\"b\\tc\"", "a\\\"b\\\\tc"}, {"a\\", "a\\"}},
             EnvList{{"V", "v"}}, lex);
}

TEST(ShellLexOptions, SkipProcessQuotes) {
  ShellLex lex('\\', LexOptions{.skip_process_quotes = true});
  check_rows({{"'$V' \"x\"", "'v' \"x\""}, {"'unterminated", "'unterminated"}}, EnvList{{"V", "v"}}, lex);
}

// Unset references stay as written for a later pass; a set one expands.
TEST(ShellLexOptions, SkipUnsetEnv) {
  ShellLex lex('\\', LexOptions{.skip_unset_env = true});
  EnvList env{{"V", "v"}, {"E", ""}};
  check_rows({{"$U ${U} $V ${E}", "$U ${U} v "},
              {"${U:-d} ${U+a} ${V:-d}", "${U:-d} ${U+a} v"},
              {"${U#p} ${U%%p}", "${U#p} ${U%%p}"},
              {"${U:?m}", "${U:?m}"},  // no error: the check needs a value
              {"${U:=x}", "${U:=x}"},  // BuildKit checks the modifier after the value
              {"${U/a/b}", "${U/a/b}"},
              // Deliberate difference: BuildKit writes "${U/a/b}" back for
              // "${U//a/b}", so a later pass would replace only the first match.
              {"${U//a/b}", "${U//a/b}"}},
             env, lex);
  EXPECT_THROW(lex.process_word("${V:=x}", env), hoist::Error);
  // The mode lex_test.go meant to run wordsTest in (RawQuotes + SkipUnsetEnv).
  ShellLex both('\\', LexOptions{.raw_quotes = true, .skip_unset_env = true});
  EXPECT_EQ(both.process_words("hello${hi}bye \"${space}\"", EnvList{{"space", "a  b"}}),
            (std::vector<std::string>{"hello${hi}bye", "\"a  b\""}));
}

// ---- Errors ----

TEST(ShellLexErrors, Messages) {
  EnvList env{{"SET", "v"}, {"EMPTY", ""}, {"BS", "\\"}, {"AB", "ab\\"}};
  ShellLex lex;
  const std::vector<Row> rows = {
      {"'abc", "failed to process \"'abc\": unexpected end of statement while looking for matching single-quote"},
      {"\"abc", "failed to process \"\\\"abc\": unexpected end of statement while looking for matching "
                "double-quote"},
      {"\"abc\\\"", "failed to process \"\\\"abc\\\\\\\"\": unexpected end of statement while looking for "
                    "matching double-quote"},
      {"${", "failed to process \"${\": syntax error: missing '}'"},
      {"${}", "failed to process \"${}\": syntax error: bad substitution"},
      {"${:}", "failed to process \"${:}\": syntax error: bad substitution"},
      {"${{a}", "failed to process \"${{a}\": syntax error: bad substitution"},
      // Deliberate difference: BuildKit says "unsupported modifier (\uFFFD) in
      // substitution" when the word ends after the name; the brace is what is missing.
      {"${a", "failed to process \"${a\": syntax error: missing '}'"},
      {"${a:-b", "failed to process \"${a:-b\": syntax error: missing '}'"},
      {"${a:-'b}", "failed to process \"${a:-'b}\": syntax error: missing '}'"},
      {"${a:", "failed to process \"${a:\": syntax error: missing '}'"},
      {"${a=b}", "failed to process \"${a=b}\": unsupported modifier (=) in substitution"},
      {"${a:=b}", "failed to process \"${a:=b}\": unsupported modifier (:=) in substitution"},
      {"${a:#b}", "failed to process \"${a:#b}\": unsupported modifier (:#) in substitution"},
      {"${a:%%b}", "failed to process \"${a:%%b}\": unsupported modifier (:%) in substitution"},
      {"${a.b}", "failed to process \"${a.b}\": unsupported modifier (.) in substitution"},
      {"${#a}", "failed to process \"${#a}\": unsupported modifier (a) in substitution"},  // no ${#var} length
      {"${a:}x}", "failed to process \"${a:}x}\": unsupported modifier (:}) in substitution"},
      {"${a?}", "failed to process \"${a?}\": a: is not allowed to be unset"},
      {"${a:?}", "failed to process \"${a:?}\": a: is not allowed to be unset"},
      {"${EMPTY:?}", "failed to process \"${EMPTY:?}\": EMPTY: is not allowed to be empty"},
      {"${a:?set $SET}", "failed to process \"${a:?set $SET}\": a: set v"},
      {"${EMPTY:?no}", "failed to process \"${EMPTY:?no}\": EMPTY: no"},
      {"${a/b", "failed to process \"${a/b\": syntax error: missing '/' in ${}"},
      {"${a//", "failed to process \"${a//\": syntax error: missing '/' in ${}"},
      {"${a/b/c", "failed to process \"${a/b/c\": syntax error: missing '}'"},
      {"${SET#\\x}", "failed to process \"${SET#\\\\x}\": invalid pattern (\\x) in substitution: invalid escape '\\x'"},
      {"${a/\\x/y}", "failed to process \"${a/\\\\x/y}\": invalid pattern (\\x) in substitution: invalid escape '\\x'"},
      // Deliberate difference: Go prints the missing escaped character as U+FFFD.
      {"${SET#$BS}", "failed to process \"${SET#$BS}\": invalid pattern (\\) in substitution: invalid escape "
                     "'\\' at end of pattern"},
      // As BuildKit: a suffix pattern is reported reversed.
      {"${SET%$AB}", "failed to process \"${SET%$AB}\": invalid pattern (\\ba) in substitution: invalid escape "
                     "'\\b'"},
      // An inner error at the end of the word becomes the missing brace, as in BuildKit.
      {"${X:-${Y:?m}", "failed to process \"${X:-${Y:?m}\": syntax error: missing '}'"},
      {"${X:-${Y:?m}}", "failed to process \"${X:-${Y:?m}}\": Y: m"},
  };
  for (const Row& row : rows) EXPECT_EQ(error_of(lex, row.word, env), row.expected) << "word: " << row.word;
}

// Deliberate difference: BuildKit recurses without bound (Go stacks grow);
// hoist stops at 200 nested ${...} so a hostile Dockerfile cannot overflow
// the stack.
TEST(ShellLexErrors, NestingIsBounded) {
  auto nested = [](int depth) {
    std::string word;
    for (int i = 0; i < depth; ++i) word += "${A:-";
    return word + "x" + std::string(depth, '}');
  };
  EXPECT_EQ(expand(nested(200), EnvList{}), "x");
  EXPECT_NE(error_of(ShellLex(), nested(201), EnvList{}).find("syntax error: ${} nested too deeply"),
            std::string::npos);
  EXPECT_NE(error_of(ShellLex(), nested(100000), EnvList{}).find("nested too deeply"), std::string::npos);
}

TEST(ShellLexErrors, OneLineAndStructured) {
  try {
    ShellLex().process_word("'a\nb\t\x01\xff\u00a0", EnvList{});
    FAIL() << "no error";
  } catch (const hoist::Error& e) {
    EXPECT_EQ(e.message(), "unexpected end of statement while looking for matching single-quote");
    ASSERT_EQ(e.contexts().size(), 1u);
    EXPECT_EQ(e.contexts()[0], "failed to process \"'a\\nb\\t\\x01\\xff\\u00a0\"");
    EXPECT_EQ(e.describe().find('\n'), std::string::npos);
  }
}

}  // namespace
