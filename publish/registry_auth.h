#pragma once
// Answers a registry's 401: Basic with the stored credentials, or a Bearer
// token fetched from the challenge's realm for the scopes a request needs
// (anonymous when there are no credentials), cached per scope set and
// replaced shortly before it expires. A realm the registry has no business
// naming (see token_realm.h) is refused before anything is sent to it. Safe
// to use from several threads.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "publish/credentials.h"
#include "publish/http_client.h"
#include "publish/token_realm.h"

namespace hoist::publish {

// Token scopes, e.g. {"repository:team/app:pull,push", "repository:base/img:pull"} for a mount.
using Scopes = std::vector<std::string>;

class RegistryAuth {
 public:
  // `registry_url` is where the registry's API is ("http://127.0.0.1:5000"):
  // its scheme decides whether an http realm is acceptable.
  RegistryAuth(HttpClient& http, std::string registry_host, std::string registry_url, Credentials credentials)
      : http_(http), host_(std::move(registry_host)), url_(std::move(registry_url)), creds_(std::move(credentials)),
        refresh_token_(creds_.identity_token) {}

  // The Authorization header for a request needing `scopes`, or "" when none is
  // known yet. Once the registry has asked for Bearer tokens, the token for a
  // new scope set is fetched here (saving the 401 round trip), and one about to
  // expire is replaced. Throws when the token server fails.
  std::string header_for(const Scopes& scopes);

  // Learns from a 401 response how to authenticate requests needing `scopes`:
  // a Bearer token for them plus the scopes the challenge names (so an
  // `insufficient_scope` answer widens the token), or Basic credentials.
  // `sent` is the Authorization the refused request carried. Returns the
  // Authorization to try once more, or "" when there is nothing new to try:
  // the caller then reports "unauthorized". Throws when the realm is refused.
  std::string handle_challenge(const HttpResponse& unauthorized, const Scopes& scopes, const std::string& sent);

 private:
  struct Realm {
    std::string url, service;
    bool https_only = true;  // for it and its redirects: unless the registry itself is reached over http
  };
  struct Token {
    std::string header;  // "Bearer …"
    Scopes scopes;       // what it was asked for, to ask again when it expires
    std::chrono::system_clock::time_point refresh_at;
  };
  // Called without mu_ held: the token server may be slow.
  Token fetch_token(const Realm& realm, const Scopes& scopes);

  HttpClient& http_;
  const std::string host_;
  const std::string url_;
  const Credentials creds_;

  std::mutex mu_;                        // guards what follows
  std::string basic_;                    // "Basic …" once the registry asked for it
  std::optional<Realm> bearer_;          // once the registry asked for tokens
  std::map<std::string, Token> tokens_;  // by the sorted scope set, space-joined
  std::string refresh_token_;            // identity token, or the newest refresh_token a token server sent
};

std::string base64_encode(std::string_view in);

}  // namespace hoist::publish
