#include "oci/image_config.h"

#include <algorithm>
#include <ctime>

#include "oci/json_text.h"
#include "oci/json_util.h"

namespace hoist::oci {

using json::Json;

namespace {

std::vector<std::string> string_list(const Json& v, const char* what) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) throw Error(std::string(what) + " must be an array of strings");
  for (auto& s : v) {
    if (!s.is_string()) throw Error(std::string(what) + " must be an array of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

std::optional<std::vector<std::string>> optional_list(const Json& v, const char* what) {
  if (v.is_null()) return std::nullopt;
  return string_list(v, what);
}

// ExposedPorts and Volumes are JSON objects whose values are all `{}`.
std::vector<std::string> key_set(const Json& v, const char* what) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_object()) throw Error(std::string(what) + " must be an object");
  for (auto& [k, _] : v.items()) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

Json key_set_json(const std::vector<std::string>& keys) {
  Json j = Json::object();
  for (auto& k : keys) j[k] = Json::object();
  return j;
}

int64_t take_int(Json& obj, const char* key) {
  Json v = json::take(obj, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_number()) return 0;
  // Converting a double outside int64's range is undefined behaviour: refuse it first.
  double d = v.get<double>();
  if (!(d >= -9.2e18 && d <= 9.2e18)) throw Error(std::string("Healthcheck.") + key + " is out of range");
  return static_cast<int64_t>(d);
}

RuntimeConfig runtime_from_json(Json c) {
  RuntimeConfig r;
  if (c.is_null()) return r;
  if (!c.is_object()) throw Error("config must be an object");
  r.user = json::take_string(c, "User");
  r.exposed_ports = key_set(json::take(c, "ExposedPorts"), "ExposedPorts");
  r.env = string_list(json::take(c, "Env"), "Env");
  r.entrypoint = optional_list(json::take(c, "Entrypoint"), "Entrypoint");
  r.cmd = optional_list(json::take(c, "Cmd"), "Cmd");
  r.volumes = key_set(json::take(c, "Volumes"), "Volumes");
  r.working_dir = json::take_string(c, "WorkingDir");
  Json labels = json::take(c, "Labels");
  if (labels.is_object())
    for (auto& [k, v] : labels.items()) r.labels[k] = v.is_string() ? v.get<std::string>() : v.dump();
  r.stop_signal = json::take_string(c, "StopSignal");
  Json ae = json::take(c, "ArgsEscaped");
  if (ae.is_boolean()) r.args_escaped = ae.get<bool>();
  Json hc = json::take(c, "Healthcheck");
  if (hc.is_object()) {
    HealthCheck h;
    h.test = string_list(json::take(hc, "Test"), "Healthcheck.Test");
    h.interval = take_int(hc, "Interval");
    h.timeout = take_int(hc, "Timeout");
    h.start_period = take_int(hc, "StartPeriod");
    h.start_interval = take_int(hc, "StartInterval");
    h.retries = static_cast<int>(take_int(hc, "Retries"));
    r.healthcheck = h;
  }
  r.on_build = string_list(json::take(c, "OnBuild"), "OnBuild");
  r.shell = optional_list(json::take(c, "Shell"), "Shell");
  r.extra_json = json::rest(c);
  return r;
}

Json runtime_to_json(const RuntimeConfig& r) {
  Json c = Json::object();
  if (!r.user.empty()) c["User"] = r.user;
  if (!r.exposed_ports.empty()) c["ExposedPorts"] = key_set_json(r.exposed_ports);
  if (!r.env.empty()) c["Env"] = r.env;
  if (r.entrypoint) c["Entrypoint"] = *r.entrypoint;
  if (r.cmd) c["Cmd"] = *r.cmd;
  if (!r.volumes.empty()) c["Volumes"] = key_set_json(r.volumes);
  if (!r.working_dir.empty()) c["WorkingDir"] = r.working_dir;
  if (!r.labels.empty()) c["Labels"] = r.labels;
  if (!r.stop_signal.empty()) c["StopSignal"] = r.stop_signal;
  if (r.args_escaped) c["ArgsEscaped"] = *r.args_escaped;
  if (r.healthcheck) {
    const auto& h = *r.healthcheck;
    Json hc = Json::object();
    hc["Test"] = h.test;
    if (h.interval) hc["Interval"] = h.interval;
    if (h.timeout) hc["Timeout"] = h.timeout;
    if (h.start_period) hc["StartPeriod"] = h.start_period;
    if (h.start_interval) hc["StartInterval"] = h.start_interval;
    if (h.retries) hc["Retries"] = h.retries;
    c["Healthcheck"] = hc;
  }
  if (!r.on_build.empty()) c["OnBuild"] = r.on_build;
  if (r.shell) c["Shell"] = *r.shell;
  json::merge_rest(c, r.extra_json);
  return c;
}

}  // namespace

void RuntimeConfig::set_env(const std::string& key, const std::string& value) {
  std::string entry = key + "=" + value;
  for (auto& e : env) {
    if (e.compare(0, key.size() + 1, key + "=") == 0) {
      e = entry;
      return;
    }
  }
  env.push_back(entry);
}

ImageConfig ImageConfig::parse(std::string_view bytes) {
  return with_context("parsing image config", [&] {
    Json j = json::parse(bytes, "image config");
    ImageConfig c;
    c.created = json::take_string(j, "created");
    c.author = json::take_string(j, "author");
    c.architecture = json::take_string(j, "architecture");
    c.os = json::take_string(j, "os");
    c.os_version = json::take_string(j, "os.version");
    c.os_features = string_list(json::take(j, "os.features"), "os.features");
    c.variant = json::take_string(j, "variant");
    c.config = runtime_from_json(json::take(j, "config"));
    Json rootfs = json::take(j, "rootfs");
    if (!rootfs.is_object()) throw Error("image config has no rootfs");
    for (auto& d : string_list(rootfs.value("diff_ids", Json()), "rootfs.diff_ids"))
      c.diff_ids.push_back(Digest::parse(d));
    Json history = json::take(j, "history");
    if (history.is_array()) {
      for (auto& h : history) {
        HistoryEntry e;
        e.created = json::take_string(h, "created");
        e.created_by = json::take_string(h, "created_by");
        e.author = json::take_string(h, "author");
        e.comment = json::take_string(h, "comment");
        Json empty = json::take(h, "empty_layer");
        e.empty_layer = empty.is_boolean() && empty.get<bool>();
        e.extra_json = json::rest(h);
        c.history.push_back(std::move(e));
      }
    }
    c.extra_json = json::rest(j);
    if (c.architecture.empty() || c.os.empty()) throw Error("image config lacks architecture or os");
    return c;
  });
}

std::string ImageConfig::serialize() const {
  Json j = Json::object();
  if (!created.empty()) j["created"] = created;
  if (!author.empty()) j["author"] = author;
  j["architecture"] = architecture;
  j["os"] = os;
  if (!os_version.empty()) j["os.version"] = os_version;
  if (!os_features.empty()) j["os.features"] = os_features;
  if (!variant.empty()) j["variant"] = variant;
  j["config"] = runtime_to_json(config);
  Json rootfs = Json::object();
  rootfs["type"] = "layers";
  rootfs["diff_ids"] = Json::array();
  for (auto& d : diff_ids) rootfs["diff_ids"].push_back(d.str());
  j["rootfs"] = rootfs;
  if (!history.empty()) {
    Json hs = Json::array();
    for (auto& e : history) {
      Json h = Json::object();
      if (!e.created.empty()) h["created"] = e.created;
      if (!e.created_by.empty()) h["created_by"] = e.created_by;
      if (!e.author.empty()) h["author"] = e.author;
      if (!e.comment.empty()) h["comment"] = e.comment;
      if (e.empty_layer) h["empty_layer"] = true;
      json::merge_rest(h, e.extra_json);
      hs.push_back(h);
    }
    j["history"] = hs;
  }
  json::merge_rest(j, extra_json);
  return json::dump_text(j);  // LABEL, ENV, RUN lines may carry any bytes
}

std::string format_rfc3339(int64_t seconds) {
  time_t t = static_cast<time_t>(seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace hoist::oci
