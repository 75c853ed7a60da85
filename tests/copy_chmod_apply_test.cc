// --chmod applied to a file's permission bits (BSD setmode, umask 0).
#include <gtest/gtest.h>

#include "builder/chmod_mode.h"

namespace {

using hoist::builder::apply_chmod;

struct Case {
  const char* mode;
  mode_t before;
  bool is_dir;
  mode_t after;
};

TEST(ApplyChmod, Table) {
  const Case cases[] = {
      {"755", 04600, false, 0755},    {"0644", 0777, true, 0644},     {"u+x", 0644, false, 0744},
      {"a=rwx", 0600, false, 0777},   {"=rw,+X", 0700, false, 0666},  {"u=rw,+X", 0600, false, 0600},
      {"+X", 0644, true, 0755},       {"g-w,o-rwx", 0775, false, 0750}, {"go=u-w", 0700, true, 0755},
      {"u+s", 0755, false, 04755},    {"o+s", 0755, false, 0755},     {"+t", 0755, true, 01755},
      {"g=u", 0740, false, 0770},     {"u-x,o+w", 0755, false, 0657}, {"a-rwx", 04777, false, 04000},
      {"u=", 04755, false, 0055},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(apply_chmod(c.mode, c.before, c.is_dir), c.after)
        << c.mode << " on " << std::oct << c.before << (c.is_dir ? " (dir)" : "");
  }
}

}  // namespace
