#include "builder/overlay_mount.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fd.h"
#include "layers/layer_stack.h"

namespace hoist::builder {

namespace {

// The kernel copies at most one page of mount data.
constexpr size_t kMountDataLimit = 4096;

// Overlay options are separated by ',' and lowers by ':'; neither can be escaped everywhere.
void check_path(const std::string& p) {
  if (p.empty()) throw Error("overlay: empty directory path");
  if (p.find_first_of(",:") != std::string::npos) throw Error("overlay: path contains ',' or ':': " + p);
}

}  // namespace

std::string overlay_mount_data(const OverlayDirs& dirs) {
  if (dirs.lowers.empty()) throw Error("overlay: no lower directories");
  std::string data = "lowerdir=";
  for (size_t i = 0; i < dirs.lowers.size(); ++i) {
    check_path(dirs.lowers[i]);
    data += (i ? ":" : "") + dirs.lowers[i];
  }
  check_path(dirs.upper);
  check_path(dirs.work);
  data += ",upperdir=" + dirs.upper + ",workdir=" + dirs.work;
  data += dirs.userxattr ? ",userxattr,metacopy=off,redirect_dir=nofollow,index=off"
                         : ",metacopy=off,redirect_dir=off,index=off";
  if (data.size() >= kMountDataLimit)
    throw Error("overlay: mount options for " + std::to_string(dirs.lowers.size()) + " lower directories exceed " +
                std::to_string(kMountDataLimit) + " bytes");
  return data;
}

void mount_overlay(const OverlayDirs& dirs, const std::string& target) {
  std::vector<UniqueFd> held;
  auto by_fd = [&](const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) throw_sys("open", path);
    std::string short_path = "/proc/self/fd/" + std::to_string(fd.get());
    held.push_back(std::move(fd));
    return short_path;
  };
  OverlayDirs short_dirs;
  for (const auto& l : layers::visible_layers(dirs.lowers)) short_dirs.lowers.push_back(by_fd(l));
  short_dirs.upper = by_fd(dirs.upper);
  short_dirs.work = by_fd(dirs.work);
  short_dirs.userxattr = dirs.userxattr;
  std::string data = overlay_mount_data(short_dirs);
  if (::mount("overlay", target.c_str(), "overlay", 0, data.c_str()) != 0) throw_sys("mount overlay on", target);
}

}  // namespace hoist::builder
