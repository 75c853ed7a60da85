#pragma once
// The USER of a RUN step (`name`, `uid`, `uid:gid`, `name:group`, ...)
// resolved against the image's /etc/passwd and /etc/group, as docker does:
// a name must be in /etc/passwd, a numeric id works without it, and the
// supplementary groups are the /etc/group entries listing the user's name.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoist::builder {

struct ExecUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // for setgroups(); the primary group first
  std::string name;           // empty for an id not in /etc/passwd
  std::string home = "/";
};

// `passwd` and `group` are the files' contents, nullopt when the image has
// none. An empty spec is root. Throws hoist::Error naming an unknown user or
// group, or an id out of range.
ExecUser resolve_user(std::string_view spec, const std::optional<std::string>& passwd,
                      const std::optional<std::string>& group);

}  // namespace hoist::builder
