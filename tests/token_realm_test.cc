// Which token servers a registry may send hoist to: address scopes as a
// table, then the realm rules (scheme, host, the registry's own place).
#include "publish/token_realm.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "tests/test_support.h"

using hoist::test::error_of;
using namespace hoist::publish;

namespace {

TEST(AddressScope, Table) {
  struct Case {
    const char* host;
    std::optional<AddressScope> scope;
  } cases[] = {
      {"93.184.216.34", AddressScope::Public},
      {"2606:2800:220:1:248:1893:25c8:1946", AddressScope::Public},
      {"169.254.169.254", AddressScope::Forbidden},
      {"169.254.0.1", AddressScope::Forbidden},
      {"fe80::1", AddressScope::Forbidden},
      {"[febf::ffff]", AddressScope::Forbidden},
      {"fec0::1", AddressScope::Public},  // just past fe80::/10
      {"0.0.0.0", AddressScope::Forbidden},
      {"::", AddressScope::Forbidden},
      {"224.0.0.1", AddressScope::Forbidden},
      {"255.255.255.255", AddressScope::Forbidden},
      {"ff02::1", AddressScope::Forbidden},
      {"::ffff:169.254.169.254", AddressScope::Forbidden},
      {"127.0.0.1", AddressScope::Loopback},
      {"127.0.0.2", AddressScope::Loopback},
      {"[::1]", AddressScope::Loopback},
      {"::ffff:127.0.0.1", AddressScope::Loopback},
      {"10.1.2.3", AddressScope::Private},
      {"172.16.0.1", AddressScope::Private},
      {"172.31.255.255", AddressScope::Private},
      {"172.32.0.1", AddressScope::Public},
      {"192.168.1.1", AddressScope::Private},
      {"100.64.0.1", AddressScope::Private},
      {"100.128.0.1", AddressScope::Public},
      {"fd00:ec2::254", AddressScope::Private},
      {"registry.example.com", std::nullopt},
      {"localhost", std::nullopt},
      {"", std::nullopt},
      {"[]", std::nullopt},
  };
  for (auto& c : cases) EXPECT_EQ(address_scope(c.host), c.scope) << c.host;
}

TEST(RealmPolicy, FromTheRegistryUrlAndWhereItAnswered) {
  auto p = realm_policy("http://127.0.0.1:5000", "");
  EXPECT_TRUE(p.allow_http);
  EXPECT_EQ(p.registry_scope, AddressScope::Loopback);
  p = realm_policy("https://localhost:5000", "");
  EXPECT_FALSE(p.allow_http);
  EXPECT_EQ(p.registry_scope, AddressScope::Loopback);
  EXPECT_EQ(realm_policy("https://registry-1.docker.io", "").registry_scope, AddressScope::Public);
  // A name's answer came from an address, and that address is where the registry is.
  EXPECT_EQ(realm_policy("https://registry.corp", "10.0.0.5").registry_scope, AddressScope::Private);
  EXPECT_EQ(realm_policy("https://127.0.0.1", "93.184.216.34").registry_scope, AddressScope::Public);
}

TEST(CheckTokenRealm, AcceptedRealms) {
  RealmPolicy public_https{false, AddressScope::Public};
  for (auto realm : {"https://auth.docker.io/token", "HTTPS://Auth.Example.com:8443/token?x=1",
                     "https://93.184.216.34/token", "https://[2606:2800:220:1::1]/token"})
    EXPECT_EQ(error_of([&] { check_token_realm(realm, public_https, "r"); }), "") << realm;
  RealmPolicy local_http{true, AddressScope::Loopback};
  for (auto realm : {"http://127.0.0.1:5001/token", "https://127.0.0.1/token", "http://10.0.0.1/token",
                     "http://auth.test/token"})
    EXPECT_EQ(error_of([&] { check_token_realm(realm, local_http, "r"); }), "") << realm;
}

TEST(CheckTokenRealm, RefusedRealmsSayWhy) {
  RealmPolicy local_http{true, AddressScope::Loopback};
  RealmPolicy public_https{false, AddressScope::Public};
  struct Case {
    const char* realm;
    RealmPolicy policy;
    const char* why;
  } cases[] = {
      {"http://169.254.169.254/", local_http, "a link-local, unspecified or multicast address"},
      {"http://0xa9.0xfe.0xa9.0xfe/", local_http, "a link-local, unspecified or multicast address"},
      {"http://169.254.43518/", local_http, "a link-local, unspecified or multicast address"},
      {"http://[fe80::1%25eth0]/", local_http, "a link-local, unspecified or multicast address"},
      {"http://0/", local_http, "a link-local, unspecified or multicast address"},
      {"https://[::ffff:169.254.169.254]/", public_https, "a link-local, unspecified or multicast address"},
      {"http://auth.test/token", public_https, "it is http, and the registry is reached over https"},
      {"https://127.0.0.1/token", public_https, "a loopback address, and the registry is not on this machine"},
      {"https://192.168.0.10/token", public_https, "a private address, and the registry is not on a private network"},
      {"file:///etc/passwd", local_http, "its scheme is not https"},
      {"gopher://auth.test/", local_http, "its scheme is not https"},
      {"/token", local_http, "not an absolute URL"},
      {"https://", public_https, "not an absolute URL"},
      {"https://user:pw@auth.test/token", public_https, "it carries a user name"},
  };
  for (auto& c : cases) {
    std::string e = error_of([&] { check_token_realm(c.realm, c.policy, "registry.test"); });
    EXPECT_TRUE(e.starts_with("refusing the token server \"")) << e;
    EXPECT_NE(e.find(" that registry registry.test named: "), std::string::npos) << e;
    EXPECT_TRUE(e.ends_with(c.why)) << c.realm << ": " << e;
  }
}

TEST(CheckTokenRealm, TheRealmIsQuotedPrintableAndShort) {
  std::string realm = "http://169.254.169.254/\x1b[31m" + std::string(500, 'a');
  std::string e = error_of([&] { check_token_realm(realm, {true, AddressScope::Loopback}, "r"); });
  EXPECT_NE(e.find("\"http://169.254.169.254/\\x1b[31maaa"), std::string::npos) << e;
  EXPECT_LT(e.size(), 320u);
}

TEST(RefuseTokenPeer, OnlyForbiddenAddresses) {
  EXPECT_EQ(refuse_token_peer("169.254.169.254"),
            "refusing to connect to 169.254.169.254 for a token: a link-local, unspecified or multicast address");
  EXPECT_NE(refuse_token_peer("fe80::1"), "");
  // Behind a proxy the address is the proxy's: loopback and private ones pass.
  EXPECT_EQ(refuse_token_peer("127.0.0.1"), "");
  EXPECT_EQ(refuse_token_peer("10.0.0.1"), "");
  EXPECT_EQ(refuse_token_peer("93.184.216.34"), "");
}

}  // namespace
