// The executor's side of RUN --mount: --secret flags, and what backs each
// mount (confined bind sources, cache leases, secret copies).
#include "builder/run_mounts.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "tests/test_support.h"

using namespace hoist;
using namespace hoist::builder;
using test::EnvGuard;
using test::error_of;

TEST(RunMounts, SecretFlags) {
  fs::TempDir tmp;
  fs::write_file_atomic(tmp.path() + "/tok", "file-value");
  auto [id, src] = parse_secret_flag("id=tok,src=" + tmp.path() + "/tok", tmp.path() + "/private");
  EXPECT_EQ(id, "tok");
  EXPECT_EQ(fs::read_file(src.file), "file-value");

  EnvGuard env;
  env.set("HOIST_TEST_SECRET", "env-value");
  auto from_env = parse_secret_flag("id=x,env=HOIST_TEST_SECRET", tmp.path() + "/private").second;
  EXPECT_EQ(fs::read_file(from_env.file), "env-value");
  struct stat st;
  ASSERT_EQ(::stat(from_env.file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // buildx: an id alone is read from the variable of that name when it is set.
  EXPECT_EQ(fs::read_file(parse_secret_flag("id=HOIST_TEST_SECRET", tmp.path() + "/private").second.file), "env-value");

  EXPECT_EQ(error_of([&] { parse_secret_flag("src=/x", tmp.path()); }), "--secret src=/x: id= is required");
  EXPECT_EQ(error_of([&] { parse_secret_flag("id=a,src=/nonexistent/x", tmp.path()); }),
            "--secret id=a,src=/nonexistent/x: file /nonexistent/x not found");
  EXPECT_EQ(error_of([&] { parse_secret_flag("id=a,color=red", tmp.path()); }),
            "--secret id=a,color=red: unknown key \"color\"");
}

TEST(RunMounts, BindSourcesResolveInsideTheContext) {
  fs::TempDir tmp;
  std::string ctx = tmp.path() + "/ctx";
  fs::mkdir_p(ctx + "/data");
  fs::write_file_atomic(ctx + "/data/f", "x");
  ASSERT_EQ(::symlink("/", (ctx + "/root-link").c_str()), 0);
  ASSERT_EQ(::symlink("../../..", (ctx + "/data/up").c_str()), 0);
  RunMountContext mc{ctx, tmp.path(), tmp.path() + "/hoist", {}, nullptr};
  RunMount m;
  m.readonly = true;
  m.target = "/mnt";
  for (const auto& [source, want] : std::vector<std::pair<std::string, std::string>>{
           {"data", ctx + "/data"}, {"data/f", ctx + "/data/f"}, {"root-link", ctx}, {"data/up", ctx}, {".", ctx}}) {
    m.source = source;
    RunMounts mounts({m}, mc);
    ASSERT_EQ(mounts.sandbox_mounts().size(), 1u);
    EXPECT_EQ(mounts.sandbox_mounts()[0].source, want) << source;
    EXPECT_TRUE(mounts.sandbox_mounts()[0].readonly);
  }
  m.source = "missing";
  EXPECT_EQ(error_of([&] { RunMounts({m}, mc); }), "--mount target=/mnt: \"missing\" not found");
}

TEST(RunMounts, SecretsAreCopiedPrivatelyAndOptionalOnesSkipped) {
  fs::TempDir tmp;
  fs::write_file_atomic(tmp.path() + "/tok", "v");
  std::map<std::string, SecretSource> secrets = {{"tok", {tmp.path() + "/tok"}}};
  RunMountContext mc{tmp.path(), tmp.path(), tmp.path() + "/hoist", {}, &secrets};
  RunMount s;
  s.type = RunMount::Type::Secret;
  s.id = "tok";
  s.target = "/run/secrets/tok";
  s.env = "TOKEN";
  RunMount missing = s;
  missing.id = "other";
  missing.env.clear();
  RunMounts mounts({s, missing}, mc);
  ASSERT_EQ(mounts.sandbox_mounts().size(), 1u);
  EXPECT_NE(mounts.sandbox_mounts()[0].source, tmp.path() + "/tok");
  EXPECT_EQ(fs::read_file(mounts.sandbox_mounts()[0].source), "v");
  EXPECT_EQ(mounts.env(), std::vector<std::string>{"TOKEN=v"});
  missing.required = true;
  EXPECT_NE(error_of([&] { RunMounts({missing}, mc); }).find("secret other is required"), std::string::npos);
}
