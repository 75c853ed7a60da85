#pragma once
// A fixture for tests that run real sandboxes (root, namespaces, overlayfs)
// on the busybox base layer: each test gets fresh upper, work and rootfs
// directories, and must leave no mount and no child process behind.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>
#include <string>
#include <vector>

#include "builder/sandbox.h"
#include "builder/snapshot.h"
#include "common/error.h"
#include "common/fs.h"
#include "tests/busybox_layer.h"

namespace hoist::test {

class SandboxFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { base_ = new BusyboxLayer(); }
  static void TearDownTestSuite() {
    delete base_;
    base_ = nullptr;
  }

  void SetUp() override {
    mounts_before_ = fs::read_file("/proc/self/mountinfo");
    for (const auto& d : {upper(), work(), rootfs()}) fs::mkdir_p(d);
  }

  void TearDown() override {
    EXPECT_EQ(fs::read_file("/proc/self/mountinfo"), mounts_before_) << "a mount was left behind";
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child process was left behind";
    EXPECT_EQ(errno, ECHILD);
    EXPECT_TRUE(builder::upper_is_empty(rootfs())) << "the rootfs mount point is not empty on the host";
  }

  std::string upper() const { return step_.path() + "/upper"; }
  std::string work() const { return step_.path() + "/work"; }
  std::string rootfs() const { return step_.path() + "/rootfs"; }

  builder::SandboxSpec spec(std::vector<std::string> argv) const {
    builder::SandboxSpec s;
    s.layers = {{base_->lower}, upper(), work()};
    s.rootfs = rootfs();
    s.argv = std::move(argv);
    s.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    return s;
  }
  builder::SandboxSpec sh(const std::string& script) const { return spec({"/bin/sh", "-c", script}); }

  struct Run {
    builder::SandboxResult result;
    std::string output;
  };
  static Run run(builder::SandboxSpec s) {
    Run r;
    s.output = [&](std::string_view chunk) { r.output.append(chunk); };
    r.result = builder::run_sandboxed(s);
    return r;
  }
  // The one-line error run_sandboxed throws, or "no error".
  static std::string error_of(builder::SandboxSpec s) {
    try {
      run(std::move(s));
    } catch (const Error& e) {
      return e.describe();
    }
    return "no error";
  }

  static inline BusyboxLayer* base_ = nullptr;
  fs::TempDir step_{"", "hoist-step-"};
  std::string mounts_before_;
};

}  // namespace hoist::test
