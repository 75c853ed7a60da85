#pragma once
// `KEY=value` environment lists as an image config and a RUN step hold them
// (BuildKit's dockerfile2llb addEnv / parseKeyValue, and the env a RUN sees
// once build args are added).
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "builder/instructions.h"

namespace hoist::builder {

// "k=v" → {k, v}; "k=" → {k, ""}; "k" → {k, ""}.
std::pair<std::string, std::string> parse_key_value(std::string_view entry);

// `env` with KEY set to VALUE: the first entry whose key is KEY (a bare "KEY"
// counts) is replaced in place, else "KEY=VALUE" is appended. Later entries
// with the same key are left alone, as upstream does.
std::vector<std::string> add_env(std::vector<std::string> env, std::string_view key, std::string_view value);

// The variables a RUN step sees: `env` (a repeated key: the last one wins)
// plus each ARG that has a value and whose name `env` does not already set
// (a repeated ARG: the first one wins).
std::map<std::string, std::string> env_with_args(const std::vector<ArgCmd::Arg>& args,
                                                 const std::vector<std::string>& env);

}  // namespace hoist::builder
