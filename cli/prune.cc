#include "cli/command.h"

namespace hoist::cli {

void register_prune(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("prune", "Remove blobs no image in the local store references");
  cmd->callback([&g] {
    oci::Store store = g.open_store();
    auto r = store.prune();
    std::printf("Deleted %llu blobs, reclaimed %llu bytes\n", static_cast<unsigned long long>(r.blobs),
                static_cast<unsigned long long>(r.bytes));
  });
}

}  // namespace hoist::cli
