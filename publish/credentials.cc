#include "publish/credentials.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::publish {

using Json = nlohmann::ordered_json;  // ordered: a rewrite keeps the user's key order

namespace {

constexpr std::string_view kTokenUsername = "<token>";

bool is_hub_host(std::string_view h) {
  return h == "docker.io" || h == "index.docker.io" || h == "registry-1.docker.io";
}

// --- Go net/url, the parts ConvertToHostname depends on -------------------------------------

bool valid_optional_port(std::string_view port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (char c : port.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// url.parseHost + unescape(encodeHost); nullopt where Go returns an error.
std::optional<std::string> parse_host(std::string_view host) {
  if (!host.empty() && host[0] == '[') {
    auto close = host.rfind(']');
    if (close == std::string_view::npos || !valid_optional_port(host.substr(close + 1))) {
      return std::nullopt;
    }
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    if (!valid_optional_port(host.substr(colon))) return std::nullopt;
  }
  std::string out;
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == '%') {
      if (i + 2 >= host.size()) return std::nullopt;
      int hi = unhex(host[i + 1]), lo = unhex(host[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      // Go only allows escaped non-ASCII bytes in hosts, plus %25 (IPv6 zones).
      if (hi < 8 && host.substr(i, 3) != "%25") return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x80 && !is_alnum(c) &&
        std::string_view("!$&'()*+,;=:[]<>\"-_.~").find(c) == std::string_view::npos) {
      return std::nullopt;
    }
    out += c;
  }
  return out;
}

// Path and fragment only need well-formed %XX escapes to parse.
bool valid_escapes(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || unhex(s[i + 1]) < 0 || unhex(s[i + 2]) < 0) return false;
    i += 2;
  }
  return true;
}

bool valid_userinfo(std::string_view s) {
  for (char c : s) {
    if (!is_alnum(c) && std::string_view("-._:~!$&'()*+,;=%@").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// The host of url.Parse(s) ("" when it has none); nullopt when url.Parse fails.
std::optional<std::string> url_host(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
  }
  auto hash = s.find('#');
  if (hash != std::string_view::npos && !valid_escapes(s.substr(hash + 1))) return std::nullopt;
  s = s.substr(0, hash);
  std::string_view scheme, rest = s;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return std::nullopt;  // "missing protocol scheme"
      scheme = s.substr(0, i);
      rest = s.substr(i + 1);
    }
    break;
  }
  rest = rest.substr(0, rest.find('?'));
  if (rest.empty() || rest[0] != '/') {
    if (!scheme.empty()) return std::string();  // opaque URL ("mailto:x"): no host
    if (rest.substr(0, rest.find('/')).find(':') != std::string_view::npos) return std::nullopt;
  }
  if ((!scheme.empty() || rest.substr(0, 3) != "///") && rest.substr(0, 2) == "//") {
    std::string_view authority = rest.substr(2);
    auto slash = authority.find('/');
    if (slash != std::string_view::npos && !valid_escapes(authority.substr(slash)))
      return std::nullopt;
    authority = authority.substr(0, slash);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      if (!valid_userinfo(authority.substr(0, at))) return std::nullopt;
      authority = authority.substr(at + 1);
    }
    return parse_host(authority);
  }
  return std::string();
}

// --- base64 as Go's encoding/base64.StdEncoding --------------------------------------------

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v =
        uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kB64[(v >> s) & 63];
  }
  if (size_t left = in.size() - i; left > 0) {
    uint32_t v =
        uint32_t(uint8_t(in[i])) << 16 | (left == 2 ? uint32_t(uint8_t(in[i + 1])) << 8 : 0);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += left == 2 ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Padding required; '\r' and '\n' ignored (both as in Go).
std::optional<std::string> base64_decode(std::string_view in) {
  std::string clean;
  for (char c : in) {
    if (c != '\r' && c != '\n') clean += c;
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < clean.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = clean[i + j];
      if (c == '=') {
        // '=' only in the last one or two positions of the final quantum.
        if (i + 4 != clean.size() || j < 2 || (j == 2 && clean[i + 3] != '=')) return std::nullopt;
        ++pad;
        v <<= 6;
        continue;
      }
      auto pos = kB64.find(c);
      if (pos == std::string_view::npos || pad) return std::nullopt;
      v = v << 6 | static_cast<uint32_t>(pos);
    }
    out += static_cast<char>(v >> 16);
    if (pad < 2) out += static_cast<char>(v >> 8);
    if (pad < 1) out += static_cast<char>(v);
  }
  return out;
}

