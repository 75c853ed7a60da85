// resolve_user: docker's USER rules against an image's /etc/passwd and /etc/group, as plain data.
#include "builder/passwd.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace hoist::builder {
namespace {

const std::string kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment\n"
    "+nisuser::::::\n"
    "broken:x:notanumber:1:::\n"
    "app:x:1000:1000:app:/home/app:/bin/sh\n"
    "twin:x:1000:2000::/twin:/bin/sh\n"
    "nohome:x:1001:1001:::/bin/sh\r\n";
const std::string kGroup =
    "root:x:0:\n"
    "wheel:x:10:root,app\n"
    "app:x:1000:\n"
    "staff:x:50:other,app\n"
    "dup:x:10:app\n";

struct Case {
  std::string spec;
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
  std::string name;
  std::string home;
};

TEST(ResolveUser, Table) {
  const Case cases[] = {
      {"", 0, 0, {0, 10}, "root", "/root"},
      {"root", 0, 0, {0, 10}, "root", "/root"},
      {"app", 1000, 1000, {1000, 10, 50}, "app", "/home/app"},
      // A number finds the first entry with that uid, so groups still apply.
      {"1000", 1000, 1000, {1000, 10, 50}, "app", "/home/app"},
      {"4242", 4242, 0, {0}, "", "/"},
      {"4242:4343", 4242, 4343, {4343}, "", "/"},
      {"app:staff", 1000, 50, {50}, "app", "/home/app"},
      {"app:77", 1000, 77, {77}, "app", "/home/app"},
      {"twin", 1000, 2000, {2000}, "twin", "/twin"},
      {"nohome", 1001, 1001, {1001}, "nohome", "/"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE("spec " + c.spec);
    ExecUser u = resolve_user(c.spec, kPasswd, kGroup);
    EXPECT_EQ(u.uid, c.uid);
    EXPECT_EQ(u.gid, c.gid);
    EXPECT_EQ(u.groups, c.groups);
    EXPECT_EQ(u.name, c.name);
    EXPECT_EQ(u.home, c.home);
  }
}

TEST(ResolveUser, NumericIdsWorkWithoutTheFiles) {
  ExecUser u = resolve_user("5:6", std::nullopt, std::nullopt);
  EXPECT_EQ(u.uid, 5u);
  EXPECT_EQ(u.gid, 6u);
  EXPECT_EQ(u.groups, std::vector<gid_t>{6});
  EXPECT_EQ(resolve_user("", std::nullopt, std::nullopt).uid, 0u);
}

std::string error_of(const std::string& spec, const std::optional<std::string>& passwd,
                     const std::optional<std::string>& group) {
  try {
    resolve_user(spec, passwd, group);
  } catch (const Error& e) {
    return e.describe();
  }
  return "no error";
}

TEST(ResolveUser, ErrorsNameWhatIsMissing) {
  EXPECT_EQ(error_of("ghost", kPasswd, kGroup), "unknown user ghost: no matching entry in /etc/passwd");
  EXPECT_EQ(error_of("ghost", std::nullopt, kGroup), "unknown user ghost: the image has no /etc/passwd");
  EXPECT_EQ(error_of("app:ghosts", kPasswd, kGroup), "unknown group ghosts: no matching entry in /etc/group");
  EXPECT_EQ(error_of("app:ghosts", kPasswd, std::nullopt), "unknown group ghosts: the image has no /etc/group");
  EXPECT_EQ(error_of("4294967295", kPasswd, kGroup), "invalid user id 4294967295: out of range");
  EXPECT_EQ(error_of("1:99999999999", kPasswd, kGroup), "invalid group id 99999999999: out of range");
}

}  // namespace
}  // namespace hoist::builder
