// Registry::put_blob: one blob through the upload-session protocol of the
// distribution spec ("Pushing blobs"), as a small state machine that survives
// transient failures:
//
//   open:   POST …/blobs/uploads/?mount=<digest>&from=<repo>  201 mounted, done
//                                                             202 a session: use it
//           POST …/blobs/uploads/                             202 a session
//   bytes:  PUT <location>?digest=<d> with the whole blob     (small blobs)
//           PATCH <location> per chunk, then PUT ?digest=<d>  (large blobs)
//   resume: GET <location>  204 + Range: how much the registry holds
//   cancel: DELETE <location>
//
// Every response may move the session: the newest Location is always the one
// used. A try that fails transiently is retried (Registry::retrying); the
// next try first asks the registry where the session stands and continues
// from there, or, when the session is gone, cancels it and opens a new one.
#include <algorithm>
#include <optional>
#include <utility>

#include "common/error.h"
#include "publish/registry.h"
#include "publish/upload_headers.h"

namespace hoist::publish {

namespace {

// Above this a blob goes up in chunks, so a failure costs one chunk rather
// than the whole blob; below it one PUT saves the round trips.
constexpr int64_t kChunkedAbove = 32 << 20;
constexpr int64_t kChunkSize = 16 << 20;
// Mount sources tried before a plain upload: each costs a round trip.
constexpr size_t kMaxMountTries = 3;

bool is_success(long status) { return status == 200 || status == 201 || status == 202 || status == 204; }

// The blob's bytes, counting how far they have been read, and remembering
// whether reading them failed (that is our side: no retry would help).
class SourceReader : public layers::Reader {
 public:
  explicit SourceReader(std::unique_ptr<layers::Reader> in) : in_(std::move(in)) {}
  size_t read(void* data, size_t size) override {
    try {
      size_t n = in_->read(data, size);
      pos_ += static_cast<int64_t>(n);
      return n;
    } catch (const Error&) {
      failed_ = true;
      throw;
    }
  }
  int64_t pos() const { return pos_; }
  bool failed() const { return failed_; }
  void set_failed() { failed_ = true; }

 private:
  std::unique_ptr<layers::Reader> in_;
  int64_t pos_ = 0;
  bool failed_ = false;
};

// `size` bytes of `in`: the body of one request. A source that ends early is
// an error here, not a short body the registry would wait on.
class SliceReader : public layers::Reader {
 public:
  SliceReader(SourceReader& in, int64_t size, std::string what) : in_(in), left_(size), what_(std::move(what)) {}
  size_t read(void* data, size_t size) override {
    if (left_ == 0) return 0;
    size_t n = in_.read(data, static_cast<size_t>(std::min<int64_t>(left_, static_cast<int64_t>(size))));
    if (n == 0) {
      in_.set_failed();
      throw Error(what_ + " ended after " + std::to_string(in_.pos()) + " bytes");
    }
    left_ -= static_cast<int64_t>(n);
    return n;
  }

 private:
  SourceReader& in_;
  int64_t left_;
  std::string what_;
};

}  // namespace

class BlobUploader {
 public:
  BlobUploader(Registry& registry, const std::string& repo, const oci::Descriptor& d, const Registry::BlobOpener& open,
               const std::vector<std::string>& mount_from)
      : reg_(registry), repo_(repo), d_(d), open_(open), mount_from_(mount_from),
        what_("uploading blob " + d.digest.str() + " to " + registry.host() + "/" + repo) {
    if (mount_from_.size() > kMaxMountTries) mount_from_.resize(kMaxMountTries);
  }

  Registry::BlobPut run() {
    try {
      HttpResponse r = reg_.retrying(what_, [&] { return attempt(); });
      if (mounted_) return Registry::BlobPut::Mounted;
      if (!done_) reg_.fail(r, what_);
      return Registry::BlobPut::Uploaded;
    } catch (...) {
      cancel();
      throw;
    }
  }

