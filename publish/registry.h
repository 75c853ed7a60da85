#pragma once
// A Distribution-API registry (OCI distribution spec) for one host: manifests
// and blobs of its repositories, authenticated by RegistryAuth.
#include <string>

#include "layers/stream.h"
#include "oci/descriptor.h"
#include "publish/http_client.h"
#include "publish/registry_auth.h"

namespace hoist::publish {

class Registry {
 public:
  // `host` as in a reference ("127.0.0.1:5000", "docker.io"); `base_url` where
  // its API is ("https://registry-1.docker.io"). Without one, loopback hosts
  // are spoken to over plain HTTP, as docker does; all others over HTTPS.
  Registry(std::string host, HttpClient& http, Credentials credentials = {}, std::string base_url = "");

  const std::string& host() const { return host_; }

  struct Manifest {
    oci::Descriptor descriptor;
    std::string bytes;
  };
  // GET /v2/<repo>/manifests/<tag or digest>; by digest the bytes are verified.
  Manifest get_manifest(const std::string& repo, const std::string& reference);
  // PUT with Content-Type = media type; the registry's digest must match ours.
  void put_manifest(const std::string& repo, const std::string& reference, const oci::Descriptor& d,
                    const std::string& bytes);

  // HEAD with push rights, as a push asks before uploading.
  bool has_blob(const std::string& repo, const oci::Digest& d);
  // GET /v2/: true when the credentials are accepted (used by login).
  bool check_login();
  // Streams the blob into `out`, checking its digest and size at the end.
  void get_blob(const std::string& repo, const oci::Descriptor& d, layers::Writer& out);
  // POST an upload session, then PUT the whole blob to its Location with ?digest=.
  void put_blob(const std::string& repo, const oci::Descriptor& d, layers::Reader& data);

 private:
  // Sends with the Authorization `scope` needs, answering one 401 challenge
  // (a request with a streamed body cannot be replayed: callers authenticate first).
  HttpResponse send(HttpRequest req, const std::string& scope, layers::Writer* sink = nullptr);
  std::string pull_scope(const std::string& repo) const { return "repository:" + repo + ":pull"; }
  std::string push_scope(const std::string& repo) const { return "repository:" + repo + ":pull,push"; }
  // Throws a one-line error from a non-success response: the registry's
  // error codes and messages when the body has them, the status otherwise.
  [[noreturn]] void fail(const HttpResponse& r, const std::string& what) const;
  std::string resolve(const std::string& location, const std::string& request_url) const;

  std::string host_;
  std::string base_;
  HttpClient& http_;
  RegistryAuth auth_;
};

// The accept list for manifests: every type hoist reads (OCI and Docker schema2, single and multi-platform).
extern const char* const kManifestAccept;

}  // namespace hoist::publish
