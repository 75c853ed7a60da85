#include "builder/metadata_step.h"

#include <algorithm>
#include <cctype>
#include <type_traits>

#include "common/error.h"

namespace hoist::builder {

namespace {

const std::vector<std::string> kDefaultShell = {"/bin/sh", "-c"};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

uint32_t port_number(const std::string& text, const std::string& spec) {
  if (!all_digits(text) || text.size() > 5 || std::stoul(text) > 65535)
    throw Error("EXPOSE: invalid port \"" + spec + "\"");
  return static_cast<uint32_t>(std::stoul(text));
}

// "/a/b" joined with a WORKDIR argument, cleaned as a path.
std::string join_workdir(const std::string& current, const std::string& path) {
  std::string full = path.starts_with("/") ? path : (current.empty() ? "/" : current) + "/" + path;
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= full.size()) {
    size_t end = full.find('/', start);
    if (end == std::string::npos) end = full.size();
    std::string part = full.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

template <typename T>
void insert_sorted(std::vector<T>& v, const T& value) {
  auto it = std::lower_bound(v.begin(), v.end(), value);
  if (it == v.end() || *it != value) v.insert(it, value);
}

}  // namespace

std::vector<std::string> command_argv(const CommandLine& line, const oci::RuntimeConfig& config) {
  if (!line.prepend_shell) return line.args;
  std::vector<std::string> argv = config.shell ? *config.shell : kDefaultShell;
  argv.push_back(line.args.empty() ? "" : line.args[0]);
  return argv;
}

std::vector<std::string> exposed_ports(const std::string& spec) {
  std::string port = spec, proto = "tcp";
  if (auto slash = spec.find('/'); slash != std::string::npos) {
    port = spec.substr(0, slash);
    proto = lower(spec.substr(slash + 1));
    if (proto != "tcp" && proto != "udp" && proto != "sctp")
      throw Error("EXPOSE: invalid protocol \"" + spec.substr(slash + 1) + "\" in \"" + spec + "\"");
  }
  // An "ip:" prefix is docker's run syntax; EXPOSE refuses it too.
  if (port.find(':') != std::string::npos) throw Error("EXPOSE: invalid port \"" + spec + "\"");
  uint32_t first, last;
  if (auto dash = port.find('-'); dash != std::string::npos) {
    first = port_number(port.substr(0, dash), spec);
    last = port_number(port.substr(dash + 1), spec);
    if (last < first) throw Error("EXPOSE: invalid port range \"" + spec + "\"");
  } else {
    first = last = port_number(port, spec);
  }
  std::vector<std::string> out;
  for (uint32_t p = first; p <= last; ++p) out.push_back(std::to_string(p) + "/" + proto);
  return out;
}

bool apply_metadata(const Command& command, MetadataTarget t) {
  oci::RuntimeConfig& c = t.image.config;
  return std::visit(
      [&](const auto& cmd) -> bool {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, EnvCmd>) {
          for (const auto& kv : cmd.env) c.set_env(kv.key, kv.value);
        } else if constexpr (std::is_same_v<T, LabelCmd>) {
          for (const auto& kv : cmd.labels) c.labels[kv.key] = kv.value;
        } else if constexpr (std::is_same_v<T, CmdCmd>) {
          c.cmd = command_argv(cmd.command, c);
          t.cmd_set = true;
        } else if constexpr (std::is_same_v<T, EntrypointCmd>) {
          c.entrypoint = command_argv(cmd.command, c);
          // Docker: an ENTRYPOINT drops the CMD inherited from the base image.
          if (!t.cmd_set) c.cmd.reset();
        } else if constexpr (std::is_same_v<T, ExposeCmd>) {
          for (const auto& spec : cmd.ports)
            for (const auto& p : exposed_ports(spec)) insert_sorted(c.exposed_ports, p);
        } else if constexpr (std::is_same_v<T, VolumeCmd>) {
          for (const auto& v : cmd.volumes) {
            if (v.empty()) throw Error("VOLUME specified can not be an empty string");
            insert_sorted(c.volumes, v);
          }
        } else if constexpr (std::is_same_v<T, UserCmd>) {
          c.user = cmd.user;
        } else if constexpr (std::is_same_v<T, WorkdirCmd>) {
          c.working_dir = join_workdir(c.working_dir, cmd.path);
        } else if constexpr (std::is_same_v<T, ShellCmd>) {
          c.shell = cmd.shell;
        } else if constexpr (std::is_same_v<T, StopSignalCmd>) {
          c.stop_signal = cmd.signal;
        } else if constexpr (std::is_same_v<T, HealthcheckCmd>) {
          oci::HealthCheck h;
          h.test = cmd.test;
          h.interval = cmd.interval;
          h.timeout = cmd.timeout;
          h.start_period = cmd.start_period;
          h.start_interval = cmd.start_interval;
          h.retries = cmd.retries;
          c.healthcheck = h;
        } else if constexpr (std::is_same_v<T, OnbuildCmd>) {
          c.on_build.push_back(cmd.expression);
        } else if constexpr (std::is_same_v<T, MaintainerCmd>) {
          t.image.author = cmd.maintainer;
        } else {
          return false;
        }
        return true;
      },
      command);
}

}  // namespace hoist::builder
