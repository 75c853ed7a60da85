#include "builder/build_plan.h"

#include <gtest/gtest.h>

#include "common/error.h"

using namespace hoist::builder;

namespace {

BuildPlan plan(const std::string& dockerfile, PlanOptions o = {}) {
  if (o.target_platform.os.empty()) o.target_platform = {"linux", "arm64", "", "", {}};
  if (o.build_platform.os.empty()) o.build_platform = {"linux", "amd64", "", "", {}};
  return make_plan(parse_dockerfile(dockerfile, o.filename), o);
}

std::string error_of(const std::string& dockerfile, PlanOptions o = {}) {
  try {
    plan(dockerfile, std::move(o));
  } catch (const hoist::Error& e) {
    return e.describe();
  }
  return "";
}

std::vector<std::string> displays(const PlannedStage& s) {
  std::vector<std::string> out;
  for (auto& st : s.steps) out.push_back(st.display);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST(BuildPlan, MetaArgsOnlyInFrom) {
  auto p = plan("ARG TAG=3.19\nARG IMG=alpine\nFROM ${IMG}:${TAG}\nRUN echo\nLABEL t=${TAG}x\n");
  ASSERT_EQ(p.stages.size(), 1u);
  EXPECT_EQ(p.stages[0].base, "docker.io/library/alpine:3.19");
  // TAG was not redeclared in the stage: it is empty there, as in docker.
  EXPECT_EQ(displays(p.stages[0]), (V{"RUN echo", "LABEL t=x"}));
}

TEST(BuildPlan, RedeclaredArgTakesGlobalValueAndBuildArgWins) {
  PlanOptions o;
  o.build_args = {{"TAG", "edge"}};
  auto p = plan("ARG TAG=3.19\nFROM alpine:${TAG}\nARG TAG\nARG OTHER=d-${TAG}\nWORKDIR /w/${OTHER}\n", o);
  EXPECT_EQ(p.stages[0].base, "docker.io/library/alpine:edge");
  EXPECT_EQ(displays(p.stages[0]).back(), "WORKDIR /w/d-edge");
  EXPECT_TRUE(p.warnings.empty());
}

TEST(BuildPlan, EnvOverridesArg) {
  auto p = plan("FROM scratch\nARG V=arg\nENV V=env\nUSER ${V}\nENV W=${V}-2 X=$W\nLABEL x=$X\n");
  EXPECT_EQ(displays(p.stages[0]), (V{"ARG V=arg", "ENV V=env", "USER env", "ENV W=env-2 X=\"\"", "LABEL x=\"\""}));
}

TEST(BuildPlan, PlatformArgs) {
  auto p = plan("FROM --platform=$BUILDPLATFORM alpine AS b\nARG TARGETARCH\nARG BUILDOS\nRUN echo\n"
                "COPY out-${TARGETARCH}-${BUILDOS} /x\n");
  EXPECT_EQ(p.stages[0].platform, "linux/amd64");
  EXPECT_EQ(displays(p.stages[0]).back(), "COPY out-arm64-linux /x");
}

TEST(BuildPlan, UnusedBuildArgWarns) {
  PlanOptions o;
  o.build_args = {{"UNUSED", "1"}, {"HTTP_PROXY", "http://p"}, {"USED", "2"}};
  auto p = plan("FROM scratch\nARG USED\n", o);
  EXPECT_EQ(p.warnings, V{"[Warning] One or more build-args [UNUSED] were not consumed"});
}

TEST(BuildPlan, TargetBuildsOnlyWhatItNeeds) {
  const char* df =
      "FROM alpine AS base\nRUN true\n"
      "FROM base AS broken\nRUN exit 1\n"
      "FROM golang AS build\nCOPY --from=base /etc/os-release /x\n"
      "FROM scratch AS final\nCOPY --from=build /out /app\nCOPY --from=0 /y /y\n";
  auto p = plan(df);
  EXPECT_EQ(p.target, 3);
  EXPECT_EQ(p.order, (std::vector<int>{0, 2, 3}));  // "broken" is not needed
  EXPECT_EQ(p.stages[1].base_stage, 0);
  PlanOptions o;
  o.target = "BROKEN";  // stage names are case-insensitive
  EXPECT_EQ(plan(df, o).order, (std::vector<int>{0, 1}));
  o.target = "nope";
  EXPECT_NE(error_of(df, o).find("target stage \"nope\" could not be found"), std::string::npos);
}

TEST(BuildPlan, CopyFromImageIsNotAStage) {
  auto p = plan("FROM scratch\nCOPY --from=nginx:1.25 /etc/nginx /etc/nginx\n");
  EXPECT_TRUE(p.stages[0].depends_on.empty());
}

TEST(BuildPlan, RunMountFromStage) {
  auto p = plan("FROM alpine AS tools\nFROM alpine\nRUN --mount=type=bind,from=tools,target=/t ls /t\n");
  EXPECT_EQ(p.order, (std::vector<int>{0, 1}));
}

TEST(BuildPlan, Cycles) {
  EXPECT_NE(error_of("FROM alpine AS a\nCOPY --from=a /x /y\n").find("Dockerfile:2: circular dependency"),
            std::string::npos);
  EXPECT_NE(error_of("FROM alpine AS a\nCOPY --from=b /x /y\nFROM alpine AS b\nCOPY --from=a /x /y\n")
                .find("circular dependency detected"),
            std::string::npos);
}

TEST(BuildPlan, Errors) {
  EXPECT_NE(error_of("RUN echo\n").find("Dockerfile:1: RUN before the first FROM"), std::string::npos);
  EXPECT_NE(error_of("FROM alpine\nWORKDIR ${X:?must be set}\n").find("Dockerfile:2:"), std::string::npos);
  EXPECT_NE(error_of("FROM alpine\nWORKDIR ${X:?must be set}\n").find("X: must be set"), std::string::npos);
  EXPECT_NE(error_of("FROM Alpine:Bad\n").find("Dockerfile:1: FROM Alpine:Bad"), std::string::npos);
  EXPECT_NE(error_of("ARG X\nFROM $X\n").find("Dockerfile:2:"), std::string::npos);
  EXPECT_NE(error_of("FROM a AS x\nFROM b AS X\n").find("duplicate stage name"), std::string::npos);
  EXPECT_NE(error_of("FROM alpine\nARG M=9xx\nCOPY --chmod=$M a b\n").find("Dockerfile:3: COPY --chmod: invalid mode \"9xx\""),
            std::string::npos);
  PlanOptions o;
  o.filename = "ci/build.Dockerfile";
  EXPECT_NE(error_of("FROM alpine\nRUNN x\n", o).find("ci/build.Dockerfile:2: unknown instruction"),
            std::string::npos);
}

TEST(BuildPlan, ExpandsExactlyTheInstructionsDockerExpands) {
  auto p = plan(
      "FROM scratch\nENV D=/data P=80 U=app S=SIGTERM\n"
      "RUN echo $D\nCMD echo $D\nENTRYPOINT [\"$D\"]\n"
      "ADD $D/a ${D}/b\nCOPY --chown=$U $D /dst/\nEXPOSE $P ${P}/udp\nVOLUME $D\nUSER $U\nWORKDIR $D\n"
      "STOPSIGNAL $S\nLABEL k=$U\nONBUILD RUN echo $D\n");
  EXPECT_EQ(displays(p.stages[0]),
            (V{"ENV D=/data P=80 U=app S=SIGTERM", "RUN echo $D", "CMD echo $D", "ENTRYPOINT [\"$D\"]",
               "ADD /data/a /data/b", "COPY --chown=app /data /dst/", "EXPOSE 80 80/udp", "VOLUME /data",
               "USER app", "WORKDIR /data", "STOPSIGNAL SIGTERM", "LABEL k=app", "ONBUILD RUN echo $D"}));
}

TEST(BuildPlan, StageInheritsEnvOfBaseStage) {
  auto p = plan("FROM alpine AS a\nENV X=1\nFROM a\nWORKDIR /$X\n");
  EXPECT_EQ(displays(p.stages[1]), V{"WORKDIR /1"});
}

TEST(BuildPlan, TextAndJson) {
  auto p = plan("FROM alpine AS base\nRUN true\nFROM base\nCOPY --from=base /a /b\n");
  std::string text = plan_text(p);
  EXPECT_NE(text.find("stage 0 (base): FROM docker.io/library/alpine:latest"), std::string::npos) << text;
  EXPECT_NE(text.find("  4: COPY --from=base /a /b"), std::string::npos) << text;
  EXPECT_NE(text.find("<- target"), std::string::npos) << text;
  std::string json = plan_json(p);
  EXPECT_NE(json.find("\"order\": ["), std::string::npos) << json;
  EXPECT_NE(json.find("\"text\": \"RUN true\""), std::string::npos) << json;
}

TEST(BuildPlan, BaseImageEnvIsSeenByLaterWords) {
  PlanOptions o;
  std::vector<std::string> asked;
  o.base_env = [&](const std::string& image, const std::string& platform) {
    asked.push_back(image + "|" + platform);
    if (image == "scratch") return std::vector<std::string>{"PATH=/default"};
    return std::vector<std::string>{"HOME=/home/app", "broken", "=x"};
  };
  auto p = plan("FROM --platform=linux/amd64 alpine\nWORKDIR $HOME/src\nFROM scratch\nWORKDIR ${HOME:-none}$PATH\n", o);
  EXPECT_EQ(displays(p.stages[0]), std::vector<std::string>{"WORKDIR /home/app/src"});
  EXPECT_EQ(displays(p.stages[1]), std::vector<std::string>{"WORKDIR none/default"});
  EXPECT_EQ(asked, (std::vector<std::string>{"docker.io/library/alpine:latest|linux/amd64", "scratch|"}));
}

TEST(BuildPlan, StepsCarryTheBuildArgsInScope) {
  PlanOptions o;
  o.build_args = {{"B", "from-cli"}};
  auto p = plan("FROM scratch\nARG A=1\nARG B\nARG C\nRUN true\nENV A=env\nRUN true\n", o);
  using Args = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(p.stages[0].steps[0].args, (Args{{"A", "1"}}));
  EXPECT_EQ(p.stages[0].steps[3].args, (Args{{"A", "1"}, {"B", "from-cli"}}));  // C has no value
  EXPECT_EQ(p.stages[0].steps[5].args, (Args{{"A", "1"}, {"B", "from-cli"}}));  // ENV hides A at run time, not here
}

TEST(BuildPlan, CopyHeredocsAreExpandedUnlessTheDelimiterIsQuoted) {
  auto p = plan("FROM scratch\nARG NAME=world\nCOPY <<EOF /a\nhello \"$NAME\"\nEOF\nCOPY <<'EOF' /b\nhello $NAME\nEOF\n");
  const auto& a = std::get<CopyCmd>(p.stages[0].steps[1].expanded);
  const auto& b = std::get<CopyCmd>(p.stages[0].steps[2].expanded);
  ASSERT_EQ(a.heredocs.size(), 1u);
  EXPECT_EQ(a.heredocs[0].content, "hello \"world\"\n");
  EXPECT_EQ(b.heredocs[0].content, "hello $NAME\n");
}

TEST(BuildPlan, OnbuildTriggersRunAfterTheFrom) {
  PlanOptions o;
  o.base_onbuild = [](const std::string& image, const std::string&) {
    if (image != "docker.io/library/base:latest") return std::vector<std::string>{};
    return std::vector<std::string>{"ARG V=1", "RUN echo $V", "COPY . /app"};
  };
  auto p = plan("FROM base AS one\nONBUILD RUN echo from-stage\nRUN echo own\nFROM one\nRUN echo two\n", o);
  EXPECT_EQ(displays(p.stages[0]), (std::vector<std::string>{"ARG V=1", "RUN echo $V", "COPY . /app",
                                                              "ONBUILD RUN echo from-stage", "RUN echo own"}));
  EXPECT_EQ(p.stages[0].steps[1].instruction.line, 1);
  EXPECT_EQ(displays(p.stages[1]), (std::vector<std::string>{"RUN echo from-stage", "RUN echo two"}));
}

TEST(BuildPlan, ForbiddenOnbuildTriggersAreErrors) {
  PlanOptions o;
  o.base_onbuild = [](const std::string&, const std::string&) { return std::vector<std::string>{"FROM x"}; };
  EXPECT_EQ(error_of("FROM base\n", o), "Dockerfile:1: FROM isn't allowed as an ONBUILD trigger (from docker.io/library/base:latest)");
}
