#include "builder/copy_step.h"

#include <gtest/gtest.h>

#include "tests/test_support.h"

using namespace hoist::builder;
using hoist::test::error_of;

namespace {
const std::string kPasswd = "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n";
const std::string kGroup = "root:x:0:\nstaff:x:50:\n";
}  // namespace

TEST(CopyStep, ChownWithoutGroupUsesTheUidAsGid) {
  // Docker's documented rule, not the user's primary group.
  EXPECT_EQ(resolve_chown("app", kPasswd, kGroup), (Owner{1000, 1000}));
  EXPECT_EQ(resolve_chown("42", kPasswd, kGroup), (Owner{42, 42}));
}

TEST(CopyStep, ChownWithGroupResolvesBoth) {
  EXPECT_EQ(resolve_chown("app:staff", kPasswd, kGroup), (Owner{1000, 50}));
  EXPECT_EQ(resolve_chown("7:8", std::nullopt, std::nullopt), (Owner{7, 8}));
}

TEST(CopyStep, UnknownNamesAreErrors) {
  EXPECT_NE(error_of([] { resolve_chown("nobody", kPasswd, kGroup); }).find("nobody"), std::string::npos);
  EXPECT_NE(error_of([] { resolve_chown("app:wheel", kPasswd, kGroup); }).find("wheel"), std::string::npos);
}
