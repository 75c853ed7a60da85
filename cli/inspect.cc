#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "common/error.h"
#include "oci/media_types.h"
#include "publish/registry_image.h"

namespace hoist::cli {

namespace {

// What `inspect` shows of one image, wherever its documents come from.
// `chosen` is the platform's manifest when the root is an index.
nlohmann::ordered_json describe(const std::string& name, const oci::Descriptor& root, const std::string& root_bytes,
                                const std::optional<std::pair<oci::Descriptor, std::string>>& chosen,
                                const std::function<std::string(const oci::Descriptor&)>& read_blob) {
  nlohmann::ordered_json j;
  j["Name"] = name;
  j["Digest"] = root.digest.str();
  j["MediaType"] = root.media_type;
  j["Manifest"] = nlohmann::ordered_json::parse(root_bytes);
  if (chosen) {
    auto& d = chosen->first;
    j["Image"] = {{"Digest", d.digest.str()}, {"Platform", d.platform ? oci::format_platform(*d.platform) : ""}};
  }
  const oci::Descriptor& image = chosen ? chosen->first : root;
  if (oci::media::is_manifest(image.media_type)) {
    auto m = oci::Manifest::parse(chosen ? chosen->second : root_bytes);
    j["Id"] = m.config.digest.str();
    j["Config"] = nlohmann::ordered_json::parse(read_blob(m.config));
  }
  return j;
}

}  // namespace

void register_inspect(CLI::App& app, Globals& g) {
  struct Opts {
    std::vector<std::string> names;
    std::string platform;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("inspect", "Show the manifest and config of images as JSON");
  cmd->add_option("name", o->names, "Image name or ID; docker://REF reads a registry without pulling")->required();
  cmd->add_option("--platform", o->platform,
                  "For a docker:// multi-platform image, the platform to describe (default: this machine)");
  add_registry_flags(cmd, g);
  cmd->callback([o, &g] {
    auto out = nlohmann::ordered_json::array();
    for (auto& n : o->names) {
      if (n.starts_with("docker://")) {
        auto ref = remote_ref(n);
        auto remote = open_registry(g, ref.domain);
        out.push_back(with_context("inspecting " + ref.str(), [&] {
          publish::RegistrySource src(*remote.registry, ref);
          oci::Descriptor root = src.root();
          std::string root_bytes = src.read_manifest(root);
          std::optional<std::pair<oci::Descriptor, std::string>> chosen;
          if (oci::media::is_index(root.media_type)) {
            std::string platform = o->platform.empty() ? oci::format_platform(oci::host_platform()) : o->platform;
            oci::Descriptor d = narrow_to_platform(src, platform, ref.str());
            chosen.emplace(d, src.read_manifest(d));
          }
          return describe(ref.str(), root, root_bytes, chosen, [&](const oci::Descriptor& d) {
            layers::StringWriter w;
            src.read_blob(d, w);  // a source need not check the digest: see ImageSource::read_blob
            if (oci::Digest::of(w.out) != d.digest) throw Error("blob " + d.digest.str() + " of " + ref.str() + " is corrupt");
            return w.out;
          });
        }));
        continue;
      }
      oci::Store store = g.open_store();
      auto img = find_image(store, n);
      out.push_back(describe(img.ref, img.manifest, store.read_blob(img.manifest.digest), std::nullopt,
                             [&](const oci::Descriptor& d) { return store.read_blob(d.digest); }));
    }
    std::printf("%s\n", out.dump(4).c_str());
  });
}

}  // namespace hoist::cli
