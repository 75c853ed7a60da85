// hoist: build and publish container images without a daemon.
#include <cstdio>

#include "cli/command.h"
#include "common/error.h"

int main(int argc, char** argv) {
  CLI::App app{"hoist: build and publish container images without a daemon", "hoist"};
  app.require_subcommand(1);
  // One line for bad usage too, like every other error.
  app.failure_message([](const CLI::App* top, const CLI::Error& e) {
    auto chosen = top->get_subcommands();
    std::string cmd = chosen.empty() ? "hoist" : "hoist " + chosen.front()->get_name();
    return "hoist: " + std::string(e.what()) + " (see '" + cmd + " --help')\n";
  });
  app.set_version_flag("--version", "hoist 0.1.0");
  hoist::cli::Globals globals;
  app.add_option("--root", globals.root, "Store root (default: $HOIST_ROOT, /var/lib/hoist as root, else ~/.local/share/hoist)")
      ->envname("HOIST_ROOT");
  for (auto reg : {hoist::cli::register_import, hoist::cli::register_images, hoist::cli::register_inspect,
                   hoist::cli::register_rmi, hoist::cli::register_tag, hoist::cli::register_save,
                   hoist::cli::register_export, hoist::cli::register_prune, hoist::cli::register_load,
                   hoist::cli::register_build, hoist::cli::register_push, hoist::cli::register_pull,
                   hoist::cli::register_login, hoist::cli::register_logout,
                   hoist::cli::register_copy, hoist::cli::register_manifest, hoist::cli::register_fsck})
    reg(app, globals);
  // --root is global: accepted after the subcommand too (`hoist images --root DIR`).
  for (auto* sub : app.get_subcommands({})) sub->fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return e.get_exit_code() == 0 ? 0 : 2;
  } catch (const hoist::Error& e) {
    std::fprintf(stderr, "hoist: %s\n", e.describe().c_str());
    return 1;
  }
  return 0;
}
