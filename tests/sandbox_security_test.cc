// A RUN keeps docker's default capabilities only, and cannot read the
// kernel files runc masks or write the ones it makes read-only.
#include "builder/sandbox_security.h"

#include <gtest/gtest.h>

#include "tests/sandbox_fixture.h"

namespace hoist {
namespace {

using SandboxSecurityTest = test::SandboxFixture;

TEST_F(SandboxSecurityTest, RootKeepsDockersDefaultCapabilities) {
  auto r = run(sh("busybox grep -E '^Cap(Prm|Eff|Bnd)' /proc/self/status"));
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "CapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n");
}

TEST_F(SandboxSecurityTest, AnotherUserHasNoneAndCannotGainThem) {
  auto s = sh("busybox grep -E '^Cap(Eff|Bnd)' /proc/self/status");
  s.user = "1000";
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "CapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\n");
}

TEST_F(SandboxSecurityTest, KernelPathsAreMaskedOrReadOnly) {
  // Each check prints one word; a file the kernel does not have counts as masked.
  auto r = run(sh(
      "for f in /proc/keys /proc/timer_list /proc/kcore; do "
      "  if [ ! -e $f ] || [ -z \"$(busybox head -c 1 $f 2>/dev/null)\" ]; then echo masked; else echo visible $f; fi; done;"
      "(echo x > /proc/sys/vm/drop_caches) 2>/dev/null && echo writable || echo read-only"));
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "masked\nmasked\nmasked\nread-only\n");
}

}  // namespace
}  // namespace hoist
