#include "cli/command.h"
#include "common/error.h"
#include "publish/docker_archive.h"
#include "publish/store_image.h"

namespace hoist::cli {

void register_save(CLI::App& app, Globals& g) {
  auto name = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("save", "Write an image as a docker-archive tar (what `docker load` reads)");
  cmd->add_option("name", *name, "Image name or ID")->required();
  cmd->add_option("-o,--output", *out, "Destination tar file")->required();
  cmd->callback([name, out, &g] {
    oci::Store store = g.open_store();
    auto img = find_image(store, *name);
    publish::StoreSource src(store, img.manifest);
    publish::DockerArchiveSink sink(*out);
    std::vector<std::string> tags;
    if (!img.ref.empty()) tags.push_back(img.ref);
    with_context("saving " + *name + " to " + *out, [&] { publish::copy(src, sink, tags); });
  });
}

}  // namespace hoist::cli
