#pragma once
// BuildKit's SecretsUsedInArgOrEnv check: an ARG or ENV whose name says it
// holds a password, token or key keeps that value in the image (ENV) or its
// history (ARG, through every RUN after it), so the build warns and points
// at secret mounts instead. Only the name is looked at, never the value.
#include <string>
#include <string_view>

namespace hoist::builder {

// True when `name`, cut at '_', has a part that is (ignoring case) apikey,
// auth, credential(s), key, password, pword, passwd, secret or token, and no
// part that is public, file or version ("GITHUB_TOKEN" yes, "PUBLIC_KEY",
// "KEYRING", "TOKEN_FILE" no): BuildKit's rule, word for word.
bool looks_like_secret_name(std::string_view name);

// `SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive
// data (ARG "API_TOKEN")`, BuildKit's message for one name.
std::string secret_name_warning(std::string_view instruction, std::string_view name);

}  // namespace hoist::builder
