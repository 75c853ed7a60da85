#include "cli/command.h"
#include "common/error.h"
#include "oci/gc_lock.h"
#include "publish/blob_sources.h"
#include "publish/progress_display.h"
#include "publish/reference.h"
#include "publish/registry_image.h"
#include "publish/store_image.h"

namespace hoist::cli {

void register_pull(CLI::App& app, Globals& g) {
  struct Opts {
    std::string ref, platform, progress = "auto";
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("pull", "Download an image from a registry into the local store");
  cmd->add_option("reference", o->ref, "Image reference, NAME[:TAG|@DIGEST]")->required();
  cmd->add_option("--platform", o->platform, "Platform to pull from a multi-platform image (default: this machine)");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only the digest");
  cmd->add_option("--progress", o->progress, "auto, tty or plain (default auto)");
  add_registry_flags(cmd, g);
  cmd->callback([o, &g] {
    auto ref = publish::parse_docker_ref(o->ref);
    std::string platform = o->platform.empty() ? oci::format_platform(oci::host_platform()) : o->platform;
    oci::Store store = g.open_store();
    // Its blobs are in the store before a tag references them: no prune until it ends (oci/gc_lock.h).
    oci::GcLock writing(store.root(), oci::GcLock::Mode::Shared);
    auto remote = open_registry(g, ref.domain);
    with_context("pulling " + ref.str(), [&] {
      publish::RegistrySource src(*remote.registry, ref);
      narrow_to_platform(src, platform, ref.str());
      publish::StoreSink sink(store, oci::BlobFile::Cache::Bypass);
      std::unique_ptr<publish::ProgressDisplay> progress;
      if (!o->quiet) progress = publish::make_stdout_progress(o->progress, "downloading");
      auto stats = publish::copy(src, sink, {ref.str()}, {.progress = progress.get()});
      if (progress) progress->finish();
      publish::record_blob_sources(store, src.root(), ref);
      if (!o->quiet)
        std::printf("Pulled %s: %llu blobs downloaded, %llu already present\n", ref.str().c_str(),
                    static_cast<unsigned long long>(stats.blobs_copied),
                    static_cast<unsigned long long>(stats.blobs_skipped));
      std::printf("%s\n", src.root().digest.str().c_str());
    });
  });
}

}  // namespace hoist::cli
