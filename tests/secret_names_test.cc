// BuildKit's SecretsUsedInArgOrEnv rule on a table of names, and the plan
// warning it gives for the ARG and ENV of the stages a build runs.
#include "builder/secret_names.h"

#include <gtest/gtest.h>

#include "builder/build_plan.h"

using namespace hoist::builder;

TEST(SecretNames, FlaggedNames) {
  for (const char* name :
       {"API_KEY", "api_key", "APIKEY", "apikey", "AUTH", "auth_header", "GITHUB_TOKEN", "github_token",
        "NODE_AUTH_TOKEN", "DATABASE_PASSWORD", "db_Password", "SECRET", "secret_MESSAGE", "AWS_SECRET_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID", "MY_CREDENTIAL", "GOOGLE_CREDENTIALS", "PWORD", "MYSQL_PASSWD", "Token", "_TOKEN",
        "TOKEN_", "A__KEY__B", "KEY"}) {
    EXPECT_TRUE(looks_like_secret_name(name)) << name;
  }
}

TEST(SecretNames, NamesLeftAlone) {
  for (const char* name :
       {// No whole '_'-separated part is a secret word.
        "KEYRING", "MONKEY", "TOKENS", "PASSWORDS", "AUTHOR", "APIKEYS", "SECRETARY", "ACCESSKEY", "API-KEY",
        "api.key", "TOKEN-ID", "", "_", "__", "PATH", "HOME", "NODE_VERSION", "KEY1",
        // A part that is an allowed word wins: what is named is not the secret itself.
        "PUBLIC_KEY", "public_key", "GPG_PUBLIC_KEY", "SSH_KEY_FILE", "TOKEN_FILE", "secret_file", "GPG_KEY_VERSION",
        "VERSION_TOKEN"}) {
    EXPECT_FALSE(looks_like_secret_name(name)) << name;
  }
}

TEST(SecretNames, WarningWordsAsBuildKit) {
  EXPECT_EQ(secret_name_warning("ARG", "API_TOKEN"),
            "SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ARG \"API_TOKEN\")");
  EXPECT_EQ(secret_name_warning("ENV", "a\"b\\c_key"),
            "SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ENV \"a\\\"b\\\\c_key\")");
}

TEST(SecretNames, PlanWarnsForEachArgAndEnvOfTheBuiltStages) {
  PlanOptions o;
  o.filename = "ctx/Dockerfile";
  o.target = "final";
  o.target_platform = o.build_platform = {"linux", "amd64", "", "", {}};
  o.build_args = {{"API_TOKEN", "x"}};
  const char* dockerfile =
      "ARG GLOBAL_SECRET=g\n"       // 1: a meta ARG is not dispatched, as in BuildKit
      "FROM scratch AS unused\n"    // 2
      "ARG UNUSED_TOKEN\n"          // 3: a stage the target does not need
      "FROM scratch AS final\n"     // 4
      "ARG API_TOKEN\n"             // 5
      "ARG NAME=x PUBLIC_KEY=y \\\n"  // 6
      "    DB_PASSWORD\n"           // 7: continued: the instruction's first line
      "ENV N=AUTH\n"                // 8
      "ENV ${N}=v MODE=1\n";        // 9: the name as expanded
  auto p = make_plan(parse_dockerfile(dockerfile, o.filename), o);
  const std::string w = "WARNING: SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data ";
  EXPECT_EQ(p.warnings, (std::vector<std::string>{w + "(ARG \"API_TOKEN\") (ctx/Dockerfile:5)",
                                                  w + "(ARG \"DB_PASSWORD\") (ctx/Dockerfile:6)",
                                                  w + "(ENV \"AUTH\") (ctx/Dockerfile:9)"}));
}
