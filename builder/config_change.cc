#include "builder/config_change.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/error.h"

namespace hoist::builder {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::vector<std::string>> json_array(std::string_view args) {
  if (args.empty() || args.front() != '[') return std::nullopt;
  auto j = nlohmann::json::parse(args, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (auto& v : j) {
    if (!v.is_string()) return std::nullopt;
    out.push_back(v.get<std::string>());
  }
  return out;
}

// Dockerfile exec form if the arguments are a JSON array, else the shell form.
std::vector<std::string> command(std::string_view args, const oci::RuntimeConfig& c) {
  if (auto v = json_array(args)) return *v;
  std::vector<std::string> out = c.shell ? *c.shell : std::vector<std::string>{"/bin/sh", "-c"};
  out.emplace_back(args);
  return out;
}

// Splits on whitespace, honouring double and single quotes and backslash escapes.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (quote) {
      if (ch == quote) quote = 0;
      else if (ch == '\\' && quote == '"' && i + 1 < s.size()) cur += s[++i];
      else cur += ch;
    } else if (ch == '"' || ch == '\'') {
      quote = ch;
      in_word = true;
    } else if (ch == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(ch))) {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += ch;
      in_word = true;
    }
  }
  if (quote) throw Error("unterminated quote");
  if (in_word) out.push_back(cur);
  return out;
}

// ENV/LABEL: `k=v k2="v 2"`, or the legacy `k v with spaces`.
std::vector<std::pair<std::string, std::string>> pairs(std::string_view args) {
  std::vector<std::pair<std::string, std::string>> out;
  auto w = words(args);
  if (w.empty()) throw Error("missing arguments");
  if (w[0].find('=') == std::string::npos) {
    auto sp = args.find_first_of(" \t");
    if (sp == std::string_view::npos) throw Error("missing value for " + w[0]);
    out.emplace_back(w[0], std::string(trim(args.substr(sp))));
    return out;
  }
  for (auto& kv : w) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("expected key=value, got \"" + kv + "\"");
    out.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

void add_sorted(std::vector<std::string>& set, const std::string& v) {
  if (std::find(set.begin(), set.end(), v) == set.end()) set.push_back(v);
  std::sort(set.begin(), set.end());
}

}  // namespace

void apply_change(oci::RuntimeConfig& c, std::string_view line) {
  with_context("change \"" + std::string(line) + "\"", [&] {
    line = trim(line);
    auto sp = line.find_first_of(" \t");
    std::string op(line.substr(0, sp));
    std::transform(op.begin(), op.end(), op.begin(), [](unsigned char ch) { return std::toupper(ch); });
    std::string_view args = sp == std::string_view::npos ? std::string_view() : trim(line.substr(sp));
    if (args.empty() && op != "CMD" && op != "ENTRYPOINT") throw Error(op + " needs an argument");

    if (op == "CMD") {
      c.cmd = command(args, c);
    } else if (op == "ENTRYPOINT") {
      c.entrypoint = command(args, c);
    } else if (op == "ENV") {
      for (auto& [k, v] : pairs(args)) c.set_env(k, v);
    } else if (op == "LABEL") {
      for (auto& [k, v] : pairs(args)) c.labels[k] = v;
    } else if (op == "EXPOSE") {
      for (auto p : words(args)) add_sorted(c.exposed_ports, p.find('/') == std::string::npos ? p + "/tcp" : p);
    } else if (op == "VOLUME") {
      auto v = json_array(args);
      for (auto& p : v ? *v : words(args)) add_sorted(c.volumes, p);
    } else if (op == "USER") {
      c.user = std::string(args);
    } else if (op == "WORKDIR") {
      c.working_dir = std::string(args);
    } else if (op == "STOPSIGNAL") {
      c.stop_signal = std::string(args);
    } else if (op == "ONBUILD") {
      c.on_build.emplace_back(args);
    } else {
      throw Error("unsupported instruction \"" + op +
                  "\" (want CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR)");
    }
  });
}

}  // namespace hoist::builder
