#pragma once
// A Distribution-API registry (OCI distribution spec) for one host: manifests
// and blobs of its repositories, authenticated by RegistryAuth. Every method
// may be called from several threads at once (blob transfers run in parallel).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layers/stream.h"
#include "oci/descriptor.h"
#include "publish/http_client.h"
#include "publish/registry_auth.h"
#include "publish/retry.h"

namespace hoist::publish {

class BlobUploader;

class Registry {
 public:
  // `host` as in a reference ("127.0.0.1:5000", "docker.io"); `base_url` where
  // its API is ("https://registry-1.docker.io"), as registry_endpoint.h decides.
  Registry(std::string host, HttpClient& http, std::string base_url, Credentials credentials = {});

  const std::string& host() const { return host_; }

  // Transient failures (408, 429, 5xx gateway errors, resets, timeouts) are
  // retried `retries` times, waiting `first_delay` doubled each time (or the
  // Retry-After the registry asks for). Set before any request is made.
  void set_retry(int retries, std::chrono::milliseconds first_delay);

  struct Manifest {
    oci::Descriptor descriptor;
    std::string bytes;
  };
  // GET /v2/<repo>/manifests/<tag or digest>; by digest the bytes are verified.
  // At most 4 MiB are read, or `size` (a descriptor's) when given, which the
  // manifest must then be exactly. Throws naming the reference: over the
  // limit, not JSON (an HTML page), a JSON document that is not a manifest.
  Manifest get_manifest(const std::string& repo, const std::string& reference, std::optional<int64_t> size = {});
  // PUT with Content-Type = media type; the registry's digest must match ours.
  void put_manifest(const std::string& repo, const std::string& reference, const oci::Descriptor& d,
                    const std::string& bytes);

  // HEAD with push rights, as a push asks before uploading.
  bool has_blob(const std::string& repo, const oci::Digest& d);
  // GET /v2/: true when the credentials are accepted (used by login).
  bool check_login();
  // Streams the blob into `out`, checking its digest and size at the end (a
  // blob longer than d.size as soon as the extra bytes arrive). A download
  // cut short is started again; the bytes `out` already has are not written twice.
  // `check_digest` false leaves the digest to `out` (a sink's BlobUpload,
  // whose commit() checks it): each byte is then hashed once, not twice.
  void get_blob(const std::string& repo, const oci::Descriptor& d, layers::Writer& out, bool check_digest = true);

  // Opens the blob's bytes from the start; called again for each new try.
  using BlobOpener = std::function<std::unique_ptr<layers::Reader>()>;
  enum class BlobPut { Uploaded, Mounted };
  // Uploads a blob (see blob_upload.cc): first a cross-repository mount from
  // `mount_from` (other repositories of this host that hold it), else one PUT
  // for a small blob or PATCH chunks for a large one. A try that fails
  // transiently resumes where the registry's session stands, or starts the blob
  // again in a new session; a session given up on is cancelled.
  BlobPut put_blob(const std::string& repo, const oci::Descriptor& d, const BlobOpener& open,
                   const std::vector<std::string>& mount_from = {});

 private:
  friend class BlobUploader;

  // One request with the Authorization `scopes` need, answering one 401
  // challenge by sending again. A request with a streamed body cannot be sent
  // again: its 401 is returned, the auth state updated for the next request.
  HttpResponse send_once(HttpRequest req, const Scopes& scopes, layers::Writer* sink = nullptr);
  // Calls `attempt` (one request or a sequence) until its response is not a
  // transient failure, sleeping between tries; transport errors are retried
  // the same way. When the retries run out the last response is returned (or
  // the last transport error rethrown) and `what` says what failed.
  HttpResponse retrying(const std::string& what, const std::function<HttpResponse()>& attempt);
  // send_once, retried: for requests that may be repeated (GET, HEAD, PUT manifest).
  HttpResponse send(const HttpRequest& req, const Scopes& scopes, const std::string& what);

  Scopes pull_scope(const std::string& repo) const { return {"repository:" + repo + ":pull"}; }
  Scopes push_scope(const std::string& repo) const { return {"repository:" + repo + ":pull,push"}; }
  // Throws a one-line error from a non-success response: the registry's
  // error codes and messages when the body has them, the status otherwise,
  // and how many retries were spent on it.
  [[noreturn]] void fail(const HttpResponse& r, const std::string& what, int retries = 0) const;

  std::string host_;
  std::string base_;
  HttpClient& http_;
  RegistryAuth auth_;
  RetryPolicy retry_;
};

// The accept list for manifests: every type hoist reads (OCI and Docker schema2, single and multi-platform).
extern const char* const kManifestAccept;

}  // namespace hoist::publish
