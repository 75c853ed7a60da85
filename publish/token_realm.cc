#include "publish/token_realm.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <array>
#include <cstdint>
#include <memory>

#include "common/error.h"
#include "publish/excerpt.h"

namespace hoist::publish {

namespace {

AddressScope v4_scope(const std::array<uint8_t, 4>& a) {
  if (a[0] == 169 && a[1] == 254) return AddressScope::Forbidden;  // link-local
  if (a[0] == 0) return AddressScope::Forbidden;                   // "this network": reaches the local host
  if (a[0] >= 224) return AddressScope::Forbidden;                 // multicast, reserved, broadcast
  if (a[0] == 127) return AddressScope::Loopback;
  if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
      (a[0] == 100 && (a[1] & 0xc0) == 64))
    return AddressScope::Private;
  return AddressScope::Public;
}

AddressScope v6_scope(const std::array<uint8_t, 16>& a) {
  bool zero_prefix = true;  // the first 80 bits
  for (int i = 0; i < 10; ++i) zero_prefix &= a[i] == 0;
  if (zero_prefix && a[10] == 0xff && a[11] == 0xff) return v4_scope({a[12], a[13], a[14], a[15]});
  bool all_zero_but_last = zero_prefix && a[10] == 0 && a[11] == 0 && a[12] == 0 && a[13] == 0 && a[14] == 0;
  if (all_zero_but_last && a[15] == 1) return AddressScope::Loopback;
  if (all_zero_but_last && a[15] == 0) return AddressScope::Forbidden;   // ::
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return AddressScope::Forbidden;  // fe80::/10
  if (a[0] == 0xff) return AddressScope::Forbidden;                     // multicast
  if ((a[0] & 0xfe) == 0xfc) return AddressScope::Private;              // fc00::/7
  return AddressScope::Public;
}

std::string_view scope_name(AddressScope s) {
  switch (s) {
    case AddressScope::Forbidden: return "a link-local, unspecified or multicast address";
    case AddressScope::Loopback: return "a loopback address";
    case AddressScope::Private: return "a private address";
    case AddressScope::Public: break;
  }
  return "a public address";
}

struct UrlParts {
  std::string scheme, host, user;
};

// The URL as libcurl, which will fetch it, reads it (it also normalises
// 2852039166 and 0xa9.0xfe.0xa9.0xfe to 169.254.169.254).
std::optional<UrlParts> parse_url(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  auto part = [&](CURLUPart p) {
    char* s = nullptr;
    std::string out;
    if (curl_url_get(u.get(), p, &s, 0) == CURLUE_OK && s) out = s;
    curl_free(s);
    return out;
  };
  return UrlParts{part(CURLUPART_SCHEME), part(CURLUPART_HOST), part(CURLUPART_USER)};
}

}  // namespace

std::optional<AddressScope> address_scope(std::string_view host) {
  std::string h(host);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::array<uint8_t, 4> v4;
  if (inet_pton(AF_INET, h.c_str(), v4.data()) == 1) return v4_scope(v4);
  std::array<uint8_t, 16> v6;
  if (inet_pton(AF_INET6, h.c_str(), v6.data()) == 1) return v6_scope(v6);
  return std::nullopt;
}

bool RealmPolicy::allows(AddressScope target) const {
  switch (target) {
    case AddressScope::Public: return true;
    case AddressScope::Private: return registry_scope == AddressScope::Private || registry_scope == AddressScope::Loopback;
    case AddressScope::Loopback: return registry_scope == AddressScope::Loopback;
    case AddressScope::Forbidden: return false;
  }
  return false;
}

RealmPolicy realm_policy(const std::string& registry_url, const std::string& peer_ip) {
  RealmPolicy p;
  auto url = parse_url(registry_url);
  p.allow_http = url && url->scheme == "http";
  std::optional<AddressScope> scope = address_scope(peer_ip);
  if (!scope && url) {
    scope = address_scope(url->host);
    if (!scope && (url->host == "localhost" || url->host.ends_with(".localhost"))) scope = AddressScope::Loopback;
  }
  p.registry_scope = scope.value_or(AddressScope::Public);
  return p;
}

void check_token_realm(const std::string& realm, const RealmPolicy& policy, const std::string& registry_host) {
  auto refuse = [&](std::string_view why) {
    throw Error("refusing the token server " + printable_excerpt(realm, 200) + " that registry " + registry_host +
                " named: " + std::string(why));
  };
  auto url = parse_url(realm);
  if (!url) refuse("not an absolute URL");
  if (url->scheme == "http") {
    if (!policy.allow_http) refuse("it is http, and the registry is reached over https");
  } else if (url->scheme != "https") {
    refuse("its scheme is not https");
  }
  if (url->host.empty()) refuse("it names no host");
  // Credentials of its own would replace the ones hoist sends, or leak in logs.
  if (!url->user.empty()) refuse("it carries a user name");
  auto scope = address_scope(url->host);
  if (!scope || policy.allows(*scope)) return;
  std::string why(scope_name(*scope));
  if (scope == AddressScope::Loopback) why += ", and the registry is not on this machine";
  if (scope == AddressScope::Private) why += ", and the registry is not on a private network";
  refuse(why);
}

std::string refuse_token_peer(std::string_view ip) {
  auto scope = address_scope(ip);
  if (scope == AddressScope::Forbidden) return "refusing to connect to " + std::string(ip) + " for a token: " + std::string(scope_name(*scope));
  return "";
}

}  // namespace hoist::publish
