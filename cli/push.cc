#include "cli/command.h"
#include "common/error.h"
#include "common/fs.h"
#include "publish/blob_sources.h"
#include "publish/progress_display.h"
#include "publish/reference.h"
#include "publish/registry_image.h"
#include "publish/store_image.h"

namespace hoist::cli {

publish::CopyStats push_to_registry(const Globals& g, oci::Store& store, const oci::Descriptor& manifest,
                                    const publish::Reference& dest, const std::string& what,
                                    const std::string& progress_mode, bool quiet, publish::Registry* registry,
                                    std::function<bool(const oci::Digest&)> already_sent) {
  RemoteRegistry remote;
  if (!registry) {
    remote = open_registry(g, dest.domain);
    registry = remote.registry.get();
  }
  publish::StoreSource src(store, manifest);
  publish::RegistrySink sink(*registry, dest);
  sink.set_mount_sources(publish::mount_sources(store, dest));
  std::unique_ptr<publish::ProgressDisplay> progress;
  if (!quiet) progress = publish::make_stdout_progress(progress_mode, "uploading");
  auto stats = with_context("pushing " + what + " to " + dest.str(),
                            [&] {
    return publish::copy(src, sink, {}, {.progress = progress.get(), .already_sent = std::move(already_sent)});
  });
  if (progress) progress->finish();
  publish::record_blob_sources(store, manifest, dest);
  return stats;
}

void register_push(CLI::App& app, Globals& g) {
  struct Opts {
    std::string local, dest, digestfile, progress = "auto";
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("push", "Upload an image from the local store to a registry");
  cmd->add_option("image", o->local, "Local image name or ID")->required();
  cmd->add_option("destination", o->dest, "Registry reference to push to (default: the image's own name)");
  cmd->add_option("--digestfile", o->digestfile, "Write the pushed manifest's digest to this file");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only the digest");
  cmd->add_option("--progress", o->progress, "auto, tty or plain (default auto)");
  add_registry_flags(cmd, g);
  cmd->callback([o, &g] {
    oci::Store store = g.open_store();
    auto img = find_image(store, o->local);
    std::string dest_text = o->dest.empty() ? img.ref : o->dest;
    if (dest_text.empty()) throw Error("image " + o->local + " has no name: give a destination reference");
    auto dest = publish::with_default_tag(publish::parse_normalized(dest_text));
    auto stats = push_to_registry(g, store, img.manifest, dest, o->local, o->progress, o->quiet);
    if (!o->digestfile.empty()) fs::write_file_atomic(o->digestfile, img.manifest.digest.str() + "\n");
    if (!o->quiet)
      std::printf("Pushed %s: %llu blobs uploaded, %llu mounted, %llu already there\n", dest.str().c_str(),
                  static_cast<unsigned long long>(stats.blobs_copied), static_cast<unsigned long long>(stats.blobs_mounted),
                  static_cast<unsigned long long>(stats.blobs_skipped));
    std::printf("%s\n", img.manifest.digest.str().c_str());
  });
}

}  // namespace hoist::cli
