#include "builder/metadata_step.h"

#include <gtest/gtest.h>

#include "builder/build_plan.h"
#include "tests/test_support.h"

using namespace hoist::builder;
using hoist::test::error_of;

namespace {

// The config after applying the steps of a one-stage Dockerfile (as planned) to `start`.
hoist::oci::ImageConfig apply(const std::string& dockerfile, hoist::oci::ImageConfig start = {}) {
  PlanOptions o;
  o.target_platform = o.build_platform = {"linux", "amd64", "", "", {}};
  auto plan = make_plan(parse_dockerfile("FROM scratch\n" + dockerfile), o);
  bool cmd_set = false;
  for (const auto& step : plan.stages[0].steps) apply_metadata(step.expanded, {start, cmd_set});
  return start;
}

}  // namespace

TEST(MetadataStep, EnvLabelUserStopsignal) {
  auto c = apply("ENV A=1 B=2\nENV A=3\nLABEL x=y \"a b\"=c\nUSER app:staff\nSTOPSIGNAL SIGTERM\nMAINTAINER me\n");
  EXPECT_EQ(c.config.env, (std::vector<std::string>{"A=3", "B=2"}));
  EXPECT_EQ(c.config.labels.at("x"), "y");
  EXPECT_EQ(c.config.labels.at("a b"), "c");
  EXPECT_EQ(c.config.user, "app:staff");
  EXPECT_EQ(c.config.stop_signal, "SIGTERM");
  EXPECT_EQ(c.author, "me");
}

TEST(MetadataStep, WorkdirIsRelativeToThePreviousOne) {
  EXPECT_EQ(apply("WORKDIR a\n").config.working_dir, "/a");
  EXPECT_EQ(apply("WORKDIR /x\nWORKDIR y/./z\nWORKDIR ..\n").config.working_dir, "/x/y");
  EXPECT_EQ(apply("WORKDIR /x/\n").config.working_dir, "/x");
}

TEST(MetadataStep, ShellFormUsesTheCurrentShell) {
  auto c = apply("CMD echo hi\nSHELL [\"/bin/bash\", \"-ec\"]\nENTRYPOINT run it\n");
  EXPECT_EQ(*c.config.cmd, (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(*c.config.entrypoint, (std::vector<std::string>{"/bin/bash", "-ec", "run it"}));
  EXPECT_EQ(*c.config.shell, (std::vector<std::string>{"/bin/bash", "-ec"}));
}

TEST(MetadataStep, EntrypointDropsOnlyAnInheritedCmd) {
  hoist::oci::ImageConfig base;
  base.config.cmd = std::vector<std::string>{"sh"};
  EXPECT_FALSE(apply("ENTRYPOINT [\"/app\"]\n", base).config.cmd.has_value());
  auto c = apply("CMD [\"--help\"]\nENTRYPOINT [\"/app\"]\n", base);
  EXPECT_EQ(*c.config.cmd, std::vector<std::string>{"--help"});
}

TEST(MetadataStep, ExposeAndVolumeAreSortedSets) {
  auto c = apply("EXPOSE 8080 53/UDP 8080/tcp\nEXPOSE 7000-7002/sctp\nVOLUME /b /a\nVOLUME [\"/a\"]\n");
  EXPECT_EQ(c.config.exposed_ports,
            (std::vector<std::string>{"53/udp", "7000/sctp", "7001/sctp", "7002/sctp", "8080/tcp"}));
  EXPECT_EQ(c.config.volumes, (std::vector<std::string>{"/a", "/b"}));
}

TEST(MetadataStep, BadPortsAreRefused) {
  EXPECT_EQ(error_of([] { exposed_ports("http"); }), "EXPOSE: invalid port \"http\"");
  EXPECT_EQ(error_of([] { exposed_ports("70000"); }), "EXPOSE: invalid port \"70000\"");
  EXPECT_EQ(error_of([] { exposed_ports("80/quic"); }), "EXPOSE: invalid protocol \"quic\" in \"80/quic\"");
  EXPECT_EQ(error_of([] { exposed_ports("9-3"); }), "EXPOSE: invalid port range \"9-3\"");
  EXPECT_EQ(error_of([] { exposed_ports("127.0.0.1:80"); }), "EXPOSE: invalid port \"127.0.0.1:80\"");
}

TEST(MetadataStep, HealthcheckAndOnbuild) {
  auto c = apply("HEALTHCHECK --interval=5s --retries=2 CMD curl -f http://localhost/\nONBUILD RUN make\n");
  ASSERT_TRUE(c.config.healthcheck.has_value());
  EXPECT_EQ(c.config.healthcheck->test, (std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost/"}));
  EXPECT_EQ(c.config.healthcheck->interval, 5000000000);
  EXPECT_EQ(c.config.healthcheck->retries, 2);
  EXPECT_EQ(c.config.on_build, std::vector<std::string>{"RUN make"});
}

TEST(MetadataStep, RunCopyAndArgAreNotMetadata) {
  hoist::oci::ImageConfig c;
  bool cmd_set = false;
  EXPECT_FALSE(apply_metadata(RunCmd{}, {c, cmd_set}));
  EXPECT_FALSE(apply_metadata(CopyCmd{}, {c, cmd_set}));
  EXPECT_FALSE(apply_metadata(ArgCmd{}, {c, cmd_set}));
}
