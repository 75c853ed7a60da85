// parse_run_mount: every key, alias and default of BuildKit's --mount
// syntax, and each error it reports, as plain data in and out.
#include "builder/run_mount.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace hoist::builder {
namespace {

using Type = RunMount::Type;
using Sharing = RunMount::Sharing;

std::string error_of(std::string_view spec, std::string_view workdir = "/") {
  try {
    parse_run_mount(spec, workdir);
  } catch (const Error& e) {
    return e.describe();
  }
  return "no error";
}

TEST(RunMount, BindIsTheDefaultTypeAndReadOnly) {
  RunMount m = parse_run_mount("target=/src");
  EXPECT_EQ(m.type, Type::Bind);
  EXPECT_EQ(m.target, "/src");
  EXPECT_TRUE(m.readonly);
  EXPECT_EQ(m.source, "");
  EXPECT_EQ(m.from, "");
  EXPECT_EQ(m.id, "");
  EXPECT_EQ(m.sharing, Sharing::Shared);
  EXPECT_FALSE(m.mode || m.uid || m.gid || m.size);
  EXPECT_FALSE(m.required);
}

TEST(RunMount, BindKeysAndAliases) {
  RunMount m = parse_run_mount("type=bind,source=dir,from=builder,target=/app,rw");
  EXPECT_EQ(m.source, "dir");
  EXPECT_EQ(m.from, "builder");
  EXPECT_EQ(m.target, "/app");
  EXPECT_FALSE(m.readonly);
  EXPECT_EQ(parse_run_mount("src=a,dst=/b").source, "a");
  EXPECT_EQ(parse_run_mount("src=a,dst=/b").target, "/b");
  EXPECT_EQ(parse_run_mount("destination=/c").target, "/c");
}

TEST(RunMount, KeysAndTypeNamesIgnoreCase) {
  RunMount m = parse_run_mount("TYPE=Cache,Target=/c,SHARING=LOCKED,ID=x");
  EXPECT_EQ(m.type, Type::Cache);
  EXPECT_EQ(m.target, "/c");
  EXPECT_EQ(m.sharing, Sharing::Locked);
  EXPECT_EQ(m.id, "x");
}

TEST(RunMount, ReadOnlyAndReadWriteForms) {
  struct Case {
    const char* spec;
    bool readonly;
  } cases[] = {
      {"target=/a,ro", true},
      {"target=/a,readonly", true},
      {"target=/a,rw", false},
      {"target=/a,readwrite", false},
      {"target=/a,ro=false", false},
      {"target=/a,readonly=0", false},
      {"target=/a,rw=true", false},
      {"target=/a,readwrite=F", true},
      {"target=/a,RW=TRUE", false},
      {"type=cache,target=/a", false},
      {"type=cache,target=/a,ro", true},
      {"type=tmpfs,target=/a", false},
      {"type=tmpfs,target=/a,ro=t", true},
      {"type=secret,id=s", true},
      {"type=ssh", true},
      {"target=/a,rw,ro", true},
      {"target=/a,ro,rw=1", false},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_run_mount(c.spec).readonly, c.readonly) << c.spec;
}

TEST(RunMount, CacheIdDefaultsToTheCleanedTargetAsWritten) {
  EXPECT_EQ(parse_run_mount("type=cache,target=/root/.cache/").id, "/root/.cache");
  EXPECT_EQ(parse_run_mount("type=cache,target=/a//b/../c").id, "/a/c");
  RunMount rel = parse_run_mount("type=cache,target=node_modules", "/app");
  EXPECT_EQ(rel.id, "node_modules") << "the id is the target as written, before the WORKDIR joins it";
  EXPECT_EQ(rel.target, "/app/node_modules");
  EXPECT_EQ(parse_run_mount("type=cache,target=/x,id=shared-id").id, "shared-id");
}

TEST(RunMount, CacheSharingModeOwnerAndSource) {
  RunMount m = parse_run_mount("type=cache,target=/c,sharing=private,mode=0700,uid=1000,gid=1001,from=base,source=sub");
  EXPECT_EQ(m.sharing, Sharing::Private);
  EXPECT_EQ(m.mode, 0700u);
  EXPECT_EQ(m.uid, 1000u);
  EXPECT_EQ(m.gid, 1001u);
  EXPECT_EQ(m.from, "base");
  EXPECT_EQ(m.source, "sub");
  EXPECT_EQ(parse_run_mount("type=cache,target=/c,sharing=shared").sharing, Sharing::Shared);
  EXPECT_EQ(parse_run_mount("type=cache,target=/c,mode=4777").mode, 04777u);
  EXPECT_EQ(parse_run_mount("type=cache,target=/c,uid=4294967295").uid, 4294967295u);
}

TEST(RunMount, TmpfsSizeInBinaryUnits) {
  struct Case {
    const char* size;
    uint64_t bytes;
  } cases[] = {
      {"512", 512},           {"64m", 64ull << 20},  {"64M", 64ull << 20}, {"64mb", 64ull << 20},
      {"64MiB", 64ull << 20}, {"64mi", 64ull << 20}, {"1g", 1ull << 30},   {"2 k", 2048},
      {"1.5k", 1536},         {"10b", 10},           {"1t", 1ull << 40},   {"1p", 1ull << 50},
      {"0.5m", 512ull << 10},
  };
  for (const auto& c : cases) {
    RunMount m = parse_run_mount(std::string("type=tmpfs,target=/t,size=") + c.size);
    ASSERT_TRUE(m.size.has_value()) << c.size;
    EXPECT_EQ(*m.size, c.bytes) << c.size;
  }
  EXPECT_FALSE(parse_run_mount("type=tmpfs,target=/t").size.has_value());
  EXPECT_FALSE(parse_run_mount("type=tmpfs,target=/t,size=0").size.has_value()) << "0 is no limit, as in BuildKit";
}

TEST(RunMount, SecretDefaults) {
  RunMount m = parse_run_mount("type=secret,id=aws");
  EXPECT_EQ(m.type, Type::Secret);
  EXPECT_EQ(m.id, "aws");
  EXPECT_EQ(m.target, "/run/secrets/aws");
  EXPECT_TRUE(m.readonly);
  EXPECT_FALSE(m.required);

  RunMount by_target = parse_run_mount("type=secret,target=/root/.npmrc");
  EXPECT_EQ(by_target.id, ".npmrc") << "the id defaults to the target's base name";
  EXPECT_EQ(by_target.target, "/root/.npmrc");

  RunMount by_source = parse_run_mount("type=secret,source=tok");
  EXPECT_EQ(by_source.id, "tok") << "source is the id's other name";
  EXPECT_EQ(by_source.target, "/run/secrets/tok");

  EXPECT_EQ(parse_run_mount("type=secret,id=a/b").target, "/run/secrets/b");
}

TEST(RunMount, SecretEnvRequiredAndFileOptions) {
  RunMount env_only = parse_run_mount("type=secret,id=tok,env=TOKEN");
  EXPECT_EQ(env_only.env, "TOKEN");
  EXPECT_EQ(env_only.target, "") << "asked for as a variable only, the secret is no file";

  RunMount both = parse_run_mount("type=secret,id=tok,env=TOKEN,target=/tok");
  EXPECT_EQ(both.env, "TOKEN");
  EXPECT_EQ(both.target, "/tok");

  EXPECT_EQ(parse_run_mount("type=secret,id=tok,env=").target, "/run/secrets/tok");

  RunMount m = parse_run_mount("type=secret,id=s,required,mode=0440,uid=1,gid=2");
  EXPECT_TRUE(m.required);
  EXPECT_EQ(m.mode, 0440u);
  EXPECT_EQ(m.uid, 1u);
  EXPECT_EQ(m.gid, 2u);
  EXPECT_TRUE(parse_run_mount("type=secret,id=s,required=true").required);
  EXPECT_FALSE(parse_run_mount("type=secret,id=s,required=false").required);
}

TEST(RunMount, SshDefaultsAndNumbering) {
  RunMount m = parse_run_mount("type=ssh");
  EXPECT_EQ(m.type, Type::Ssh);
  EXPECT_EQ(m.id, "default");
  EXPECT_EQ(m.target, "/run/buildkit/ssh_agent.0");
  EXPECT_TRUE(parse_run_mount("type=ssh,required").required);
  EXPECT_EQ(parse_run_mount("type=ssh,id=gh,target=/ssh.sock,mode=0666").mode, 0666u);

  auto all = parse_run_mounts({"type=ssh", "type=cache,target=/c", "type=ssh,id=b,target=/s", "type=ssh,id=c"});
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].target, "/run/buildkit/ssh_agent.0");
  EXPECT_EQ(all[2].target, "/s");
  EXPECT_EQ(all[3].target, "/run/buildkit/ssh_agent.2") << "N counts every ssh mount of the RUN";
}