// --- config.json / auth.json ----------------------------------------------------------------

struct AuthEntry {
  std::string key;
  Credentials creds;
};

struct ConfigFile {
  Json doc = Json::object();
  std::vector<AuthEntry> auths;  // in file order, so legacy-key matching is deterministic
  std::string creds_store;
  std::map<std::string, std::string, std::less<>> cred_helpers;
};

std::string key_text(std::string_view s) { return "\"" + std::string(s) + "\""; }

// A missing file is an empty config, as for docker; a file docker would refuse is an error
// naming it.
ConfigFile load_config(const std::string& path) {
  ConfigFile cfg;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return cfg;
  std::string text = fs::read_file(path);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return cfg;

  auto fail = [&](const std::string& what) { return Error(path + ": " + what); };
  try {
    cfg.doc = Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw fail("invalid JSON at line " + std::to_string(line) + ", column " +
               std::to_string(column));
  }
  if (!cfg.doc.is_object()) throw fail("not a JSON object");

  auto string_field = [&](const Json& obj, const char* name, const std::string& where) {
    auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return std::string();
    if (!it->is_string()) throw fail(where + "." + name + " is not a string");
    return it->get<std::string>();
  };

  cfg.creds_store = string_field(cfg.doc, "credsStore", "");
  if (auto it = cfg.doc.find("credHelpers"); it != cfg.doc.end() && !it->is_null()) {
    if (!it->is_object()) throw fail("credHelpers is not an object");
    for (const auto& [host, helper] : it->items()) {
      if (!helper.is_string()) throw fail("credHelpers." + key_text(host) + " is not a string");
      cfg.cred_helpers[host] = helper.get<std::string>();
    }
  }
  auto auths = cfg.doc.find("auths");
  if (auths == cfg.doc.end() || auths->is_null()) return cfg;
  if (!auths->is_object()) throw fail("auths is not an object");
  for (const auto& [key, entry] : auths->items()) {
    std::string where = "auths." + key_text(key);
    AuthEntry e{key, {}};
    if (!entry.is_null()) {
      if (!entry.is_object()) throw fail(where + " is not an object");
      e.creds.username = string_field(entry, "username", where);
      e.creds.password = string_field(entry, "password", where);
      e.creds.identity_token = string_field(entry, "identitytoken", where);
      e.creds.registry_token = string_field(entry, "registrytoken", where);
      // `auth` wins over username/password, as in configfile.LoadFromReader.
      if (std::string auth = string_field(entry, "auth", where); !auth.empty()) {
        auto decoded = base64_decode(auth);
        if (!decoded) throw fail(where + ".auth is not valid base64");
        auto colon = decoded->find(':');
        // The first ':' splits: passwords and access tokens may contain ':' themselves.
        if (colon == std::string::npos || colon == 0) {
          throw fail(where + ".auth is not base64 of user:password");
        }
        e.creds.username = decoded->substr(0, colon);
        std::string password = decoded->substr(colon + 1);
        auto b = password.find_first_not_of('\0');
        password = b == std::string::npos
                       ? ""
                       : password.substr(b, password.find_last_not_of('\0') - b + 1);
        e.creds.password = std::move(password);
      }
    }
    cfg.auths.push_back(std::move(e));
  }
  return cfg;
}

// The file entry docker's fileStore.Get returns: the exact key, else the first legacy key
// ("https://host/v1/", "http://host") that normalises to it.
const AuthEntry* find_entry(const ConfigFile& cfg, const std::string& key) {
  for (const auto& e : cfg.auths) {
    if (e.key == key) return &e;
  }
  for (const auto& e : cfg.auths) {
    if (credential_key(e.key) == key) return &e;
  }
  return nullptr;
}

// getConfiguredCredentialStore: credHelpers is keyed exactly, credsStore is the default.
std::string configured_helper(const ConfigFile& cfg, const std::string& key) {
  if (auto it = cfg.cred_helpers.find(key); it != cfg.cred_helpers.end()) return it->second;
  return cfg.creds_store;
}

