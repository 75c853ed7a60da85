// remove_mountpoints on hand-made upper directories: exactly what the sandbox
// created comes out, and nothing the run itself changed.
#include "builder/mountpoints.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fs.h"
#include "tests/unpack_test_support.h"

namespace hoist::builder {
namespace {

class RemoveMountpoints : public ::testing::Test {
 protected:
  fs::TempDir tmp_;
  std::string up_ = tmp_.path();
  void mkdir(const std::string& rel, unsigned mode = 0755) {
    ASSERT_EQ(::mkdir((up_ + rel).c_str(), mode), 0);
    ASSERT_EQ(::chmod((up_ + rel).c_str(), mode), 0);
  }
  void touch(const std::string& rel) { test::write_file(up_ + rel, ""); }
  bool has(const std::string& rel) { return fs::exists(up_ + rel); }
};

TEST_F(RemoveMountpoints, CreatedEtcAndMountDirsGoWhenTheRunLeftThemEmpty) {
  for (const char* d : {"/etc", "/dev", "/proc", "/sys"}) mkdir(d);
  for (const char* f : {"/etc/hosts", "/etc/resolv.conf", "/etc/hostname"}) touch(f);
  Mountpoints m;
  m.created = Mountpoints::kEtc | Mountpoints::kHosts | Mountpoints::kResolvConf | Mountpoints::kHostname |
              Mountpoints::kDev | Mountpoints::kProc | Mountpoints::kSys;
  remove_mountpoints(up_, m);
  EXPECT_EQ(test::snapshot_tree(up_), (std::map<std::string, std::string>{}));
}

TEST_F(RemoveMountpoints, EtcWithTheRunsOwnFilesStays) {
  mkdir("/etc");
  touch("/etc/hosts");
  touch("/etc/app.conf");
  Mountpoints m;
  m.created = Mountpoints::kEtc | Mountpoints::kHosts;
  remove_mountpoints(up_, m);
  EXPECT_FALSE(has("/etc/hosts"));
  EXPECT_TRUE(has("/etc/app.conf"));
}

TEST_F(RemoveMountpoints, CopiedUpEtcGoesUnlessItsModeOrOwnerChanged) {
  Mountpoints m;
  m.created = Mountpoints::kHosts;
  m.etc_mode = 0755;
  mkdir("/etc", 0755);
  touch("/etc/hosts");
  remove_mountpoints(up_, m);
  EXPECT_FALSE(has("/etc"));

  mkdir("/etc", 0700);  // the run did chmod 700 /etc
  touch("/etc/hosts");
  remove_mountpoints(up_, m);
  EXPECT_FALSE(has("/etc/hosts"));
  EXPECT_TRUE(has("/etc"));
}

TEST_F(RemoveMountpoints, OpaqueEtcStays) {
  // rm -rf /etc/* then recreating /etc makes it opaque: that hides the lower content, a real change.
  mkdir("/etc");
  touch("/etc/hosts");
  ASSERT_EQ(::setxattr((up_ + "/etc").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  Mountpoints m;
  m.created = Mountpoints::kEtc | Mountpoints::kHosts;
  remove_mountpoints(up_, m);
  EXPECT_TRUE(has("/etc"));
}

TEST_F(RemoveMountpoints, NothingCreatedNothingRemoved) {
  mkdir("/etc");
  touch("/etc/hosts");
  mkdir("/proc");
  remove_mountpoints(up_, Mountpoints{});
  EXPECT_TRUE(has("/etc/hosts"));
  EXPECT_TRUE(has("/proc"));
}

TEST(HostsFile, NamesLocalhostAndTheSandbox) {
  EXPECT_EQ(hosts_file("box"), "127.0.0.1\tlocalhost box\n::1\tlocalhost ip6-localhost ip6-loopback\n");
}

}  // namespace
}  // namespace hoist::builder
