#include "builder/dockerfile_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "builder/heredoc.h"
#include "builder/parser_text.h"
#include "common/error.h"
#include "common/fs.h"
#include "tests/test_support.h"

using hoist::builder::Heredoc;
using hoist::builder::Node;
using hoist::builder::parse_dockerfile;
using hoist::builder::ParseResult;
using V = std::vector<std::string>;
using nlohmann::json;

namespace {

// BuildKit's Node.Dump: `value ["flags"] "arg"…`, a nested instruction in
// parentheses, each piece trimmed of surrounding whitespace.
std::string dump_node(const Node& node) {
  std::string s = node.value;
  if (!node.flags.empty()) {
    s += " [";
    for (size_t i = 0; i < node.flags.size(); ++i) s += (i ? " " : "") + hoist::builder::text::go_quote(node.flags[i]);
    s += "]";
  }
  for (const std::string& arg : node.args) s += " " + hoist::builder::text::go_quote(arg);
  for (const Node& nested : node.children) s += " (" + dump_node(nested) + ")";
  return std::string(hoist::builder::text::trim_space(s));
}

// The `result` file format: one parenthesised line per instruction, one final newline.
std::string dump(const ParseResult& result) {
  std::string s;
  for (const Node& child : result.ast.children) s += "(" + dump_node(child) + ")\n";
  return std::string(hoist::builder::text::trim_space(s)) + "\n";
}

ParseResult parse(std::string_view text) { return parse_dockerfile(text); }

// The message of the hoist::Error parsing `text` throws ("" if it parses).
std::string parse_error(std::string_view text, std::string_view filename = "Dockerfile") {
  try {
    parse_dockerfile(text, filename);
  } catch (const hoist::Error& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_directory()) out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const json& tables() {
  static const json j = hoist::test::load_json(hoist::test::conformance_path("buildkit-parser/parser_tables.json"));
  return j;
}

// The table `var` of test function `func` in the upstream Go file `file`.
const json& table(const std::string& file, const std::string& func, const std::string& var) {
  for (const json& t : tables().at(file)) {
    if (t.at("func") == func && t.at("var") == var) {
      EXPECT_EQ(t.at("count").get<size_t>(), t.at("cases").size()) << file << " " << func << " " << var;
      return t.at("cases");
    }
  }
  throw hoist::Error("parser_tables.json has no table " + file + " " + func + " " + var);
}

void expect_heredoc(const Heredoc& got, const json& want, const std::string& where) {
  EXPECT_EQ(got.name, want.at("Name").get<std::string>()) << where;
  EXPECT_EQ(got.content, want.at("Content").get<std::string>()) << where;
  EXPECT_EQ(got.expand, want.at("Expand").get<bool>()) << where;
  EXPECT_EQ(got.chomp, want.value("Chomp", false)) << where;
  EXPECT_EQ(got.file_descriptor, want.value("FileDescriptor", 0u)) << where;
}

}  // namespace

// ---- conformance: BuildKit's golden files and tables ----

TEST(DockerfileParserConformance, EveryGoldenFileDumpsToItsResult) {
  std::string dir = hoist::test::conformance_path("buildkit-parser/testfiles");
  std::vector<std::string> cases = subdirs(dir);
  ASSERT_EQ(cases.size(), 33u);
  for (const std::string& name : cases) {
    SCOPED_TRACE("testfiles/" + name);
    std::string dockerfile = hoist::fs::read_file(dir + "/" + name + "/Dockerfile");
    std::string expected = hoist::fs::read_file(dir + "/" + name + "/result");
    try {
      EXPECT_EQ(dump(parse(dockerfile)), expected) << "case " << name;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << "case " << name << " failed to parse: " << e.what();
    }
  }
}

TEST(DockerfileParserConformance, EveryNegativeFileFailsWithALocatedError) {
  std::string dir = hoist::test::conformance_path("buildkit-parser/testfiles-negative");
  std::vector<std::string> cases = subdirs(dir);
  ASSERT_EQ(cases.size(), 4u);
  for (const std::string& name : cases) {
    std::string err = parse_error(hoist::fs::read_file(dir + "/" + name + "/Dockerfile"));
    EXPECT_EQ(err.rfind("Dockerfile:", 0), 0u) << "case " << name << " must fail to parse; got \"" << err << "\"";
  }
  // What each one fails on.
  EXPECT_EQ(parse_error(hoist::fs::read_file(dir + "/empty_dockerfile/Dockerfile")),
            "Dockerfile:1: file with no instructions");
  EXPECT_EQ(parse_error(hoist::fs::read_file(dir + "/only_comments/Dockerfile")),
            "Dockerfile:3: file with no instructions");
  EXPECT_EQ(parse_error(hoist::fs::read_file(dir + "/env_no_value/Dockerfile")),
            "Dockerfile:3: ENV must have two arguments");
  EXPECT_EQ(parse_error(hoist::fs::read_file(dir + "/shykes-nested-json/Dockerfile")),
            "Dockerfile:1: when using JSON array syntax, arrays must be comprised of strings only");
}

TEST(DockerfileParserConformance, EveryTableIsRun) {
  // Each table of parser_tables.json has a test below; a new table must get one.
  const std::set<std::tuple<std::string, std::string, std::string>> handled = {
      {"json_test.go", "(package)", "invalidJSONArraysOfStrings"},
      {"json_test.go", "(package)", "validJSONArraysOfStrings"},
      {"parser_heredoc_test.go", "TestParseExtractsHeredoc", "tests"},
      {"parser_heredoc_test.go", "TestParseHeredocHelpers", "validHeredocs"},
      {"parser_heredoc_test.go", "TestParseHeredocHelpers", "invalidHeredocs"},
      {"parser_heredoc_test.go", "TestParseHeredocHelpers", "notHeredocs"},
      {"parser_heredoc_test.go", "TestHeredocsFromLine", "srcs"},
      {"parser_test.go", "TestParseWords", "tests"},
      {"parser_test.go", "TestParseIncludesLineNumbers", "expected"},
      {"parser_test.go", "TestParseIncludesLineNumbers", "res"},
  };
  size_t seen = 0;
  for (const auto& [file, list] : tables().items()) {
    for (const json& t : list) {
      ++seen;
      EXPECT_TRUE(handled.count({file, t.at("func"), t.at("var")}))
          << "no test runs table " << file << " " << t.at("func") << " " << t.at("var");
    }
  }
  EXPECT_EQ(seen, handled.size());
}

TEST(DockerfileParserConformance, LineNumbers) {
  ParseResult r = parse(hoist::fs::read_file(hoist::test::conformance_path("buildkit-parser/testfile-line/Dockerfile")));
  const json& expected = table("parser_test.go", "TestParseIncludesLineNumbers", "expected");
  // `res` only names what upstream compares each pair with.
  const json& res = table("parser_test.go", "TestParseIncludesLineNumbers", "res");
  ASSERT_EQ(res, json::parse(R"([{"$ident":"child.StartLine"},{"$ident":"child.EndLine"}])"));
  EXPECT_EQ(r.ast.start_line, 5);  // the root's range, asserted in the same Go test
  EXPECT_EQ(r.ast.end_line, 31);
  ASSERT_EQ(r.ast.children.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r.ast.children[i].start_line, expected[i][0].get<int>()) << "child " << i;
    EXPECT_EQ(r.ast.children[i].end_line, expected[i][1].get<int>()) << "child " << i;
  }
  // The file's RUN has empty continuation lines.
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].rfind("Dockerfile:31: Empty continuation line found in: RUN apt-get update ", 0), 0u)
      << r.warnings[0];
}

