#pragma once
// A Distribution-API registry (OCI distribution spec) for one host: manifests
// and blobs of its repositories. This first cut speaks to registries that
// need no credentials; authentication plugs in at send().
#include <string>

#include "layers/stream.h"
#include "oci/descriptor.h"
#include "publish/http_client.h"

namespace hoist::publish {

class Registry {
 public:
  // `host` as in a reference ("127.0.0.1:5000", "docker.io"). Loopback hosts
  // are spoken to over plain HTTP, as docker does; all others over HTTPS.
  Registry(std::string host, HttpClient& http);

  const std::string& host() const { return host_; }
  std::string base_url() const { return base_; }

  struct Manifest {
    oci::Descriptor descriptor;
    std::string bytes;
  };
  // GET /v2/<repo>/manifests/<tag or digest>; by digest the bytes are verified.
  Manifest get_manifest(const std::string& repo, const std::string& reference);
  // PUT with Content-Type = media type; the registry's digest must match ours.
  void put_manifest(const std::string& repo, const std::string& reference, const oci::Descriptor& d,
                    const std::string& bytes);

  bool has_blob(const std::string& repo, const oci::Digest& d);
  // Streams the blob into `out`, checking its digest and size at the end.
  void get_blob(const std::string& repo, const oci::Descriptor& d, layers::Writer& out);
  // POST an upload session, then PUT the whole blob to its Location with ?digest=.
  void put_blob(const std::string& repo, const oci::Descriptor& d, layers::Reader& data);

 private:
  HttpResponse send(HttpRequest req, layers::Writer* sink = nullptr);
  // Throws a one-line error from a non-success response: the registry's
  // error codes and messages when the body has them, the status otherwise.
  [[noreturn]] void fail(const HttpResponse& r, const std::string& what) const;
  std::string resolve(const std::string& location, const std::string& request_url) const;

  std::string host_;
  std::string base_;
  HttpClient& http_;
};

// The accept list for manifests: every type hoist reads (OCI and Docker schema2, single and multi-platform).
extern const char* const kManifestAccept;

}  // namespace hoist::publish
