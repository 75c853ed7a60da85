#include "builder/fsck.h"
#include "cli/command.h"
#include "common/error.h"

namespace hoist::cli {

void register_fsck(CLI::App& app, Globals& g) {
  auto repair = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "fsck", "Check every blob, tag, unpacked layer and build cache record of the local store; report what is wrong");
  cmd->add_flag("--repair", *repair,
                "Also remove corrupt blobs, tags of incomplete images and what interrupted hoist processes left");
  cmd->callback([repair, &g] {
    oci::Store store = g.open_store();
    oci::FsckReport report = builder::fsck(store, *repair);
    for (const auto& f : report.findings) std::printf("%s\n", f.line().c_str());
    std::printf("fsck: %s\n", report.summary().c_str());
    std::fflush(stdout);
    if (!report.sound()) {
      uint64_t left = report.count(oci::Finding::Kind::Problem) - report.repaired(oci::Finding::Kind::Problem);
      throw Error(std::to_string(left) + (left == 1 ? " problem" : " problems") + " in " + store.root() +
                  (*repair ? " could not be repaired" : " (hoist fsck --repair repairs what it safely can)"));
    }
  });
}

}  // namespace hoist::cli
