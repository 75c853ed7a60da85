#include <atomic>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "common/error.h"
#include "oci/media_types.h"
#include "publish/image_io.h"

namespace hoist::publish {

namespace {

using State = CopyProgress::State;

// Index nesting copy() follows. Real images nest an index in another once
// (an OCI layout's index.json naming an image index), rarely twice; 8 leaves
// room for any of that and stops a source that makes up ever deeper indexes.
constexpr int kMaxIndexDepth = 8;

std::string too_long(const oci::Descriptor& d) {
  return "blob " + d.digest.str() + " is longer than the " + std::to_string(d.size) + " bytes its descriptor says";
}

std::string wrong_size(const oci::Descriptor& d, uint64_t got) {
  return "blob " + d.digest.str() + " is " + std::to_string(got) + " bytes where its descriptor says " +
         std::to_string(d.size);
}

// Reports the bytes of one blob as they pass through to `out`, refusing
// more than its descriptor says before they reach it.
class CountingWriter : public layers::Writer {
 public:
  CountingWriter(layers::Writer& out, CopyProgress* p, const oci::Descriptor& d) : out_(out), p_(p), d_(d) {}
  void write(const void* data, size_t n) override {
    if (static_cast<uint64_t>(d_.size) - bytes_ < n) throw Error(too_long(d_));
    out_.write(data, n);
    bytes_ += n;
    if (p_) p_->update(d_, State::Transferring, bytes_);
  }
  uint64_t bytes() const { return bytes_; }

 private:
  layers::Writer& out_;
  CopyProgress* p_;
  const oci::Descriptor& d_;
  uint64_t bytes_ = 0;
};

class CountingReader : public layers::Reader {
 public:
  CountingReader(std::unique_ptr<layers::Reader> in, CopyProgress* p, const oci::Descriptor& d)
      : in_(std::move(in)), p_(p), d_(d) {}
  // The sink reads until the end: the blob is as long as its descriptor says, or this throws.
  size_t read(void* data, size_t n) override {
    size_t got = in_->read(data, n);
    if (static_cast<uint64_t>(d_.size) - bytes_ < got) throw Error(too_long(d_));
    bytes_ += got;
    if (got == 0 && bytes_ != static_cast<uint64_t>(d_.size)) throw Error(wrong_size(d_, bytes_));
    if (p_) p_->update(d_, got ? State::Transferring : State::Verifying, bytes_);
    return got;
  }

 private:
  std::unique_ptr<layers::Reader> in_;
  CopyProgress* p_;
  const oci::Descriptor& d_;
  uint64_t bytes_ = 0;
};

// The source as a sink sees it while copying one blob. A sink that finishes
// without reading it got the blob some other way: a registry mount.
class WatchedSource : public ImageSource {
 public:
  WatchedSource(ImageSource& inner, CopyProgress* p) : inner_(inner), p_(p) {}
  oci::Descriptor root() override { return inner_.root(); }
  std::string read_manifest(const oci::Descriptor& d) override { return inner_.read_manifest(d); }
  void read_blob(const oci::Descriptor& d, layers::Writer& out) override {
    read_ = true;
    CountingWriter counted(out, p_, d);
    inner_.read_blob(d, counted);
    if (counted.bytes() != static_cast<uint64_t>(d.size)) throw Error(wrong_size(d, counted.bytes()));
    if (p_) p_->update(d, State::Verifying, static_cast<uint64_t>(d.size));
  }
  std::unique_ptr<layers::Reader> open_blob(const oci::Descriptor& d) override {
    read_ = true;
    return std::make_unique<CountingReader>(inner_.open_blob(d), p_, d);
  }
  bool concurrent() const override { return inner_.concurrent(); }
  bool read() const { return read_; }

 private:
  ImageSource& inner_;
  CopyProgress* p_;
  bool read_ = false;
};

struct Copier {
  ImageSource& src;
  ImageSink& sink;
  const CopyOptions& options;
  std::vector<oci::Descriptor> blobs;                                // each once, in manifest order
  std::vector<std::pair<oci::Descriptor, std::string>> documents;   // children before their index, each once
  std::set<oci::Digest> seen;                                        // blobs
  std::set<oci::Digest> walked, walking;                             // documents done, and on the current path

