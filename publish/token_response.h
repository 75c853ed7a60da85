#pragma once
// A token server's answer (distribution docs/spec/auth/token.md, oauth.md) and
// when the token in it should be replaced.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hoist::publish {

struct TokenResponse {
  std::string token;          // `token`, else `access_token` (servers send either or both)
  std::string refresh_token;  // OAuth2: a long-lived token for later grants; "" when absent
  std::chrono::seconds expires_in{60};
  std::optional<std::chrono::system_clock::time_point> issued_at;
};

// Throws a one-line hoist::Error naming `realm` when the body is not a JSON
// object or carries no token. `expires_in` absent or under 60 s counts as 60 s,
// as docker does; an unparsable `issued_at` is ignored.
TokenResponse parse_token_response(std::string_view body, const std::string& realm);

// When to fetch a replacement: shortly before expiry (a quarter of the lifetime,
// at most 30 s, early), counted from `issued_at` when given and plausible, else
// from `received` (the time the request was sent, to err early).
std::chrono::system_clock::time_point refresh_time(const TokenResponse& token,
                                                   std::chrono::system_clock::time_point received);

// RFC 3339 date-time ("2024-05-01T10:00:00Z", "…T10:00:00.5+02:00").
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace hoist::publish
