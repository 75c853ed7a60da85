#include "cli/command.h"
#include "common/error.h"
#include "publish/oci_layout.h"
#include "publish/store_image.h"

namespace hoist::cli {

void register_export(CLI::App& app, Globals& g) {
  auto name = std::make_shared<std::string>();
  auto dest = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("export", "Write an image as a standalone OCI image layout");
  cmd->add_option("name", *name, "Image name or ID")->required();
  cmd->add_option("--oci", *dest, "Destination directory, or FILE.tar for a tar of the layout")->required();
  cmd->callback([name, dest, &g] {
    oci::Store store = g.open_store();
    auto img = find_image(store, *name);
    publish::StoreSource src(store, img.manifest);
    publish::OciLayoutSink sink(*dest);
    std::vector<std::string> tags;
    if (!img.ref.empty()) tags.push_back(img.ref);
    with_context("exporting " + *name + " to " + *dest, [&] { publish::copy(src, sink, tags); });
  });
}

}  // namespace hoist::cli
