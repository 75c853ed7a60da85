#include "cli/command.h"
#include "common/error.h"

namespace hoist::cli {

void register_tag(CLI::App& app, Globals& g) {
  struct Opts {
    RemoteCopyOptions remote;
    bool is_remote = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("tag", "Give an image another name (locally, or in a registry with --remote)");
  cmd->add_option("source", o->remote.source, "Existing image name or ID")->required();
  cmd->add_option("target", o->remote.destination, "New name, NAME[:TAG]")->required();
  cmd->add_flag("--remote", o->is_remote, "Both names are registry references: copy SOURCE to TARGET there");
  add_remote_copy_flags(cmd, o->remote);
  add_registry_flags(cmd, g);
  cmd->callback([o, &g] {
    if (o->is_remote) return copy_remote(g, o->remote);
    oci::Store store = g.open_store();
    auto img = find_image(store, o->remote.source);
    store.tag(normalize_ref(o->remote.destination), img.manifest);
  });
}

}  // namespace hoist::cli
