#pragma once
// Shows a copy's progress: on a terminal one live line per blob (state,
// bytes, rate), redrawn in place; elsewhere (CI logs) one plain line when a
// blob starts moving and one when it is done, with no control characters.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "publish/image_io.h"

namespace hoist::publish {

class ProgressDisplay : public CopyProgress {
 public:
  using Output = std::function<void(std::string_view)>;
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // `verb` names the transfer ("downloading", "uploading", "copying").
  ProgressDisplay(bool live, std::string verb, Output out, Clock clock = std::chrono::steady_clock::now);
  ~ProgressDisplay() override;
  void update(const oci::Descriptor& blob, State state, uint64_t bytes) override;
  // Draws the final state (live mode); called by the destructor too.
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "auto" (live when stdout is a terminal and TERM is not dumb), "tty" or
// "plain"; a display printing to stdout. Throws on another mode.
std::unique_ptr<ProgressDisplay> make_stdout_progress(const std::string& mode, std::string verb);

}  // namespace hoist::publish
