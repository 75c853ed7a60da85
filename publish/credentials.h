#pragma once
// Registry credentials where docker keeps them: ~/.docker/config.json (`auths`, `credsStore`,
// `credHelpers`) and docker-credential-* helpers, with podman's auth.json as a read-only
// fallback. A login made with `docker login` works for hoist and the other way round.
//
// Errors are hoist::Error with one line; problems in a file name the file, problems with a
// helper name the helper. Secrets never appear in error messages.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "publish/credential_helper.h"

namespace hoist::publish {

struct Credentials {
  std::string username, password;
  std::string identity_token;  // OAuth2 refresh token: exchanged at the token server, never sent
                               // to the registry itself
  std::string registry_token;  // bearer token sent to the registry as is
  bool empty() const;
  friend bool operator==(const Credentials&, const Credentials&) = default;
};

// The key Docker Hub's credentials live under, whatever the Hub host was called.
inline constexpr std::string_view kDockerHubCredentialKey = "https://index.docker.io/v1/";

// docker/cli credentials.ConvertToHostname: "https://host:5000/v2/" -> "host:5000"; parses
// URLs the way Go's net/url does, so odd inputs map where docker maps them.
std::string convert_to_hostname(std::string_view server);

// The key docker stores and looks up credentials under: kDockerHubCredentialKey for "",
// docker.io, index.docker.io and registry-1.docker.io (in any URL spelling), else
// convert_to_hostname(server).
std::string credential_key(std::string_view server);

class CredentialStore {
 public:
  // default_path(), with default_fallback_paths() consulted when it has nothing.
  CredentialStore();
  // `readonly_fallbacks` are podman auth.json files, read in order after config_path.
  explicit CredentialStore(std::string config_path,
                           std::vector<std::string> readonly_fallbacks = {},
                           std::unique_ptr<ProcessRunner> runner = nullptr);

  // $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
  static std::string default_path();
  // $REGISTRY_AUTH_FILE if set (podman's override), else ${XDG_RUNTIME_DIR}/containers/auth.json
  // if XDG_RUNTIME_DIR is set; empty otherwise.
  static std::vector<std::string> default_fallback_paths();

  const std::string& path() const { return path_; }

  // What docker's registry client would send for `registry_host` (a host[:port] or any legacy
  // URL spelling of one). Empty Credentials when nothing is stored anywhere or a helper
  // answers "credentials not found".
  Credentials get(std::string_view registry_host);

  // `docker login`: through the helper configured for the host (credHelpers, else credsStore),
  // leaving an empty `auths` entry like docker does; otherwise into `auths` as base64
  // user:password. config.json is rewritten atomically with mode 0600, its other content kept.
  void store(std::string_view registry_host, const Credentials& creds);

  // `docker logout`: erases the host in its helper (under each spelling docker tries) and
  // removes every `auths` key that names the host. True when anything was removed; throws
  // only when nothing was and a helper failed.
  bool erase(std::string_view registry_host);

  // The helper suffix ("desktop", "pass") credentials for the host go through, "" when they
  // are kept in config.json itself (where `docker login` warns they are unencrypted).
  std::string helper_for(std::string_view registry_host) const;

 private:
  std::string path_;
  std::vector<std::string> fallbacks_;
  std::unique_ptr<ProcessRunner> runner_;
};

}  // namespace hoist::publish
