// HttpClient over libcurl: one easy handle per client, reused so keep-alive
// connections are reused between the requests of a push or a pull.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "common/error.h"
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

// Error bodies are read for their message only; a hostile server must not make us buffer gigabytes.
constexpr size_t kMaxBufferedBody = 16 << 20;

struct Transfer {
  CURL* handle;
  HttpResponse* response;
  layers::Writer* sink;
  layers::Reader* upload;
  std::string error;

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
        if (t->response->body.size() + len > kMaxBufferedBody) return 0;
        t->response->body.append(data, len);
      }
    } catch (const Error& e) {
      // libcurl is C: carry the error across it and rethrow on our side.
      t->error = e.describe();
      return 0;
    }
    return len;
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

class CurlClient : public HttpClient {
 public:
  CurlClient() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    h_ = curl_easy_init();
    if (!h_) throw Error("cannot initialise libcurl");
  }
  ~CurlClient() override { curl_easy_cleanup(h_); }

  HttpResponse send(const HttpRequest& req, layers::Writer* sink) override {
    HttpResponse resp;
    Transfer t{h_, &resp, sink, req.upload, {}};
    curl_easy_reset(h_);
    curl_easy_setopt(h_, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h_, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h_, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(h_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h_, CURLOPT_CONNECTTIMEOUT, 30L);
    // A stalled connection (under 1 KB/s for 60 s) fails instead of hanging CI.
    curl_easy_setopt(h_, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(h_, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h_, CURLOPT_USERAGENT, "hoist/0.1");
    curl_easy_setopt(h_, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
    curl_easy_setopt(h_, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &t);
    curl_slist* headers = nullptr;
    for (auto& hdr : req.headers) headers = curl_slist_append(headers, hdr.c_str());
    if (req.method == "HEAD") {
      curl_easy_setopt(h_, CURLOPT_NOBODY, 1L);
    } else if (req.upload) {
      curl_easy_setopt(h_, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h_, CURLOPT_READFUNCTION, &Transfer::on_read);
      curl_easy_setopt(h_, CURLOPT_READDATA, &t);
      curl_easy_setopt(h_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.upload_size));
      curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    } else if (req.method != "GET") {
      curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      curl_easy_setopt(h_, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    // Expect: 100-continue costs a round trip per upload for nothing.
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(h_);
    curl_slist_free_all(headers);
    if (!t.error.empty()) throw Error(t.error);
    if (rc != CURLE_OK) throw Error(std::string(curl_easy_strerror(rc)) + " (" + req.method + " " + req.url + ")");
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &resp.status);
    char* url = nullptr;
    curl_easy_getinfo(h_, CURLINFO_EFFECTIVE_URL, &url);
    if (url) resp.url = url;
    return resp;
  }

 private:
  CURL* h_;
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_client() { return std::make_unique<CurlClient>(); }

}  // namespace hoist::publish