 private:
  // One try: the response that ended it (the closing PUT's when the blob is up).
  HttpResponse attempt() {
    if (!location_.empty() && !resync()) cancel();
    if (location_.empty()) {
      HttpResponse r = open_session();
      if (mounted_ || location_.empty()) return r;
    }
    return send_bytes();
  }

  HttpResponse open_session() {
    std::string uploads = reg_.base_ + "/v2/" + repo_ + "/blobs/uploads/";
    // Only the first try mounts: a source that failed once is not asked again.
    auto sources = std::exchange(mount_from_, {});
    for (auto& from : sources) {
      HttpRequest post = session_request(uploads + "?mount=" + d_.digest.str() + "&from=" + from);
      // The token must allow reading the source too, or the registry refuses the mount.
      Scopes scopes = reg_.push_scope(repo_);
      scopes.push_back(reg_.pull_scope(from).front());
      HttpResponse r;
      try {
        r = reg_.send_once(post, scopes);
      } catch (const Error&) {
        continue;  // any failure: the plain upload below still works
      }
      if (r.status == 201) {
        mounted_ = true;
        return r;
      }
      if (r.status == 202 && start_session(r, post.url, scopes)) return r;
    }
    HttpRequest post = session_request(uploads);
    HttpResponse r = reg_.send_once(post, reg_.push_scope(repo_));
    if (is_success(r.status) && r.status != 201 && !start_session(r, post.url, reg_.push_scope(repo_)))
      throw NotRetryable(Error(what_ + ": the registry gave no upload location"));
    return r;
  }

  static HttpRequest session_request(const std::string& url) {
    HttpRequest post;
    post.method = "POST";
    post.url = url;
    post.headers = {"Content-Length: 0"};
    return post;
  }

  bool start_session(const HttpResponse& r, const std::string& request_url, const Scopes& scopes) {
    if (r.header("location").empty()) return false;
    follow_location(r, request_url);
    scopes_ = scopes;
    offset_ = 0;
    chunk_ = kChunkSize;
    std::string min = r.header("oci-chunk-min-length");
    if (!min.empty() && min.size() < 19 && min.find_first_not_of("0123456789") == std::string::npos)
      chunk_ = std::max(chunk_, static_cast<int64_t>(std::stoll(min)));
    return true;
  }

  void follow_location(const HttpResponse& r, const std::string& request_url) {
    std::string loc = r.header("location");
    if (!loc.empty()) location_ = resolve_url(loc, r.url.empty() ? request_url : r.url);
  }

  // Asks where the open session stands. False when it is gone or makes no sense.
  bool resync() {
    HttpRequest get;
    get.url = location_;
    HttpResponse r = reg_.send_once(get, scopes_);
    if (r.status != 204 && r.status != 200) return false;
    auto held = uploaded_bytes(r.header("range"), offset_);
    if (!held || *held > d_.size) return false;
    follow_location(r, get.url);
    offset_ = *held;
    return true;
  }

  // From offset_ to the end of the blob, then the closing PUT. A 416 (the
  // registry holds another amount than we think) or a 401 on a body we could
  // not send twice gets one resync within the try.
  HttpResponse send_bytes() {
    bool resynced = false;
    for (;;) {
      HttpResponse r;
      bool last;
      if (offset_ == 0 && d_.size <= kChunkedAbove) {
        r = put(d_.size);
        last = true;
      } else if (offset_ < d_.size) {
        r = patch();
        last = false;
      } else {
        r = put(0);
        last = true;
      }
      if (is_success(r.status)) {
        if (!last) continue;
        done_ = true;
        return r;
      }
      if ((r.status == 416 || r.status == 401) && !resynced) {
        resynced = true;
        if (resync()) continue;
      }
      return r;
    }
  }

