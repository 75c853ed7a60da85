#include "builder/stage_roots.h"

#include <sched.h>
#include <sys/mount.h>

#include "builder/overlay_mount.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/user_namespace.h"

namespace hoist::builder {

std::string with_stage_roots(const StageRootsRequest& request,
                             const std::function<std::string(const std::vector<std::string>& roots)>& fn) {
  std::vector<std::string> paths;
  for (size_t i = 0; i < request.roots.size(); ++i) {
    std::string base = request.scratch_dir + "/" + std::to_string(i);
    for (const char* d : {"/root", "/upper", "/work"}) fs::mkdir_p(base + d, 0755);
    paths.push_back(base + "/root");
  }
  return layers::run_in_child(request.user_namespace, [&] {
    if (::unshare(CLONE_NEWNS) != 0) throw_sys("unshare", "mount namespace");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_sys("make private", "/");
    for (size_t i = 0; i < request.roots.size(); ++i) {
      if (request.roots[i].empty()) continue;  // scratch: the empty directory is the root
      std::string base = request.scratch_dir + "/" + std::to_string(i);
      OverlayDirs dirs{request.roots[i], base + "/upper", base + "/work", request.user_namespace != nullptr};
      mount_overlay(dirs, paths[i]);
    }
    return fn(paths);
  });
}

}  // namespace hoist::builder
