// libFuzzer target: any bytes as WWW-Authenticate header lines (one per
// '\n'), through the challenge parser, the Bearer parameters and the token
// realm check a registry's challenge leads to. parse_challenges never throws;
// the other two throw hoist::Error only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "publish/auth_challenge.h"
#include "publish/token_realm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  using namespace hoist::publish;
  auto challenges = parse_challenges(lines);
  for (auto& c : challenges) {
    if (c.scheme.empty()) __builtin_trap();  // every challenge has a scheme
    try {
      BearerParams p = bearer_params(c);
      for (auto& s : p.scopes)
        if (s.empty()) __builtin_trap();  // empty scopes are dropped
      check_token_realm(p.realm, {true, AddressScope::Loopback}, "registry.test");
      check_token_realm(p.realm, {false, AddressScope::Public}, "registry.test");
    } catch (const hoist::Error&) {
      // not a Bearer challenge, no realm, or a realm refused: expected for fuzzed input
    }
  }
  find_challenge(challenges, "bearer");
  return 0;
}
