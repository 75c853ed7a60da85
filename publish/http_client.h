#pragma once
// The HTTP seam of the registry client: requests and responses as plain
// values, one interface, libcurl behind it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "layers/stream.h"

namespace hoist::publish {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent when `upload` is null
  layers::Reader* upload = nullptr;  // streamed body of `upload_size` bytes
  int64_t upload_size = 0;
  // Only https, for the request and every redirect: no downgrade to http.
  bool https_only = false;
  // Asked with the numeric address of each connection the request would open
  // (redirects included), before it is opened: a non-empty answer refuses it
  // and send() throws NotRetryable with that reason.
  std::function<std::string(std::string_view ip)> check_peer;
};

struct HttpResponse {
  long status = 0;
  std::string body;                                          // unless streamed to a sink
  std::vector<std::pair<std::string, std::string>> headers;  // of the final response; names lower-cased
  std::string url;                                           // after redirects
  std::string peer_ip;                                       // the server's address, when known

  // The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

// A failure another try would only repeat (a TLS failure: the certificate or
// the CA setup is wrong; reading the local blob; writing the store; a token
// server refusing the credentials): never retried. Any other hoist::Error from
// HttpClient::send (a reset, a timeout, a refused connection) may pass.
class NotRetryable : public Error {
 public:
  explicit NotRetryable(const Error& e) : Error(e) {}
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends the request, following redirects. The response body goes to `sink`
  // when given and the status is 2xx, else into HttpResponse::body (bounded).
  // Throws hoist::Error on a transport failure (connection, timeout), NotRetryable for TLS.
  // Safe to call from several threads at once: blob copies run in parallel.
  virtual HttpResponse send(const HttpRequest& request, layers::Writer* sink = nullptr) = 0;
};

// How a client does TLS; one per registry host (see registry_endpoint.h).
struct TlsConfig {
  bool verify = true;                 // false: no peer or host name check (insecure registries)
  std::vector<std::string> ca_files;  // PEM CAs trusted in addition to the system ones, as docker does
  std::string client_cert, client_key;
  // Appended to a TLS failure, e.g. "(put the registry's CA in …)": the user's
  // fix depends on where the settings came from, which only the caller knows.
  std::string fix_hint;
};

// `stall`: a transfer moving under 1 KB/s for this long fails (and is
// retried like a dropped connection) instead of hanging a CI job.
std::unique_ptr<HttpClient> make_curl_client(const TlsConfig& tls = {},
                                             std::chrono::seconds stall = std::chrono::seconds(60));

}  // namespace hoist::publish
