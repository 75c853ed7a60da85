#include "builder/copy_step.h"

#include <fcntl.h>

#include "builder/copy_files.h"
#include "builder/passwd.h"
#include "builder/stage_roots.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/confined_path.h"

namespace hoist::builder {

// A file of the image, looked up inside its root (an image's symlinks
// never lead out of it); nullopt when it is not there.
std::optional<std::string> read_image_file(const std::string& root, const std::string& dir, const std::string& name) {
  layers::ConfinedRoot r(root);
  UniqueFd d = r.open_dir(layers::clean_path(dir), static_cast<size_t>(-1));
  if (!d.valid()) return std::nullopt;
  UniqueFd f(::openat(d.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!f.valid()) return std::nullopt;
  return fs::read_file("/proc/self/fd/" + std::to_string(f.get()));
}

CopyRequest copy_request(const BuildEnv& env, const StageState& stage, const CopyCmd& cmd, const std::string& from_name) {
  CopyRequest req;
  req.keyword = cmd.add ? "ADD" : "COPY";
  req.add = cmd.add;
  req.from_context = cmd.from.empty();
  req.source_name = req.from_context ? "build context" : from_name;
  req.ignore = req.from_context ? env.options.ignore : nullptr;
  size_t heredoc = 0;
  for (const auto& s : cmd.sources) {
    CopySource src;
    if (s.starts_with("<<") && heredoc < cmd.heredocs.size()) {
      src.path = cmd.heredocs[heredoc].name;
      src.heredoc = cmd.heredocs[heredoc].content;
      ++heredoc;
    } else {
      src.path = s;
    }
    req.sources.push_back(std::move(src));
  }
  req.dest = cmd.dest;
  req.workdir = stage.config.config.working_dir.empty() ? "/" : stage.config.config.working_dir;
  req.chmod = cmd.chmod;
  req.excludes = cmd.excludes;
  req.parents = cmd.parents;
  if (req.from_context) req.source_root = env.context_dir();
  return req;
}

Owner resolve_chown(const std::string& spec, const std::optional<std::string>& passwd,
                    const std::optional<std::string>& group) {
  ExecUser u = resolve_user(spec, passwd, group);
  Owner o{u.uid, u.gid};
  if (spec.find(':') == std::string::npos) o.gid = static_cast<gid_t>(u.uid);
  return o;
}

void copy_step(BuildEnv& env, StageState& stage, const PlannedStep& step, const StageState* from,
               const std::string& from_name, const AddUrlSources* urls) {
  const auto& cmd = std::get<CopyCmd>(step.expanded);
  std::string where = env.where(step);

  std::string dir = env.make_step_dir();
  std::string layer_dir = dir + "/layer";
  fs::mkdir_p(layer_dir, 0755);
  CopyRequest req = copy_request(env, stage, cmd, from_name);
  StageRootsRequest roots;
  roots.roots.push_back(stage.lowers());
  if (from) roots.roots.push_back(from->lowers());
  roots.scratch_dir = dir + "/roots";
  roots.user_namespace = env.layers.user_namespace();
  try {
    with_stage_roots(roots, [&](const std::vector<std::string>& paths) {
      if (from) req.source_root = paths[1];
      if (!cmd.chown.empty())
        req.chown = resolve_chown(cmd.chown, read_image_file(paths[0], "etc", "passwd"),
                                  read_image_file(paths[0], "etc", "group"));
      // --link: the layer stands on its own, as over an empty image: parents
      // are new directories and nothing of the image below is looked at.
      std::string below = paths[0];
      if (cmd.link) {
        below = dir + "/linked-root";
        fs::mkdir_p(below, 0755);
      }
      if (urls)
        copy_url_sources(*urls, below, layer_dir);
      else
        copy_files(req, below, layer_dir);
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
