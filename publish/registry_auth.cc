#include "publish/registry_auth.h"

#include <curl/curl.h>

#include <algorithm>

#include "common/error.h"
#include "publish/auth_challenge.h"
#include "publish/excerpt.h"
#include "publish/token_response.h"

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

// The cache key of a scope set: the same set in any order is the same token.
std::string key(Scopes scopes) {
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  std::string k;
  for (auto& s : scopes) k += (k.empty() ? "" : " ") + s;
  return k;
}

void add_missing(Scopes& to, const Scopes& from) {
  for (auto& s : from)
    if (!s.empty() && std::find(to.begin(), to.end(), s) == to.end()) to.push_back(s);
}

}  // namespace

std::string RegistryAuth::header_for(const Scopes& scopes) {
  std::string k = key(scopes);
  Realm realm;
  Scopes wanted = scopes;
  {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(k);
    if (it != tokens_.end()) {
      if (std::chrono::system_clock::now() < it->second.refresh_at) return it->second.header;
      wanted = it->second.scopes;
    }
    if (!bearer_) {
      if (basic_.empty() && !creds_.registry_token.empty()) return "Bearer " + creds_.registry_token;
      return basic_;
    }
    realm = *bearer_;
  }
  Token t = fetch_token(realm, wanted);
  std::lock_guard lock(mu_);
  return (tokens_[k] = std::move(t)).header;
}

std::string RegistryAuth::handle_challenge(const HttpResponse& r, const Scopes& scopes, const std::string& sent) {
  std::vector<std::string> values;
  for (auto& [k, v] : r.headers)
    if (k == "www-authenticate") values.push_back(v);
  auto challenges = parse_challenges(values);
  if (auto bearer = find_challenge(challenges, "bearer")) {
    auto p = with_context("registry " + host_ + " asked for a token", [&] { return bearer_params(*bearer); });
    RealmPolicy policy = realm_policy(url_, r.peer_ip);
    check_token_realm(p.realm, policy, host_);
    std::string k = key(scopes);
    // The challenge's scopes go first: some registries only read the first.
    // Scopes an earlier token was widened with stay, or the next refresh would lose them.
    Scopes wanted = p.scopes;
    Realm realm{p.realm, p.service, !policy.allow_http};
    {
      std::lock_guard lock(mu_);
      bearer_ = realm;
      if (auto it = tokens_.find(k); it != tokens_.end()) add_missing(wanted, it->second.scopes);
    }
    add_missing(wanted, scopes);
    Token t = fetch_token(realm, wanted);
    // The same token refused twice: another try would be refused too.
    if (t.header == sent) return "";
    std::lock_guard lock(mu_);
    return (tokens_[k] = std::move(t)).header;
  }
  if (find_challenge(challenges, "basic")) {
    if (creds_.username.empty()) return "";
    std::string basic = "Basic " + base64_encode(creds_.username + ":" + creds_.password);
    if (sent == basic) return "";
    std::lock_guard lock(mu_);
    return basic_ = basic;
  }
  return "";
}

RegistryAuth::Token RegistryAuth::fetch_token(const Realm& realm, const Scopes& scopes) {
  auto sent_at = std::chrono::system_clock::now();
  std::string refresh_token;
  {
    std::lock_guard lock(mu_);
    refresh_token = refresh_token_;
  }
  HttpRequest req;
  // The realm passed check_token_realm; its host name and redirects are held
  // to the same rules where they resolve.
  req.https_only = realm.https_only;
  req.check_peer = [](std::string_view ip) { return refuse_token_peer(ip); };
  if (!refresh_token.empty()) {
    // OAuth2 refresh-token grant, as docker does with an identity token; `scope` is space-separated there.
    std::string joined;
    for (auto& s : scopes) joined += (joined.empty() ? "" : " ") + s;
    req.method = "POST";
    req.url = realm.url;
    req.headers = {"Content-Type: application/x-www-form-urlencoded"};
    req.body = "grant_type=refresh_token&client_id=hoist&service=" + url_escape(realm.service) +
               "&refresh_token=" + url_escape(refresh_token);
    if (!joined.empty()) req.body += "&scope=" + url_escape(joined);
  } else {
    // The realm may carry its own query; ours is appended to it.
    req.url = realm.url + (realm.url.find('?') == std::string::npos ? "?" : "&") + "service=" + url_escape(realm.service);
    for (auto& s : scopes) req.url += "&scope=" + url_escape(s);
    if (!creds_.username.empty()) {
      req.headers.push_back("Authorization: Basic " + base64_encode(creds_.username + ":" + creds_.password));
      req.url += "&account=" + url_escape(creds_.username);
    }
  }
  HttpResponse r = http_.send(req);
  if (r.status == 401 || r.status == 403)
    throw Error("unauthorized: the token server " + realm.url + " refused the credentials for " + host_);
  if (r.status != 200) {
    std::string excerpt = body_excerpt(r.body, r.header("content-type"), 80);
    throw Error("token server " + realm.url + " answered HTTP " + std::to_string(r.status) +
                (excerpt.empty() ? "" : ": " + excerpt));
  }
  TokenResponse parsed = parse_token_response(r.body, realm.url);
  if (req.method == "POST" && !parsed.refresh_token.empty()) {
    std::lock_guard lock(mu_);
    refresh_token_ = parsed.refresh_token;
  }
  return Token{"Bearer " + parsed.token, scopes, refresh_time(parsed, sent_at)};
}

}  // namespace hoist::publish
