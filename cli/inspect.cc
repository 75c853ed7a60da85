#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "common/error.h"
#include "oci/media_types.h"

namespace hoist::cli {

void register_inspect(CLI::App& app, Globals& g) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("inspect", "Show the manifest and config of images as JSON");
  cmd->add_option("name", *names, "Image name or ID")->required();
  cmd->callback([names, &g] {
    oci::Store store = g.open_store();
    auto out = nlohmann::ordered_json::array();
    for (auto& n : *names) {
      auto img = find_image(store, n);
      std::string manifest = store.read_blob(img.manifest.digest);
      nlohmann::ordered_json j;
      j["Name"] = img.ref;
      j["Digest"] = img.manifest.digest.str();
      j["MediaType"] = img.manifest.media_type;
      j["Manifest"] = nlohmann::ordered_json::parse(manifest);
      if (oci::media::is_manifest(img.manifest.media_type)) {
        auto m = oci::Manifest::parse(manifest);
        j["Id"] = m.config.digest.str();
        j["Config"] = nlohmann::ordered_json::parse(store.read_blob(m.config.digest));
      }
      out.push_back(j);
    }
    std::printf("%s\n", out.dump(4).c_str());
  });
}

}  // namespace hoist::cli