  // The closing PUT, carrying the rest of the blob from offset_ (`size` bytes, maybe none).
  HttpResponse put(int64_t size) {
    HttpRequest req;
    req.method = "PUT";
    req.url = add_query(location_, "digest", d_.digest.str());
    req.headers = {"Content-Type: application/octet-stream"};
    std::optional<SliceReader> body;
    if (size > 0) {
      body.emplace(source_at(offset_), size, "blob " + d_.digest.str());
      req.upload = &*body;
      req.upload_size = size;
    } else {
      req.headers.push_back("Content-Length: 0");
    }
    return send_body(req);
  }

  HttpResponse patch() {
    int64_t len = std::min(chunk_, d_.size - offset_);
    HttpRequest req;
    req.method = "PATCH";
    req.url = location_;
    // Inclusive, and without the "bytes " prefix or "/total" of HTTP's Content-Range.
    req.headers = {"Content-Type: application/octet-stream",
                   "Content-Range: " + std::to_string(offset_) + "-" + std::to_string(offset_ + len - 1)};
    SliceReader body(source_at(offset_), len, "blob " + d_.digest.str());
    req.upload = &body;
    req.upload_size = len;
    HttpResponse r = send_body(req);
    if (!is_success(r.status)) return r;
    follow_location(r, req.url);
    auto held = uploaded_bytes(r.header("range"), offset_ + len);
    if (!held || *held > d_.size)
      throw NotRetryable(Error(what_ + ": the registry answered a chunk with Range \"" + r.header("range") + "\""));
    // Usually offset_ + len; when the registry kept less, the next chunk starts where it stands.
    offset_ = *held;
    return r;
  }

  HttpResponse send_body(const HttpRequest& req) {
    try {
      return reg_.send_once(req, scopes_);
    } catch (const NotRetryable&) {
      throw;
    } catch (const Error& e) {
      if (in_ && in_->failed()) throw NotRetryable(e);
      throw;
    }
  }

  // The source positioned at `offset`: reopened when it has gone past it (a
  // request failed mid-body), then read forward to it.
  SourceReader& source_at(int64_t offset) {
    if (!in_ || in_->pos() > offset) {
      in_.reset();
      auto opened = with_context("opening blob " + d_.digest.str(), [&] { return open_(); });
      in_ = std::make_unique<SourceReader>(std::move(opened));
    }
    char buf[65536];
    while (in_->pos() < offset) {
      size_t n = in_->read(buf, static_cast<size_t>(std::min<int64_t>(sizeof buf, offset - in_->pos())));
      if (n == 0)
        throw NotRetryable(Error("blob " + d_.digest.str() + " ended after " + std::to_string(in_->pos()) + " bytes"));
    }
    return *in_;
  }

  // The registry may ignore it ("clients SHOULD ignore any failures"): the session expires anyway.
  void cancel() noexcept {
    if (location_.empty()) return;
    HttpRequest del;
    del.method = "DELETE";
    del.url = location_;
    del.headers = {"Content-Length: 0"};
    location_.clear();
    offset_ = 0;
    try {
      reg_.send_once(del, scopes_);
    } catch (...) {
    }
  }

  Registry& reg_;
  const std::string& repo_;
  const oci::Descriptor& d_;
  const Registry::BlobOpener& open_;
  std::vector<std::string> mount_from_;
  std::string what_;

  std::string location_;  // of the open session, newest first; "" when none is open
  Scopes scopes_;         // the session's: a mounting session keeps the token it was opened with
  int64_t offset_ = 0;    // bytes the registry confirmed holding
  int64_t chunk_ = kChunkSize;
  bool mounted_ = false;
  bool done_ = false;
  std::unique_ptr<SourceReader> in_;
};

Registry::BlobPut Registry::put_blob(const std::string& repo, const oci::Descriptor& d, const BlobOpener& open,
                                     const std::vector<std::string>& mount_from) {
  return BlobUploader(*this, repo, d, open, mount_from).run();
}

}  // namespace hoist::publish
