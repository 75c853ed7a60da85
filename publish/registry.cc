#include "publish/registry.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "common/error.h"
#include "layers/hashing_writer.h"
#include "oci/media_types.h"
#include "publish/excerpt.h"

namespace hoist::publish {

const char* const kManifestAccept =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

namespace {

// Manifests above the distribution spec's 4 MiB are refused: the limit holds
// while the body arrives, so a registry sending more is cut off there.
constexpr size_t kMaxManifest = 4 << 20;

std::string retries_text(int n) { return std::to_string(n) + (n == 1 ? " retry" : " retries"); }

// Passes a download on to `out`, skipping the bytes an earlier try of the same
// blob already delivered: a restarted GET sends the blob from its start again.
// (A Range request would save those bytes, but whether the answer is a 206 or
// a whole 200 is only known from headers the sink never sees.)
class ResumingWriter : public layers::Writer {
 public:
  explicit ResumingWriter(layers::Writer& out) : out_(out) {}
  void restart() { seen_ = 0; }
  // True when `out` itself failed (a full disk): not something a retry fixes.
  bool failed() const { return failed_; }
  void write(const void* data, size_t n) override {
    auto* p = static_cast<const char*>(data);
    uint64_t skip = std::min<uint64_t>(n, delivered_ - std::min(seen_, delivered_));
    seen_ += skip;
    p += skip;
    n -= static_cast<size_t>(skip);
    if (n == 0) return;
    try {
      out_.write(p, n);
    } catch (const Error&) {
      failed_ = true;
      throw;
    }
    seen_ += n;
    delivered_ += n;
  }

 private:
  layers::Writer& out_;
  uint64_t seen_ = 0;       // of the current try
  uint64_t delivered_ = 0;  // over all tries
  bool failed_ = false;
};

// Keeps what is written, up to `limit` bytes: one more and write() throws,
// which stops the download (libcurl aborts when its sink fails).
class LimitedWriter : public layers::Writer {
 public:
  explicit LimitedWriter(uint64_t limit) : limit_(limit) {}
  void write(const void* data, size_t n) override {
    if (n > limit_ - std::min<uint64_t>(limit_, out_.size())) {
      exceeded_ = true;
      throw Error("more than " + std::to_string(limit_) + " bytes");
    }
    out_.append(static_cast<const char*>(data), n);
  }
  void restart() { out_.clear(); }
  bool exceeded() const { return exceeded_; }
  std::string take() { return std::move(out_); }

 private:
  uint64_t limit_;
  std::string out_;
  bool exceeded_ = false;
};

// Passes at most `limit` bytes on to `out`: a blob longer than its descriptor
// says is refused when the extra bytes arrive, not after all of them.
class LengthCheck : public layers::Writer {
 public:
  LengthCheck(layers::Writer& out, int64_t limit, std::string what) : out_(out), limit_(limit), what_(std::move(what)) {}
  void write(const void* data, size_t n) override {
    if (static_cast<uint64_t>(limit_) - seen_ < n)
      throw Error(what_ + " is longer than the " + std::to_string(limit_) + " bytes its descriptor says");
    seen_ += n;
    out_.write(data, n);
  }
  uint64_t seen() const { return seen_; }