// parseJSON is reached through CMD: the exec-form arguments are exactly what it decoded.
TEST(DockerfileParserConformance, ValidJsonArraysOfStrings) {
  const json& cases = table("json_test.go", "(package)", "validJSONArraysOfStrings");
  ASSERT_EQ(cases.size(), 8u);
  for (const auto& [input, want] : cases.items()) {
    SCOPED_TRACE("JSON " + input);
    ParseResult r = parse("CMD " + input + "\n");
    ASSERT_EQ(r.ast.children.size(), 1u);
    EXPECT_TRUE(r.ast.children[0].json) << input;
    EXPECT_EQ(r.ast.children[0].args, want.get<V>()) << input;
  }
}

TEST(DockerfileParserConformance, InvalidJsonArraysOfStrings) {
  for (const json& input : table("json_test.go", "(package)", "invalidJSONArraysOfStrings")) {
    EXPECT_EQ(parse_error("CMD " + input.get<std::string>()),
              "Dockerfile:1: when using JSON array syntax, arrays must be comprised of strings only")
        << input;
  }
}

// parseWords is reached through ARG, whose arguments are exactly its words.
TEST(DockerfileParserConformance, ParseWords) {
  for (const json& c : table("parser_test.go", "TestParseWords", "tests")) {
    std::string input = c.at("input")[0];
    ParseResult r = parse("ARG " + input);
    EXPECT_EQ(r.ast.children.at(0).args, c.at("expect").get<V>()) << "words of " << input;
  }
}

