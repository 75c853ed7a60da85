// HttpClient over libcurl. A pool of easy handles lets several threads send
// at once; each handle keeps its own keep-alive connections (libcurl does not
// support one connection cache shared between threads), and a share handle
// gives them one DNS cache and one TLS session cache, so a new connection to
// the registry resumes the TLS session instead of a full handshake.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <cstring>
#include <mutex>

#include "common/error.h"
#include "common/fs.h"
#include "publish/http_client.h"

namespace hoist::publish {

std::string HttpResponse::header(std::string_view name) const {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  for (auto& [k, v] : headers)
    if (k == n) return v;
  return "";
}

namespace {

// Bodies not streamed to a sink are error messages, tokens and upload
// answers, all small: a hostile server must not make us buffer gigabytes.
constexpr size_t kMaxBufferedBody = 1 << 20;
// libcurl's buffer for each direction of a transfer, per pooled handle.
constexpr long kTransferBuffer = 512L << 10;

struct Transfer {
  CURL* handle;
  HttpResponse* response;
  layers::Writer* sink;
  layers::Reader* upload;
  const std::function<std::string(std::string_view)>* check_peer;
  std::string error;
  std::string refused;     // why check_peer refused a connection
  bool truncated = false;  // the buffered body reached kMaxBufferedBody

  static size_t on_header(char* data, size_t size, size_t n, void* self) {
    auto* t = static_cast<Transfer*>(self);
    std::string line(data, size * n);
    if (line.starts_with("HTTP/")) t->response->headers.clear();  // a new response after a redirect
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string k = line.substr(0, colon);
      std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string v = line.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
      t->response->headers.emplace_back(std::move(k), std::move(v));
    }
    return size * n;
  }

  static size_t on_body(char* data, size_t size, size_t n, void* self) {
    auto* t = static_cast<Transfer*>(self);
    size_t len = size * n;
    try {
      // Only a successful response streams to the sink; an error body is kept for its message.
      long status = 0;
      curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
      if (t->sink && status >= 200 && status < 300) {
        t->sink->write(data, len);
      } else {
        if (t->response->body.size() + len > kMaxBufferedBody) {
          t->response->body.append(data, kMaxBufferedBody - t->response->body.size());
          t->truncated = true;
          return 0;
        }
        t->response->body.append(data, len);
      }
    } catch (const Error& e) {
      // libcurl is C: carry the error across it and rethrow on our side.
      t->error = e.describe();
      return 0;
    }
    return len;
  }

  // Opens the socket of each new connection, unless the request's check_peer
  // refuses its address: before a single packet goes there.
  static curl_socket_t on_open_socket(void* self, curlsocktype purpose, curl_sockaddr* address) {
    auto* t = static_cast<Transfer*>(self);
    if (purpose == CURLSOCKTYPE_IPCXN && t->check_peer && *t->check_peer) {
      char ip[INET6_ADDRSTRLEN] = {};
      // libcurl's address is a whole sockaddr_storage behind the sockaddr member.
      const char* raw = reinterpret_cast<const char*>(&address->addr);
      if (address->family == AF_INET) {
        in_addr a;
        std::memcpy(&a, raw + offsetof(sockaddr_in, sin_addr), sizeof a);
        inet_ntop(AF_INET, &a, ip, sizeof ip);
      } else if (address->family == AF_INET6) {
        in6_addr a;
        std::memcpy(&a, raw + offsetof(sockaddr_in6, sin6_addr), sizeof a);
        inet_ntop(AF_INET6, &a, ip, sizeof ip);
      }
      std::string why = (*t->check_peer)(ip);
      if (!why.empty()) {
        t->refused = std::move(why);
        return CURL_SOCKET_BAD;
      }
    }
    return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  }

