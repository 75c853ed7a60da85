#include "publish/registry.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "layers/hashing_writer.h"
#include "oci/media_types.h"

namespace hoist::publish {

const char* const kManifestAccept =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

namespace {

// Manifests above the distribution spec's 4 MiB are refused unread.
constexpr size_t kMaxManifest = 4 << 20;

bool is_loopback(const std::string& host) {
  std::string h = host;
  if (h.starts_with("[")) h = h.substr(1, h.find(']') - 1);
  else if (auto colon = h.rfind(':'); colon != std::string::npos) h = h.substr(0, colon);
  return h == "localhost" || h.starts_with("127.") || h == "::1";
}

}  // namespace

Registry::Registry(std::string host, HttpClient& http, Credentials credentials, std::string base_url)
    : host_(std::move(host)), base_(std::move(base_url)), http_(http), auth_(http, host_, std::move(credentials)) {
  if (base_.empty()) {
    std::string api_host = host_ == "docker.io" ? "registry-1.docker.io" : host_;
    base_ = (is_loopback(host_) ? "http://" : "https://") + api_host;
  }
}

HttpResponse Registry::send(HttpRequest req, const std::string& scope, layers::Writer* sink) {
  auto with_auth = [&] {
    HttpRequest r = req;
    std::string h = auth_.header_for(scope);
    if (!h.empty()) r.headers.push_back("Authorization: " + h);
    return r;
  };
  HttpResponse resp = http_.send(with_auth(), sink);
  if (resp.status == 401 && !req.upload && auth_.handle_challenge(resp, scope)) resp = http_.send(with_auth(), sink);
  return resp;
}

bool Registry::check_login() {
  HttpRequest req;
  req.url = base_ + "/v2/";
  HttpResponse r = send(req, "");
  if (r.status == 200) return true;
  if (r.status == 401) return false;
  fail(r, "checking credentials");
}

void Registry::fail(const HttpResponse& r, const std::string& what) const {
  std::string detail;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      std::string code = e.value("code", "");
      std::string msg = e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
      std::transform(code.begin(), code.end(), code.begin(), [](unsigned char c) { return std::tolower(c); });
      for (auto& ch : code)
        if (ch == '_') ch = ' ';
      detail += (detail.empty() ? "" : "; ") + code + (msg.empty() ? "" : ": " + msg);
    }
  }
  if (detail.empty()) detail = "HTTP " + std::to_string(r.status);
  if (r.status == 404) throw Error("not found: " + what + " (" + detail + ")");
  if (r.status == 401 && detail.find("unauthorized") == std::string::npos) detail = "unauthorized: " + detail;
  throw Error(detail + " (" + what + " at " + host_ + ")");
}

std::string Registry::resolve(const std::string& location, const std::string& request_url) const {
  if (location.starts_with("http://") || location.starts_with("https://")) return location;
  auto scheme_end = request_url.find("://");
  auto path_start = request_url.find('/', scheme_end + 3);
  std::string origin = request_url.substr(0, path_start);
  if (location.starts_with("/")) return origin + location;
  std::string dir = request_url.substr(0, request_url.rfind('/') + 1);
  return dir + location;
}

Registry::Manifest Registry::get_manifest(const std::string& repo, const std::string& reference) {
  std::string what = host_ + "/" + repo + (oci::Digest::valid(reference) ? "@" : ":") + reference;
  HttpRequest req;
  req.url = base_ + "/v2/" + repo + "/manifests/" + reference;
  req.headers = {kManifestAccept};
  HttpResponse r = send(req, pull_scope(repo));
  if (r.status != 200) fail(r, what);
  if (r.body.size() > kMaxManifest) throw Error("manifest of " + what + " is larger than 4 MiB");
  Manifest m;
  m.bytes = std::move(r.body);
  std::string type(oci::media::strip_parameters(r.header("content-type")));
  std::string own = oci::detect_media_type(m.bytes);
  // The document's own mediaType wins over a registry's Content-Type.
  m.descriptor = oci::describe(own.empty() ? type : own, m.bytes);
  if (oci::Digest::valid(reference) && m.descriptor.digest.str() != reference)
    throw Error("manifest of " + what + " does not match its digest (got " + m.descriptor.digest.str() + ")");
  return m;
}

void Registry::put_manifest(const std::string& repo, const std::string& reference, const oci::Descriptor& d,
                            const std::string& bytes) {
  HttpRequest req;
  req.method = "PUT";
  req.url = base_ + "/v2/" + repo + "/manifests/" + reference;
  req.headers = {"Content-Type: " + d.media_type};
  req.body = bytes;
  HttpResponse r = send(req, push_scope(repo));
  if (r.status < 200 || r.status >= 300) fail(r, "pushing manifest " + host_ + "/" + repo + ":" + reference);
  std::string got = r.header("docker-content-digest");
  if (!got.empty() && got != d.digest.str())
    throw Error("registry stored manifest " + got + " where " + d.digest.str() + " was sent");
}

bool Registry::has_blob(const std::string& repo, const oci::Digest& d) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = base_ + "/v2/" + repo + "/blobs/" + d.str();
  HttpResponse r = send(req, push_scope(repo));
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  fail(r, "checking blob " + d.str() + " in " + repo);
}

void Registry::get_blob(const std::string& repo, const oci::Descriptor& d, layers::Writer& out) {
  layers::HashingWriter checked(out);
  HttpRequest req;
  req.url = base_ + "/v2/" + repo + "/blobs/" + d.digest.str();
  HttpResponse r = send(req, pull_scope(repo), &checked);
  if (r.status != 200) fail(r, "blob " + d.digest.str() + " of " + host_ + "/" + repo);
  oci::Digest got = checked.finish();
  if (got != d.digest || static_cast<int64_t>(checked.size()) != d.size)
    throw Error("blob " + d.digest.str() + " from " + host_ + "/" + repo + " is corrupt: got " + got.str() + ", " +
                std::to_string(checked.size()) + " bytes");
}

void Registry::put_blob(const std::string& repo, const oci::Descriptor& d, layers::Reader& data) {
  std::string what = "uploading blob " + d.digest.str() + " to " + host_ + "/" + repo;
  HttpRequest post;
  post.method = "POST";
  post.url = base_ + "/v2/" + repo + "/blobs/uploads/";
  post.headers = {"Content-Length: 0"};
  HttpResponse session = send(post, push_scope(repo));
  if (session.status != 202) fail(session, what);
  std::string location = session.header("location");
  if (location.empty()) throw Error(what + ": the registry gave no upload location");
  std::string url = resolve(location, session.url.empty() ? post.url : session.url);
  url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + d.digest.str();

  HttpRequest put;
  put.method = "PUT";
  put.url = url;
  put.headers = {"Content-Type: application/octet-stream"};
  put.upload = &data;
  put.upload_size = d.size;
  HttpResponse done = send(put, push_scope(repo));
  if (done.status != 201 && done.status != 204 && done.status != 200) fail(done, what);
}

}  // namespace hoist::publish
