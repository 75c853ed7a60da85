#include "publish/registry_auth.h"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "publish/auth_challenge.h"

namespace hoist::publish {

std::string base64_encode(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

namespace {

std::string url_escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

}  // namespace

std::string RegistryAuth::header_for(const std::string& scope) const {
  if (auto it = tokens_.find(scope); it != tokens_.end()) return it->second;
  if (basic_.empty() && !creds_.registry_token.empty()) return "Bearer " + creds_.registry_token;
  return basic_;
}

bool RegistryAuth::handle_challenge(const HttpResponse& r, const std::string& scope) {
  std::vector<std::string> values;
  for (auto& [k, v] : r.headers)
    if (k == "www-authenticate") values.push_back(v);
  auto challenges = parse_challenges(values);
  if (auto bearer = find_challenge(challenges, "bearer")) {
    auto p = with_context("registry " + host_ + " asked for a token", [&] { return bearer_params(*bearer); });
    std::vector<std::string> scopes;
    if (!scope.empty()) scopes.push_back(scope);
    for (auto& s : p.scopes)
      if (s != scope) scopes.push_back(s);
    std::string token = "Bearer " + fetch_token(p.realm, p.service, scopes);
    // One retry per scope and token: a token the registry refuses again is final.
    if (tokens_[scope] == token) return false;
    tokens_[scope] = token;
    return true;
  }
  if (find_challenge(challenges, "basic")) {
    if (creds_.username.empty()) return false;
    std::string basic = "Basic " + base64_encode(creds_.username + ":" + creds_.password);
    if (basic_ == basic) return false;
    basic_ = basic;
    return true;
  }
  return false;
}

std::string RegistryAuth::fetch_token(const std::string& realm, const std::string& service,
                                      const std::vector<std::string>& scopes) {
  HttpRequest req;
  if (!creds_.identity_token.empty()) {
    // OAuth2 refresh-token grant, as docker does with an identity token.
    req.method = "POST";
    req.url = realm;
    req.headers = {"Content-Type: application/x-www-form-urlencoded"};
    req.body = "grant_type=refresh_token&client_id=hoist&service=" + url_escape(service) +
               "&refresh_token=" + url_escape(creds_.identity_token);
    for (auto& s : scopes) req.body += "&scope=" + url_escape(s);
  } else {
    // The realm may carry its own query; ours is appended to it.
    req.url = realm + (realm.find('?') == std::string::npos ? "?" : "&") + "service=" + url_escape(service);
    for (auto& s : scopes) req.url += "&scope=" + url_escape(s);
    if (!creds_.username.empty()) {
      req.headers.push_back("Authorization: Basic " + base64_encode(creds_.username + ":" + creds_.password));
      req.url += "&account=" + url_escape(creds_.username);
    }
  }
  HttpResponse r = http_.send(req);
  if (r.status == 401 || r.status == 403)
    throw Error("unauthorized: the token server " + realm + " refused the credentials for " + host_);
  if (r.status != 200) throw Error("token server " + realm + " answered HTTP " + std::to_string(r.status));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error("token server " + realm + " sent no JSON");
  for (const char* key : {"token", "access_token"})
    if (j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty()) return j[key].get<std::string>();
  throw Error("token server " + realm + " sent no token");
}

}  // namespace hoist::publish
