// overlay_mount_data: the options every RUN overlay is mounted with, and the
// paths and sizes it refuses. The mount itself is exercised by sandbox_test.
#include "builder/overlay_mount.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace hoist::builder {
namespace {

TEST(OverlayMountData, LowersTopFirstAndChangeSetOptions) {
  OverlayDirs d{{"/l/top", "/l/base"}, "/s/upper", "/s/work"};
  EXPECT_EQ(overlay_mount_data(d),
            "lowerdir=/l/top:/l/base,upperdir=/s/upper,workdir=/s/work,metacopy=off,redirect_dir=off,index=off");
}

TEST(OverlayMountData, UserXattrForRootlessKeepsRedirectsOut) {
  OverlayDirs d{{"/l"}, "/u", "/w", true};
  EXPECT_EQ(overlay_mount_data(d),
            "lowerdir=/l,upperdir=/u,workdir=/w,userxattr,metacopy=off,redirect_dir=nofollow,index=off");
}

std::string error_of(const OverlayDirs& d) {
  try {
    overlay_mount_data(d);
  } catch (const Error& e) {
    return e.describe();
  }
  return "no error";
}

TEST(OverlayMountData, RefusesWhatTheKernelWouldMisread) {
  EXPECT_EQ(error_of({{}, "/u", "/w"}), "overlay: no lower directories");
  EXPECT_EQ(error_of({{"/a,b"}, "/u", "/w"}), "overlay: path contains ',' or ':': /a,b");
  EXPECT_EQ(error_of({{"/a"}, "/u:x", "/w"}), "overlay: path contains ',' or ':': /u:x");
  EXPECT_EQ(error_of({{"/a"}, "/u", ""}), "overlay: empty directory path");
}

TEST(OverlayMountData, RefusesMoreThanAPage) {
  // Short /proc/self/fd/N paths, as mount_overlay passes them, fit hundreds of layers.
  OverlayDirs d{{}, "/proc/self/fd/3", "/proc/self/fd/4"};
  for (int i = 0; i < 200; ++i) d.lowers.push_back("/proc/self/fd/" + std::to_string(i + 5));
  EXPECT_LT(overlay_mount_data(d).size(), 4096u);
  for (int i = 0; i < 100; ++i) d.lowers.push_back("/proc/self/fd/" + std::to_string(i + 205));
  EXPECT_EQ(error_of(d), "overlay: mount options for 300 lower directories exceed 4096 bytes");
}

}  // namespace
}  // namespace hoist::builder
