#include "layers/id_map.h"

#include <pwd.h>
#include <unistd.h>

#include <charconv>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::layers {

namespace {

bool parse_u32(std::string_view s, uint32_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

std::vector<IdRange> with_own_id(uint32_t own, std::vector<IdRange> subordinate) {
  std::vector<IdRange> out = {{0, own, 1}};
  uint32_t next = 1;
  for (auto& r : subordinate) {
    r.container = next;
    next += r.size;
    out.push_back(r);
  }
  return out;
}

std::optional<std::string> read_if_present(const std::string& path) {
  if (!fs::exists(path)) return std::nullopt;
  return fs::read_file(path);
}

}  // namespace

std::vector<IdRange> subordinate_ranges(std::string_view text, std::string_view user, uint32_t id) {
  std::vector<IdRange> out;
  std::string id_text = std::to_string(id);
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string_view name = line.substr(0, c1);
    if (name != user && name != id_text) continue;
    IdRange r;
    if (!parse_u32(line.substr(c1 + 1, c2 - c1 - 1), r.host) || !parse_u32(line.substr(c2 + 1), r.size) ||
        r.size == 0)
      continue;
    out.push_back(r);
  }
  return out;
}

IdMap rootless_id_map(const std::string& user, uid_t uid, gid_t gid, const std::optional<std::string>& subuid,
                      const std::optional<std::string>& subgid) {
  IdMap m;
  m.user = user;
  m.uids = with_own_id(uid, subuid ? subordinate_ranges(*subuid, user, uid) : std::vector<IdRange>{});
  m.gids = with_own_id(gid, subgid ? subordinate_ranges(*subgid, user, uid) : std::vector<IdRange>{});
  return m;
}

IdMap current_user_id_map() {
  uid_t uid = ::getuid();
  passwd pw;
  passwd* found = nullptr;
  std::string buf(16384, '\0');
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || !found)
    throw Error("user namespace: uid " + std::to_string(uid) + " has no entry in the host's passwd database");
  return rootless_id_map(pw.pw_name, uid, ::getgid(), read_if_present("/etc/subuid"), read_if_present("/etc/subgid"));
}

}  // namespace hoist::layers