Credentials from_helper(const std::string& suffix, const std::string& server_url,
                        ProcessRunner& runner) {
  Credentials creds;
  auto got = CredentialHelper(suffix, runner).get(server_url);
  if (!got) return creds;
  if (got->username == kTokenUsername) {
    creds.identity_token = got->secret;
  } else {
    creds.username = got->username;
    creds.password = got->secret;
  }
  return creds;
}

// containers/image findCredentialsInFile for a registry (not per repository): credHelpers,
// then the exact key ("docker.io" for Hub), then keys equal after normalisation.
Credentials from_auth_file(const std::string& path, std::string_view registry_host,
                           ProcessRunner& runner) {
  std::string key = credential_key(registry_host);
  std::string registry = key == kDockerHubCredentialKey ? "docker.io" : key;
  ConfigFile cfg = load_config(path);
  if (auto it = cfg.cred_helpers.find(registry); it != cfg.cred_helpers.end()) {
    return from_helper(it->second, registry, runner);
  }
  for (const auto& e : cfg.auths) {
    if (e.key == registry) return e.creds;
  }
  for (const auto& e : cfg.auths) {
    if (credential_key(e.key) == key) return e.creds;
  }
  return {};
}

std::string home_dir() {
  if (const char* home = std::getenv("HOME"); home && *home) return home;
  struct passwd pw;
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found &&
      found->pw_dir && *found->pw_dir) {
    return found->pw_dir;
  }
  throw Error("cannot find the home directory: $HOME is not set");
}

// Where to write: the target of a symlinked config.json (dotfile managers link it), even a
// dangling one, rather than replacing the link.
std::string write_target(const std::string& path) {
  if (char* real = ::realpath(path.c_str(), nullptr)) {
    std::string out(real);
    std::free(real);
    return out;
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n > 0 && static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      if (target[0] == '/') return target;
      auto slash = path.rfind('/');
      return slash == std::string::npos ? target : path.substr(0, slash + 1) + target;
    }
  }
  return path;
}

void save_config(const std::string& path, const Json& doc) {
  std::string text;
  try {
    text = doc.dump(1, '\t');  // docker's json.MarshalIndent(..., "", "\t"), no final newline
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": credentials are not valid UTF-8");
  }
  std::string target = write_target(path);
  auto slash = target.rfind('/');
  if (slash != std::string::npos && slash > 0) fs::mkdir_p(target.substr(0, slash), 0700);
  fs::write_file_atomic(target, text, 0600);
}

Json& auths_object(Json& doc) {
  auto& auths = doc["auths"];
  if (!auths.is_object()) auths = Json::object();
  return auths;
}

}  // namespace

bool Credentials::empty() const {
  return username.empty() && password.empty() && identity_token.empty() && registry_token.empty();
}

std::string convert_to_hostname(std::string_view server) {
  if (server.find("://") != std::string_view::npos) {
    if (auto host_port = url_host(server); host_port && !host_port->empty()) {
      // url.URL.Hostname() / Port(): split at a last ':' that starts a valid port.
      std::string_view hp = *host_port, host = hp, port;
      if (auto colon = hp.rfind(':');
          colon != std::string_view::npos && valid_optional_port(hp.substr(colon))) {
        host = hp.substr(0, colon);
        port = hp.substr(colon + 1);
      }
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      }
      if (!host.empty()) {
        if (port.empty()) return std::string(host);
        // net.JoinHostPort
        if (host.find(':') != std::string_view::npos) {
          return "[" + std::string(host) + "]:" + std::string(port);
        }
        return std::string(host) + ":" + std::string(port);
      }
    }
  }
  return std::string(server.substr(0, server.find('/')));
}

std::string credential_key(std::string_view server) {
  if (server.empty() || server == kDockerHubCredentialKey)
    return std::string(kDockerHubCredentialKey);
  std::string host = convert_to_hostname(server);
  return is_hub_host(host) ? std::string(kDockerHubCredentialKey) : host;
}

CredentialStore::CredentialStore() : CredentialStore(default_path(), default_fallback_paths()) {}

CredentialStore::CredentialStore(std::string config_path,
                                 std::vector<std::string> readonly_fallbacks,
                                 std::unique_ptr<ProcessRunner> runner)
    : path_(std::move(config_path)),
      fallbacks_(std::move(readonly_fallbacks)),
      runner_(runner ? std::move(runner) : std::make_unique<SystemProcessRunner>()) {}

