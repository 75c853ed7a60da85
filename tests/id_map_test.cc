// subordinate_ranges and rootless_id_map on /etc/subuid-format text: by
// name or uid, several ranges in file order, malformed lines skipped, and
// the single-id map when the user has no range.
#include "layers/id_map.h"

#include <gtest/gtest.h>

namespace hoist::layers {
namespace {

TEST(SubordinateRanges, MatchByNameOrUidInFileOrder) {
  std::string text =
      "alice:100000:65536\n"
      "bob:165536:65536\n"
      "1001:300000:10\n"
      "alice:400000:5\n";
  EXPECT_EQ(subordinate_ranges(text, "alice", 1000),
            (std::vector<IdRange>{{0, 100000, 65536}, {0, 400000, 5}}));
  EXPECT_EQ(subordinate_ranges(text, "bob", 1001), (std::vector<IdRange>{{0, 165536, 65536}, {0, 300000, 10}}));
  EXPECT_TRUE(subordinate_ranges(text, "carol", 1002).empty());
}

TEST(SubordinateRanges, SkipsMalformedLines) {
  std::string text = "alice\nalice:x:5\nalice:1:\nalice:10:0\nalice:1:2:3\n# alice:1:1\nalice:7:8";
  EXPECT_EQ(subordinate_ranges(text, "alice", 1000), (std::vector<IdRange>{{0, 7, 8}}));
}

TEST(RootlessIdMap, OwnIdIsRootAndRangesFollowFromOne) {
  IdMap m = rootless_id_map("alice", 1000, 1001, "alice:100000:65536\nalice:400000:5\n", "alice:200000:1000\n");
  EXPECT_EQ(m.uids, (std::vector<IdRange>{{0, 1000, 1}, {1, 100000, 65536}, {65537, 400000, 5}}));
  EXPECT_EQ(m.gids, (std::vector<IdRange>{{0, 1001, 1}, {1, 200000, 1000}}));
  EXPECT_FALSE(m.single_uid());
  EXPECT_FALSE(m.single_gid());
}

TEST(RootlessIdMap, WithoutRangesOnlyTheUsersOwnIds) {
  IdMap m = rootless_id_map("bob", 1001, 1001, std::nullopt, "alice:200000:1000\n");
  EXPECT_EQ(m.uids, (std::vector<IdRange>{{0, 1001, 1}}));
  EXPECT_EQ(m.gids, (std::vector<IdRange>{{0, 1001, 1}}));
  EXPECT_TRUE(m.single_uid());
  EXPECT_TRUE(m.single_gid());
}

}  // namespace
}  // namespace hoist::layers
