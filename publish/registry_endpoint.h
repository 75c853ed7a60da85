#pragma once
// How to reach a registry host, with docker's rules: which certs.d directory
// holds its CAs and client certificate, whether it is insecure, and the base
// URLs to try in order (https first; plain http only for insecure hosts).
#include <optional>
#include <string>
#include <vector>

#include "publish/http_client.h"

namespace hoist::publish {

struct EndpointOptions {
  std::optional<bool> tls_verify;  // --tls-verify: true demands verified https, false allows insecure
  std::string cert_dir;            // --cert-dir: used instead of searching certs_roots
  // Searched in order for <root>/<host[:port]>/ (the CLI passes default_certs_roots()).
  std::vector<std::string> certs_roots;
  // host[:port] names treated as insecure, matched exactly (the CLI passes default_insecure_registries()).
  std::vector<std::string> insecure_registries;
};

// $XDG_CONFIG_HOME/containers/certs.d (or ~/.config/…), /etc/containers/certs.d, /etc/docker/certs.d.
std::vector<std::string> default_certs_roots();

// $HOIST_INSECURE_REGISTRIES (comma-separated) and the host entries of the
// "insecure-registries" of `daemon_json` (docker's), when that file is readable.
std::vector<std::string> default_insecure_registries(const std::string& daemon_json = "/etc/docker/daemon.json");

// The first <root>/<host>/ that exists, or "".
std::string find_certs_dir(const std::string& host, const std::vector<std::string>& roots);

// Adds `dir`'s *.crt to tls.ca_files and its *.cert/*.key pair as the client
// certificate; an unpaired .cert or .key is an error naming it, as in docker.
void load_certs_dir(const std::string& dir, TlsConfig& tls);

// localhost, 127.0.0.0/8 or ::1, with or without a port.
bool is_loopback_host(const std::string& host);

struct Endpoint {
  std::string host;                     // as in the reference
  TlsConfig tls;                        // for every candidate
  std::vector<std::string> candidates;  // base URLs, most secure first
  std::string certs_dir;                // where tls came from, "" when no directory applies
};

// Applies the rules; reads the certs directory but does no network I/O.
Endpoint resolve_endpoint(const std::string& host, const EndpointOptions& options);

// The first candidate that answers GET /v2/ with an HTTP response other than
// 400 (no probe when there is one candidate). When none does, throws the
// error of the first: the https one is what the user has to fix.
std::string pick_base_url(const Endpoint& endpoint, HttpClient& http);

}  // namespace hoist::publish
