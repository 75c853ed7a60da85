// remove_mountpoints on hand-made upper directories: exactly what the sandbox
// created comes out, and nothing the run itself changed; no symlink the run
// left in the upper is followed.
#include "builder/mountpoints.h"

#include <fcntl.h>
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

MountStub created_dir(std::string path) { return {MountStub::kCreatedDir, 0, 0, 0, std::move(path)}; }
MountStub created_file(std::string path) { return {MountStub::kCreatedFile, 0, 0, 0, std::move(path)}; }
MountStub copied_up(std::string path, uint32_t mode, uint32_t uid = 0, uint32_t gid = 0) {
  return {MountStub::kCopiedUp, mode, uid, gid, std::move(path)};
}

TEST_F(RemoveMountpoints, RunMountStubsGoNewestFirst) {
  mkdir("/opt");
  mkdir("/opt/a");
  mkdir("/opt/a/b");
  mkdir("/run");
  mkdir("/run/secrets");
  touch("/run/secrets/x");
  mkdir("/usr");
  mkdir("/usr/share");
  mkdir("/usr/share/m");
  Mountpoints m;
  m.stubs = {created_dir("/opt"),     created_dir("/opt/a"),         created_dir("/opt/a/b"),
             created_dir("/run"),     created_dir("/run/secrets"),   created_file("/run/secrets/x"),
             copied_up("/usr", 0755), copied_up("/usr/share", 0755), created_dir("/usr/share/m")};
  remove_mountpoints(up_, m);
  EXPECT_EQ(test::snapshot_tree(up_), (std::map<std::string, std::string>{}));
}

TEST_F(RemoveMountpoints, WhatTheRunPutInOrChangedStays) {
  mkdir("/opt");
  mkdir("/opt/m");
  touch("/opt/mine");
  mkdir("/run");
  test::write_file(up_ + "/run/x", "written under the mount point");
  mkdir("/usr", 0700);  // the run did chmod 700 /usr
  mkdir("/usr/m");
  mkdir("/home", 0755);
  ASSERT_EQ(::chown((up_ + "/home").c_str(), 1000, 1000), 0);  // and chown 1000 /home
  mkdir("/home/m");
  Mountpoints m;
  m.stubs = {created_dir("/opt"),     created_dir("/opt/m"), created_dir("/run"),      created_file("/run/x"),
             copied_up("/usr", 0755), created_dir("/usr/m"), copied_up("/home", 0755), created_dir("/home/m")};
  remove_mountpoints(up_, m);
  EXPECT_TRUE(has("/opt/mine"));
  EXPECT_FALSE(has("/opt/m"));
  EXPECT_TRUE(has("/run/x"));
  EXPECT_TRUE(has("/usr"));
  EXPECT_FALSE(has("/usr/m"));
  EXPECT_TRUE(has("/home"));
  EXPECT_FALSE(has("/home/m"));
}

TEST_F(RemoveMountpoints, DirectoriesKeepTheirModificationTimeWhenAStubLeavesThem) {
  mkdir("/var");
  touch("/var/log");
  mkdir("/var/m");
  struct timespec times[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (up_ + "/var").c_str(), times, 0), 0);
  Mountpoints m;
  m.stubs = {copied_up("/var", 0755), created_dir("/var/m")};
  remove_mountpoints(up_, m);
  ASSERT_FALSE(has("/var/m"));
  struct stat st;
  ASSERT_EQ(::stat((up_ + "/var").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000) << "the layer records it; the access time a later look may change";
}

TEST_F(RemoveMountpoints, OpaqueCopiedUpDirectoryStays) {
  mkdir("/usr");
  mkdir("/usr/m");
  ASSERT_EQ(::setxattr((up_ + "/usr").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  Mountpoints m;
  m.stubs = {copied_up("/usr", 0755), created_dir("/usr/m")};
  remove_mountpoints(up_, m);
  EXPECT_TRUE(has("/usr"));
  EXPECT_FALSE(has("/usr/m"));
}

TEST_F(RemoveMountpoints, SymlinksTheRunLeftAreNeverFollowed) {
  fs::TempDir host;  // what the links point at: a cleanup that followed them would empty it
  ASSERT_EQ(::mkdir((host.path() + "/m").c_str(), 0755), 0);
  test::write_file(host.path() + "/hosts", "");
  test::write_file(host.path() + "/x", "");
  ASSERT_EQ(::symlink(host.path().c_str(), (up_ + "/opt").c_str()), 0);
  ASSERT_EQ(::symlink(host.path().c_str(), (up_ + "/etc").c_str()), 0);
  mkdir("/run");
  ASSERT_EQ(::symlink((host.path() + "/x").c_str(), (up_ + "/run/x").c_str()), 0);
  ASSERT_EQ(::symlink((host.path() + "/m").c_str(), (up_ + "/dev").c_str()), 0);
  Mountpoints m;
  m.created = Mountpoints::kEtc | Mountpoints::kHosts | Mountpoints::kDev;
  m.stubs = {created_dir("/opt"), created_dir("/opt/m"), created_dir("/run"), created_file("/run/x")};
  remove_mountpoints(up_, m);
  EXPECT_TRUE(fs::exists(host.path() + "/m"));
  EXPECT_TRUE(fs::exists(host.path() + "/hosts"));
  EXPECT_TRUE(fs::exists(host.path() + "/x"));
  EXPECT_TRUE(has("/run/x")) << "a symlink is not the empty file that was made";
}

TEST(HostsFile, NamesLocalhostAndTheSandbox) {
  EXPECT_EQ(hosts_file("box"), "127.0.0.1\tlocalhost box\n::1\tlocalhost ip6-localhost ip6-loopback\n");
}

}  // namespace
}  // namespace hoist::builder
