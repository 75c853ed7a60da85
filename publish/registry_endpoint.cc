#include "publish/registry_endpoint.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::publish {

namespace {

// Docker's place for per-registry certificates: the one every guide names, so the one our hint names.
constexpr const char* kDockerCertsRoot = "/etc/docker/certs.d";
// docker.io is the name in references; its API lives elsewhere.
constexpr const char* kDockerHub = "docker.io";
constexpr const char* kDockerHubApi = "registry-1.docker.io";

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> list_dir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) throw_sys("open", dir);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  // Sorted, so the client pair chosen among several is the same on every run.
  std::sort(names.begin(), names.end());
  return names;
}

std::string trim(std::string s) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
  return s;
}

std::string tls_fix_hint(const std::string& host, const Endpoint& e) {
  if (!e.certs_dir.empty()) {
    if (e.tls.verify)
      return "(check the CAs (*.crt) and client certificate (*.cert, *.key) in " + e.certs_dir +
             ", or use --tls-verify=false)";
    return "(check the client certificate (*.cert, *.key) in " + e.certs_dir + ")";
  }
  // Docker reads no certs.d for Docker Hub, so neither do we: only --cert-dir can add a CA there.
  if (host == kDockerHub) return "(give the registry's CA with --cert-dir, or use --tls-verify=false)";
  std::string dir = std::string(kDockerCertsRoot) + "/" + host;
  if (e.tls.verify) return "(put the registry's CA in " + dir + "/ca.crt, or use --cert-dir or --tls-verify=false)";
  return "(put a client certificate in " + dir + "/client.cert and client.key, or use --cert-dir)";
}

}  // namespace

std::vector<std::string> default_certs_roots() {
  std::vector<std::string> roots;
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  if (xdg && *xdg) roots.push_back(std::string(xdg) + "/containers/certs.d");
  else if (home && *home) roots.push_back(std::string(home) + "/.config/containers/certs.d");
  roots.push_back("/etc/containers/certs.d");
  roots.push_back(kDockerCertsRoot);
  return roots;
}

std::vector<std::string> default_insecure_registries(const std::string& daemon_json) {
  std::vector<std::string> hosts;
  if (const char* env = std::getenv("HOIST_INSECURE_REGISTRIES")) {
    std::string list = env;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t comma = std::min(list.find(',', pos), list.size());
      std::string host = trim(list.substr(pos, comma - pos));
      pos = comma + 1;
      if (host.empty()) continue;
      if (host.find('/') != std::string::npos)
        throw Error("HOIST_INSECURE_REGISTRIES: \"" + host + "\" is not a host[:port] (no scheme, no path)");
      hosts.push_back(host);
    }
  }
  // Docker's file, often readable by root only: when we cannot read it, docker's settings are not ours to know.
  if (::access(daemon_json.c_str(), R_OK) != 0) return hosts;
  auto j = nlohmann::json::parse(fs::read_file(daemon_json), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error(daemon_json + ": not a JSON object");
  if (!j.contains("insecure-registries")) return hosts;
  const auto& list = j["insecure-registries"];
  if (!list.is_array()) throw Error(daemon_json + ": \"insecure-registries\" is not a list");
  for (const auto& entry : list) {
    if (!entry.is_string()) throw Error(daemon_json + ": \"insecure-registries\" holds a non-string");
    std::string host = trim(entry.get<std::string>());
    // CIDR ranges ("10.0.0.0/8") match resolved addresses in docker; only names are matched here.
    if (!host.empty() && host.find('/') == std::string::npos) hosts.push_back(host);
  }
  return hosts;
}

std::string find_certs_dir(const std::string& host, const std::vector<std::string>& roots) {
  for (auto& root : roots)
    if (std::string dir = root + "/" + host; is_dir(dir)) return dir;
  return "";
}

void load_certs_dir(const std::string& dir, TlsConfig& tls) {
  for (auto& name : list_dir(dir)) {
    std::string path = dir + "/" + name;
    if (!is_file(path)) continue;
    std::string stem = name.substr(0, name.rfind('.'));
    if (name.ends_with(".crt")) {
      tls.ca_files.push_back(path);
    } else if (name.ends_with(".cert")) {
      if (!is_file(dir + "/" + stem + ".key"))
        throw Error(path + ": client certificate without its key " + stem +
                    ".key (CA certificates must be named *.crt)");
      if (tls.client_cert.empty()) {
        tls.client_cert = path;
        tls.client_key = dir + "/" + stem + ".key";
      }
    } else if (name.ends_with(".key")) {
      if (!is_file(dir + "/" + stem + ".cert"))
        throw Error(path + ": key without its client certificate " + stem + ".cert");
    }
  }
}

bool is_loopback_host(const std::string& host) {
  std::string name = host;
  if (name.starts_with("[")) {
    name = name.substr(1, name.find(']') - 1);
  } else if (std::count(name.begin(), name.end(), ':') == 1) {
    name.erase(name.find(':'));
  }
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name == "localhost") return true;
  in_addr v4;
  if (::inet_pton(AF_INET, name.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  return ::inet_pton(AF_INET6, name.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

Endpoint resolve_endpoint(const std::string& host, const EndpointOptions& options) {
  Endpoint e;
  e.host = host;
  if (!options.cert_dir.empty()) {
    if (!is_dir(options.cert_dir)) throw Error("--cert-dir " + options.cert_dir + ": no such directory");
    e.certs_dir = options.cert_dir;
  } else if (host != kDockerHub) {
    e.certs_dir = find_certs_dir(host, options.certs_roots);
  }
  if (!e.certs_dir.empty()) load_certs_dir(e.certs_dir, e.tls);

  bool insecure;
  if (options.tls_verify) {
    insecure = !*options.tls_verify;
  } else {
    const auto& named = options.insecure_registries;
    // Docker treats loopback as insecure; a certs directory for it says the user set up real TLS.
    insecure = std::find(named.begin(), named.end(), host) != named.end() ||
               (is_loopback_host(host) && e.certs_dir.empty());
  }
  e.tls.verify = !insecure;
  std::string api_host = host == kDockerHub ? kDockerHubApi : host;
  e.candidates.push_back("https://" + api_host);
  if (insecure) e.candidates.push_back("http://" + api_host);
  e.tls.fix_hint = tls_fix_hint(host, e);
  return e;
}

std::string pick_base_url(const Endpoint& endpoint, HttpClient& http) {
  if (endpoint.candidates.size() == 1) return endpoint.candidates.front();
  std::optional<Error> first;
  for (auto& base : endpoint.candidates) {
    HttpRequest probe;
    probe.url = base + "/v2/";
    try {
      HttpResponse r = http.send(probe);
      // 400 to a bare GET /v2/ is no registry's answer: it is how Go and nginx
      // TLS servers turn away plain HTTP, so that candidate does not count.
      if (r.status != 400) return base;
      if (!first) first = Error("HTTP 400 from " + probe.url + " (a TLS-only server?)");
    } catch (const Error& e) {
      if (!first) first = e;
    }
  }
  if (!first) throw Error("no way to reach " + endpoint.host);
  throw *first;
}

}  // namespace hoist::publish
