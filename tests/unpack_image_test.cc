// unpack_image over the go-containerregistry mutate fixtures: real
// `docker save` archives whose later layers white out files (and whole
// directories) of earlier ones. The flattened root must hide them.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "common/error.h"
#include "common/fs.h"
#include "publish/docker_archive.h"
#include "publish/image_io.h"
#include "tests/test_support.h"

using namespace hoist;

namespace {

// "path" for files, "path/" for dirs, "path -> target" for symlinks.
void walk(const std::string& root, const std::string& rel, std::set<std::string>& out) {
  DIR* d = ::opendir((root + "/" + rel).c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    std::string p = rel.empty() ? n : rel + "/" + n;
    struct stat st;
    ASSERT_EQ(::lstat((root + "/" + p).c_str(), &st), 0);
    if (S_ISDIR(st.st_mode)) {
      out.insert(p + "/");
      walk(root, p, out);
    } else if (S_ISLNK(st.st_mode)) {
      char buf[256];
      ssize_t k = ::readlink((root + "/" + p).c_str(), buf, sizeof buf);
      out.insert(p + " -> " + std::string(buf, static_cast<size_t>(k)));
    } else {
      out.insert(p);
    }
  }
  ::closedir(d);
}

std::set<std::string> flatten(const std::string& fixture) {
  fs::TempDir t;
  publish::DockerArchiveSource src(test::conformance_path("ggcr-fixtures/pkg/v1/mutate/testdata/" + fixture), "",
                                   t.path());
  std::string root = t.path() + "/rootfs";
  fs::mkdir_p(root);
  publish::unpack_image(src, src.root(), root);
  std::set<std::string> tree;
  walk(root, "", tree);
  return tree;
}

using Tree = std::set<std::string>;

}  // namespace

TEST(UnpackImage, WhiteoutHidesLowerFile) { EXPECT_EQ(flatten("whiteout_image.tar"), (Tree{"bar.txt"})); }

TEST(UnpackImage, WhiteoutHidesLowerDirectory) {
  // a/foo, then b/bar, then .wh.a, then a/baz: the old a/ is gone, the new one stays.
  EXPECT_EQ(flatten("whiteout_dir.tar"), (Tree{"a/", "a/baz", "b/", "b/bar"}));
}

TEST(UnpackImage, LaterLayerReplacesFileWithSymlink) {
  EXPECT_EQ(flatten("overwritten_file.tar"), (Tree{"bar.txt", "foo.txt -> bar.txt"}));
}

TEST(UnpackImage, SingleLayerImages) {
  EXPECT_EQ(flatten("source_image.tar"), (Tree{"bar", "foo"}));
  EXPECT_EQ(flatten("source_image_with_empty_layer_history.tar"), (Tree{"bar", "foo"}));
}