// The Dockerfile of upstream's TestParseExtractsHeredoc (the table holds only
// the expected heredocs of its instructions 1…N).
constexpr std::string_view kHeredocDockerfile = R"(
FROM alpine:3.6

ENV NAME=me

RUN ls

USER <<INVALID
INVALID

RUN <<EMPTY
EMPTY

RUN 3<<EMPTY2
EMPTY2

RUN "<<NOHEREDOC"

RUN <<INDENT
	foo
	bar
INDENT

RUN <<-UNINDENT
	baz
	quux
UNINDENT

RUN <<-UNINDENT2
	baz
	quux
	UNINDENT2

RUN <<-EXPAND
	expand $NAME
EXPAND

RUN <<-'NOEXPAND'
	don't expand $NAME
NOEXPAND

RUN <<COPY
echo hello world
echo foo bar
COPY

RUN <<COMMENT
# internal comment
echo hello world
echo foo bar # trailing comment
COMMENT

RUN --mount=type=cache,target=/foo <<MOUNT
echo hello
MOUNT

COPY <<FILE1 <<FILE2 /dest
content 1
FILE1
content 2
FILE2

COPY <<EOF /quotes
"foo"
'bar'
EOF

COPY <<X <<Y /dest
Y
X
X
Y

RUN <<COMPLEX python3
print('hello world')
COMPLEX

COPY <<file.txt /dest
hello world
file.txt

RUN <<eo'f'
echo foo
eof

RUN <<eo\'f
echo foo
eo'f

RUN <<'e'o\'f
echo foo
eo'f

RUN <<'one two'
echo bar
one two

RUN <<$EOF
$EOF

RUN <<  EOF
EOF

RUN <<  EOF  > foo
EOF
	)";

TEST(DockerfileParserConformance, ParseExtractsHeredoc) {
  const json& cases = table("parser_heredoc_test.go", "TestParseExtractsHeredoc", "tests");
  ParseResult r = parse(kHeredocDockerfile);
  ASSERT_EQ(r.ast.children.size(), cases.size() + 1);
  for (size_t i = 0; i < cases.size(); ++i) {
    const Node& child = r.ast.children[i + 1];
    std::string where = "heredoc case " + std::to_string(i) + " (" + child.original + ")";
    if (cases[i].is_null()) {
      EXPECT_TRUE(child.heredocs.empty()) << where;
      continue;
    }
    ASSERT_EQ(child.heredocs.size(), cases[i].size()) << where;
    for (size_t k = 0; k < child.heredocs.size(); ++k) expect_heredoc(child.heredocs[k], cases[i][k], where);
  }
}

TEST(DockerfileParserConformance, HeredocHelpers) {
  for (const json& src : table("parser_heredoc_test.go", "TestParseHeredocHelpers", "validHeredocs")) {
    std::optional<Heredoc> doc;
    EXPECT_NO_THROW(doc = hoist::builder::parse_heredoc(src.get<std::string>())) << src;
    ASSERT_TRUE(doc) << src << " is a heredoc";
    EXPECT_EQ(doc->name, "EOF") << src;
  }
  for (const json& src : table("parser_heredoc_test.go", "TestParseHeredocHelpers", "invalidHeredocs")) {
    EXPECT_THROW(hoist::builder::parse_heredoc(src.get<std::string>()), hoist::Error) << src;
  }
  for (const json& src : table("parser_heredoc_test.go", "TestParseHeredocHelpers", "notHeredocs")) {
    std::optional<Heredoc> doc;
    EXPECT_NO_THROW(doc = hoist::builder::parse_heredoc(src.get<std::string>())) << src;
    EXPECT_FALSE(doc) << src << " is not a heredoc";
  }
}

// Upstream only compares the names it finds; here the lists must match
// exactly, so "RUN <<- EOF" must open EOF (see builder/heredoc.cc).
TEST(DockerfileParserConformance, HeredocsFromLine) {
  for (const json& c : table("parser_heredoc_test.go", "TestHeredocsFromLine", "srcs")) {
    std::string line = c.at("line");
    V want = c.at("heredocNames").is_null() ? V{} : c.at("heredocNames").get<V>();
    V got;
    for (const Heredoc& doc : hoist::builder::heredocs_from_line(line)) got.push_back(doc.name);
    EXPECT_EQ(got, want) << "heredocs of " << line;
  }
}

// ---- the tests of upstream's parser package that are code, not tables ----

