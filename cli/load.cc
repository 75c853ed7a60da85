#include <sys/stat.h>

#include "cli/command.h"
#include "common/error.h"
#include "common/fs.h"
#include "oci/gc_lock.h"
#include "publish/docker_archive.h"
#include "publish/oci_layout.h"
#include "publish/store_image.h"

namespace hoist::cli {

void register_load(CLI::App& app, Globals& g) {
  auto input = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("load", "Load an image from a docker-archive tar or an OCI layout directory");
  cmd->add_option("-i,--input", *input, "docker-archive tar, or OCI layout directory")->required();
  cmd->add_option("name", *name, "Image to take from the archive (default: the only or first one)");
  cmd->callback([input, name, &g] {
    oci::Store store = g.open_store();
    // Its blobs are in the store before a tag references them: no prune until it ends (oci/gc_lock.h).
    oci::GcLock writing(store.root(), oci::GcLock::Mode::Shared);
    publish::StoreSink sink(store);
    struct stat st;
    if (::stat(input->c_str(), &st) != 0) throw_sys("stat", *input);
    with_context("loading " + *input, [&] {
      std::unique_ptr<publish::ImageSource> src;
      std::vector<std::string> tags;
      if (S_ISDIR(st.st_mode)) {
        src = std::make_unique<publish::OciLayoutSource>(*input, *name);
        if (!name->empty()) tags.push_back(normalize_ref(*name));
      } else {
        auto archive = std::make_unique<publish::DockerArchiveSource>(*input, *name, store.root() + "/tmp");
        tags = archive->tags();
        src = std::move(archive);
      }
      publish::copy(*src, sink, tags);
      if (tags.empty()) std::printf("Loaded image ID: %s\n", src->root().digest.str().c_str());
      for (auto& t : tags) std::printf("Loaded image: %s\n", t.c_str());
    });
  });
}

}  // namespace hoist::cli
