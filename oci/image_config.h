#pragma once
// The image configuration: every field of the OCI config plus Docker's
// extras. Fields hoist does not model are kept and written back unchanged.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/digest.h"

namespace hoist::oci {

struct HealthCheck {
  std::vector<std::string> test;  // ["NONE"], ["CMD", ...], ["CMD-SHELL", "..."]
  int64_t interval = 0, timeout = 0, start_period = 0, start_interval = 0;  // nanoseconds
  int retries = 0;
};

// The `config` object: how a container of this image runs.
struct RuntimeConfig {
  std::string user;
  std::vector<std::string> exposed_ports;  // "80/tcp", kept sorted and unique
  std::vector<std::string> env;            // "K=V"
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> cmd;
  std::vector<std::string> volumes;  // kept sorted and unique
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  std::optional<bool> args_escaped;
  std::optional<HealthCheck> healthcheck;
  std::vector<std::string> on_build;
  std::optional<std::vector<std::string>> shell;
  std::string extra_json;

  // Sets K=V in env, replacing an existing K.
  void set_env(const std::string& key, const std::string& value);
};

struct HistoryEntry {
  std::string created;  // RFC 3339
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
  std::string extra_json;
};

struct ImageConfig {
  std::string created;  // RFC 3339
  std::string author;
  std::string architecture;
  std::string os;
  std::string os_version;
  std::vector<std::string> os_features;
  std::string variant;
  RuntimeConfig config;
  std::vector<Digest> diff_ids;
  std::vector<HistoryEntry> history;
  std::string extra_json;

  // Throws hoist::Error when the JSON is malformed or lacks architecture, os or rootfs.
  static ImageConfig parse(std::string_view bytes);
  std::string serialize() const;
};

// Seconds since the epoch as RFC 3339 UTC ("2024-01-02T03:04:05Z").
std::string format_rfc3339(int64_t seconds);

}  // namespace hoist::oci
