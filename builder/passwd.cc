#include "builder/passwd.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "common/error.h"

namespace hoist::builder {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return out;
    s.remove_prefix(p + 1);
  }
}

// Ids are 32 bits and (uid_t)-1 means "unchanged" to setuid/chown, so it is refused.
std::optional<uint32_t> parse_id(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 10) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v >= UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(v);
}

bool is_number(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); }

uint32_t numeric_id(std::string_view s, const char* what) {
  auto id = parse_id(s);
  if (!id) throw Error(std::string("invalid ") + what + " id " + std::string(s) + ": out of range");
  return *id;
}

// Lines of a colon-separated database with at least `fields` fields; comments,
// NIS "+"/"-" entries and malformed lines are skipped, as libc does.
std::vector<std::vector<std::string_view>> records(std::string_view text, size_t fields) {
  std::vector<std::vector<std::string_view>> out;
  for (auto line : split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') continue;
    auto f = split(line, ':');
    if (f.size() < fields || !parse_id(f[2])) continue;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

ExecUser resolve_user(std::string_view spec, const std::optional<std::string>& passwd,
                      const std::optional<std::string>& group) {
  size_t colon = spec.find(':');
  std::string_view user_part = spec.substr(0, colon);
  std::optional<std::string_view> group_part;
  if (colon != std::string_view::npos) group_part = spec.substr(colon + 1);
  if (user_part.empty()) user_part = "0";

  ExecUser u;
  std::optional<std::vector<std::string_view>> entry;
  if (passwd) {
    auto users = records(*passwd, 7);
    for (const auto& f : users)
      if (!entry && f[0] == user_part) entry = f;
    if (!entry && is_number(user_part))
      for (const auto& f : users)
        if (!entry && parse_id(f[2]) == parse_id(user_part)) entry = f;
  }
  if (entry) {
    u.name = (*entry)[0];
    u.uid = *parse_id((*entry)[2]);
    auto gid = parse_id((*entry)[3]);
    if (gid) u.gid = *gid;
    if (!(*entry)[5].empty()) u.home = (*entry)[5];
  } else if (is_number(user_part)) {
    u.uid = numeric_id(user_part, "user");
  } else {
    throw Error("unknown user " + std::string(user_part) +
                (passwd ? ": no matching entry in /etc/passwd" : ": the image has no /etc/passwd"));
  }

  auto groups = group ? records(*group, 4) : std::vector<std::vector<std::string_view>>{};
  if (group_part) {
    if (is_number(*group_part)) {
      u.gid = numeric_id(*group_part, "group");
    } else {
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& f) { return f[0] == *group_part; });
      if (it == groups.end())
        throw Error("unknown group " + std::string(*group_part) +
                    (group ? ": no matching entry in /etc/group" : ": the image has no /etc/group"));
      u.gid = *parse_id((*it)[2]);
    }
    // An explicit group replaces the user's memberships, as `docker run -u user:group` does.
    u.groups = {u.gid};
    return u;
  }
  u.groups = {u.gid};
  if (u.name.empty()) return u;
  for (const auto& f : groups) {
    auto members = split(f[3], ',');
    gid_t gid = *parse_id(f[2]);
    if (std::find(members.begin(), members.end(), u.name) != members.end() &&
        std::find(u.groups.begin(), u.groups.end(), gid) == u.groups.end())
      u.groups.push_back(gid);
  }
  return u;
}

}  // namespace hoist::builder
