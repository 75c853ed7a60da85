#pragma once
// An HttpClient that answers from a script: the registry client's logic
// (auth, retries, the upload state machine) driven without a network. Each
// request must match the next step of the script (method and a piece of the
// URL); it is recorded with the body it streamed, as libcurl would read it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "publish/http_client.h"

namespace hoist::test {

struct SeenRequest {
  std::string method, url, body;
  std::vector<std::string> headers;
  bool https_only = false;
  std::function<std::string(std::string_view ip)> check_peer;
  // The value of the first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const {
    for (auto& h : headers) {
      auto colon = h.find(':');
      if (colon == std::string::npos || colon != name.size()) continue;
      bool same = true;
      for (size_t i = 0; i < colon; ++i) same &= std::tolower(h[i]) == std::tolower(name[i]);
      if (same) return h.substr(h.find_first_not_of(' ', colon + 1));
    }
    return "";
  }
};

inline publish::HttpResponse reply(long status, std::vector<std::pair<std::string, std::string>> headers = {},
                                   std::string body = "") {
  publish::HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

class ScriptedHttp : public publish::HttpClient {
 public:
  using Handler = std::function<publish::HttpResponse(const SeenRequest&)>;

  ~ScriptedHttp() override {
    EXPECT_TRUE(steps_.empty()) << steps_.size() << " scripted requests never came, next: " << steps_.front().method
                                << " " << steps_.front().url_part;
  }

  // The next request is `method` on a URL containing `url_part`.
  ScriptedHttp& expect(std::string method, std::string url_part, publish::HttpResponse r) {
    return expect(std::move(method), std::move(url_part), [r](const SeenRequest&) { return r; });
  }
  ScriptedHttp& expect(std::string method, std::string url_part, Handler h) {
    steps_.push_back({std::move(method), std::move(url_part), std::move(h), -1, 0});
    return *this;
  }
  // The connection breaks after `bytes` of the request body were read.
  ScriptedHttp& reset(std::string method, std::string url_part, int64_t bytes) {
    steps_.push_back({std::move(method), std::move(url_part), nullptr, bytes, 0});
    return *this;
  }
  // A 200 whose connection breaks after `bytes` of `body` reached the sink.
  ScriptedHttp& cut(std::string method, std::string url_part, std::string body, int64_t bytes) {
    auto full = std::make_shared<std::string>(std::move(body));
    steps_.push_back({std::move(method), std::move(url_part),
                      [full](const SeenRequest&) { return reply(200, {}, *full); }, -1, bytes});
    return *this;
  }
  // Answers every request not scripted otherwise (in any order, from any thread).
  void route(Handler h) { route_ = std::move(h); }

  publish::HttpResponse send(const publish::HttpRequest& req, layers::Writer* sink) override {
    SeenRequest seen{req.method, req.url, req.body, req.headers, req.https_only, req.check_peer};
    Step step;
    {
      std::lock_guard lock(mu_);
      if (steps_.empty()) {
        if (!route_) {
          ADD_FAILURE() << "unexpected request " << req.method << " " << req.url;
          throw Error("unexpected request");
        }
      } else {
        step = std::move(steps_.front());
        steps_.pop_front();
        EXPECT_EQ(req.method, step.method) << req.url;
        EXPECT_NE(req.url.find(step.url_part), std::string::npos) << req.url << " lacks " << step.url_part;
      }
    }
    if (req.upload) {
      int64_t want = step.reset_after >= 0 ? std::min(step.reset_after, req.upload_size) : req.upload_size;
      seen.body = read_body(*req.upload, want);
      EXPECT_EQ(req.headers.end(), std::find_if(req.headers.begin(), req.headers.end(), [](const std::string& h) {
                  return h.starts_with("Content-Length:");
                })) << "a streamed body's length is the client's job";
      seen.headers.push_back("Content-Length: " + std::to_string(req.upload_size));
    }
    {
      std::lock_guard lock(mu_);
      requests.push_back(seen);
    }
    if (step.reset_after >= 0) throw Error("Recv failure: Connection reset by peer (" + req.method + " " + req.url + ")");
    publish::HttpResponse r = step.handler ? step.handler(seen) : route_(seen);
    if (r.url.empty()) r.url = req.url;
    if (sink && r.status >= 200 && r.status < 300) {
      if (step.cut_after > 0) {
        sink->write(r.body.data(), static_cast<size_t>(step.cut_after));
        throw Error("Recv failure: Connection reset by peer (" + req.method + " " + req.url + ")");
      }
      sink->write(r.body.data(), r.body.size());
      r.body.clear();
    }
    return r;
  }

  std::vector<SeenRequest> requests;

 private:
  struct Step {
    std::string method, url_part;
    Handler handler;
    int64_t reset_after = -1;
    int64_t cut_after = 0;
  };

  static std::string read_body(layers::Reader& in, int64_t size) {
    std::string body;
    body.resize(static_cast<size_t>(size));
    size_t got = 0;
    while (got < body.size()) {
      size_t n = in.read(body.data() + got, body.size() - got);
      if (n == 0) break;
      got += n;
    }
    body.resize(got);
    return body;
  }

  std::mutex mu_;
  std::deque<Step> steps_;
  Handler route_;
};

}  // namespace hoist::test
