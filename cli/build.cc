#include <cstdlib>
#include <iostream>
#include <iterator>

#include "builder/build_plan.h"
#include "cli/command.h"
#include "common/error.h"
#include "common/fs.h"

namespace hoist::cli {

namespace {

std::string read_dockerfile(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  return fs::read_file(path);
}

}  // namespace

void register_build(CLI::App& app, Globals&) {
  struct Opts {
    std::string context, file, target, platform;
    std::vector<std::string> tags, build_args;
    bool dry_run = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("build", "Build an image from a Dockerfile");
  cmd->add_option("context", o->context, "Build context directory, or - for a Dockerfile on stdin with no context")
      ->required();
  cmd->add_option("-t,--tag", o->tags, "Name of the resulting image, NAME[:TAG]");
  cmd->add_option("-f,--file", o->file, "Dockerfile (default: CONTEXT/Dockerfile; - for stdin)");
  cmd->add_option("--build-arg", o->build_args, "Set a build-time variable, K=V (K alone: from the environment)");
  cmd->add_option("--target", o->target, "Build up to this stage");
  cmd->add_option("--platform", o->platform, "Target platform, os/arch[/variant] (default: this machine)");
  cmd->add_flag("--dry-run", o->dry_run, "Print the build plan without running anything");
  cmd->add_flag("--json", o->json, "With --dry-run: print the plan as JSON");
  cmd->callback([o] {
    for (auto& t : o->tags) normalize_ref(t);  // a bad -t fails before any work
    if (o->json && !o->dry_run) throw Error("--json is only meaningful with --dry-run");
    std::string file = o->file;
    if (file.empty()) file = o->context == "-" ? "-" : o->context + "/Dockerfile";
    if (file.starts_with("./")) file = file.substr(2);

    builder::PlanOptions opts;
    opts.filename = file == "-" ? "Dockerfile" : file;
    opts.target = o->target;
    opts.build_platform = oci::host_platform();
    opts.target_platform = o->platform.empty() ? opts.build_platform : oci::parse_platform(o->platform);
    for (auto& kv : o->build_args) {
      auto eq = kv.find('=');
      if (eq == 0) throw Error("invalid --build-arg \"" + kv + "\": want KEY=VALUE or KEY");
      if (eq != std::string::npos) {
        opts.build_args[kv.substr(0, eq)] = kv.substr(eq + 1);
      } else if (const char* v = std::getenv(kv.c_str())) {
        opts.build_args[kv] = v;  // docker takes a bare KEY from the environment, and skips it when unset
      }
    }
    auto parsed = builder::parse_dockerfile(read_dockerfile(file), opts.filename);
    for (auto& w : parsed.warnings) std::fprintf(stderr, "%s\n", w.c_str());
    auto plan = builder::make_plan(parsed, opts);
    if (!o->dry_run)
      throw Error("this hoist plans builds but does not execute them yet (the executor is issue 6): use --dry-run");
    if (o->json) {
      std::fputs(builder::plan_json(plan).c_str(), stdout);
    } else {
      for (auto& w : plan.warnings) std::fprintf(stderr, "%s\n", w.c_str());
      std::fputs(builder::plan_text(plan).c_str(), stdout);
    }
  });
}

}  // namespace hoist::cli
