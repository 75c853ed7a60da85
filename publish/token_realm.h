#pragma once
// Whether hoist may ask the token server a registry names (the realm of its
// Bearer challenge) for a token, sending the registry's credentials there.
// A registry is not trusted to point anywhere it likes: as go-containerregistry
// does, the realm must be https, or http only when the registry itself is
// reached over plain http (an insecure registry: nothing is protected anyway,
// and local test registries work that way); and it must not send us into the
// machine's own networks: never to a link-local address (cloud metadata
// services answer at 169.254.169.254), an unspecified, multicast or broadcast
// one; to a loopback or private address only when the registry itself
// answered from such an address (a registry on the internet has no business
// there, one on this machine or this network naturally has its token server
// nearby). Host names are checked when they are resolved (see
// TokenPeerCheck), so a name for 169.254.169.254 is refused too.
#include <optional>
#include <string>
#include <string_view>

namespace hoist::publish {

enum class AddressScope { Public, Private, Loopback, Forbidden };

// The scope of a numeric IPv4 or IPv6 address ("[::1]" with brackets too; an
// IPv4-mapped IPv6 address counts as its IPv4 one). Private: 10/8, 172.16/12,
// 192.168/16, 100.64/10 (carrier-grade NAT), fc00::/7. Forbidden: link-local
// 169.254/16 and fe80::/10, 0.0.0.0/8 and ::, multicast, 255.255.255.255.
// Nothing for a host name.
std::optional<AddressScope> address_scope(std::string_view host);

// Where a registry may send hoist for tokens.
struct RealmPolicy {
  bool allow_http = false;                             // the registry is reached over http
  AddressScope registry_scope = AddressScope::Public;  // where it answered from
  bool allows(AddressScope target) const;
};

// The policy for a registry at `registry_url` ("http://127.0.0.1:5000") whose
// challenge came from `peer_ip` ("" when unknown: the URL's host decides, a
// name counting as public unless it is localhost).
RealmPolicy realm_policy(const std::string& registry_url, const std::string& peer_ip);

// Throws hoist::Error, one line naming the realm and `registry_host`, when the
// policy refuses `realm`: not an absolute http(s) URL, http where https is
// required, credentials in the URL, or a numeric host the policy does not allow.
void check_token_realm(const std::string& realm, const RealmPolicy& policy, const std::string& registry_host);

// Why a token request must not use a connection to `ip` (the address a realm's
// host name resolved to, or a redirect's), or "" when it may. Only forbidden
// addresses are refused here: behind an HTTP proxy the connection goes to the
// proxy, whose address says nothing about the realm.
std::string refuse_token_peer(std::string_view ip);

}  // namespace hoist::publish
