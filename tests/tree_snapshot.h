#pragma once
// A directory tree as one comparable line per path, for tests that check a
// layer round trip or a diff gives back exactly the tree it came from.
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::test {

// One line per path: type, mode, owner, content or target or device, xattrs
// (overlay bookkeeping excluded), hardlink group; file mtimes when asked.
// Sockets are left out: a tar cannot carry them (containerd IgnoreSockets).
inline std::map<std::string, std::string> tree_snapshot(const std::string& root, bool file_mtimes) {
  std::map<std::string, std::string> out;
  std::map<std::pair<dev_t, ino_t>, std::string> first;
  std::vector<std::string> pending = {""};
  while (!pending.empty()) {
    std::string rel = pending.back();
    pending.pop_back();
    std::vector<std::string> kids;
    DIR* d = ::opendir((root + rel).c_str());
    if (!d) throw_sys("opendir", root + rel);
    while (dirent* ent = ::readdir(d)) {
      std::string n = ent->d_name;
      if (n != "." && n != "..") kids.push_back(n);
    }
    ::closedir(d);
    std::sort(kids.begin(), kids.end());
    for (const auto& k : kids) {
      std::string r = rel + "/" + k, p = root + r;
      struct stat st;
      if (::lstat(p.c_str(), &st) != 0) throw_sys("lstat", p);
      if (S_ISSOCK(st.st_mode)) continue;
      std::string desc = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
      if (S_ISREG(st.st_mode)) {
        desc += " data=" + fs::read_file(p);
        if (file_mtimes) desc += " mtime=" + std::to_string(st.st_mtim.tv_sec);
        if (st.st_nlink > 1) desc += " linked-to=" + first.try_emplace({st.st_dev, st.st_ino}, r).first->second;
      } else if (S_ISLNK(st.st_mode)) {
        char t[4096];
        ssize_t n = ::readlink(p.c_str(), t, sizeof t);
        desc += " -> " + std::string(t, n > 0 ? static_cast<size_t>(n) : 0);
      } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        desc += " dev=" + std::to_string(major(st.st_rdev)) + "," + std::to_string(minor(st.st_rdev));
      } else if (S_ISDIR(st.st_mode)) {
        pending.push_back(r);
      }
      char names[4096];
      ssize_t len = ::llistxattr(p.c_str(), names, sizeof names);
      std::vector<std::string> xs;
      for (ssize_t i = 0; i < len;) {
        std::string xn(names + i);
        i += static_cast<ssize_t>(xn.size()) + 1;
        if (xn.starts_with("trusted.overlay.") || xn.starts_with("user.overlay.")) continue;
        char v[65536];
        ssize_t vl = ::lgetxattr(p.c_str(), xn.c_str(), v, sizeof v);
        xs.push_back(xn + "=" + std::string(v, vl > 0 ? static_cast<size_t>(vl) : 0));
      }
      std::sort(xs.begin(), xs.end());
      for (const auto& x : xs) desc += " xattr:" + x;
      out[r] = desc;
    }
  }
  return out;
}

}  // namespace hoist::test