  // `depth`: how many indexes lead to d.
  void walk(const oci::Descriptor& d, int depth = 0) {
    // A document several indexes list is read once: a source listing the same
    // child over and over cannot make the walk exponential.
    if (walked.count(d.digest)) return;
    // Digests make a cycle impossible for an honest source; a dishonest one must not make us loop.
    if (!walking.insert(d.digest).second) throw Error("index " + d.digest.str() + " contains itself");
    if (oci::media::is_index(d.media_type) && depth > kMaxIndexDepth)
      throw Error("index " + d.digest.str() + " is nested in more than " + std::to_string(kMaxIndexDepth) +
                  " indexes");
    std::string bytes = src.read_manifest(d);
    if (bytes.size() != static_cast<uint64_t>(d.size))
      throw Error("manifest " + d.digest.str() + " is " + std::to_string(bytes.size()) +
                  " bytes where its descriptor says " + std::to_string(d.size));
    if (oci::media::is_index(d.media_type)) {
      for (auto& child : oci::Index::parse(bytes).manifests) walk(child, depth + 1);
    } else if (oci::media::is_manifest(d.media_type)) {
      oci::Manifest m = oci::Manifest::parse(bytes);
      add_blob(m.config);
      for (auto& l : m.layers) add_blob(l);
    } else {
      throw Error("unsupported manifest media type \"" + d.media_type + "\" for " + d.digest.str());
    }
    walking.erase(d.digest);
    walked.insert(d.digest);
    documents.emplace_back(d, std::move(bytes));
  }

  void add_blob(const oci::Descriptor& d) {
    if (seen.insert(d.digest).second) blobs.push_back(d);
  }

  void report(const oci::Descriptor& d, State s, uint64_t bytes) {
    if (options.progress) options.progress->update(d, s, bytes);
  }

  void transfer(const oci::Descriptor& d, CopyStats& stats, std::mutex& stats_mu) {
    BlobOutcome outcome = BlobOutcome::Copied;
    if (options.already_sent && options.already_sent(d.digest))
      report(d, State::Done, static_cast<uint64_t>(d.size));
    else
      outcome = transfer_blob(src, sink, d, options.progress);
    std::lock_guard lock(stats_mu);
    switch (outcome) {
      case BlobOutcome::Exists:
        ++stats.blobs_skipped;
        break;
      case BlobOutcome::Mounted:
        ++stats.blobs_mounted;
        break;
      case BlobOutcome::Copied:
        ++stats.blobs_copied;
        stats.bytes += static_cast<uint64_t>(d.size);
        break;
    }
  }

  // Runs transfer() over `blobs` on up to `jobs` threads; the first failure
  // stops new transfers and is rethrown once the running ones end.
  CopyStats transfer_all() {
    CopyStats stats;
    std::mutex stats_mu;
    for (auto& b : blobs) report(b, State::Waiting, 0);
    unsigned jobs = src.concurrent() && sink.concurrent() ? std::max(1u, options.jobs) : 1u;
    jobs = std::min<unsigned>(jobs, static_cast<unsigned>(blobs.size()));
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr first_error;
    std::mutex error_mu;
    auto worker = [&] {
      while (!failed) {
        size_t i = next++;
        if (i >= blobs.size()) return;
        try {
          transfer(blobs[i], stats, stats_mu);
        } catch (...) {
          std::lock_guard lock(error_mu);
          if (!first_error) first_error = std::current_exception();
          failed = true;
        }
      }
    };
    if (jobs <= 1) {
      worker();
    } else {
      std::vector<std::jthread> threads;
      for (unsigned t = 0; t < jobs; ++t) threads.emplace_back(worker);
    }
    if (first_error) std::rethrow_exception(first_error);
    return stats;
  }
};

}  // namespace

BlobOutcome transfer_blob(ImageSource& source, ImageSink& sink, const oci::Descriptor& d, CopyProgress* progress) {
  auto size = static_cast<uint64_t>(d.size);
  if (sink.has_blob(d)) {
    if (progress) progress->update(d, State::Exists, size);
    return BlobOutcome::Exists;
  }
  WatchedSource watched(source, progress);
  with_context("copying blob " + d.digest.str(), [&] { sink.copy_blob(d, watched); });
  if (progress) progress->update(d, watched.read() ? State::Done : State::Mounted, size);
  return watched.read() ? BlobOutcome::Copied : BlobOutcome::Mounted;
}

void ImageSink::copy_blob(const oci::Descriptor& d, ImageSource& source) {
  auto up = write_blob(d);
  source.read_blob(d, *up);
  up->commit();
}

CopyStats copy(ImageSource& source, ImageSink& sink, const std::vector<std::string>& tags, const CopyOptions& options) {
  Copier c{source, sink, options, {}, {}, {}, {}, {}};
  oci::Descriptor root = source.root();
  c.walk(root);
  CopyStats stats = c.transfer_all();
  for (auto& [d, bytes] : c.documents) sink.write_manifest(d, bytes);
  sink.finish(root, tags);
  return stats;
}

}  // namespace hoist::publish