std::string CredentialStore::default_path() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir) {
    return std::string(dir) + "/config.json";
  }
  return home_dir() + "/.docker/config.json";
}

std::vector<std::string> CredentialStore::default_fallback_paths() {
  if (const char* file = std::getenv("REGISTRY_AUTH_FILE"); file && *file) return {file};
  if (const char* dir = std::getenv("XDG_RUNTIME_DIR"); dir && *dir) {
    return {std::string(dir) + "/containers/auth.json"};
  }
  return {};
}

std::string CredentialStore::helper_for(std::string_view registry_host) const {
  return configured_helper(load_config(path_), credential_key(registry_host));
}

Credentials CredentialStore::get(std::string_view registry_host) {
  std::string key = credential_key(registry_host);
  ConfigFile cfg = load_config(path_);
  const AuthEntry* entry = find_entry(cfg, key);
  Credentials creds;
  if (std::string helper = configured_helper(cfg, key); !helper.empty()) {
    // nativeStore.Get: the helper owns user, password and identity token; the file entry is
    // usually the empty placeholder docker writes beside it.
    creds = from_helper(helper, key, *runner_);
    if (entry) creds.registry_token = entry->creds.registry_token;
  } else if (entry) {
    creds = entry->creds;
  }
  for (const auto& fallback : fallbacks_) {
    if (!creds.empty()) break;
    creds = from_auth_file(fallback, registry_host, *runner_);
  }
  return creds;
}

void CredentialStore::store(std::string_view registry_host, const Credentials& creds) {
  std::string key = credential_key(registry_host);
  if (creds.empty()) throw Error("no credentials to store for " + key);
  ConfigFile cfg = load_config(path_);
  Json entry = Json::object();
  if (std::string helper = configured_helper(cfg, key); !helper.empty()) {
    if (!creds.username.empty() || !creds.password.empty() || !creds.identity_token.empty()) {
      HelperCredentials hc{key, creds.username, creds.password};
      if (!creds.identity_token.empty())
        hc = {key, std::string(kTokenUsername), creds.identity_token};
      CredentialHelper(helper, *runner_).store(hc);
    }
  } else {
    if (!creds.username.empty() || !creds.password.empty()) {
      entry["auth"] = base64_encode(creds.username + ":" + creds.password);
    }
    if (!creds.identity_token.empty()) entry["identitytoken"] = creds.identity_token;
  }
  // Helpers have no field for it, so docker leaves a registry token in the file either way.
  if (!creds.registry_token.empty()) entry["registrytoken"] = creds.registry_token;

  Json& auths = auths_object(cfg.doc);
  if (auto it = auths.find(key); it != auths.end() && *it == entry) return;  // unchanged
  auths[key] = std::move(entry);
  save_config(path_, cfg.doc);
}

bool CredentialStore::erase(std::string_view registry_host) {
  std::string key = credential_key(registry_host);
  ConfigFile cfg = load_config(path_);

  // runLogout's list of spellings a helper may hold the host under.
  std::vector<std::string> helper_keys{key};
  if (key != kDockerHubCredentialKey) {
    for (std::string k : {std::string(registry_host), "http://" + key, "https://" + key}) {
      if (std::find(helper_keys.begin(), helper_keys.end(), k) == helper_keys.end()) {
        helper_keys.push_back(std::move(k));
      }
    }
  }
  bool removed = false;
  std::optional<Error> failure;
  for (const auto& k : helper_keys) {
    std::string helper = configured_helper(cfg, k);
    if (helper.empty()) continue;
    try {
      removed |= CredentialHelper(helper, *runner_).erase(k);
    } catch (const Error& e) {
      if (!failure) failure = e;
    }
  }

  bool file_changed = false;
  if (auto auths = cfg.doc.find("auths"); auths != cfg.doc.end() && auths->is_object()) {
    for (const auto& e : cfg.auths) {
      if (e.key == registry_host || credential_key(e.key) == key) {
        auths->erase(e.key);
        file_changed = true;
      }
    }
  }
  if (file_changed) save_config(path_, cfg.doc);
  if (!removed && !file_changed && failure) throw *failure;
  return removed || file_changed;
}

}  // namespace hoist::publish