TEST(DockerfileParser, JsonFormHasNoHeredocs) {
  ParseResult r = parse("\nFROM alpine:3.6\n\nRUN [\"whoami\"]\nRUN [\"<<EOF\"]\nRUN [\"<<'EOF'\"]\n\t");
  ASSERT_EQ(r.ast.children.size(), 4u);
  for (size_t i = 1; i <= 3; ++i) EXPECT_TRUE(r.ast.children[i].heredocs.empty()) << r.ast.children[i].original;
  EXPECT_EQ(r.ast.children[2].args, V{"<<EOF"});
}

TEST(DockerfileParser, WarnsOnEmptyContinuationLines) {
  ParseResult r = parse(R"(
FROM alpine:3.6

RUN valid \
    continuation

RUN something \

    following \

    more

RUN another \

    thing

RUN non-indented \
# this is a comment
   after-comment

RUN indented \
    # this is an indented comment
    comment
	)");
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0], "Dockerfile:11: Empty continuation line found in: RUN something     following     more");
  EXPECT_EQ(r.warnings[1], "Dockerfile:15: Empty continuation line found in: RUN another     thing");
  EXPECT_EQ(r.ast.children[4].args, V{"non-indented    after-comment"});
}

TEST(DockerfileParser, LineLongerThanTheScannerLimit) {
  std::string label(65536, 'a');
  EXPECT_EQ(parse_error("\n\t\tFROM image\n\t\tLABEL test=" + label + "\n"),
            "Dockerfile:3: dockerfile line greater than max allowed size of 65535");
  // 65535 bytes and its newline still fit.
  std::string fits = "LABEL a=" + std::string(65535 - 8, 'b');
  EXPECT_EQ(parse("FROM x\n" + fits + "\n").ast.children.size(), 2u);
}

TEST(DockerfileParser, ChompHeredocContent) {
  EXPECT_EQ(hoist::builder::chomp_heredoc_content("\thello\n\tworld\n"), "hello\nworld\n");
  EXPECT_EQ(hoist::builder::chomp_heredoc_content("\t\ta\tb\n  \tc"), "a\tb\n  \tc");
}

// ---- directives ----

TEST(DockerfileParser, Directives) {
  ParseResult r = parse("# syntax=docker/dockerfile:1.7\n#ESCAPE = `\n# check=skip=all;error=true\nFROM `\n  x\n");
  EXPECT_EQ(r.directives.syntax, "docker/dockerfile:1.7");
  EXPECT_EQ(r.directives.escape, '`');
  EXPECT_EQ(r.directives.check, "skip=all;error=true");
  EXPECT_EQ(dump(r), "(from \"x\")\n");
  EXPECT_TRUE(r.ast.children[0].comments.empty()) << "directives are not comments";

  // Anything before them — a blank line, another comment, an unknown
  // directive, an instruction — ends the directive block.
  for (std::string_view text : {"\n# escape=`\nFROM a\n", "# hello\n# escape=`\nFROM a\n",
                                "# foo=bar\n# escape=`\nFROM a\n", "FROM a\n# escape=`\n"}) {
    EXPECT_EQ(parse(text).directives.escape, '\\') << text;
  }
  // Leading spaces are allowed, and spaces around `=` and the value.
  EXPECT_EQ(parse("   #   escape   =   `   \nFROM a\n").directives.escape, '`');
  EXPECT_EQ(parse("\xEF\xBB\xBF# escape=`\nFROM a\n").directives.escape, '`');
}

TEST(DockerfileParser, DirectiveErrors) {
  EXPECT_EQ(parse_error("# escape=x\nFROM a\n"), "Dockerfile:1: invalid escape token 'x' does not match ` or \\");
  EXPECT_EQ(parse_error("# escape=\\\n# Escape=`\nFROM a\n"), "Dockerfile:2: only one escape parser directive can be used");
  EXPECT_EQ(parse_error("# syntax=a\n# syntax=b\n"), "Dockerfile:2: only one syntax parser directive can be used");
  // A value of only blanks keeps its last blank (Go's regexp), which is no escape token.
  EXPECT_EQ(parse_error("# escape=  \nFROM a\n"), "Dockerfile:1: invalid escape token ' ' does not match ` or \\");
  // hoist names the directive's own line; upstream reports the line before it (0 here).
}

// ---- lines, comments, continuations ----

