#include "publish/progress_display.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "common/error.h"
#include "common/human_size.h"

namespace hoist::publish {

namespace {

using State = CopyProgress::State;
using TimePoint = std::chrono::steady_clock::time_point;

// Redraws at most this often while bytes move; state changes draw at once.
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

struct Line {
  oci::Descriptor blob;
  State state = State::Waiting;
  uint64_t bytes = 0;
  TimePoint started{};
};

}  // namespace

struct ProgressDisplay::Impl {
  bool live;
  std::string verb;
  Output out;
  Clock clock;
  std::mutex mu;
  std::vector<Line> lines;
  size_t drawn = 0;  // lines on screen from the last live draw
  TimePoint last_draw{};
  bool finished = false;

  std::string state_text(const Line& l) const {
    switch (l.state) {
      case State::Waiting: return "waiting";
      case State::Transferring: return verb;
      case State::Verifying: return "verifying";
      case State::Done: return "done";
      case State::Exists: return "exists";
      case State::Mounted: return "mounted";
    }
    return "";
  }

  std::string live_text(const Line& l, TimePoint now) const {
    std::string s = std::string(l.blob.digest.hex().substr(0, 12)) + ": " + state_text(l);
    if (l.state == State::Transferring || l.state == State::Verifying) {
      s += " " + human_size(l.bytes) + "/" + human_size(static_cast<uint64_t>(l.blob.size));
      double secs = std::chrono::duration<double>(now - l.started).count();
      if (secs > 0.05) s += " " + human_size(static_cast<uint64_t>(static_cast<double>(l.bytes) / secs)) + "/s";
    } else if (l.state != State::Waiting) {
      s += " " + human_size(static_cast<uint64_t>(l.blob.size));
    }
    return s;
  }

  void draw(TimePoint now) {
    std::string frame;
    if (drawn) frame += "\x1b[" + std::to_string(drawn) + "A";
    for (auto& l : lines) frame += "\r\x1b[2K" + live_text(l, now) + "\n";
    drawn = lines.size();
    last_draw = now;
    out(frame);
  }

  // Plain mode: a line when a blob starts moving and one when it is settled.
  void plain(const Line& l, State old) {
    std::string id = l.blob.digest.str();
    if (l.state == State::Transferring && old == State::Waiting)
      out(id + ": " + verb + " " + human_size(static_cast<uint64_t>(l.blob.size)) + "\n");
    else if (l.state == State::Done || l.state == State::Exists || l.state == State::Mounted)
      out(id + ": " + state_text(l) + "\n");
  }

  void update(const oci::Descriptor& blob, State state, uint64_t bytes) {
    std::lock_guard lock(mu);
    if (finished) return;
    TimePoint now = clock();
    Line* line = nullptr;
    for (auto& l : lines)
      if (l.blob.digest == blob.digest) line = &l;
    if (!line) {
      lines.push_back({blob, State::Waiting, 0, now});
      line = &lines.back();
    }
    State old = line->state;
    // A blob already settled stays so; late byte counts from its reader change nothing.
    if (old == State::Done || old == State::Exists || old == State::Mounted) return;
    if (state == State::Transferring && old == State::Waiting) line->started = now;
    if (!(state == State::Transferring && old == State::Verifying)) line->state = state;
    line->bytes = bytes;
    if (!live) {
      plain(*line, old);
    } else if (line->state != old || now - last_draw >= kRedrawInterval) {
      draw(now);
    }
  }
};

ProgressDisplay::ProgressDisplay(bool live, std::string verb, Output out, Clock clock)
    : impl_(std::make_unique<Impl>()) {
  impl_->live = live;
  impl_->verb = std::move(verb);
  impl_->out = std::move(out);
  impl_->clock = std::move(clock);
}

ProgressDisplay::~ProgressDisplay() { finish(); }

void ProgressDisplay::update(const oci::Descriptor& blob, State state, uint64_t bytes) {
  impl_->update(blob, state, bytes);
}

void ProgressDisplay::finish() {
  std::lock_guard lock(impl_->mu);
  if (impl_->finished) return;
  impl_->finished = true;
  if (impl_->live && !impl_->lines.empty()) impl_->draw(impl_->clock());
}

std::unique_ptr<ProgressDisplay> make_stdout_progress(const std::string& mode, std::string verb) {
  bool live;
  if (mode == "tty") {
    live = true;
  } else if (mode == "plain") {
    live = false;
  } else if (mode == "auto") {
    const char* term = std::getenv("TERM");
    live = ::isatty(STDOUT_FILENO) && !(term && std::string(term) == "dumb");
  } else {
    throw Error("invalid --progress \"" + mode + "\": want auto, tty or plain");
  }
  return std::make_unique<ProgressDisplay>(live, std::move(verb), [](std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
  });
}

}  // namespace hoist::publish
