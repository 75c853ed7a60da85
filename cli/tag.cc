#include "cli/command.h"
#include "common/error.h"

namespace hoist::cli {

void register_tag(CLI::App& app, Globals& g) {
  auto src = std::make_shared<std::string>();
  auto dst = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("tag", "Give a local image another name");
  cmd->add_option("source", *src, "Existing image name or ID")->required();
  cmd->add_option("target", *dst, "New name, NAME[:TAG]")->required();
  cmd->callback([src, dst, &g] {
    oci::Store store = g.open_store();
    auto img = find_image(store, *src);
    store.tag(normalize_ref(*dst), img.manifest);
  });
}

}  // namespace hoist::cli
