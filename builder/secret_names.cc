#include "builder/secret_names.h"

#include <array>
#include <cstdio>

namespace hoist::builder {

namespace {

constexpr std::array<std::string_view, 10> kSecretWords = {
    "apikey", "auth", "credential", "credentials", "key", "password", "pword", "passwd", "secret", "token"};
// Names like PUBLIC_KEY, SSH_KEY_FILE or GPG_KEY_VERSION name something that is not the secret itself.
constexpr std::array<std::string_view, 3> kAllowedWords = {"public", "file", "version"};

bool equals_ignoring_case(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

template <size_t N>
bool has_part(std::string_view name, const std::array<std::string_view, N>& words) {
  // BuildKit's `(?:_|^)(?:word|...)(?:_|$)` matches exactly when one '_'-separated part is a word.
  size_t start = 0;
  for (;;) {
    size_t end = name.find('_', start);
    std::string_view part = name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    for (auto w : words)
      if (equals_ignoring_case(part, w)) return true;
    if (end == std::string_view::npos) return false;
    start = end + 1;
  }
}

// Go's %q for the names a Dockerfile can hold.
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

bool looks_like_secret_name(std::string_view name) {
  return has_part(name, kSecretWords) && !has_part(name, kAllowedWords);
}

std::string secret_name_warning(std::string_view instruction, std::string_view name) {
  return "SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (" + std::string(instruction) +
         " " + go_quote(name) + ")";
}

}  // namespace hoist::builder