  static size_t on_read(char* data, size_t size, size_t n, void* self) {
    auto* t = static_cast<Transfer*>(self);
    try {
      return t->upload->read(data, size * n);
    } catch (const Error& e) {
      t->error = e.describe();
      return CURL_READFUNC_ABORT;
    }
  }
};

// Where the system CAs are when libcurl was built without a default bundle.
constexpr const char* kDebianCaBundle = "/etc/ssl/certs/ca-certificates.crt";

bool is_tls_code(CURLcode rc) {
  switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      return true;
    default:
      return false;
  }
}

// "https://user@host:5000/v2/" -> "host:5000": the server the user must fix.
std::string authority(const std::string& url) {
  size_t begin = url.find("://");
  begin = begin == std::string::npos ? 0 : begin + 3;
  std::string a = url.substr(begin, url.find_first_of("/?#", begin) - begin);
  if (auto at = a.rfind('@'); at != std::string::npos) a.erase(0, at + 1);
  return a;
}

class CurlClient : public HttpClient {
 public:
  CurlClient(TlsConfig tls, std::chrono::seconds stall) : tls_(std::move(tls)), stall_(stall) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (tls_.verify && !tls_.ca_files.empty()) ca_bundle_ = build_ca_bundle();
    share_ = curl_share_init();
    if (!share_) throw Error("cannot initialise libcurl");
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlClient::lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlClient::unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  ~CurlClient() override {
    for (CURL* h : handles_) curl_easy_cleanup(h);
    curl_share_cleanup(share_);
  }

