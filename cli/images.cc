#include <ctime>

#include "cli/command.h"
#include "common/error.h"
#include "common/human_size.h"
#include "oci/image_config.h"
#include "oci/media_types.h"
#include "publish/reference.h"

namespace hoist::cli {

namespace {

// "2024-01-02T03:04:05Z" -> "3 days ago", as docker images shows it.
std::string human_age(const std::string& created) {
  struct tm tm {};
  if (created.empty() || !strptime(created.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return "N/A";
  int64_t age = static_cast<int64_t>(::time(nullptr)) - static_cast<int64_t>(timegm(&tm));
  struct Unit {
    int64_t secs;
    const char* name;
  } units[] = {{365 * 86400, "year"}, {30 * 86400, "month"}, {7 * 86400, "week"}, {86400, "day"},
               {3600, "hour"},        {60, "minute"},        {1, "second"}};
  if (age < 1) return "Less than a second ago";
  for (auto& u : units) {
    if (age >= u.secs) {
      int64_t n = age / u.secs;
      return std::to_string(n) + " " + u.name + (n == 1 ? "" : "s") + " ago";
    }
  }
  return "N/A";
}

}  // namespace

void register_images(CLI::App& app, Globals& g) {
  auto quiet = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("images", "List images in the local store");
  cmd->add_flag("-q,--quiet", *quiet, "Only show image IDs");
  cmd->callback([quiet, &g] {
    oci::Store store = g.open_store();
    if (!*quiet) std::printf("%-40s %-16s %-14s %-23s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
    for (auto& e : store.list()) {
      std::string ref = e.annotation(oci::kRefNameAnnotation);
      std::string repo = "<none>", tag = "<none>";
      if (!ref.empty()) {
        auto r = publish::parse_normalized(ref);
        repo = r.familiar();
        if (!r.tag.empty()) tag = r.tag;
      }
      std::string id = e.digest.str(), created;
      int64_t size = 0;
      if (oci::media::is_manifest(e.media_type) && store.has_blob(e.digest)) {
        auto m = oci::Manifest::parse(store.read_blob(e.digest));
        id = m.config.digest.str();
        size = m.config.size;
        for (auto& l : m.layers) size += l.size;
        created = oci::ImageConfig::parse(store.read_blob(m.config.digest)).created;
      }
      std::string short_id = id.substr(7, 12);
      if (*quiet) {
        std::printf("%s\n", short_id.c_str());
        continue;
      }
      std::printf("%-40s %-16s %-14s %-23s %s\n", repo.c_str(), tag.c_str(), short_id.c_str(),
                  human_age(created).c_str(), human_size(static_cast<uint64_t>(size)).c_str());
    }
  });
}

}  // namespace hoist::cli
