#pragma once
// WWW-Authenticate challenges (RFC 7235 §4.1) as a registry answers `401` on /v2/:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull,push"
//
// Parsing gives the same result as distribution's internal/client/auth/challenge, containerd's
// core/remotes/docker/auth and go-containerregistry's authchallenge for every well-formed
// one-challenge line (scheme and keys lower-cased, quoted-string `\x` escapes undone, commas
// inside quotes kept, `empty=""` kept as containerd does where the other two stop). Unlike
// containerd it neither drops unknown schemes nor reorders: choosing is the caller's job.
// Beyond them it follows RFC 7235 where they give up:
// several challenges comma-joined in one header line, token68 credentials (`Negotiate YII…=`),
// whitespace around `=` and empty list elements.
//
// Parsing never throws: a header is read up to its first syntax error, and whatever came before
// it is kept (the upstream parsers do the same), so one odd challenge does not hide a usable
// Bearer or Basic one.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoist::publish {

struct Challenge {
  std::string scheme;                         // lower-cased: "bearer", "basic", ...
  std::map<std::string, std::string> params;  // keys lower-cased, values as sent (unescaped)
};

// One entry per challenge, in header order then in-line order. A token68 credential is
// recognised (so the rest of the line still parses) but not kept: registry auth never uses it.
std::vector<Challenge> parse_challenges(const std::vector<std::string>& www_authenticate_headers);

// The first challenge whose scheme equals `scheme`, compared case-insensitively.
std::optional<Challenge> find_challenge(const std::vector<Challenge>& challenges, std::string_view scheme);

// What the Docker token flow needs from a Bearer challenge.
struct BearerParams {
  std::string realm;                // token server URL
  std::string service;              // may be empty: some registries omit it
  std::vector<std::string> scopes;  // `scope` split at spaces, empty pieces dropped
  std::string error;                // e.g. "insufficient_scope", "invalid_token"; empty if absent
};

// Throws hoist::Error when `challenge` is not a Bearer challenge or has no (or an empty)
// realm: without one there is no token server to ask (containerd and GGCR fail the same way).
BearerParams bearer_params(const Challenge& challenge);

}  // namespace hoist::publish
