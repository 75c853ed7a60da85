// `hoist copy SRC DEST` (and `hoist tag --remote`): registry to registry,
// blobs streamed through memory, a whole index unless --platform narrows it.
#include "cli/command.h"
#include "common/error.h"
#include "oci/media_types.h"
#include "publish/progress_display.h"
#include "publish/reference.h"
#include "publish/registry_image.h"

namespace hoist::cli {

publish::Reference remote_ref(const std::string& text) {
  std::string t = text.starts_with("docker://") ? text.substr(9) : text;
  return publish::parse_docker_ref(t);
}

oci::Descriptor narrow_to_platform(publish::RegistrySource& src, const std::string& platform, const std::string& what) {
  if (platform.empty() || !oci::media::is_index(src.root().media_type)) return src.root();
  // Nested indexes are flattened: their images compete with the outer ones.
  oci::Index all;
  std::function<void(const oci::Descriptor&, int)> collect = [&](const oci::Descriptor& d, int depth) {
    if (depth > 8) throw Error("indexes of " + what + " are nested more than 8 deep");
    for (auto& m : oci::Index::parse(src.read_manifest(d)).manifests) {
      if (oci::media::is_index(m.media_type)) collect(m, depth + 1);
      else all.manifests.push_back(m);
    }
  };
  collect(src.root(), 0);
  src.set_root(publish::select_platform(all, oci::parse_platform(platform), what));
  return src.root();
}

void copy_remote(Globals& g, const RemoteCopyOptions& o) {
  auto src_ref = remote_ref(o.source);
  auto dst_ref = publish::with_default_tag(remote_ref(o.destination));
  if (!dst_ref.digest.empty()) throw Error("destination " + o.destination + " names a digest: give a tag");
  auto src_remote = open_registry(g, src_ref.domain);
  // One connection (and one token cache) when both are on the same registry.
  RemoteRegistry dst_owned;
  publish::Registry* dst_registry = src_remote.registry.get();
  if (dst_ref.domain != src_ref.domain) {
    dst_owned = open_registry(g, dst_ref.domain);
    dst_registry = dst_owned.registry.get();
  }
  with_context("copying " + src_ref.str() + " to " + dst_ref.str(), [&] {
    publish::RegistrySource src(*src_remote.registry, src_ref);
    oci::Descriptor root = narrow_to_platform(src, o.platform, src_ref.str());
    publish::RegistrySink sink(*dst_registry, dst_ref);
    // Within one registry every blob can be mounted from the source repository.
    if (dst_ref.domain == src_ref.domain && dst_ref.path != src_ref.path)
      sink.set_mount_sources([from = src_ref.path](const oci::Digest&) { return std::vector<std::string>{from}; });
    std::unique_ptr<publish::ProgressDisplay> progress;
    if (!o.quiet) progress = publish::make_stdout_progress(o.progress, "copying");
    auto stats = publish::copy(src, sink, {}, {.progress = progress.get()});
    if (progress) progress->finish();
    if (!o.quiet)
      std::printf("Copied %s to %s: %llu blobs copied, %llu mounted, %llu already there\n", src_ref.str().c_str(),
                  dst_ref.str().c_str(), static_cast<unsigned long long>(stats.blobs_copied),
                  static_cast<unsigned long long>(stats.blobs_mounted),
                  static_cast<unsigned long long>(stats.blobs_skipped));
    std::printf("%s\n", root.digest.str().c_str());
  });
}

void add_remote_copy_flags(CLI::App* cmd, RemoteCopyOptions& o) {
  cmd->add_option("--platform", o.platform, "Copy only this platform's manifest of a multi-platform image");
  cmd->add_option("--progress", o.progress, "auto, tty or plain (default auto)");
  cmd->add_flag("-q,--quiet", o.quiet, "Print only the digest");
}

void register_copy(CLI::App& app, Globals& g) {
  auto o = std::make_shared<RemoteCopyOptions>();
  auto* cmd = app.add_subcommand("copy", "Copy an image or a whole index from one registry reference to another");
  cmd->add_option("source", o->source, "Source reference, [docker://]NAME[:TAG|@DIGEST]")->required();
  cmd->add_option("destination", o->destination, "Destination reference, [docker://]NAME[:TAG]")->required();
  add_remote_copy_flags(cmd, *o);
  add_registry_flags(cmd, g);
  cmd->callback([o, &g] { copy_remote(g, *o); });
}

}  // namespace hoist::cli
