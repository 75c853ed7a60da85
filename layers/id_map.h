#pragma once
// The uid/gid map of the user namespace a rootless hoist unpacks, runs and
// snapshots in: 0 is the user's own id, and 1.. are the subordinate ranges
// /etc/subuid and /etc/subgid grant the user, in file order. Without a range
// the namespace has the one id 0 (a "single-id" map).
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoist::layers {

struct IdRange {
  uint32_t container = 0;
  uint32_t host = 0;
  uint32_t size = 0;
  bool operator==(const IdRange&) const = default;
};

struct IdMap {
  std::vector<IdRange> uids, gids;
  std::string user;  // whose ranges these are, for error messages
  // Only 0: newuidmap/newgidmap are not needed, and setgroups() is denied.
  bool single_uid() const { return uids.size() == 1; }
  bool single_gid() const { return gids.size() == 1; }
};

// The ranges ("start:count") granted to `user` (matched by name or by `id`)
// in text in the format of /etc/subuid. Malformed lines are skipped, as
// shadow's own tools skip them.
std::vector<IdRange> subordinate_ranges(std::string_view text, std::string_view user, uint32_t id);

// The map for `user` (uid, gid): 0 -> the user's ids, then the subordinate
// ranges from 1 on. `subuid`/`subgid` are the files' contents, nullopt when
// missing.
IdMap rootless_id_map(const std::string& user, uid_t uid, gid_t gid, const std::optional<std::string>& subuid,
                      const std::optional<std::string>& subgid);

// rootless_id_map for the calling process's real user, from /etc/subuid and
// /etc/subgid. Throws hoist::Error when the uid has no passwd entry.
IdMap current_user_id_map();

}  // namespace hoist::layers
