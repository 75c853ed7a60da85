#include "oci/image_config.h"

#include <gtest/gtest.h>

#include "common/error.h"

using namespace hoist::oci;

TEST(ImageConfig, ParsesDockerConfigAndKeepsUnknownFields) {
  const char* doc = R"({"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z",)"
                    R"("config":{"User":"app","ExposedPorts":{"80/tcp":{},"53/udp":{}},"Env":["PATH=/bin"],)"
                    R"("Entrypoint":["/init"],"Cmd":null,"Volumes":{"/data":{}},"WorkingDir":"/srv",)"
                    R"("Labels":{"a":"b"},"StopSignal":"SIGTERM","ArgsEscaped":true,)"
                    R"("Healthcheck":{"Test":["CMD","true"],"Interval":5000000000,"Retries":3},)"
                    R"("OnBuild":["RUN x"],"Shell":["/bin/bash","-c"],"Hostname":"h"},)"
                    R"("rootfs":{"type":"layers","diff_ids":["sha256:)"
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                    R"("]},"history":[{"created_by":"x","empty_layer":true,"x":1}],"container":"abc"})";
  ImageConfig c = ImageConfig::parse(doc);
  EXPECT_EQ(c.config.user, "app");
  EXPECT_EQ(c.config.exposed_ports, (std::vector<std::string>{"53/udp", "80/tcp"}));
  EXPECT_FALSE(c.config.cmd);
  ASSERT_TRUE(c.config.entrypoint);
  EXPECT_EQ(c.config.volumes, std::vector<std::string>{"/data"});
  ASSERT_TRUE(c.config.healthcheck);
  EXPECT_EQ(c.config.healthcheck->interval, 5000000000);
  EXPECT_EQ(c.config.healthcheck->retries, 3);
  EXPECT_EQ(c.config.on_build, std::vector<std::string>{"RUN x"});
  EXPECT_TRUE(c.history[0].empty_layer);
  ASSERT_EQ(c.diff_ids.size(), 1u);

  std::string out = c.serialize();
  for (const char* kept : {R"("container":"abc")", R"("Hostname":"h")", R"("x":1)", R"("type":"layers")",
                           R"("ExposedPorts":{"53/udp":{},"80/tcp":{}})", R"("ArgsEscaped":true)"})
    EXPECT_NE(out.find(kept), std::string::npos) << kept << " missing from " << out;
  EXPECT_EQ(ImageConfig::parse(out).serialize(), out);
}

TEST(ImageConfig, RequiresPlatformAndRootfs) {
  EXPECT_THROW(ImageConfig::parse(R"({"os":"linux","rootfs":{"type":"layers","diff_ids":[]}})"), hoist::Error);
  EXPECT_THROW(ImageConfig::parse(R"({"os":"linux","architecture":"amd64"})"), hoist::Error);
  EXPECT_THROW(ImageConfig::parse(R"({"os":"linux","architecture":"amd64","rootfs":{"diff_ids":["nope"]}})"),
               hoist::Error);
}

TEST(ImageConfig, RefusesDuplicateKeys) {
  EXPECT_THROW(ImageConfig::parse(R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},)"
                                  R"("config":{"User":"root","User":"nobody"}})"),
               hoist::Error);
}

TEST(ImageConfig, HealthcheckDurationsOutOfRangeAreRefused) {
  std::string base = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},)";
  EXPECT_THROW(ImageConfig::parse(base + R"("config":{"Healthcheck":{"Interval":1e300}}})"), hoist::Error);
  auto c = ImageConfig::parse(base + R"("config":{"Healthcheck":{"Interval":3e9,"Retries":3}}})");
  ASSERT_TRUE(c.config.healthcheck);
  EXPECT_EQ(c.config.healthcheck->interval, 3000000000);
}

TEST(ImageConfig, SetEnvReplaces) {
  RuntimeConfig r;
  r.set_env("A", "1");
  r.set_env("AB", "2");
  r.set_env("A", "3");
  EXPECT_EQ(r.env, (std::vector<std::string>{"A=3", "AB=2"}));
}

TEST(ImageConfig, Rfc3339) { EXPECT_EQ(format_rfc3339(1700000000), "2023-11-14T22:13:20Z"); }