TEST(DockerfileParser, CommentsAboveAnInstruction) {
  ParseResult r = parse("# first\n# second\nFROM a\n\n# about run\n#\n# after blank comment\n  # indented\nRUN x\n");
  EXPECT_EQ(r.ast.children[0].comments, (V{"first", "second"}));
  // A bare `#` starts over; an indented comment keeps its `#` (upstream drops one byte).
  EXPECT_EQ(r.ast.children[1].comments, (V{"after blank comment", "# indented"}));
}

TEST(DockerfileParser, ContinuationsJoinLines) {
  ParseResult r = parse("FROM a\nRUN one \\\n  two\\\n\n# comment\n   \\\nthree \\\\\nENV X \\\\\\\n  y\n");
  // The escape-only line adds its leading blanks.
  EXPECT_EQ(r.ast.children[1].args, V{"one   two   three \\\\"});
  EXPECT_EQ(r.ast.children[1].start_line, 2);
  EXPECT_EQ(r.ast.children[1].end_line, 7);
  EXPECT_EQ(r.ast.children[1].original, "RUN one   two   three \\\\");
  EXPECT_EQ(r.warnings.size(), 1u);
  // An escaped escape before the newline does not continue (BuildKit's regexp
  // cannot see that the third one is a continuation either).
  EXPECT_EQ(r.ast.children[2].args, (V{"X", "\\\\\\", ""}));
  EXPECT_EQ(r.ast.children.size(), 4u);
  EXPECT_EQ(r.ast.children[3].value, "y");

  // A continuation at the end of the file ends the instruction.
  EXPECT_EQ(dump(parse("FROM a\nRUN x \\")), "(from \"a\")\n(run \"x\")\n");
  // A lone escape line starts an instruction that continues below.
  EXPECT_EQ(dump(parse("FROM a\n\\\nRUN x\n")), "(from \"a\")\n(run \"x\")\n");
}

TEST(DockerfileParser, CrlfAndBom) {
  ParseResult r = parse("\xEF\xBB\xBF" "FROM a\r\nRUN b \\\r\n  c\r\nCOPY <<EOF /x\r\nline\r\nEOF\r\n");
  EXPECT_EQ(dump(r), "(from \"a\")\n(run \"b   c\")\n(copy \"<<EOF\" \"/x\")\n");
  ASSERT_EQ(r.ast.children[2].heredocs.size(), 1u);
  EXPECT_EQ(r.ast.children[2].heredocs[0].content, "line\r\n") << "bodies are kept byte for byte";
  EXPECT_EQ(r.ast.children[2].end_line, 6);
  // A BOM only counts at the very start.
  EXPECT_EQ(parse("FROM a\n\xEF\xBB\xBFRUN b\n").ast.children[1].value, "\xEF\xBB\xBFrun");
}

TEST(DockerfileParser, NoInstructions) {
  EXPECT_EQ(parse_error(""), "Dockerfile:1: file with no instructions");
  EXPECT_EQ(parse_error("\n\n# only\n  \n", "build/Containerfile"), "build/Containerfile:4: file with no instructions");
  EXPECT_EQ(parse_error("# escape=`\n"), "Dockerfile:1: file with no instructions");
}

// ---- argument forms ----

TEST(DockerfileParser, ExecAndShellForms) {
  ParseResult r = parse(
      "RUN [\"a\", \"b c\"]\nCMD []\nENTRYPOINT [\"x\"] trailing\nSHELL ['sh']\nRUN\nCMD [\"\\u00e9\\ud83d\\ude00\\ud800\"]\n");
  const auto& c = r.ast.children;
  EXPECT_TRUE(c[0].json);
  EXPECT_EQ(c[0].args, (V{"a", "b c"}));
  EXPECT_TRUE(c[1].json);
  EXPECT_TRUE(c[1].args.empty());
  EXPECT_FALSE(c[2].json) << "text after the array is not JSON";
  EXPECT_EQ(c[2].args, V{"[\"x\"] trailing"});
  EXPECT_EQ(c[3].args, V{"['sh']"});
  EXPECT_TRUE(c[4].args.empty());
  EXPECT_EQ(c[5].args, V{"\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBD"}) << "pairs decoded, a lone surrogate is U+FFFD";
  EXPECT_EQ(parse_error("FROM a\nRUN [\"a\", 1]\n"),
            "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only");
  EXPECT_EQ(parse_error("FROM a\nVOLUME [{\"a\": [1, {\"b\": null}]}]\n"),
            "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only");
  EXPECT_EQ(parse_error("CMD [\"a\", -0.5e+3, true, false, null, {}, []]"),
            "Dockerfile:1: when using JSON array syntax, arrays must be comprised of strings only");
  // Whatever encoding/json rejects is shell form.
  for (std::string_view bad : {"[\"a\",]", "[\"a\" \"b\"]", "[01]", "[\"a\tb\"]", "[\"\\x\"]", "[\"\\u12\"]",
                               "[{\"a\" 1}]", "[tru]", "[1.]", "[\v\"a\"]"}) {
    ParseResult shell = parse("CMD " + std::string(bad));
    EXPECT_FALSE(shell.ast.children[0].json) << bad;
    EXPECT_EQ(shell.ast.children[0].args, V{std::string(hoist::builder::text::trim_space(bad))}) << bad;
  }
  // Nesting past encoding/json's depth limit is not JSON; below it, it is.
  std::string deep = "[" + std::string(10000, '[') + std::string(10000, ']') + "]";
  EXPECT_FALSE(parse("CMD " + deep).ast.children[0].json);
  std::string nested = "[" + std::string(9998, '[') + std::string(9998, ']') + "]";
  EXPECT_EQ(parse_error("CMD " + nested),
            "Dockerfile:1: when using JSON array syntax, arrays must be comprised of strings only");
}

