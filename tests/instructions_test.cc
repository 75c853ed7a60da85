#include "builder/instructions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "builder/bflag.h"
#include "builder/chmod_mode.h"
#include "builder/duration.h"
#include "builder/env_list.h"
#include "builder/heredoc.h"
#include "builder/suggest.h"
#include "common/error.h"
#include "tests/test_support.h"

using namespace hoist::builder;
using hoist::Error;
using nlohmann::json;
using V = std::vector<std::string>;

// Conformance tables from buildkit-instructions/instructions_tables.json run here:
//   bflag_test.go           TestBuilderFlags (both rows)
//   parse_heredoc_test.go   TestCopyHeredoc, TestRunHeredoc
//   convert_test.go         TestAddEnv, TestToEnvList
// The exclude_patterns_test.go rows (testExcludedFilesOnCopy: the 48 file
// cases and the 7 git commands) are run by tests/pattern_matcher_test.cc.

namespace {

const json& tables() {
  static const json all = hoist::test::load_json(
      hoist::test::conformance_path("buildkit-instructions/instructions_tables.json"));
  return all;
}

// The rows of one Go test function, checking the count the extractor recorded.
std::vector<const json*> rows(const char* file, const char* func) {
  std::vector<const json*> out;
  for (const json& table : tables().at(file)) {
    if (table.at("func") != func) continue;
    EXPECT_EQ(table.at("cases").size(), table.at("count").get<size_t>()) << func << " line " << table.at("line");
    out.push_back(&table);
  }
  EXPECT_FALSE(out.empty()) << "no rows for " << file << " " << func;
  return out;
}

Instruction parse_one(std::string_view dockerfile) {
  ParseResult parsed = parse_dockerfile(dockerfile);
  return parse_instruction(parsed.ast.children.at(0));
}

// The message of the error parsing every instruction throws, or a marker
// that names the case.
std::string error_of(std::string_view dockerfile) {
  try {
    parse_instructions(parse_dockerfile(dockerfile));
  } catch (const Error& e) {
    return e.message();
  }
  return "<no error for: " + std::string(dockerfile) + ">";
}

template <typename T>
T as(const Instruction& ins) {
  const T* cmd = std::get_if<T>(&ins.command);
  if (cmd == nullptr) ADD_FAILURE() << "wrong command type for " << ins.original;
  return cmd ? *cmd : T{};
}

// The sources that are not heredocs: BuildKit's SourcePaths.
V source_paths(const CopyCmd& copy) {
  V out;
  for (const std::string& s : copy.sources) {
    if (!parse_heredoc(s)) out.push_back(s);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// bflag_test.go TestBuilderFlags

TEST(InstructionFlags, BuilderFlagsTable) {
  // Each table row is one `bf.Args = …` of the Go test; the flags it declares
  // and what it asserts are the Go test's, keyed by the row's line.
  std::map<int, std::function<void(const V&)>> checks;
  checks[177] = [](const V& args) {
    BFlags bf(args);
    BFlags::Flag& str1 = bf.add_string("str1", "HI");
    BFlags::Flag& bool1 = bf.add_bool("bool1", false);
    ASSERT_NO_THROW(bf.parse());
    EXPECT_EQ(str1.value, "BYE");
    EXPECT_TRUE(bool1.is_true());
  };
  checks[203] = [](const V& args) {
    BFlags bf(args);
    bf.add_bool("bool1", false);
    bf.add_bool("bool2", false);
    bf.add_bool("bool3", false);
    bf.add_bool("bool4", true);
    bf.add_bool("bool5", true);
    bf.add_string("str1", "");
    bf.add_string("str2", "");
    bf.add_string("str3", "def3");
    bf.add_string("str4", "def4");
    ASSERT_NO_THROW(bf.parse());
    V used = bf.used();
    std::sort(used.begin(), used.end());
    std::string joined;
    for (const std::string& u : used) joined += (joined.empty() ? "" : ", ") + u;
    EXPECT_EQ(joined, "bool2, bool3, bool4, bool5, str2, str3, str4");
  };
  std::set<int> seen;
  for (const json* table : rows("bflag_test.go", "TestBuilderFlags")) {
    int line = table->at("line");
    SCOPED_TRACE("TestBuilderFlags row at line " + std::to_string(line));
    ASSERT_TRUE(checks.contains(line)) << "no expectation for this row";
    checks[line](table->at("cases").get<V>());
    seen.insert(line);
  }
  EXPECT_EQ(seen.size(), checks.size()) << "an expectation matched no table row";
}

// The rest of TestBuilderFlags: the Args written inline in the Go test.
TEST(InstructionFlags, BuilderFlagsInline) {
  EXPECT_NO_THROW(BFlags(V{}).parse()) << "Test1";
  EXPECT_NO_THROW(BFlags(V{"--"}).parse()) << "Test2";
  {
    BFlags bf(V{});
    BFlags::Flag& str1 = bf.add_string("str1", "");
    BFlags::Flag& bool1 = bf.add_bool("bool1", false);
    ASSERT_NO_THROW(bf.parse()) << "Test3";
    EXPECT_FALSE(str1.used);
    EXPECT_FALSE(bool1.used);
  }
  {
    BFlags bf(V{});
    BFlags::Flag& str1 = bf.add_string("str1", "HI");
    BFlags::Flag& bool1 = bf.add_bool("bool1", false);
    ASSERT_NO_THROW(bf.parse()) << "Test4";
    EXPECT_EQ(str1.value, "HI");
    EXPECT_FALSE(bool1.is_true());
    EXPECT_FALSE(str1.used);
    EXPECT_FALSE(bool1.used);
  }
  {
    BFlags bf({"--str1"});
    bf.add_string("str1", "HI");
    EXPECT_THROW(bf.parse(), Error) << "--str1 without a value";
  }
  {
    BFlags bf({"--str1="});
    BFlags::Flag& str1 = bf.add_string("str1", "HI");
    ASSERT_NO_THROW(bf.parse());
    EXPECT_EQ(str1.value, "");
  }
  {
    BFlags bf({"--str1=BYE"});
    BFlags::Flag& str1 = bf.add_string("str1", "HI");
    ASSERT_NO_THROW(bf.parse());
    EXPECT_EQ(str1.value, "BYE");
  }
  for (auto [arg, want] : std::vector<std::pair<std::string, bool>>{
           {"--bool1", true}, {"--bool1=true", true}, {"--bool1=false", false}}) {
    BFlags bf({arg});
    BFlags::Flag& bool1 = bf.add_bool("bool1", false);
    ASSERT_NO_THROW(bf.parse()) << arg;
    EXPECT_EQ(bool1.is_true(), want) << arg;
  }
  {
    BFlags bf({"--bool1=false1"});
    bf.add_bool("bool1", false);
    EXPECT_THROW(bf.parse(), Error);
  }
  {
    BFlags bf({"--bool2"});
    bf.add_bool("bool1", false);
    EXPECT_THROW(bf.parse(), Error);
  }
}

TEST(InstructionFlags, Messages) {
  auto message = [](V args, const std::function<void(BFlags&)>& declare) {
    BFlags bf(std::move(args));
    declare(bf);
    try {
      bf.parse();
    } catch (const Error& e) {
      return e.message();
    }
    return std::string("<no error>");
  };
  auto link_and_from = [](BFlags& bf) {
    bf.add_bool("link", false);
    bf.add_string("from", "");
    bf.add_strings("exclude");
  };
  EXPECT_EQ(message({"x"}, link_and_from), "arg should start with -- : x");
  EXPECT_EQ(message({"--lnk"}, link_and_from), "unknown flag: --lnk (did you mean link?)");
  EXPECT_EQ(message({"--nothing-like-it"}, link_and_from), "unknown flag: --nothing-like-it");
  // Flag names are matched case-sensitively, suggestions too.
  EXPECT_EQ(message({"--LINK"}, link_and_from), "unknown flag: --LINK");
  EXPECT_EQ(message({"--from=a", "--from=b"}, link_and_from), "duplicate flag specified: --from");
  EXPECT_EQ(message({"--from"}, link_and_from), "missing a value on flag: --from");
  EXPECT_EQ(message({"--exclude"}, link_and_from), "missing a value on flag: --exclude");
  EXPECT_EQ(message({"--link="}, link_and_from), "missing a value on flag: --link");
  EXPECT_EQ(message({"--link=yes"}, link_and_from), "expecting boolean value for flag --link, not: yes");
  EXPECT_EQ(message({"--link", "--link"}, link_and_from), "duplicate flag specified: --link");
  EXPECT_EQ(message({"--a"},
                    [](BFlags& bf) {
                      bf.add_bool("a", false);
                      bf.add_string("a", "");
                    }),
            "error setting up flags: Duplicate flag defined: a");
  // Everything after a bare `--` is left alone.
  EXPECT_EQ(message({"--link", "--", "--bogus"}, link_and_from), "<no error>");
}

TEST(InstructionFlags, RepeatableAndCaseInsensitiveBooleans) {
  BFlags bf({"--exclude=a", "--link=TRUE", "--exclude=", "--exclude=b"});
  BFlags::Flag& exclude = bf.add_strings("exclude");
  BFlags::Flag& link = bf.add_bool("link", false);
  ASSERT_NO_THROW(bf.parse());
  EXPECT_EQ(exclude.values, (V{"a", "", "b"}));
  EXPECT_TRUE(link.is_true());
  EXPECT_EQ(bf.used(), (V{"exclude", "link"}));
}

// ---------------------------------------------------------------------------
// parse_heredoc_test.go TestCopyHeredoc / TestRunHeredoc / TestErrorCasesHeredoc

TEST(InstructionHeredoc, CopyHeredocTable) {
  size_t count = 0;
  for (const json* table : rows("parse_heredoc_test.go", "TestCopyHeredoc")) {
    for (const json& c : table->at("cases")) {
      std::string dockerfile = c.at("dockerfile");
      SCOPED_TRACE("TestCopyHeredoc: " + dockerfile);
      ++count;
      Instruction ins;
      ASSERT_NO_THROW(ins = parse_one(dockerfile));
      CopyCmd copy = as<CopyCmd>(ins);
      const json& want = c.at("sourcesAndDest");
      EXPECT_EQ(copy.dest, want.at("DestPath").get<std::string>());
      EXPECT_EQ(source_paths(copy), want.value("SourcePaths", V{}));
      const json contents = want.value("SourceContents", json::array());
      ASSERT_EQ(copy.heredocs.size(), contents.size());
      for (size_t i = 0; i < contents.size(); ++i) {
        EXPECT_EQ(copy.heredocs[i].name, contents[i].at("Path").get<std::string>()) << "content " << i;
        EXPECT_EQ(copy.heredocs[i].content, contents[i].at("Data").get<std::string>()) << "content " << i;
        EXPECT_EQ(copy.heredocs[i].expand, contents[i].at("Expand").get<bool>()) << "content " << i;
      }
    }
  }
  EXPECT_EQ(count, 8u);
}

TEST(InstructionHeredoc, RunHeredocTable) {
  size_t count = 0;
  for (const json* table : rows("parse_heredoc_test.go", "TestRunHeredoc")) {
    for (const json& c : table->at("cases")) {
      std::string dockerfile = c.at("dockerfile");
      SCOPED_TRACE("TestRunHeredoc: " + dockerfile);
      ++count;
      Instruction ins;
      ASSERT_NO_THROW(ins = parse_one(dockerfile));
      RunCmd run = as<RunCmd>(ins);
      EXPECT_EQ(run.command.prepend_shell, c.at("shell").get<bool>());
      EXPECT_EQ(run.command.args, c.at("command").get<V>());
      const json files = c.value("files", json::array());
      ASSERT_EQ(run.heredocs.size(), files.size());
      for (size_t i = 0; i < files.size(); ++i) {
        EXPECT_EQ(run.heredocs[i].name, files[i].at("Name").get<std::string>()) << "file " << i;
        EXPECT_EQ(run.heredocs[i].content, files[i].at("Data").get<std::string>()) << "file " << i;
        EXPECT_EQ(run.heredocs[i].chomp, files[i].value("Chomp", false)) << "file " << i;
      }
    }
  }
  EXPECT_EQ(count, 6u);
}

TEST(InstructionHeredoc, HeredocAsDestination) {
  EXPECT_EQ(error_of("COPY /foo <<EOF\nEOF"), "Dockerfile:1: COPY cannot accept a heredoc as a destination");
  EXPECT_EQ(error_of("ADD /foo <<EOF\nEOF"), "Dockerfile:1: ADD cannot accept a heredoc as a destination");
}

TEST(InstructionHeredoc, CopyDetails) {
  // A file descriptor prefix still names a heredoc source; a repeated name
  // takes the last body, as upstream's lookup map does.
  CopyCmd copy = as<CopyCmd>(parse_one("COPY 3<<A <<A /dst\nfirst\nA\nsecond\nA\n"));
  EXPECT_EQ(copy.sources, (V{"3<<A", "<<A"}));
  ASSERT_EQ(copy.heredocs.size(), 2u);
  EXPECT_EQ(copy.heredocs[0].file_descriptor, 3u);
  EXPECT_EQ(copy.heredocs[0].content, "second\n");
  EXPECT_EQ(copy.heredocs[1].content, "second\n");
  // JSON form reads no bodies, yet a `<<X` source is still a heredoc: empty.
  copy = as<CopyCmd>(parse_one("COPY [\"<<EOF\", \"/dst\"]"));
  ASSERT_EQ(copy.heredocs.size(), 1u);
  EXPECT_EQ(copy.heredocs[0].name, "EOF");
  EXPECT_EQ(copy.heredocs[0].content, "");
  // ADD carries heredocs the same way.
  copy = as<CopyCmd>(parse_one("ADD <<-\"EOF\" /dst\n\t\tx\n\tEOF\n"));
  ASSERT_EQ(copy.heredocs.size(), 1u);
  EXPECT_EQ(copy.heredocs[0].content, "x\n");
  EXPECT_FALSE(copy.heredocs[0].expand);
}

// ---------------------------------------------------------------------------
// convert_test.go TestAddEnv / TestToEnvList

TEST(InstructionEnvList, AddEnvTable) {
  // The `env` of each row is the table's; key, value and the expected list
  // are the Go test's, keyed by the row's line.
  struct Expect {
    std::string key, value;
    V want;
  };
  std::map<int, Expect> checks = {
      {137, {"key1", "value1", {"key1=value1", "key2=val2"}}},           // key exists: replaced
      {143, {"key3", "val3", {"key1=val1", "key2=val2", "key3=val3"}}},  // new key: appended
      {149, {"key1", "value1", {"key1=value1", "key1=val2"}}},           // repeated key: the first replaced
      {155, {"key3", "val3", {"key1=val1", "key2=val2", "key3=val3"}}},  // matches a bare "key3"
  };
  std::set<int> seen;
  for (const json* table : rows("convert_test.go", "TestAddEnv")) {
    int line = table->at("line");
    SCOPED_TRACE("TestAddEnv row at line " + std::to_string(line));
    ASSERT_TRUE(checks.contains(line)) << "no expectation for this row";
    const Expect& e = checks[line];
    EXPECT_EQ(add_env(table->at("cases").get<V>(), e.key, e.value), e.want);
    seen.insert(line);
  }
  EXPECT_EQ(seen.size(), checks.size()) << "an expectation matched no table row";
}

TEST(InstructionEnvList, ToEnvListTable) {
  using Args = std::vector<ArgCmd::Arg>;
  using Map = std::map<std::string, std::string>;
  std::set<int> seen;
  for (const json* table : rows("convert_test.go", "TestToEnvList")) {
    int line = table->at("line");
    SCOPED_TRACE("TestToEnvList row at line " + std::to_string(line));
    seen.insert(line);
    if (line == 210) {
      // env has duplicated keys (the table's), with args {key2: "val2"}.
      V env = table->at("cases").get<V>();
      EXPECT_EQ(env_with_args({{"key2", "val2"}}, env), (Map{{"key1", "val1_2"}, {"key2", "val2"}}));
    } else if (line == 217) {
      // args has duplicated keys (the table's), with env ["key1=val1"]. A
      // Value is recorded as the Go identifier it points to; the test sets
      // `v1 := "v1"` and `v2 := "v2"`.
      const std::map<std::string, std::string> idents = {{"v1", "v1"}, {"v2", "v2"}};
      Args args;
      for (const json& a : table->at("cases")) {
        std::string ident = a.at("Value").at("$ident");
        ASSERT_TRUE(idents.contains(ident)) << ident;
        args.push_back({a.at("Key").get<std::string>(), idents.at(ident)});
      }
      EXPECT_EQ(env_with_args(args, {"key1=val1"}), (Map{{"key1", "val1"}, {"key2", "v1"}}));
    } else {
      ADD_FAILURE() << "no expectation for this row";
    }
  }
  EXPECT_EQ(seen, (std::set<int>{210, 217}));
}

// The TestToEnvList and TestParseKeyValue cases written inline in the Go test.
TEST(InstructionEnvList, ToEnvListInline) {
  using Map = std::map<std::string, std::string>;
  EXPECT_EQ(env_with_args({{"key2", "val2"}}, {"key1=val1"}), (Map{{"key1", "val1"}, {"key2", "val2"}}));
  EXPECT_EQ(env_with_args({{"key2", std::nullopt}}, {"key1=val1"}), (Map{{"key1", "val1"}}));
  EXPECT_EQ(env_with_args({{"key1", "val2"}}, {"key1=val1"}), (Map{{"key1", "val1"}}));
  EXPECT_EQ(env_with_args({{"key1", "val2"}}, {"key1="}), (Map{{"key1", ""}}));
  EXPECT_EQ(env_with_args({{"key1", "val2"}}, {"key1"}), (Map{{"key1", ""}}));
  EXPECT_EQ(parse_key_value("key=val"), std::make_pair(std::string("key"), std::string("val")));
  EXPECT_EQ(parse_key_value("key="), std::make_pair(std::string("key"), std::string()));
  EXPECT_EQ(parse_key_value("key"), std::make_pair(std::string("key"), std::string()));
  EXPECT_EQ(parse_key_value("a=b=c"), std::make_pair(std::string("a"), std::string("b=c")));
}

// ---------------------------------------------------------------------------
// One test per instruction.

TEST(Instructions, From) {
  Instruction ins = parse_one("from --platform=$BUILDPLATFORM golang:1.22 AS Build-Env_1.x");
  EXPECT_EQ(ins.keyword, "FROM");
  FromCmd from = as<FromCmd>(ins);
  EXPECT_EQ(from.base_name, "golang:1.22");
  EXPECT_EQ(from.stage_name, "build-env_1.x");
  EXPECT_EQ(from.platform, "$BUILDPLATFORM");
  from = as<FromCmd>(parse_one("FROM scratch"));
  EXPECT_EQ(from.base_name, "scratch");
  EXPECT_EQ(from.stage_name, "");
  EXPECT_EQ(from.platform, "");
  EXPECT_EQ(as<FromCmd>(parse_one("FROM a as b")).stage_name, "b");
}

TEST(Instructions, Run) {
  RunCmd run = as<RunCmd>(parse_one("RUN --mount=type=cache,target=/c --mount=type=secret,id=x "
                                    "--network=none --security=insecure make all"));
  EXPECT_EQ(run.mounts, (V{"type=cache,target=/c", "type=secret,id=x"}));
  EXPECT_EQ(run.network, "none");
  EXPECT_EQ(run.security, "insecure");
  EXPECT_EQ(run.command.args, V{"make all"});
  EXPECT_TRUE(run.command.prepend_shell);
  EXPECT_TRUE(run.heredocs.empty());

  run = as<RunCmd>(parse_one("RUN [\"echo\", \"a b\"]"));
  EXPECT_EQ(run.command.args, (V{"echo", "a b"}));
  EXPECT_FALSE(run.command.prepend_shell);
  EXPECT_EQ(run.network, "") << "not given";
  EXPECT_EQ(run.security, "") << "not given";

  // BuildKit's TestRunCmdFlagsUsed.
  run = as<RunCmd>(parse_one("RUN --mount=type=tmpfs,target=/foo/ echo hello"));
  EXPECT_EQ(run.mounts, V{"type=tmpfs,target=/foo/"});
  for (const char* mode : {"default", "host"}) {
    EXPECT_EQ(as<RunCmd>(parse_one(std::string("RUN --network=") + mode + " x")).network, mode);
  }
  EXPECT_EQ(as<RunCmd>(parse_one("RUN --security=sandbox x")).security, "sandbox");
  // A bare RUN is not an error at this stage, as upstream.
  EXPECT_TRUE(as<RunCmd>(parse_one("RUN")).command.args.empty());
}

TEST(Instructions, CmdAndEntrypoint) {
  CmdCmd cmd = as<CmdCmd>(parse_one("CMD [\"nginx\", \"-g\", \"daemon off;\"]"));
  EXPECT_EQ(cmd.command.args, (V{"nginx", "-g", "daemon off;"}));
  EXPECT_FALSE(cmd.command.prepend_shell);
  cmd = as<CmdCmd>(parse_one("CMD echo $HOME"));
  EXPECT_EQ(cmd.command.args, V{"echo $HOME"});
  EXPECT_TRUE(cmd.command.prepend_shell);
  cmd = as<CmdCmd>(parse_one("CMD []"));
  EXPECT_TRUE(cmd.command.args.empty());
  EXPECT_FALSE(cmd.command.prepend_shell);

  EntrypointCmd ep = as<EntrypointCmd>(parse_one("ENTRYPOINT [\"/init\"]"));
  EXPECT_EQ(ep.command.args, V{"/init"});
  EXPECT_FALSE(ep.command.prepend_shell);
  ep = as<EntrypointCmd>(parse_one("entrypoint exec app"));
  EXPECT_EQ(ep.command.args, V{"exec app"});
  EXPECT_TRUE(ep.command.prepend_shell);
}

TEST(Instructions, Shell) {
  EXPECT_EQ(as<ShellCmd>(parse_one("SHELL [\"/bin/bash\", \"-euo\", \"pipefail\", \"-c\"]")).shell,
            (V{"/bin/bash", "-euo", "pipefail", "-c"}));
}

TEST(Instructions, EnvAndLabel) {
  EnvCmd env = as<EnvCmd>(parse_one("ENV A=1 B=\"two words\" C="));
  ASSERT_EQ(env.env.size(), 3u);
  EXPECT_EQ(env.env[0].key, "A");
  EXPECT_EQ(env.env[0].value, "1");
  EXPECT_EQ(env.env[1].value, "\"two words\"") << "quotes are removed when expanding";
  EXPECT_EQ(env.env[2].value, "");
  env = as<EnvCmd>(parse_one("ENV PATH /usr/local/bin:$PATH"));
  ASSERT_EQ(env.env.size(), 1u);
  EXPECT_EQ(env.env[0].key, "PATH");
  EXPECT_EQ(env.env[0].value, "/usr/local/bin:$PATH");

  LabelCmd label = as<LabelCmd>(parse_one("LABEL org.opencontainers.image.title=hoist version=\"1.0\""));
  ASSERT_EQ(label.labels.size(), 2u);
  EXPECT_EQ(label.labels[0].key, "org.opencontainers.image.title");
  EXPECT_EQ(label.labels[1].value, "\"1.0\"");
}

TEST(Instructions, Arg) {
  ArgCmd arg = as<ArgCmd>(parse_one("ARG VERSION BASE=alpine:3 EMPTY= X=a=b"));
  ASSERT_EQ(arg.args.size(), 4u);
  EXPECT_EQ(arg.args[0].key, "VERSION");
  EXPECT_FALSE(arg.args[0].value.has_value());
  EXPECT_EQ(arg.args[1].key, "BASE");
  EXPECT_EQ(arg.args[1].value, "alpine:3");
  EXPECT_EQ(arg.args[2].value, "");
  EXPECT_EQ(arg.args[3].key, "X");
  EXPECT_EQ(arg.args[3].value, "a=b");
  // Upstream never reads ARG's flags, so they do not fail the line.
  EXPECT_EQ(as<ArgCmd>(parse_one("ARG --whatever=1 A")).args.size(), 1u);
}

TEST(Instructions, Copy) {
  CopyCmd copy = as<CopyCmd>(parse_one(
      "COPY --from=build --chown=app:app --chmod=0644 --link --parents --exclude=*.md --exclude=tmp/ "
      "a b/ /dst/"));
  EXPECT_FALSE(copy.add);
  EXPECT_EQ(copy.sources, (V{"a", "b/"}));
  EXPECT_EQ(copy.dest, "/dst/");
  EXPECT_EQ(copy.from, "build");
  EXPECT_EQ(copy.chown, "app:app");
  EXPECT_EQ(copy.chmod, "0644");
  EXPECT_TRUE(copy.link);
  EXPECT_TRUE(copy.parents);
  EXPECT_EQ(copy.excludes, (V{"*.md", "tmp/"}));
  EXPECT_TRUE(copy.heredocs.empty());

  copy = as<CopyCmd>(parse_one("COPY [\"a file\", \"/dst dir/\"]"));
  EXPECT_EQ(copy.sources, V{"a file"});
  EXPECT_EQ(copy.dest, "/dst dir/");
  EXPECT_FALSE(copy.link);

  copy = as<CopyCmd>(parse_one("COPY --link=false --parents=TRUE x y"));
  EXPECT_FALSE(copy.link);
  EXPECT_TRUE(copy.parents);
  // The parser ends the flags at a bare `--`; what follows is a source.
  EXPECT_EQ(as<CopyCmd>(parse_one("COPY -- --odd-name /dst")).sources, V{"--odd-name"});
}

TEST(Instructions, Add) {
  CopyCmd add = as<CopyCmd>(parse_one(
      "ADD --checksum=sha256:abc --keep-git-dir --chown=1:1 --chmod=u+x --link --exclude=.git --unpack=false "
      "https://example.com/a.tar.gz /opt/"));
  EXPECT_TRUE(add.add);
  EXPECT_EQ(add.sources, V{"https://example.com/a.tar.gz"});
  EXPECT_EQ(add.dest, "/opt/");
  EXPECT_EQ(add.checksum, "sha256:abc");
  EXPECT_TRUE(add.keep_git_dir);
  EXPECT_EQ(add.chown, "1:1");
  EXPECT_EQ(add.chmod, "u+x");
  EXPECT_TRUE(add.link);
  EXPECT_EQ(add.excludes, V{".git"});
  EXPECT_EQ(add.unpack, false);
  EXPECT_EQ(as<CopyCmd>(parse_one("ADD a b")).unpack, std::nullopt);
  EXPECT_EQ(as<CopyCmd>(parse_one("ADD --unpack a b")).unpack, true);
}

TEST(Instructions, ChmodModes) {
  for (const char* mode : {"755", "0644", "0", "7777", "07777", "u+x", "a=rwx,g-w", "go=u-w", "=rw,+X", "u+", "+t",
                           "ug+s,o-rwx", "u=rwx,go=rx", "a-x+r", "go="}) {
    SCOPED_TRACE(mode);
    EXPECT_TRUE(valid_chmod(mode));
    EXPECT_EQ(as<CopyCmd>(parse_one(std::string("COPY --chmod=") + mode + " a /b")).chmod, mode);
  }
  for (const char* mode : {"", "9xx", "64a", "10000", "8", "7+x", "u", "a", "u+x,", ",u+x", "z+x", "u+xq", "u+x,,g+w",
                           "-0644", "+0644", "0x1ff"}) {
    EXPECT_FALSE(valid_chmod(mode)) << '"' << mode << '"';
  }
  // A mode holding a variable cannot be judged before expansion.
  EXPECT_EQ(as<CopyCmd>(parse_one("COPY --chmod=$MODE a /b")).chmod, "$MODE");
}

TEST(Instructions, WorkdirUserStopsignalMaintainer) {
  EXPECT_EQ(as<WorkdirCmd>(parse_one("WORKDIR /app/$NAME")).path, "/app/$NAME");
  EXPECT_EQ(as<WorkdirCmd>(parse_one("WORKDIR /with space")).path, "/with space");
  EXPECT_EQ(as<UserCmd>(parse_one("USER app:app")).user, "app:app");
  EXPECT_EQ(as<StopSignalCmd>(parse_one("STOPSIGNAL SIGQUIT")).signal, "SIGQUIT");
  // Upstream never reads STOPSIGNAL's flags, so they do not fail the line.
  EXPECT_EQ(as<StopSignalCmd>(parse_one("STOPSIGNAL --x=1 9")).signal, "9");
  Instruction ins = parse_one("MAINTAINER Jane Doe <jane@example.com>");
  EXPECT_EQ(ins.keyword, "MAINTAINER");
  EXPECT_EQ(as<MaintainerCmd>(ins).maintainer, "Jane Doe <jane@example.com>");
}

TEST(Instructions, Expose) {
  // Sorted as strings, as upstream does.
  EXPECT_EQ(as<ExposeCmd>(parse_one("EXPOSE 8080 80/udp 443 ${PORT}")).ports, (V{"${PORT}", "443", "80/udp", "8080"}));
}

TEST(Instructions, Volume) {
  EXPECT_EQ(as<VolumeCmd>(parse_one("VOLUME /data /logs")).volumes, (V{"/data", "/logs"}));
  EXPECT_EQ(as<VolumeCmd>(parse_one("VOLUME [\" /data \", \"/var/lib/x\"]")).volumes, (V{"/data", "/var/lib/x"}));
}

TEST(Instructions, Healthcheck) {
  HealthcheckCmd hc = as<HealthcheckCmd>(parse_one(
      "HEALTHCHECK --interval=30s --timeout=1m30s --start-period=100ms --start-interval=1.5s --retries=3 "
      "CMD curl -f http://localhost/ || exit 1"));
  EXPECT_EQ(hc.test, (V{"CMD-SHELL", "curl -f http://localhost/ || exit 1"}));
  EXPECT_EQ(hc.interval, 30'000'000'000);
  EXPECT_EQ(hc.timeout, 90'000'000'000);
  EXPECT_EQ(hc.start_period, 100'000'000);
  EXPECT_EQ(hc.start_interval, 1'500'000'000);
  EXPECT_EQ(hc.retries, 3);

  hc = as<HealthcheckCmd>(parse_one("HEALTHCHECK cmd [\"/bin/check\", \"--fast\"]"));
  EXPECT_EQ(hc.test, (V{"CMD", "/bin/check", "--fast"}));
  EXPECT_EQ(hc.interval, 0);
  EXPECT_EQ(hc.retries, 0);

  hc = as<HealthcheckCmd>(parse_one("HEALTHCHECK none"));
  EXPECT_EQ(hc.test, V{"NONE"});
  // Upstream never reads the flags of HEALTHCHECK NONE.
  EXPECT_EQ(as<HealthcheckCmd>(parse_one("HEALTHCHECK --interval=bogus NONE")).test, V{"NONE"});

  // Zero means "unset"; 1ms is the smallest value; 0 retries is allowed.
  hc = as<HealthcheckCmd>(parse_one("HEALTHCHECK --interval=0s --timeout=1ms --retries=0 CMD true"));
  EXPECT_EQ(hc.interval, 0);
  EXPECT_EQ(hc.timeout, 1'000'000);
  EXPECT_EQ(hc.retries, 0);

  // BuildKit's TestHealthCheckCmd: a hand-built node, shell form.
  Node node;
  node.value = "healthcheck";
  node.args = {"CMD", "hello", "world"};
  EXPECT_EQ(as<HealthcheckCmd>(parse_instruction(node)).test, (V{"CMD-SHELL", "hello world"}));
}

TEST(Instructions, Onbuild) {
  Instruction ins = parse_one("ONBUILD RUN make install");
  EXPECT_EQ(ins.keyword, "ONBUILD");
  EXPECT_EQ(as<OnbuildCmd>(ins).expression, "RUN make install");
  EXPECT_EQ(as<OnbuildCmd>(parse_one("  onbuild   COPY --from=x a b")).expression, "COPY --from=x a b");
  // Heredoc bodies are appended so the trigger can be parsed again later.
  EXPECT_EQ(as<OnbuildCmd>(parse_one("ONBUILD RUN <<EOF\necho hi\nEOF\n")).expression, "RUN <<EOF\necho hi\nEOF");
  // The trigger itself is not checked until it runs, as upstream.
  EXPECT_EQ(as<OnbuildCmd>(parse_one("ONBUILD NOTANINSTRUCTION x")).expression, "NOTANINSTRUCTION x");
}

TEST(Instructions, KeywordsAreCaseInsensitive) {
  for (const char* text : {"run x", "Run x", "rUN x"}) {
    Instruction ins = parse_one(text);
    EXPECT_EQ(ins.keyword, "RUN") << text;
    EXPECT_EQ(ins.original, text);
  }
}

TEST(Instructions, WholeFile) {
  ParseResult parsed = parse_dockerfile(
      "ARG BASE=alpine\n"
      "FROM $BASE AS build\n"
      "# a comment\n"
      "RUN echo \\\n"
      "  hi\n"
      "COPY <<EOF /x\n"
      "body\n"
      "EOF\n"
      "CMD [\"sh\"]\n");
  std::vector<Instruction> all = parse_instructions(parsed);
  ASSERT_EQ(all.size(), 5u);
  V keywords;
  std::vector<int> lines;
  for (const Instruction& ins : all) {
    keywords.push_back(ins.keyword);
    lines.push_back(ins.line);
  }
  EXPECT_EQ(keywords, (V{"ARG", "FROM", "RUN", "COPY", "CMD"}));
  EXPECT_EQ(lines, (std::vector<int>{1, 2, 4, 6, 9}));
  EXPECT_EQ(all[2].original, "RUN echo   hi");
}

// ---------------------------------------------------------------------------
// Every error message: FILE:LINE prefix, then upstream's text.

TEST(InstructionErrors, UnknownInstruction) {
  EXPECT_EQ(error_of("FROM a\n\nRUN x\n# c\n\nENV a=b\nRUNN make\n"),
            "Dockerfile:7: unknown instruction: RUNN (did you mean RUN?)");
  EXPECT_EQ(error_of("runn make"), "Dockerfile:1: unknown instruction: runn (did you mean run?)");
  EXPECT_EQ(error_of("Runn make"), "Dockerfile:1: unknown instruction: Runn (did you mean run?)");
  EXPECT_EQ(error_of("COPPY a b"), "Dockerfile:1: unknown instruction: COPPY (did you mean COPY?)");
  EXPECT_EQ(error_of("ENTRYPINT x"), "Dockerfile:1: unknown instruction: ENTRYPINT (did you mean ENTRYPOINT?)");
  EXPECT_EQ(error_of("XYZZY plugh"), "Dockerfile:1: unknown instruction: XYZZY");
  // BuildKit's TestErrorCases keeps the case as written.
  EXPECT_EQ(error_of("FOO bar"), "Dockerfile:1: unknown instruction: FOO (did you mean FROM?)");
  EXPECT_EQ(error_of("foo bar"), "Dockerfile:1: unknown instruction: foo (did you mean from?)");
}

TEST(InstructionErrors, FileNameAndLine) {
  ParseResult parsed = parse_dockerfile("FROM a\nRUN --bogus x\n");
  try {
    parse_instructions(parsed, "ctx/Containerfile");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "ctx/Containerfile:2: unknown flag: --bogus");
  }
}

TEST(InstructionErrors, Flags) {
  EXPECT_EQ(error_of("COPY --fromm=a b c"), "Dockerfile:1: unknown flag: --fromm (did you mean from?)");
  EXPECT_EQ(error_of("COPY --chown=a --chown=b x y"), "Dockerfile:1: duplicate flag specified: --chown");
  EXPECT_EQ(error_of("COPY --chown x y"), "Dockerfile:1: missing a value on flag: --chown");
  EXPECT_EQ(error_of("COPY --link=maybe a b"), "Dockerfile:1: expecting boolean value for flag --link, not: maybe");
  EXPECT_EQ(error_of("COPY --link= a b"), "Dockerfile:1: missing a value on flag: --link");
  EXPECT_EQ(error_of("COPY --checksum=sha256:x a b"), "Dockerfile:1: unknown flag: --checksum");
  EXPECT_EQ(error_of("COPY --keep-git-dir a b"), "Dockerfile:1: unknown flag: --keep-git-dir");
  EXPECT_EQ(error_of("COPY --unpack a b"), "Dockerfile:1: unknown flag: --unpack");
  EXPECT_EQ(error_of("ADD --from=x a b"), "Dockerfile:1: unknown flag: --from");
  EXPECT_EQ(error_of("ADD --parents a b"), "Dockerfile:1: unknown flag: --parents");
  EXPECT_EQ(error_of("ADD --chmd=755 a b"), "Dockerfile:1: unknown flag: --chmd (did you mean chmod?)");
  EXPECT_EQ(error_of("FROM --platform img"), "Dockerfile:1: missing a value on flag: --platform");
  EXPECT_EQ(error_of("FROM --plaform=linux/arm64 img"),
            "Dockerfile:1: unknown flag: --plaform (did you mean platform?)");
  EXPECT_EQ(error_of("RUN --mount x"), "Dockerfile:1: missing a value on flag: --mount");
  EXPECT_EQ(error_of("RUN --network=none --network=host x"), "Dockerfile:1: duplicate flag specified: --network");
  EXPECT_EQ(error_of("HEALTHCHECK --intervall=5s CMD x"),
            "Dockerfile:1: unknown flag: --intervall (did you mean interval?)");
  // BuildKit's TestErrorCases: instructions that take no flags reject any.
  EXPECT_EQ(error_of("MAINTAINER --boo joe@example.com"), "Dockerfile:1: unknown flag: --boo");
  for (const char* text : {"ENV --x=1 a=b", "LABEL --x=1 a=b", "CMD --x=1 a", "ENTRYPOINT --x=1 a",
                           "SHELL --x=1 [\"a\"]", "WORKDIR --x=1 /", "USER --x=1 u", "EXPOSE --x=1 80",
                           "VOLUME --x=1 /v", "ONBUILD --x=1 RUN a"}) {
    std::string got = error_of(text);
    EXPECT_EQ(got, "Dockerfile:1: unknown flag: --x") << text;
  }
}

TEST(InstructionErrors, From) {
  EXPECT_EQ(error_of("FROM"), "Dockerfile:1: FROM requires either one or three arguments");
  EXPECT_EQ(error_of("FROM a b"), "Dockerfile:1: FROM requires either one or three arguments");
  EXPECT_EQ(error_of("FROM a IS b"), "Dockerfile:1: FROM requires either one or three arguments");
  EXPECT_EQ(error_of("FROM a AS b c"), "Dockerfile:1: FROM requires either one or three arguments");
  EXPECT_EQ(error_of("FROM a AS 1st"),
            "Dockerfile:1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols");
  EXPECT_EQ(error_of("FROM a AS Bad$Name"),
            "Dockerfile:1: invalid name for build stage: \"Bad$Name\", name can't start with a number or contain "
            "symbols");
  // The name is checked before the flags, as upstream.
  EXPECT_EQ(error_of("FROM --bogus a AS _x"),
            "Dockerfile:1: invalid name for build stage: \"_x\", name can't start with a number or contain symbols");
}

TEST(InstructionErrors, Run) {
  EXPECT_EQ(error_of("RUN --network=bridge x"), "Dockerfile:1: invalid network mode \"bridge\"");
  EXPECT_EQ(error_of("RUN --network= x"), "Dockerfile:1: invalid network mode \"\"");
  EXPECT_EQ(error_of("RUN --security=root x"), "Dockerfile:1: security \"root\" is not valid");
}

TEST(InstructionErrors, CopyAndAdd) {
  const std::string no_dest =
      " requires at least two arguments, but only one was provided. Destination could not be determined";
  EXPECT_EQ(error_of("COPY arg1"), "Dockerfile:1: COPY" + no_dest);
  EXPECT_EQ(error_of("ADD arg1"), "Dockerfile:1: ADD" + no_dest);
  EXPECT_EQ(error_of("COPY"), "Dockerfile:1: COPY" + no_dest);
  EXPECT_EQ(error_of("COPY [\"only\"]"), "Dockerfile:1: COPY" + no_dest);
  // BuildKit's TestErrorCases "copyEmptyWhitespace".
  EXPECT_EQ(error_of("COPY\t\n\t\tquux \\\n      bar"), "Dockerfile:1: COPY" + no_dest);
  // The argument count is checked before the flags, as upstream.
  EXPECT_EQ(error_of("COPY --bogus a"), "Dockerfile:1: COPY" + no_dest);

  EXPECT_EQ(error_of("FROM a\nRUN x\nCOPY --chmod=9xx a /b"), "Dockerfile:3: COPY --chmod: invalid mode \"9xx\"");
  EXPECT_EQ(error_of("COPY --chmod=10000 a /b"), "Dockerfile:1: COPY --chmod: invalid mode \"10000\"");
  EXPECT_EQ(error_of("COPY --chmod=64a a /b"), "Dockerfile:1: COPY --chmod: invalid mode \"64a\"");
  EXPECT_EQ(error_of("COPY --chmod=u+x, a /b"), "Dockerfile:1: COPY --chmod: invalid mode \"u+x,\"");
  EXPECT_EQ(error_of("ADD --chmod=rwx a /b"), "Dockerfile:1: ADD --chmod: invalid mode \"rwx\"");
  // An empty --chmod means "not given", as upstream.
  EXPECT_EQ(as<CopyCmd>(parse_one("COPY --chmod= a /b")).chmod, "");
}

TEST(InstructionErrors, ArgumentCounts) {
  // BuildKit's TestCommandsExactlyOneArgument / TestCommandsAtLeastOneArgument.
  for (const char* cmd : {"MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL"}) {
    EXPECT_EQ(error_of(cmd), "Dockerfile:1: " + std::string(cmd) + " requires exactly one argument");
  }
  for (const char* cmd : {"ENV", "LABEL", "ONBUILD", "HEALTHCHECK", "EXPOSE", "VOLUME", "ARG", "SHELL"}) {
    EXPECT_EQ(error_of(cmd), "Dockerfile:1: " + std::string(cmd) + " requires at least one argument");
  }
  EXPECT_EQ(error_of("VOLUME []"), "Dockerfile:1: VOLUME requires at least one argument");
  EXPECT_EQ(error_of("SHELL []"), "Dockerfile:1: SHELL requires at least one argument");
}

TEST(InstructionErrors, KeyValues) {
  EXPECT_EQ(error_of("ENV =x"), "Dockerfile:1: ENV names can not be blank");
  EXPECT_EQ(error_of("LABEL a=b =x"), "Dockerfile:1: LABEL names can not be blank");
  EXPECT_EQ(error_of("ARG a =x"), "Dockerfile:1: ARG names can not be blank");
  // BuildKit's TestCommandsTooManyArguments / TestCommandsBlankNames use hand-built nodes.
  for (auto [cmd, value] : std::vector<std::pair<std::string, std::string>>{{"ENV", "env"}, {"LABEL", "label"}}) {
    Node node;
    node.value = value;
    node.start_line = 4;
    node.args = {"arg1", "arg2", "arg3", ""};
    try {
      parse_instruction(node);
      ADD_FAILURE() << cmd << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.message(), "Dockerfile:4: Bad input to " + cmd + ", too many arguments");
    }
    node.args = {"", "arg2", "="};
    try {
      parse_instruction(node);
      ADD_FAILURE() << cmd << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.message(), "Dockerfile:4: " + cmd + " names can not be blank");
    }
  }
}

TEST(InstructionErrors, ShellAndVolume) {
  EXPECT_EQ(error_of("SHELL /bin/sh -c"), "Dockerfile:1: SHELL requires the arguments to be in JSON form");
  EXPECT_EQ(error_of("VOLUME [\"\"]"), "Dockerfile:1: VOLUME specified can not be an empty string");
  EXPECT_EQ(error_of("VOLUME [\"/a\", \" \"]"), "Dockerfile:1: VOLUME specified can not be an empty string");
}

TEST(InstructionErrors, Healthcheck) {
  EXPECT_EQ(error_of("HEALTHCHECK NONE extra"), "Dockerfile:1: HEALTHCHECK NONE takes no arguments");
  EXPECT_EQ(error_of("HEALTHCHECK PING x"), "Dockerfile:1: Unknown type \"PING\" in HEALTHCHECK (try CMD)");
  EXPECT_EQ(error_of("HEALTHCHECK CMD"), "Dockerfile:1: Missing command after HEALTHCHECK CMD");
  EXPECT_EQ(error_of("HEALTHCHECK CMD []"), "Dockerfile:1: Missing command after HEALTHCHECK CMD");
  EXPECT_EQ(error_of("HEALTHCHECK --interval=5x CMD x"), "Dockerfile:1: time: unknown unit \"x\" in duration \"5x\"");
  EXPECT_EQ(error_of("HEALTHCHECK --interval=5 CMD x"), "Dockerfile:1: time: missing unit in duration \"5\"");
  EXPECT_EQ(error_of("HEALTHCHECK --timeout=abc CMD x"), "Dockerfile:1: time: invalid duration \"abc\"");
  EXPECT_EQ(error_of("HEALTHCHECK --interval=50ns CMD x"),
            "Dockerfile:1: Interval \"interval\" cannot be less than 1ms");
  EXPECT_EQ(error_of("HEALTHCHECK --start-period=-1s CMD x"),
            "Dockerfile:1: Interval \"start-period\" cannot be less than 1ms");
  EXPECT_EQ(error_of("HEALTHCHECK --start-interval=999us CMD x"),
            "Dockerfile:1: Interval \"start-interval\" cannot be less than 1ms");
  EXPECT_EQ(error_of("HEALTHCHECK --retries=-1 CMD x"), "Dockerfile:1: --retries cannot be negative (-1)");
  EXPECT_EQ(error_of("HEALTHCHECK --retries=three CMD x"),
            "Dockerfile:1: strconv.ParseInt: parsing \"three\": invalid syntax");
  EXPECT_EQ(error_of("HEALTHCHECK --retries=2147483648 CMD x"),
            "Dockerfile:1: strconv.ParseInt: parsing \"2147483648\": value out of range");
  EXPECT_EQ(as<HealthcheckCmd>(parse_one("HEALTHCHECK --retries=2147483647 CMD x")).retries, 2147483647);
  // Flags are read before the type is checked, as upstream.
  EXPECT_EQ(error_of("HEALTHCHECK --bogus PING x"), "Dockerfile:1: unknown flag: --bogus");
}

TEST(InstructionErrors, Onbuild) {
  EXPECT_EQ(error_of("ONBUILD ONBUILD RUN touch foobar"),
            "Dockerfile:1: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  EXPECT_EQ(error_of("ONBUILD FROM scratch"), "Dockerfile:1: FROM isn't allowed as an ONBUILD trigger");
  EXPECT_EQ(error_of("onbuild maintainer me"), "Dockerfile:1: MAINTAINER isn't allowed as an ONBUILD trigger");
}

// ---------------------------------------------------------------------------
// Go durations and suggestions on their own.

TEST(InstructionDuration, Valid) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"0", 0},
      {"+0", 0},
      {"-0", 0},
      {"5s", 5'000'000'000},
      {"1m30s", 90'000'000'000},
      {"100ms", 100'000'000},
      {"1.5h", 5'400'000'000'000},
      {"-1.5h", -5'400'000'000'000},
      {".5s", 500'000'000},
      {"1.s", 1'000'000'000},
      {"1us", 1'000},
      {"1\xC2\xB5s", 1'000},  // µs, U+00B5
      {"1\xCE\xBCs", 1'000},  // μs, U+03BC
      {"2h45m0.5s", 9'900'500'000'000},
      {"0.000000001s", 1},
      {"9223372036854775807ns", INT64_MAX},
      {"-9223372036854775808ns", INT64_MIN},
      {"2562047h", 2562047 * 3'600'000'000'000},
  };
  for (const auto& [text, ns] : cases) {
    int64_t got = 0;
    EXPECT_NO_THROW(got = parse_go_duration(text)) << text;
    EXPECT_EQ(got, ns) << text;
  }
}

TEST(InstructionDuration, Errors) {
  auto message = [](std::string_view text) {
    try {
      parse_go_duration(text);
    } catch (const Error& e) {
      return e.message();
    }
    return std::string("<no error>");
  };
  EXPECT_EQ(message(""), "time: invalid duration \"\"");
  EXPECT_EQ(message("-"), "time: invalid duration \"-\"");
  EXPECT_EQ(message("s"), "time: invalid duration \"s\"");
  EXPECT_EQ(message(".s"), "time: invalid duration \".s\"");
  EXPECT_EQ(message("5"), "time: missing unit in duration \"5\"");
  EXPECT_EQ(message("1.2.3s"), "time: missing unit in duration \"1.2.3s\"");
  EXPECT_EQ(message("1d"), "time: unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(message("1\xC3\xA9"), "time: unknown unit \"\\xc3\\xa9\" in duration \"1\\xc3\\xa9\"");
  EXPECT_EQ(message("9223372036854775808ns"), "time: invalid duration \"9223372036854775808ns\"");
  EXPECT_EQ(message("2562048h"), "time: invalid duration \"2562048h\"");
  EXPECT_EQ(message("1s "), "time: unknown unit \"s \" in duration \"1s \"");
}

TEST(InstructionSuggest, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("run", "run"), 0u);
  EXPECT_EQ(edit_distance("runn", "run"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("\xC3\xA9t\xC3\xA9", "ete"), 2u) << "counted in code points";
  EXPECT_EQ(closest_match("cpy", {"COPY", "CMD"}, false), "copy");
  EXPECT_EQ(closest_match("COPY", {"COPY", "CMD"}, false), std::nullopt) << "an exact match suggests nothing";
  EXPECT_EQ(closest_match("abcdef", {"COPY"}, false), std::nullopt);
  // On a tie, the earlier option wins.
  EXPECT_EQ(closest_match("ab", {"ax", "ay"}, true), "ax");
}
