#include "builder/config_change.h"

#include <gtest/gtest.h>

#include "common/error.h"

using hoist::builder::apply_change;
using hoist::oci::RuntimeConfig;
using V = std::vector<std::string>;

TEST(ConfigChange, CommandForms) {
  RuntimeConfig c;
  apply_change(c, R"(CMD ["sh", "-c", "echo hi"])");
  EXPECT_EQ(*c.cmd, (V{"sh", "-c", "echo hi"}));
  apply_change(c, "cmd echo hi");
  EXPECT_EQ(*c.cmd, (V{"/bin/sh", "-c", "echo hi"}));
  apply_change(c, R"(ENTRYPOINT ["/init"])");
  EXPECT_EQ(*c.entrypoint, V{"/init"});
  apply_change(c, "ENTRYPOINT [not json");
  EXPECT_EQ(*c.entrypoint, (V{"/bin/sh", "-c", "[not json"}));
}

TEST(ConfigChange, EnvLabelForms) {
  RuntimeConfig c;
  apply_change(c, R"(ENV A=1 B="two words" C=x\ y)");
  apply_change(c, "ENV LEGACY value with spaces");
  EXPECT_EQ(c.env, (V{"A=1", "B=two words", "C=x y", "LEGACY=value with spaces"}));
  apply_change(c, R"(LABEL "org.a"=1 b='q r')");
  EXPECT_EQ(c.labels.at("org.a"), "1");
  EXPECT_EQ(c.labels.at("b"), "q r");
}

TEST(ConfigChange, SetsAndLists) {
  RuntimeConfig c;
  apply_change(c, "EXPOSE 80 53/udp 80/tcp");
  EXPECT_EQ(c.exposed_ports, (V{"53/udp", "80/tcp"}));
  apply_change(c, R"(VOLUME ["/data", "/logs"])");
  apply_change(c, "VOLUME /data /cache");
  EXPECT_EQ(c.volumes, (V{"/cache", "/data", "/logs"}));
  apply_change(c, "USER 1000:1000");
  apply_change(c, "WORKDIR /srv");
  apply_change(c, "STOPSIGNAL SIGINT");
  apply_change(c, "ONBUILD RUN make");
  EXPECT_EQ(c.user, "1000:1000");
  EXPECT_EQ(c.working_dir, "/srv");
  EXPECT_EQ(c.stop_signal, "SIGINT");
  EXPECT_EQ(c.on_build, V{"RUN make"});
}

TEST(ConfigChange, Errors) {
  RuntimeConfig c;
  for (const char* bad : {"RUN echo", "FROM x", "ENV", "ENV =x", "USER", "LABEL a=\"open"}) {
    try {
      apply_change(c, bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const hoist::Error& e) {
      EXPECT_NE(e.describe().find(bad), std::string::npos) << e.describe();
    }
  }
}