 private:
  layers::Writer& out_;
  int64_t limit_;
  uint64_t seen_ = 0;
  std::string what_;
};

// A manifest starts with '{'; anything else (an HTML page from a proxy or a
// login portal) is named as what it is rather than as a JSON syntax error.
bool looks_like_json_object(std::string_view body) {
  size_t i = body.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && body[i] == '{';
}

}  // namespace

Registry::Registry(std::string host, HttpClient& http, std::string base_url, Credentials credentials)
    : host_(std::move(host)), base_(std::move(base_url)), http_(http), auth_(http, host_, base_, std::move(credentials)) {}

void Registry::set_retry(int retries, std::chrono::milliseconds first_delay) {
  retry_ = RetryPolicy{std::max(retries, 0), first_delay};
}

HttpResponse Registry::send_once(HttpRequest req, const Scopes& scopes, layers::Writer* sink) {
  auto with_auth = [&](const std::string& header) {
    HttpRequest r = req;
    if (!header.empty()) r.headers.push_back("Authorization: " + header);
    return r;
  };
  // The token server's verdict holds for every later try: retrying would only ask it again.
  auto auth = [&](auto&& fn) {
    try {
      return fn();
    } catch (const NotRetryable&) {
      throw;
    } catch (const Error& e) {
      throw NotRetryable(e);
    }
  };
  std::string header = auth([&] { return auth_.header_for(scopes); });
  HttpResponse resp = http_.send(with_auth(header), sink);
  if (resp.status != 401) return resp;
  std::string again = auth([&] { return auth_.handle_challenge(resp, scopes, header); });
  if (again.empty() || req.upload) return resp;
  return http_.send(with_auth(again), sink);
}

HttpResponse Registry::retrying(const std::string& what, const std::function<HttpResponse()>& attempt) {
  for (int retry = 0;; ++retry) {
    std::optional<HttpResponse> r;
    try {
      r = attempt();
    } catch (const NotRetryable&) {
      throw;
    } catch (Error& e) {
      if (retry >= retry_.retries) {
        if (retry > 0) e.context("gave up after " + retries_text(retry));
        throw;
      }
    }
    if (r && !is_transient_status(r->status)) return *r;
    if (r && retry >= retry_.retries) fail(*r, what, retry);
    std::this_thread::sleep_for(retry_delay(retry_, retry, r ? &*r : nullptr, std::chrono::system_clock::now()));
  }
}

HttpResponse Registry::send(const HttpRequest& req, const Scopes& scopes, const std::string& what) {
  return retrying(what, [&] { return send_once(req, scopes); });
}

bool Registry::check_login() {
  HttpRequest req;
  req.url = base_ + "/v2/";
  HttpResponse r = send(req, {}, "checking credentials");
  if (r.status == 200) return true;
  if (r.status == 401) return false;
  fail(r, "checking credentials");
}

void Registry::fail(const HttpResponse& r, const std::string& what, int retries) const {
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
  if (detail.empty()) {
    detail = "HTTP " + std::to_string(r.status);
    // Not the registry's JSON: a proxy's or a CDN's page; its first words say which.
    std::string excerpt = body_excerpt(r.body, r.header("content-type"), 80);
    if (!excerpt.empty()) detail += ": " + excerpt;
  }
  std::string tries = retries > 0 ? ", gave up after " + retries_text(retries) : "";
  if (r.status == 404) throw Error("not found: " + what + " (" + detail + tries + ")");
  if (r.status == 401 && detail.find("unauthorized") == std::string::npos) detail = "unauthorized: " + detail;
  throw Error(detail + " (" + what + " at " + host_ + tries + ")");
}

Registry::Manifest Registry::get_manifest(const std::string& repo, const std::string& reference,
                                          std::optional<int64_t> size) {
  std::string what = host_ + "/" + repo + (oci::Digest::valid(reference) ? "@" : ":") + reference;
  if (size && (*size < 0 || static_cast<uint64_t>(*size) > kMaxManifest))
    throw Error("manifest of " + what + " is larger than 4 MiB (its descriptor says " + std::to_string(*size) +
                " bytes)");
  HttpRequest req;
  req.url = base_ + "/v2/" + repo + "/manifests/" + reference;
  req.headers = {kManifestAccept};
  LimitedWriter body(size ? static_cast<uint64_t>(*size) : kMaxManifest);
  std::string too_long = size ? "manifest of " + what + " is longer than the " + std::to_string(*size) +
                                    " bytes its descriptor says"
                              : "manifest of " + what + " is larger than 4 MiB";
  HttpResponse r = retrying(what, [&] {
    body.restart();
    try {
      return send_once(req, pull_scope(repo), &body);
    } catch (const NotRetryable&) {
      throw;
    } catch (const Error&) {
      if (body.exceeded()) throw NotRetryable(Error(too_long));
      throw;
    }
  });
  if (r.status != 200) fail(r, what);
  Manifest m;
  m.bytes = body.take();
  std::string type(oci::media::strip_parameters(r.header("content-type")));
  if (!looks_like_json_object(m.bytes))
    throw Error("manifest of " + what + " is not JSON: the registry sent " + (type.empty() ? "something else" : type) +
                (m.bytes.empty() ? ", empty" : ": " + body_excerpt(m.bytes, type, 80)));
  std::string own = with_context("manifest of " + what, [&] { return oci::detect_media_type(m.bytes); });
  // The document's own mediaType wins over a registry's Content-Type.
  m.descriptor = oci::describe(own.empty() ? type : own, m.bytes);
  if (oci::Digest::valid(reference) && m.descriptor.digest.str() != reference)
    throw Error("manifest of " + what + " does not match its digest (got " + m.descriptor.digest.str() + ")");
  if (size && m.descriptor.size != *size)
    throw Error("manifest of " + what + " is " + std::to_string(m.descriptor.size) + " bytes where its descriptor says " +
                std::to_string(*size));
  return m;
}

void Registry::put_manifest(const std::string& repo, const std::string& reference, const oci::Descriptor& d,
                            const std::string& bytes) {
  HttpRequest req;
  req.method = "PUT";
  req.url = base_ + "/v2/" + repo + "/manifests/" + reference;
  req.headers = {"Content-Type: " + d.media_type};
  req.body = bytes;
  std::string what = "pushing manifest " + host_ + "/" + repo + ":" + reference;
  HttpResponse r = send(req, push_scope(repo), what);
  if (r.status < 200 || r.status >= 300) fail(r, what);
  std::string got = r.header("docker-content-digest");
  if (!got.empty() && got != d.digest.str())
    throw Error("registry stored manifest " + got + " where " + d.digest.str() + " was sent");
}

bool Registry::has_blob(const std::string& repo, const oci::Digest& d) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = base_ + "/v2/" + repo + "/blobs/" + d.str();
  std::string what = "checking blob " + d.str() + " in " + repo;
  HttpResponse r = send(req, push_scope(repo), what);
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  fail(r, what);
}

