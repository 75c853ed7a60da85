#pragma once
// Layers sent to a registry while the build that makes them still runs
// (build --push): each blob as soon as it is in the store, on a thread of its
// own, so the push after the build has little left to do but the config and
// the manifest. Nothing here is needed for correctness: the push afterwards is
// a full copy() that skips only what already_sent() confirms.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "publish/image_io.h"

namespace hoist::publish {

class UploadAhead {
 public:
  // `open_sink` is called on the upload thread before the first blob: the
  // build does not wait for the registry (or fail on it; the push after the
  // build reports what is wrong). `source` and the sink must be concurrent()
  // and outlive this object.
  UploadAhead(ImageSource& source, std::function<ImageSink&()> open_sink);
  ~UploadAhead();
  UploadAhead(const UploadAhead&) = delete;
  UploadAhead& operator=(const UploadAhead&) = delete;

  // Queues a blob (from any thread; returns at once). Each digest is sent once.
  void add(const oci::Descriptor& d);
  // Takes no more blobs, drops those not started and waits for the one being sent.
  void stop();
  // True once `d` is in the sink through this object (sent, mounted or found there).
  bool sent(const oci::Digest& d) const;
  // True once a blob failed; nothing is sent after that (see run()).
  bool failed() const;

 private:
  void run();

  ImageSource& source_;
  std::function<ImageSink&()> open_sink_;
  ImageSink* sink_ = nullptr;  // the upload thread's
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<oci::Descriptor> queue_;
  std::set<oci::Digest> queued_, sent_;
  bool stopping_ = false, failed_ = false;
  std::thread worker_;
};

}  // namespace hoist::publish
