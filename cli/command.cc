#include "cli/command.h"

#include <cstdlib>

#include "builder/duration.h"
#include "common/error.h"
#include "oci/media_types.h"
#include "publish/reference.h"
#include "publish/registry_endpoint.h"

namespace hoist::cli {

oci::Store Globals::open_store() const { return oci::Store(root.empty() ? oci::default_root() : root); }

void add_registry_flags(CLI::App* cmd, Globals& g) {
  // A flag, so `--tls-verify=false` works but `--tls-verify x` leaves x alone (as Go's bool flags do).
  // Through a function: CLI11 would set an optional<bool> to false when the flag is absent.
  cmd->add_flag_function("--tls-verify", [&g](std::int64_t n) { g.tls_verify = n > 0; },
                         "Require HTTPS and verify certificates (default true; =false also allows plain HTTP)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("--cert-dir", g.cert_dir, "Use DIR's *.crt, *.cert and *.key instead of certs.d")->type_name("DIR");
  cmd->add_option("--retry", g.retry, "Retries of a failed registry request (default 3)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--retry-delay", g.retry_delay, "Delay before the first retry, doubled after each (default 2s)");
  cmd->add_option("--stall-timeout", g.stall_timeout,
                  "A transfer moving under 1 KB/s this long fails and is retried (default 60s)");
}

RemoteRegistry open_registry(const Globals& g, const std::string& host,
                             std::optional<publish::Credentials> credentials) {
  auto retry_delay = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(
      with_context("--retry-delay", [&] { return builder::parse_go_duration(g.retry_delay); })));
  if (!credentials) {
    try {
      credentials = publish::CredentialStore().get(host);
    } catch (const Error& e) {
      // docker stops here; a broken credential helper should not block pulls of public images.
      std::fprintf(stderr, "hoist: warning: %s; continuing without credentials for %s\n", e.describe().c_str(),
                   host.c_str());
      credentials.emplace();
    }
  }
  auto stall = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::nanoseconds(
      with_context("--stall-timeout", [&] { return builder::parse_go_duration(g.stall_timeout); })));
  if (stall.count() < 1) throw Error("--stall-timeout must be at least 1s");
  publish::EndpointOptions options;
  options.tls_verify = g.tls_verify;
  options.cert_dir = g.cert_dir;
  options.certs_roots = publish::default_certs_roots();
  options.insecure_registries = publish::default_insecure_registries();
  publish::Endpoint endpoint = publish::resolve_endpoint(host, options);
  RemoteRegistry r;
  r.http = publish::make_curl_client(endpoint.tls, stall);
  std::string base_url = publish::pick_base_url(endpoint, *r.http);
  r.registry = std::make_unique<publish::Registry>(host, *r.http, base_url, *credentials);
  r.registry->set_retry(g.retry, retry_delay);
  return r;
}

std::string normalize_ref(const std::string& text) { return publish::parse_docker_ref(text).str(); }

static bool is_hex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

LocalImage find_image(const oci::Store& store, const std::string& text) {
  auto entries = store.list();
  std::string id = text.starts_with("sha256:") ? text.substr(7) : text;
  // A hex string of 4+ characters is tried as an ID first, as docker does for "inspect 1a2b".
  if (id.size() >= 4 && id.size() <= 64 && is_hex(id)) {
    std::vector<LocalImage> found;
    for (auto& e : entries) {
      bool hit = e.digest.hex().starts_with(id);
      if (!hit && oci::media::is_manifest(e.media_type))
        hit = oci::Manifest::parse(store.read_blob(e.digest)).config.digest.hex().starts_with(id);
      if (!hit) continue;
      bool dup = false;
      for (auto& f : found) dup |= f.manifest.digest == e.digest;
      if (!dup) found.push_back({e.annotation(oci::kRefNameAnnotation), e});
    }
    if (found.size() == 1) return found[0];
    if (found.size() > 1) throw Error("image ID \"" + text + "\" is ambiguous: give more digits");
  }
  std::string ref = normalize_ref(text);
  for (auto& e : entries)
    if (e.annotation(oci::kRefNameAnnotation) == ref) return {ref, e};
  throw Error("no such image: " + text);
}

std::optional<int64_t> source_date_epoch() {
  const char* v = std::getenv("SOURCE_DATE_EPOCH");
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (*end || n < 0) throw Error(std::string("invalid SOURCE_DATE_EPOCH \"") + v + "\": want seconds since 1970");
  return n;
}

}  // namespace hoist::cli
