#include "builder/env_list.h"

namespace hoist::builder {

std::pair<std::string, std::string> parse_key_value(std::string_view entry) {
  size_t eq = entry.find('=');
  if (eq == std::string_view::npos) return {std::string(entry), ""};
  return {std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1))};
}

std::vector<std::string> add_env(std::vector<std::string> env, std::string_view key, std::string_view value) {
  std::string entry = std::string(key) + "=" + std::string(value);
  for (std::string& existing : env) {
    // Environment names are case-sensitive on Linux.
    if (parse_key_value(existing).first == key) {
      existing = std::move(entry);
      return env;
    }
  }
  env.push_back(std::move(entry));
  return env;
}

std::map<std::string, std::string> env_with_args(const std::vector<ArgCmd::Arg>& args,
                                                 const std::vector<std::string>& env) {
  std::map<std::string, std::string> out;
  for (const std::string& entry : env) {
    auto [key, value] = parse_key_value(entry);
    out[key] = value;
  }
  for (const ArgCmd::Arg& arg : args) {
    if (arg.value && !out.contains(arg.key)) out.emplace(arg.key, *arg.value);
  }
  return out;
}

}  // namespace hoist::builder