TEST(DockerfileParser, WordLists) {
  ParseResult r = parse(
      "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nEXPOSE 80/tcp\t 53/udp\nVOLUME /a /b\nVOLUME [\"/c\", \"/d e\"]\n"
      "COPY a \"b c\" /d/\nADD [\"x\", \"y\"]\n");
  EXPECT_EQ(dump(r),
            "(from [\"--platform=$BUILDPLATFORM\"] \"golang:1.22\" \"AS\" \"build\")\n"
            "(expose \"80/tcp\" \"53/udp\")\n"
            "(volume \"/a\" \"/b\")\n"
            "(volume \"/c\" \"/d e\")\n"
            "(copy \"a\" \"\\\"b\" \"c\\\"\" \"/d/\")\n"
            "(add \"x\" \"y\")\n");
  EXPECT_TRUE(r.ast.children[3].json);
}

TEST(DockerfileParser, PlainStrings) {
  EXPECT_EQ(dump(parse("MAINTAINER A B <a@b>\nUSER 1000:1000\nWORKDIR /a b\nSTOPSIGNAL SIGKILL\nUSER\n")),
            "(maintainer \"A B <a@b>\")\n(user \"1000:1000\")\n(workdir \"/a b\")\n(stopsignal \"SIGKILL\")\n(user)\n");
}

TEST(DockerfileParser, EnvAndLabel) {
  ParseResult r = parse(
      "ENV A=1 B=\"two words\" C=x\\ y D=\nENV LEGACY value with  spaces\nLABEL \"org.a\"=1 b='q r'\nENV\nLABEL x=a=b\n");
  EXPECT_EQ(dump(r),
            "(env \"A\" \"1\" \"=\" \"B\" \"\\\"two words\\\"\" \"=\" \"C\" \"x\\\\ y\" \"=\" \"D\" \"\" \"=\")\n"
            "(env \"LEGACY\" \"value with  spaces\" \"\")\n"
            "(label \"\\\"org.a\\\"\" \"1\" \"=\" \"b\" \"'q r'\" \"=\")\n"
            "(env)\n"
            "(label \"x\" \"a=b\" \"=\")\n");
}

TEST(DockerfileParser, EnvAndLabelErrors) {
  EXPECT_EQ(parse_error("FROM a\nENV PATH\n"), "Dockerfile:2: ENV must have two arguments");
  EXPECT_EQ(parse_error("FROM a\nLABEL key\n"), "Dockerfile:2: LABEL must have two arguments");
  EXPECT_EQ(parse_error("FROM a\nENV a=1 \\\n  b \\\n  c=3\n"),
            "Dockerfile:2: Syntax error - can't find = in \"b\". Must be of the form: name=value");
  EXPECT_EQ(parse_error("FROM a\nLABEL a=1 \"x\ty\"\n"),
            "Dockerfile:2: Syntax error - can't find = in \"\\\"x\\ty\\\"\". Must be of the form: name=value");
}

TEST(DockerfileParser, ArgWords) {
  EXPECT_EQ(parse("ARG a b=c \"d e\"=f g=\"h i\" j\\ k").ast.children[0].args, (V{"a", "b=c", "\"d e\"=f", "g=\"h i\"", "j\\ k"}));
  // With the backtick escape, `\` is an ordinary character and ` escapes.
  EXPECT_EQ(parse("# escape=`\nARG a`  b c\\ d").ast.children[0].args, (V{"a` ", "b", "c\\", "d"}));
  // Quotes may hold an empty word; single quotes do not honour escapes.
  EXPECT_EQ(parse("ARG \"\" 'a\\' b").ast.children[0].args, (V{"\"\"", "'a\\'", "b"}));
}