void Registry::get_blob(const std::string& repo, const oci::Descriptor& d, layers::Writer& out, bool check_digest) {
  layers::HashingWriter checked(out);
  LengthCheck bounded(check_digest ? static_cast<layers::Writer&>(checked) : out, d.size,
                      "blob " + d.digest.str() + " from " + host_ + "/" + repo);
  ResumingWriter resuming(bounded);
  HttpRequest req;
  req.url = base_ + "/v2/" + repo + "/blobs/" + d.digest.str();
  std::string what = "blob " + d.digest.str() + " of " + host_ + "/" + repo;
  HttpResponse r = retrying(what, [&] {
    resuming.restart();
    try {
      return send_once(req, pull_scope(repo), &resuming);
    } catch (const NotRetryable&) {
      throw;
    } catch (const Error& e) {
      if (resuming.failed()) throw NotRetryable(e);
      throw;
    }
  });
  if (r.status != 200) fail(r, what);
  if (!check_digest) {
    if (static_cast<int64_t>(bounded.seen()) != d.size)
      throw Error("blob " + d.digest.str() + " from " + host_ + "/" + repo + " is corrupt: got " +
                  std::to_string(bounded.seen()) + " bytes");
    return;
  }
  oci::Digest got = checked.finish();
  if (got != d.digest || static_cast<int64_t>(checked.size()) != d.size)
    throw Error("blob " + d.digest.str() + " from " + host_ + "/" + repo + " is corrupt: got " + got.str() + ", " +
                std::to_string(checked.size()) + " bytes");
}

}  // namespace hoist::publish
