#include "cli/command.h"

namespace hoist::cli {

void register_prune(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("prune", "Remove blobs no image in the local store references");
  cmd->callback([&g] {
    oci::Store store = g.open_store();
    // Blobs of builds, pulls and loads still running are not referenced yet: prune waits for them (oci/gc_lock.h).
    auto r = store.prune([] { std::fprintf(stderr, "waiting for running hoist processes\n"); });
    std::printf("Deleted %llu blobs, reclaimed %llu bytes\n", static_cast<unsigned long long>(r.blobs),
                static_cast<unsigned long long>(r.bytes));
  });
}

}  // namespace hoist::cli
