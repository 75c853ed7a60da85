// The names of write_file_atomic's temp files, listing a directory that may
// be missing, and finding mount points under a path.
#include "common/fs_leftovers.h"

#include <gtest/gtest.h>

#include "common/fs.h"

namespace hoist::fs {
namespace {

TEST(FsLeftovers, AtomicWriteTempNames) {
  EXPECT_TRUE(is_atomic_write_temp("index.json.tmp-0123456789ab"));
  EXPECT_TRUE(is_atomic_write_temp("abc.complete.tmp-ffffffffffff"));
  EXPECT_FALSE(is_atomic_write_temp("index.json"));
  EXPECT_FALSE(is_atomic_write_temp(".tmp-0123456789ab"));        // no target
  EXPECT_FALSE(is_atomic_write_temp("x.tmp-0123456789a"));        // 11 digits
  EXPECT_FALSE(is_atomic_write_temp("x.tmp-0123456789AB"));       // not its digits
  EXPECT_FALSE(is_atomic_write_temp("x.tmp0123456789ab"));
  EXPECT_FALSE(is_atomic_write_temp(".tmp-abc-0123456789ab"));  // a layer's unpack directory is not one
}

TEST(FsLeftovers, ListDirSortedAndEmptyWhenMissing) {
  TempDir t;
  EXPECT_TRUE(list_dir(t.path() + "/missing").empty());
  write_file_atomic(t.path() + "/b", "");
  mkdir_p(t.path() + "/a");
  EXPECT_EQ(list_dir(t.path()), (std::vector<std::string>{"a", "b"}));
}

TEST(FsLeftovers, MountsUnder) {
  EXPECT_FALSE(mounts_under("/proc").empty());
  TempDir t;
  EXPECT_TRUE(mounts_under(t.path()).empty());
}

}  // namespace
}  // namespace hoist::fs
