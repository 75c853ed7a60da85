#pragma once
// Answers a registry's 401: Basic with the stored credentials, or a Bearer
// token fetched from the challenge's realm for the scope the request needs
// (anonymous when there are no credentials), cached per scope.
#include <map>
#include <string>
#include <vector>

#include "publish/credentials.h"
#include "publish/http_client.h"

namespace hoist::publish {

class RegistryAuth {
 public:
  RegistryAuth(HttpClient& http, std::string registry_host, Credentials credentials)
      : http_(http), host_(std::move(registry_host)), creds_(std::move(credentials)) {}

  // The Authorization header to send for `scope` ("repository:team/app:pull"),
  // or "" when none is known yet.
  std::string header_for(const std::string& scope) const;

  // Learns from a 401 response how to authenticate requests needing `scope`
  // (fetching a token if the registry asks for Bearer). Returns false when
  // there is nothing new to try: the caller then reports "unauthorized".
  bool handle_challenge(const HttpResponse& unauthorized, const std::string& scope);

 private:
  std::string fetch_token(const std::string& realm, const std::string& service, const std::vector<std::string>& scopes);

  HttpClient& http_;
  std::string host_;
  Credentials creds_;
  std::string basic_;                          // "Basic …" once the registry asked for it
  std::map<std::string, std::string> tokens_;  // scope -> "Bearer …"
};

std::string base64_encode(std::string_view in);

}  // namespace hoist::publish