  HttpResponse send(const HttpRequest& req, layers::Writer* sink) override {
    Lease lease(*this);
    CURL* h = lease.handle;
    HttpResponse resp;
    Transfer t{h, &resp, sink, req.upload, &req.check_peer, {}, {}};
    char reason[CURL_ERROR_SIZE] = {};
    // Options go back to their defaults; connections, TLS sessions and the share stay.
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, reason);
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    // A redirect to another host, port or scheme (object storage) never gets
    // the Authorization header we set, as the distribution spec demands:
    // libcurl drops it there unless this is on. It is the default; set anyway
    // so that no later change turns it on without seeing why it is off.
    curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
    // Neither a URL from a registry (a realm, a Location) nor a redirect may
    // read a local file or speak another protocol.
    const char* protocols = req.https_only ? "https" : "http,https";
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
    if (req.check_peer) {
      curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &Transfer::on_open_socket);
      curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &t);
    }
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(std::max<int64_t>(1, stall_.count())));
    curl_easy_setopt(h, CURLOPT_USERAGENT, "hoist/0.1");
    // With the 16 KiB default a 500 MB pull took 33,000 recv and as many poll calls.
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, kTransferBuffer);
    curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, kTransferBuffer);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    apply_tls(h);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_slist* headers = nullptr;
    for (auto& hdr : req.headers) headers = curl_slist_append(headers, hdr.c_str());
    if (req.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (req.upload) {
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &Transfer::on_read);
      curl_easy_setopt(h, CURLOPT_READDATA, &t);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.upload_size));
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    } else if (req.method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    // Expect: 100-continue costs a round trip per upload for nothing.
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    // The error buffer must not outlive this frame inside the pooled handle.
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    if (!t.error.empty()) throw Error(t.error);
    if (!t.refused.empty()) throw NotRetryable(Error(t.refused));
    char* url = nullptr;
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &url);
    if (url) resp.url = url;
    char* ip = nullptr;
    curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip);
    if (ip) resp.peer_ip = ip;
    if (t.truncated) {
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
      // An error's status and the start of its message are all we want from it.
      if (resp.status < 200 || resp.status >= 300) return resp;
      throw NotRetryable(Error("the answer to " + req.method + " " + resp.url + " is larger than " +
                               std::to_string(kMaxBufferedBody >> 20) + " MiB"));
    }
    if (rc != CURLE_OK)
      fail(h, rc, reason[0] ? reason : curl_easy_strerror(rc), req, resp.url.empty() ? req.url : resp.url);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
    return resp;
  }

 private:
  // A handle taken from the pool for one transfer, and given back after it.
  struct Lease {
    explicit Lease(CurlClient& c) : client(c), handle(c.acquire()) {}
    ~Lease() { client.release(handle); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    CurlClient& client;
    CURL* handle;
  };

  CURL* acquire() {
    std::lock_guard lock(pool_mutex_);
    if (!idle_.empty()) {
      CURL* h = idle_.back();
      idle_.pop_back();
      return h;
    }
    CURL* h = curl_easy_init();
    if (!h) throw Error("cannot initialise libcurl");
    handles_.push_back(h);
    // Set once: curl_easy_reset keeps a handle's share.
    curl_easy_setopt(h, CURLOPT_SHARE, share_);
    return h;
  }

  void release(CURL* h) {
    std::lock_guard lock(pool_mutex_);
    idle_.push_back(h);
  }

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<CurlClient*>(self)->share_locks_.at(static_cast<size_t>(data)).lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<CurlClient*>(self)->share_locks_.at(static_cast<size_t>(data)).unlock();
  }

  void apply_tls(CURL* h) {
    if (!tls_.verify) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!ca_bundle_.empty()) {
      curl_blob blob{ca_bundle_.data(), ca_bundle_.size(), CURL_BLOB_NOCOPY};
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!tls_.client_cert.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLCERT, tls_.client_cert.c_str());
      curl_easy_setopt(h, CURLOPT_SSLKEY, tls_.client_key.c_str());
    }
  }

  // The system CAs followed by the extra ones: setting only the extra ones
  // would stop trusting every public registry behind the same client.
  std::string build_ca_bundle() const {
    std::string bundle;
    std::string system = kDebianCaBundle;
    if (CURL* h = curl_easy_init()) {
      char* path = nullptr;
      if (curl_easy_getinfo(h, CURLINFO_CAINFO, &path) == CURLE_OK && path) system = path;
      curl_easy_cleanup(h);
    }
    if (fs::exists(system)) bundle = fs::read_file(system) + "\n";
    for (auto& file : tls_.ca_files) {
      std::string pem = fs::read_file(file);
      // OpenSSL skips what is not PEM in a bundle: a DER file would be ignored without a word.
      if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        throw Error(file + ": not a PEM certificate (a CA in certs.d must be PEM, named *.crt)");
      bundle += pem + "\n";
    }
    return bundle;
  }

  [[noreturn]] void fail(CURL* h, CURLcode rc, std::string reason, const HttpRequest& req,
                         const std::string& url) const {
    // A TLS error is final (retry.cc does not retry it): a reset or an EOF in
    // the middle of a transfer, which OpenSSL reports too, must not be one.
    bool tls = is_tls_code(rc);
    if (!tls && (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR) && url.starts_with("https://")) {
      // Under TLS 1.3 a server refuses a client certificate (or its absence)
      // after the handshake: an alert, or a reset when our request races it.
      // A fresh handshake and then not a byte of response is that refusal.
      curl_off_t handshake = 0, sent = 0, received = 0;
      long status = 0;
      curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &handshake);
      curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &sent);
      curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &received);
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      if (reason.find(" alert ") != std::string::npos) {
        tls = true;
      } else if (handshake > 0 && status == 0 && sent == 0 && received == 0) {
        tls = true;
        reason = "closed after the handshake, as when a client certificate is refused (" + reason + ")";
      }
    }
    if (tls) {
      std::string msg = "TLS error talking to " + authority(url) + ": " + reason;
      throw NotRetryable(Error(tls_.fix_hint.empty() ? msg : msg + " " + tls_.fix_hint));
    }
    throw Error(reason + " (" + req.method + " " + url + ")");
  }

  TlsConfig tls_;
  std::chrono::seconds stall_;
  std::string ca_bundle_;  // empty: libcurl's default CAs
  CURLSH* share_ = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks_;
  std::mutex pool_mutex_;
  std::vector<CURL*> handles_;  // every handle created, owned
  std::vector<CURL*> idle_;     // those not in a transfer
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_client(const TlsConfig& tls, std::chrono::seconds stall) {
  return std::make_unique<CurlClient>(tls, stall);
}

}  // namespace hoist::publish