TEST(DockerfileParser, Healthcheck) {
  EXPECT_EQ(dump(parse("HEALTHCHECK NONE\nHEALTHCHECK --interval=5s CMD curl -f x\nHEALTHCHECK CMD [\"a\", \"b\"]\nHEALTHCHECK\n")),
            "(healthcheck \"NONE\")\n(healthcheck [\"--interval=5s\"] \"CMD\" \"curl -f x\")\n"
            "(healthcheck \"CMD\" \"a\" \"b\")\n(healthcheck)\n");
  EXPECT_TRUE(parse("HEALTHCHECK CMD [\"a\"]").ast.children[0].json);
  EXPECT_EQ(parse_error("FROM a\nHEALTHCHECK CMD [1]\n"),
            "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only");
}

TEST(DockerfileParser, Onbuild) {
  ParseResult r = parse("FROM a\nONBUILD RUN [\"x\"]\nonbuild --f=1 copy --from=b . /\nONBUILD\nONBUILD ENV a=b \\\n  c=d\n");
  EXPECT_EQ(dump(r),
            "(from \"a\")\n(onbuild (run \"x\"))\n(onbuild [\"--f=1\"] (copy [\"--from=b\"] \".\" \"/\"))\n(onbuild)\n"
            "(onbuild (env \"a\" \"b\" \"=\" \"c\" \"d\" \"=\"))\n");
  const Node& nested = r.ast.children[4].children.at(0);
  EXPECT_EQ(nested.original, "ENV a=b   c=d");
  EXPECT_EQ(nested.start_line, 5);
  EXPECT_EQ(nested.end_line, 6);
  EXPECT_TRUE(r.ast.children[1].children[0].json);
  EXPECT_FALSE(r.ast.children[1].json);
  EXPECT_EQ(parse_error("FROM a\nONBUILD ENV x\n"), "Dockerfile:2: ENV must have two arguments");
}

TEST(DockerfileParser, Flags) {
  ParseResult r = parse(
      "COPY --from=build --chown=\"1:1\" --chmod='0755' a b\nRUN --mount=type=cache,target=/c --network=none make\n"
      "COPY --link -- --weird /\nCOPY --a=\"x y\" --b= --c=\\\"q c d\nRUN --x\n");
  EXPECT_EQ(dump(r),
            "(copy [\"--from=build\" \"--chown=1:1\" \"--chmod=0755\"] \"a\" \"b\")\n"
            "(run [\"--mount=type=cache,target=/c\" \"--network=none\"] \"make\")\n"
            "(copy [\"--link\"] \"--weird\" \"/\")\n"
            "(copy [\"--a=x y\" \"--b=\" \"--c=\\\"q\"] \"c\" \"d\")\n"
            "(run [\"--x\"])\n");
  // A single dash ends the flags; non-ASCII bytes stay intact.
  EXPECT_EQ(dump(parse("COPY -a --b c\nCOPY --from=\xC3\xA0 x y\n")),
            "(copy \"-a\" \"--b\" \"c\")\n(copy [\"--from=\xC3\xA0\"] \"x\" \"y\")\n");
}

TEST(DockerfileParser, UnknownInstructionsAndOriginal) {
  ParseResult r = parse("  FROM  a  AS  b  \nFOO bar baz\nRuNn x\n");
  EXPECT_EQ(dump(r), "(from \"a\" \"AS\" \"b\")\n(foo \"\")\n(runn \"\")\n");
  EXPECT_EQ(r.ast.children[0].original, "FROM  a  AS  b  ");
  EXPECT_EQ(r.ast.children[2].value, "runn");
}

// ---- heredocs ----

