#include "builder/import.h"
#include "cli/command.h"
#include "common/error.h"
#include "oci/gc_lock.h"

namespace hoist::cli {

void register_import(CLI::App& app, Globals& g) {
  struct Opts {
    std::string source, name, message, compression = "gzip", platform;
    std::vector<std::string> changes;
    std::optional<int64_t> timestamp;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("import", "Create a one-layer image from a root filesystem (directory or tar, - for stdin)");
  cmd->add_option("source", o->source, "Directory, tar file (gzip/zstd allowed) or - for standard input")->required();
  cmd->add_option("name", o->name, "Image name, NAME[:TAG]")->required();
  cmd->add_option("-c,--change", o->changes, "Apply a Dockerfile instruction to the config (CMD, ENV, ...)")
      ->allow_extra_args(false);
  cmd->add_option("-m,--message", o->message, "Comment for the history entry");
  cmd->add_option("--timestamp", o->timestamp, "Clamp file times and set the creation time (seconds since 1970)");
  cmd->add_option("--compression", o->compression, "Layer compression: gzip, zstd or none")->capture_default_str();
  cmd->add_option("--platform", o->platform, "Platform recorded in the config (default: this machine)");
  cmd->callback([o, &g] {
    builder::ImportOptions opts;
    opts.changes = o->changes;
    opts.message = o->message;
    opts.timestamp = o->timestamp ? o->timestamp : source_date_epoch();
    opts.compression = layers::parse_compression(o->compression);
    opts.platform = o->platform.empty() ? oci::host_platform() : oci::parse_platform(o->platform);
    std::string ref = normalize_ref(o->name);
    oci::Store store = g.open_store();
    // Its blobs are in the store before a tag references them: no prune until it ends (oci/gc_lock.h).
    oci::GcLock writing(store.root(), oci::GcLock::Mode::Shared);
    auto r = builder::import_rootfs(store, o->source, ref, opts);
    std::printf("%s\n", r.config.str().c_str());
  });
}

}  // namespace hoist::cli
