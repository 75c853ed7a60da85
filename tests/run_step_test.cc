#include "builder/run_step.h"

#include <gtest/gtest.h>

using namespace hoist::builder;

TEST(RunStep, BuildArgsJoinTheEnvironmentUnlessEnvHasThem) {
  hoist::oci::RuntimeConfig c;
  c.env = {"PATH=/bin", "A=from-env"};
  EXPECT_EQ(run_environment(c, {{"A", "from-arg"}, {"B", "2"}}),
            (std::vector<std::string>{"PATH=/bin", "A=from-env", "B=2"}));
  EXPECT_EQ(run_environment(c, {}), c.env);
}

TEST(RunStep, HistoryNamesTheArgsAsBuildKitDoes) {
  EXPECT_EQ(run_created_by({"/bin/sh", "-c", "make"}, {}), "RUN /bin/sh -c make");
  EXPECT_EQ(run_created_by({"/bin/sh", "-c", "make"}, {{"A", "1"}, {"B", "x y"}}), "RUN |2 A=1 B=x y /bin/sh -c make");
  EXPECT_EQ(run_created_by({"/app", "--flag"}, {}), "RUN /app --flag");
}
