#include "common/fs_leftovers.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace hoist::fs {

std::vector<std::string> list_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    throw_sys("open", dir);
  }
  UniqueFd owned(fd);
  return sorted_entries(owned.get(), dir);
}

bool is_atomic_write_temp(std::string_view name) {
  constexpr std::string_view kMark = ".tmp-";
  constexpr size_t kSuffix = 12;  // random hex digits, as write_file_atomic draws them
  if (name.size() <= kMark.size() + kSuffix) return false;
  std::string_view tail = name.substr(name.size() - kSuffix);
  if (tail.find_first_not_of("0123456789abcdef") != std::string_view::npos) return false;
  return name.substr(name.size() - kSuffix - kMark.size(), kMark.size()) == kMark;
}

namespace {

// /proc/self/mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_point(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool octal = true;
      for (size_t k = 1; k <= 3; ++k) {
        char c = s[i + k];
        if (c < '0' || c > '7') octal = false;
        v = v * 8 + (c - '0');
      }
      if (octal) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

std::vector<std::string> mounts_under(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) throw sys_error("open", "/proc/self/mountinfo", errno);
  std::vector<std::string> found;
  std::string line;
  while (std::getline(in, line)) {
    // "<id> <parent> <major:minor> <root> <mount point> ..."
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    if (!(fields >> id >> parent >> dev >> root >> point)) continue;
    point = unescape_mount_point(point);
    if (point == path || point.starts_with(path + "/")) found.push_back(point);
  }
  return found;
}

}  // namespace hoist::fs
