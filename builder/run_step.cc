#include "builder/run_step.h"

#include "builder/chroot_run.h"
#include "builder/metadata_step.h"
#include "builder/run_mounts.h"
#include "builder/sandbox.h"
#include "common/error.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

// Output arrives in arbitrary pieces; each complete line gets the step's label.
class LinePrefixer {
 public:
  LinePrefixer(const BuildEnv& env, std::string label) : env_(env), label_(std::move(label)) {}
  ~LinePrefixer() { flush(); }
  void write(std::string_view chunk) {
    pending_.append(chunk);
    size_t start = 0;
    for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1)
      env_.log(label_ + pending_.substr(start, nl - start));
    pending_.erase(0, start);
  }
  void flush() {
    if (!pending_.empty()) env_.log(label_ + pending_);
    pending_.clear();
  }

 private:
  const BuildEnv& env_;
  std::string label_;
  std::string pending_;
};

bool env_has(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& e : env)
    if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=') return true;
  return false;
}

// BuildKit runs a RUN whose whole command is one heredoc as a script for the
// shell; heredocs that feed a command are left for the shell to read.
std::vector<std::string> run_argv(const RunCmd& run, const oci::RuntimeConfig& config) {
  if (run.heredocs.empty() || !run.command.prepend_shell) return command_argv(run.command, config);
  const std::string& text = run.command.args.empty() ? std::string() : run.command.args[0];
  CommandLine line = run.command;
  if (run.heredocs.size() == 1 && text.find_first_not_of(" \t") == text.find("<<")) {
    line.args = {run.heredocs[0].content};
  } else {
    std::string script = text + "\n";
    for (const auto& h : run.heredocs) script += h.content + h.name + "\n";
    line.args = {script};
  }
  return command_argv(line, config);
}

std::string describe_failure(const SandboxResult& r) {
  if (r.signal) return "signal " + std::to_string(r.signal);
  return "exit " + std::to_string(r.exit_code);
}

// Overlayfs or a mount namespace refused, as in an unprivileged container:
// what --isolation auto falls back to chroot for.
bool overlay_refused(const Error& e) {
  const std::string& m = e.describe();
  return m.find("mount overlay") != std::string::npos || m.find("unshare") != std::string::npos ||
         m.find("make private") != std::string::npos;
}

SandboxResult run_isolated(BuildEnv& env, StageState& stage, const SandboxSpec& spec) {
  using Isolation = BuildOptions::Isolation;
  auto chroot = [&] {
    if (stage.chroot_dir.empty()) stage.chroot_dir = env.make_step_dir();
    return run_with_chroot(spec, stage.chroot_dir);
  };
  Isolation mode = env.options.isolation;
  if (mode == Isolation::Chroot || (mode == Isolation::Auto && env.chroot_fallback)) return chroot();
  if (mode == Isolation::Overlay) return run_sandboxed(spec);
  try {
    return run_sandboxed(spec);
  } catch (const Error& e) {
    if (!overlay_refused(e)) throw;
    if (!env.chroot_fallback.exchange(true))
      env.log("overlay isolation is not available here (" + e.describe() + "): RUN steps use --isolation chroot");
    return chroot();
  }
}

}  // namespace

std::vector<std::string> run_environment(const oci::RuntimeConfig& config,
                                         const std::vector<std::pair<std::string, std::string>>& args) {
  std::vector<std::string> env = config.env;
  for (const auto& [k, v] : args)
    if (!env_has(config.env, k)) env.push_back(k + "=" + v);
  return env;
}

std::string run_created_by(const std::vector<std::string>& argv,
                           const std::vector<std::pair<std::string, std::string>>& args) {
  std::string out = "RUN ";
  if (!args.empty()) {
    out += "|" + std::to_string(args.size());
    for (const auto& [k, v] : args) out += " " + k + "=" + v;
    out += " ";
  }
  for (size_t i = 0; i < argv.size(); ++i) out += (i ? " " : "") + argv[i];
  return out;
}

std::string run_history(const StageState& stage, const PlannedStep& step) {
  return run_created_by(run_argv(std::get<RunCmd>(step.expanded), stage.config.config), step.args);
}

void run_step(BuildEnv& env, StageState& stage, const PlannedStep& step, const std::string& label) {
  const auto& run = std::get<RunCmd>(step.expanded);
  std::string where = env.where(step);
  std::string dir = env.make_step_dir();
  std::vector<std::string> argv = run_argv(run, stage.config.config);
  SandboxSpec spec;
  spec.layers.upper = dir + "/upper";
  spec.layers.work = dir + "/work";
  spec.rootfs = dir + "/rootfs";
  for (const auto& d : {spec.layers.upper, spec.layers.work, spec.rootfs}) fs::mkdir_p(d, 0755);
  spec.layers.lowers = stage.lowers();
  if (spec.layers.lowers.empty()) {  // FROM scratch: overlayfs wants a lower all the same
    fs::mkdir_p(dir + "/empty", 0755);
    spec.layers.lowers = {dir + "/empty"};
  }
  spec.argv = argv;
  spec.env = run_environment(stage.config.config, step.args);
  spec.workdir = stage.config.config.working_dir.empty() ? "/" : stage.config.config.working_dir;
  std::optional<RunMounts> mounts;
  try {
    RunMountContext mc{env.context_dir(), dir, env.store.root(), env.from_root, &env.options.secrets};
    mounts.emplace(parse_run_mounts(run.mounts, spec.workdir), mc);
  } catch (const Error& e) {
    env.remove_step_dir(dir);
    throw Error(where + "RUN " + e.describe());
  }
  spec.mounts = mounts->sandbox_mounts();
  for (const auto& e : mounts->env()) spec.env.push_back(e);
  spec.user = stage.config.config.user;
  spec.network = run.network == "none" ? NetworkMode::None
                 : run.network == "host" ? NetworkMode::Host
                                         : env.options.network;
  LinePrefixer out(env, label);
  spec.output = [&](std::string_view chunk) { out.write(chunk); };

  SandboxResult result;
  try {
    result = run_isolated(env, stage, spec);
  } catch (const Error& e) {
    env.remove_step_dir(dir);
    throw Error(where + "RUN " + e.describe());
  }
  out.flush();
  if (!result.ok() || result.interrupted) {
    env.remove_step_dir(dir);
    if (result.interrupted) throw Error("interrupted (signal " + std::to_string(result.interrupted) + ")");
    throw Error(where + "RUN failed (" + describe_failure(result) + "): " + step.display.substr(4));
  }
  add_layer(env, stage, spec.layers.upper, run_created_by(argv, step.args));
  env.remove_step_dir(dir);
}

}  // namespace hoist::builder
