// `hoist manifest REF`: the registry's manifest or index, byte for byte (as crane manifest).
#include <unistd.h>

#include "cli/command.h"
#include "common/error.h"
#include "common/fs.h"
#include "publish/registry_image.h"

namespace hoist::cli {

void register_manifest(CLI::App& app, Globals& g) {
  struct Opts {
    std::string ref, platform;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("manifest", "Print the raw manifest of a registry image");
  cmd->add_option("reference", o->ref, "Image reference, [docker://]NAME[:TAG|@DIGEST]")->required();
  cmd->add_option("--platform", o->platform, "For a multi-platform image, that platform's manifest instead of the index");
  add_registry_flags(cmd, g);
  cmd->callback([o, &g] {
    auto ref = remote_ref(o->ref);
    auto remote = open_registry(g, ref.domain);
    std::string bytes = with_context("reading the manifest of " + ref.str(), [&] {
      publish::RegistrySource src(*remote.registry, ref);
      return src.read_manifest(narrow_to_platform(src, o->platform, ref.str()));
    });
    // The exact bytes, no newline added: `hoist manifest X | sha256sum` is the digest.
    fs::write_all(STDOUT_FILENO, bytes.data(), bytes.size(), "standard output");
  });
}

}  // namespace hoist::cli