TEST(RunMount, TargetsAreCleanAndRelativeOnesJoinTheWorkdir) {
  EXPECT_EQ(parse_run_mount("target=/a/./b//c/").target, "/a/b/c");
  EXPECT_EQ(parse_run_mount("target=/../x").target, "/x");
  EXPECT_EQ(parse_run_mount("target=src", "/app").target, "/app/src");
  EXPECT_EQ(parse_run_mount("target=../up", "/app/sub").target, "/app/up");
  EXPECT_EQ(parse_run_mount("type=secret,id=s,target=key", "/w").target, "/w/key");
  EXPECT_EQ(parse_run_mount("type=cache", "/app").target, "/app") << "no target is the WORKDIR, as in BuildKit";
}

TEST(RunMount, QuotedCsvFields) {
  RunMount m = parse_run_mount(R"(type=bind,"source=a,b","target=/x ""y""")");
  EXPECT_EQ(m.source, "a,b");
  EXPECT_EQ(m.target, "/x \"y\"");
  EXPECT_EQ(parse_run_mount("target=/a\n").target, "/a") << "a trailing newline is dropped";
  EXPECT_EQ(parse_run_mount("target=/a=b").target, "/a=b") << "only the first = splits";
  EXPECT_EQ(parse_run_mount("target=/a,src= s").source, " s") << "spaces are kept";
  EXPECT_EQ(error_of(" target=/a"),
            "--mount: unexpected key ' target' in ' target=/a' (did you mean target?):  target=/a");
}

TEST(RunMount, Errors) {
  struct Case {
    const char* spec;
    const char* what;
  } cases[] = {
      {"", "failed to parse csv mounts: EOF"},
      {"target=/a\"b", "failed to parse csv mounts: parse error on line 1, column 10: bare \" in non-quoted-field"},
      {"\"target=/a",
       "failed to parse csv mounts: parse error on line 1, column 2: extraneous or missing \" in quoted-field"},
      {"\"target=/a\"x",
       "failed to parse csv mounts: parse error on line 1, column 11: extraneous or missing \" in quoted-field"},
      {"type=bnd,target=/a", "unsupported mount type \"bnd\" (did you mean bind?)"},
      {"type=volume,target=/a", "unsupported mount type \"volume\""},
      {"target=/a,foo=bar", "unexpected key 'foo' in 'foo=bar' (did you mean from?)"},
      {"target=/a,zzzzz=1", "unexpected key 'zzzzz' in 'zzzzz=1'"},
      {"target=/a,trget=/b", "unexpected key 'trget' in 'trget=/b' (did you mean target?)"},
      {"target=/a,nosuid", "invalid field 'nosuid' must be a key=value pair"},
      {"target=/a,", "invalid field '' must be a key=value pair"},
      {"target=/a,ro=yes", "invalid value for ro: yes"},
      {"target=/a,readwrite=2", "invalid value for readwrite: 2"},
      {"target=/a,required", "unexpected key 'required' for mount type 'bind'"},
      {"required,type=secret,id=s", "unexpected key 'required' for mount type 'bind'"},
      {"type=cache,target=/a,required=true", "unexpected key 'required' for mount type 'cache'"},
      {"type=secret,id=s,required=maybe", "invalid value for required: maybe"},
      {"target=/a,size=1m", "unexpected key 'size' for mount type 'bind'"},
      {"type=tmpfs,target=/a,size=big", "invalid value for size: big"},
      {"type=tmpfs,target=/a,size=-1", "invalid value for size: -1"},
      {"type=tmpfs,target=/a,size=1x", "invalid value for size: 1x"},
      {"type=tmpfs,target=/a,size=1mbb", "invalid value for size: 1mbb"},
      {"type=cache,target=/a,mode=0789", "invalid value 0789 for mode"},
      {"type=cache,target=/a,mode=-1", "invalid value -1 for mode"},
      {"type=cache,target=/a,uid=x", "invalid value x for uid"},
      {"type=cache,target=/a,gid=4294967296", "invalid value 4294967296 for gid"},
      {"target=/a,mode=0755", "mode not allowed for \"bind\" type mounts"},
      {"type=tmpfs,target=/a,uid=0", "uid not allowed for \"tmpfs\" type mounts"},
      {"target=/a,gid=0", "gid not allowed for \"bind\" type mounts"},
      {"type=cache,target=/a,sharing=exclusive", "unsupported sharing value \"exclusive\""},
      {"type=cache,target=/a,sharing=lockd", "unsupported sharing value \"lockd\" (did you mean locked?)"},
      {"target=/a,sharing=shared", "invalid cache sharing set for bind mount"},
      {"type=tmpfs,target=/a,sharing=locked", "invalid cache sharing set for tmpfs mount"},
      {"type=secret,id=s,from=stage", "secret mount should not have a from"},
      {"type=secret,id=s,sharing=private", "secret mount should not define sharing"},
      {"type=secret", "invalid secret mount. one of source, target required"},
      {"type=secret,id=a,source=b", "both source and id can't be set"},
      {"type=ssh,source=x", "ssh does not support source"},
      {"target=/", "invalid mount target \"/\""},
      {"target=/a/..", "invalid mount target \"/\""},
      {"type=cache", "invalid mount target \"/\" (no target given)"},
      {"type=tmpfs,target=.", "invalid mount target \"/\""},
  };
  for (const auto& c : cases) EXPECT_EQ(error_of(c.spec), std::string("--mount: ") + c.what + ": " + c.spec) << c.spec;
}

TEST(RunMount, ListErrorsNameTheFailingSpec) {
  try {
    parse_run_mounts({"target=/a", "type=nope"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.describe(), "--mount: unsupported mount type \"nope\": type=nope");
  }
}

}  // namespace
}  // namespace hoist::builder