TEST(DockerfileParser, Heredocs) {
  ParseResult r = parse(
      "FROM a\nRUN <<EOF\necho $A\nEOF\nRUN <<-'END' cat >/x\n\t\tkeep\t\n\tEND\nCOPY --chmod=600 <<one 3<<\"two\" /dest/\n1\none\n2\ntwo\n"
      "ADD <<EOF /y\nEOF\nONBUILD RUN <<X\nx\nX\nUSER <<X\n");
  const auto& c = r.ast.children;
  ASSERT_EQ(c.size(), 7u);
  ASSERT_EQ(c[1].heredocs.size(), 1u);
  EXPECT_EQ(c[1].heredocs[0].content, "echo $A\n");
  EXPECT_TRUE(c[1].heredocs[0].expand);
  EXPECT_EQ(c[1].args, V{"<<EOF"});
  EXPECT_EQ(c[1].start_line, 2);
  EXPECT_EQ(c[1].end_line, 4);

  ASSERT_EQ(c[2].heredocs.size(), 1u);
  EXPECT_EQ(c[2].heredocs[0].name, "END");
  EXPECT_TRUE(c[2].heredocs[0].chomp);
  EXPECT_FALSE(c[2].heredocs[0].expand);
  EXPECT_EQ(c[2].heredocs[0].content, "\t\tkeep\t\n") << "tabs are stripped later, by chomp_heredoc_content";

  ASSERT_EQ(c[3].heredocs.size(), 2u);
  EXPECT_EQ(c[3].flags, V{"--chmod=600"});
  EXPECT_EQ(c[3].args, (V{"<<one", "3<<\"two\"", "/dest/"}));
  EXPECT_EQ(c[3].heredocs[0].content, "1\n");
  EXPECT_EQ(c[3].heredocs[1].content, "2\n");
  EXPECT_EQ(c[3].heredocs[1].file_descriptor, 3u);
  EXPECT_FALSE(c[3].heredocs[1].expand);
  EXPECT_EQ(c[3].end_line, 12);

  EXPECT_EQ(c[4].heredocs.size(), 1u);
  ASSERT_EQ(c[5].heredocs.size(), 1u) << "ONBUILD's heredocs sit on the ONBUILD node";
  EXPECT_EQ(c[5].heredocs[0].content, "x\n");
  EXPECT_TRUE(c[6].heredocs.empty()) << "USER takes no heredoc";
}

TEST(DockerfileParser, HeredocDelimiterIgnoresEscapeDirective) {
  // Upstream lexes heredoc words with `\` whatever the escape directive.
  ParseResult r = parse("# escape=`\nFROM a\nRUN <<E\\OF\nx\nEOF\n");
  ASSERT_EQ(r.ast.children[1].heredocs.size(), 1u);
  EXPECT_EQ(r.ast.children[1].heredocs[0].name, "EOF");
}

TEST(DockerfileParser, HeredocErrors) {
  EXPECT_EQ(parse_error("FROM a\nRUN <<EOF\necho\n"), "Dockerfile:2: unterminated heredoc");
  EXPECT_EQ(parse_error("FROM a\nCOPY <<A <<B /x\na\nA\nb\n"), "Dockerfile:2: unterminated heredoc");
  // A heredoc word that is malformed on its own fails the parse, as upstream.
  EXPECT_EQ(parse_error("FROM a\nRUN <<${X:-y z}\n"),
            "Dockerfile:2: failed to process \"${X:-y\": syntax error: missing '}'");
  // A line that does not lex as shell words opens no heredoc.
  EXPECT_TRUE(parse("RUN <<EOF 'unclosed\n").ast.children[0].heredocs.empty());
  EXPECT_TRUE(parse("RUN <<EOF ${\n").ast.children[0].heredocs.empty());
  // `<<` followed by several words or nothing is no heredoc.
  EXPECT_TRUE(parse("RUN cat <<\n").ast.children[0].heredocs.empty());
  EXPECT_TRUE(parse("RUN echo a<<<b\n").ast.children[0].heredocs.empty());
}

TEST(DockerfileParser, HeredocWordLexing) {
  auto names = [](std::string_view line) {
    V out;
    for (const Heredoc& d : hoist::builder::heredocs_from_line(line)) out.push_back(d.name);
    return out;
  };
  EXPECT_EQ(names("RUN <<\"A B\" <<${X:-yz} <<$V"), (V{"A B", "${X:-yz}", "$V"}));
  EXPECT_EQ(names("RUN <<A\\ B"), V{"A B"});
  EXPECT_EQ(names("RUN echo \"<<A\" '<<B' \\<<C <<D"), (V{"D"}));
  EXPECT_EQ(names("RUN <<${X}"), V{"${X}"});
  auto doc = hoist::builder::parse_heredoc("<<'A'B\"C\"");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->name, "ABC");
  EXPECT_FALSE(doc->expand);
  EXPECT_FALSE(hoist::builder::parse_heredoc("<<A B"));
  try {
    hoist::builder::parse_heredoc("<<'A");
    ADD_FAILURE() << "unclosed quote must throw";
  } catch (const hoist::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "failed to process \"'A\": unexpected end of statement while looking for matching single-quote");
  }
}
