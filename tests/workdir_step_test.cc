#include "builder/workdir_step.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "tests/test_support.h"

using namespace hoist;

namespace {

struct stat stat_of(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

class WorkdirStep : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::mkdir_p(image + "/opt/app");
    fs::mkdir_p(layer);
    ASSERT_EQ(::chmod((image + "/opt").c_str(), 0750), 0);
    ASSERT_EQ(::chown((image + "/opt").c_str(), 7, 8), 0);
    ASSERT_EQ(::symlink("/opt", (image + "/link").c_str()), 0);
    fs::write_file_atomic(image + "/file", "x");
  }
  fs::TempDir tmp;
  std::string image = tmp.path() + "/image", layer = tmp.path() + "/layer";
};

TEST_F(WorkdirStep, AnExistingDirectoryChangesNothing) {
  builder::make_workdir(image, layer, "/opt/app", {});
  EXPECT_TRUE(fs::is_empty_dir(layer));
}

TEST_F(WorkdirStep, NewDirectoriesBelongToTheUserAndParentsKeepTheirAttributes) {
  builder::make_workdir(image, layer, "/opt/app/a/b", {1000, 1000});
  auto opt = stat_of(layer + "/opt");
  EXPECT_EQ(opt.st_mode & 07777, 0750u);
  EXPECT_EQ(opt.st_uid, 7u);
  EXPECT_EQ(stat_of(layer + "/opt/app/a/b").st_uid, 1000u);
  EXPECT_EQ(stat_of(layer + "/opt/app/a").st_mode & 07777, 0755u);
}

TEST_F(WorkdirStep, SymlinksResolveInsideTheImage) {
  builder::make_workdir(image, layer, "/link/new", {});
  EXPECT_TRUE(S_ISDIR(stat_of(layer + "/opt/new").st_mode));
  EXPECT_FALSE(fs::exists(layer + "/link"));
}

TEST_F(WorkdirStep, AFileInTheWayIsAnError) {
  EXPECT_EQ(test::error_of([&] { builder::make_workdir(image, layer, "/file/sub", {}); }),
            "WORKDIR /file/sub: not a directory in the image");
  EXPECT_EQ(test::error_of([&] { builder::make_workdir(image, layer, "/file", {}); }),
            "WORKDIR /file: not a directory in the image");
}

}  // namespace
