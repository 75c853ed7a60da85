#include "cli/command.h"
#include "common/error.h"

namespace hoist::cli {

void register_rmi(CLI::App& app, Globals& g) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("rmi", "Remove image names from the local store (blobs go with `hoist prune`)");
  cmd->add_option("name", *names, "Image name")->required();
  cmd->callback([names, &g] {
    oci::Store store = g.open_store();
    for (auto& n : *names) {
      std::string ref = normalize_ref(n);
      if (!store.untag(ref)) throw Error("no such image: " + n);
      std::printf("Untagged: %s\n", ref.c_str());
    }
  });
}

}  // namespace hoist::cli
