#include "builder/workdir_step.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "builder/copy_resolve.h"
#include "builder/copy_step.h"
#include "builder/passwd.h"
#include "builder/stage_roots.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

// A directory in the layer with the given attributes (times included, so a
// parent copied up from the image looks as it did there).
void make_dir(int parent_fd, const std::string& name, mode_t mode, uid_t uid, gid_t gid,
              const struct timespec* times, const std::string& shown) {
  if (::mkdirat(parent_fd, name.c_str(), 0700) != 0 && errno != EEXIST) throw_sys("mkdir", shown);
  if (::fchownat(parent_fd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("chown", shown);
  if (::fchmodat(parent_fd, name.c_str(), mode & 07777, 0) != 0) throw_sys("chmod", shown);
  if (times && ::utimensat(parent_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("set times of", shown);
}

}  // namespace

void make_workdir(const std::string& image_root, const std::string& layer_dir, const std::string& path, Owner owner) {
  UniqueFd root(::open(image_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) throw_sys("open", image_root);
  ResolvedPath r = resolve_in_root(root.get(), "image", layers::clean_path(path), true);
  if (r.state == ResolvedPath::State::found && S_ISDIR(r.st.st_mode)) return;
  if (r.state != ResolvedPath::State::missing) throw Error("WORKDIR " + path + ": not a directory in the image");

  UniqueFd image(::open(image_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  UniqueFd layer(::open(layer_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!layer.valid()) throw_sys("open", layer_dir);
  std::string shown;
  for (const auto& name : r.parts) {
    shown += "/" + name;
    struct stat st;
    bool in_image = image.valid() && ::fstatat(image.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (in_image && !S_ISDIR(st.st_mode)) throw Error("WORKDIR " + path + ": " + shown + " is not a directory");
    if (in_image) {
      struct timespec times[2] = {st.st_atim, st.st_mtim};
      make_dir(layer.get(), name, st.st_mode, st.st_uid, st.st_gid, times, shown);
      image.reset(::openat(image.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    } else {
      make_dir(layer.get(), name, 0755, owner.uid, owner.gid, nullptr, shown);
      image.reset();
    }
    layer.reset(::openat(layer.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!layer.valid()) throw_sys("open", layer_dir + shown);
  }
}

void workdir_step(BuildEnv& env, StageState& stage, const PlannedStep& step) {
  std::string where = env.where(step);
  std::string dir = env.make_step_dir();
  std::string layer_dir = dir + "/layer";
  fs::mkdir_p(layer_dir, 0755);
  StageRootsRequest roots;
  roots.roots.push_back(stage.lowers());
  roots.scratch_dir = dir + "/roots";
  roots.user_namespace = env.layers.user_namespace();
  const std::string& user = stage.config.config.user;
  const std::string& path = stage.config.config.working_dir;
  try {
    with_stage_roots(roots, [&](const std::vector<std::string>& paths) {
      Owner owner;
      if (!user.empty()) {
        ExecUser u = resolve_user(user, read_image_file(paths[0], "etc", "passwd"), read_image_file(paths[0], "etc", "group"));
        owner = {u.uid, u.gid};
      }
      make_workdir(paths[0], layer_dir, path, owner);
      return std::string();
    });
  } catch (const Error& e) {
    env.remove_step_dir(dir);
    throw Error(where + e.describe());
  }
  add_layer(env, stage, layer_dir, step.display);
  env.remove_step_dir(dir);
}

}  // namespace hoist::builder
