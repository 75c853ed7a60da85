// visible_layers: a layer whose tar opens with a top-level `.wh..wh..opq`
// hides every layer below it. overlayfs ignores an opaque lower root, so the
// stack must end there: checked on the list, on a real overlay mount made by
// mount_overlay, and on the chroot isolation's copy (materialize_rootfs).
#include "layers/layer_stack.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "builder/overlay_mount.h"
#include "builder/rootfs_materialize.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/unpack.h"
#include "tests/unpack_test_support.h"

namespace hoist::layers {
namespace {

using test::lstat_path;
using test::make_tar;
using test::tar_file;
using test::write_file;

bool is_root() { return ::geteuid() == 0; }

class LayerStack : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"top", "mid", "base"}) {
      fs::mkdir_p(dir(name));
      write_file(dir(name) + "/" + name, name);
    }
  }
  std::string dir(const std::string& name) const { return tmp.path() + "/" + name; }
  // The layer cache's own form: a tar whose opaque marker names the root.
  void unpack_opaque_root(const std::string& name) {
    UnpackOptions o;
    o.whiteouts = WhiteoutMode::Overlay;
    o.user_xattr = !is_root();
    test::unpack(make_tar({tar_file(".wh..wh..opq", ""), tar_file("new", "new")}), dir(name), o);
  }
  std::vector<std::string> all() const { return {dir("top"), dir("mid"), dir("base")}; }

  fs::TempDir tmp;
};

TEST_F(LayerStack, EndsAtTheFirstLayerWithAnOpaqueRoot) {
  EXPECT_EQ(visible_layers(all()), all());
  unpack_opaque_root("mid");
  EXPECT_TRUE(has_opaque_root(dir("mid")));
  EXPECT_FALSE(has_opaque_root(dir("top")));
  EXPECT_EQ(visible_layers(all()), (std::vector<std::string>{dir("top"), dir("mid")}));
}

TEST_F(LayerStack, ReadsTheRootlessMarkerToo) {
  ASSERT_EQ(::setxattr(dir("top").c_str(), "user.overlay.opaque", "y", 1, 0), 0);
  EXPECT_EQ(visible_layers(all()), std::vector<std::string>{dir("top")});
}

TEST_F(LayerStack, NamesTheLayerItCannotRead) {
  try {
    visible_layers({dir("missing")});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find(dir("missing")), std::string::npos) << e.describe();
  }
}

// What a RUN sees: the kernel's overlay, mounted in a child's own mount namespace.
TEST_F(LayerStack, OverlayMountHidesTheLayersBelowAnOpaqueRoot) {
  if (!is_root())
    GTEST_SKIP() << "mounting overlayfs needs root (rootless mounts are covered by rootless_sandbox_test)";
  unpack_opaque_root("mid");
  for (const char* d : {"upper", "work", "target"}) fs::mkdir_p(dir(d));
  pid_t pid = ::fork();
  if (pid == 0) {
    int rc = 10;
    if (::unshare(CLONE_NEWNS) == 0 && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0) {
      try {
        builder::mount_overlay({all(), dir("upper"), dir("work")}, dir("target"));
        bool ok = lstat_path(dir("target") + "/top") && lstat_path(dir("target") + "/mid") &&
                  lstat_path(dir("target") + "/new") && !lstat_path(dir("target") + "/base");
        rc = ok ? 0 : 1;
      } catch (...) {
        rc = 2;
      }
    }
    ::_exit(rc);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the base layer shows through, 2: the mount failed, 10: no namespace";
}

TEST_F(LayerStack, ChrootRootfsHidesTheLayersBelowAnOpaqueRoot) {
  unpack_opaque_root("mid");
  fs::mkdir_p(dir("rootfs"));
  builder::materialize_rootfs(all(), dir("rootfs"));
  EXPECT_TRUE(lstat_path(dir("rootfs") + "/top"));
  EXPECT_TRUE(lstat_path(dir("rootfs") + "/new"));
  EXPECT_FALSE(lstat_path(dir("rootfs") + "/base"));
  EXPECT_FALSE(builder::open_in_layers(all(), "base").valid());
  EXPECT_TRUE(builder::open_in_layers(all(), "mid").valid());
}

}  // namespace
}  // namespace hoist::layers
