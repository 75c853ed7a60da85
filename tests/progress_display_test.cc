#include "publish/progress_display.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace hoist::publish {
namespace {

using State = CopyProgress::State;
using namespace std::chrono_literals;

oci::Descriptor blob(char c, int64_t size) {
  oci::Descriptor d;
  d.digest = oci::Digest::parse("sha256:" + std::string(64, c));
  d.size = size;
  return d;
}

struct Screen {
  std::string text;
  std::chrono::steady_clock::time_point now{};
  ProgressDisplay make(bool live) {
    return ProgressDisplay(live, "downloading", [this](std::string_view s) { text += s; }, [this] { return now; });
  }
};

TEST(ProgressDisplay, PlainPrintsStartAndEndOfEachBlobWithoutControlCharacters) {
  Screen screen;
  auto a = blob('a', 2'000'000), b = blob('b', 10);
  {
    auto p = screen.make(false);
    p.update(a, State::Waiting, 0);
    p.update(b, State::Waiting, 0);
    p.update(b, State::Exists, 10);
    p.update(a, State::Transferring, 1000);
    p.update(a, State::Transferring, 2000);
    p.update(a, State::Verifying, 2'000'000);
    p.update(a, State::Done, 2'000'000);
  }
  EXPECT_EQ(screen.text, "sha256:" + std::string(64, 'b') + ": exists\n" +
                             "sha256:" + std::string(64, 'a') + ": downloading 2MB\n" +
                             "sha256:" + std::string(64, 'a') + ": done\n");
  EXPECT_EQ(screen.text.find('\x1b'), std::string::npos);
}

TEST(ProgressDisplay, MountedBlobsSaySo) {
  Screen screen;
  auto p = screen.make(false);
  p.update(blob('c', 5), State::Waiting, 0);
  p.update(blob('c', 5), State::Mounted, 5);
  EXPECT_EQ(screen.text, "sha256:" + std::string(64, 'c') + ": mounted\n");
}

TEST(ProgressDisplay, LiveRedrawsOneLinePerBlobInPlace) {
  Screen screen;
  auto a = blob('a', 4'000'000), b = blob('b', 100);
  auto p = screen.make(true);
  p.update(a, State::Waiting, 0);
  p.update(b, State::Waiting, 0);
  screen.text.clear();
  p.update(a, State::Transferring, 0);
  screen.now += 1s;
  p.update(a, State::Transferring, 2'000'000);
  // Cursor back up over both lines, each line cleared and rewritten.
  auto last = screen.text.substr(screen.text.rfind("\x1b[2A"));
  EXPECT_EQ(last, "\x1b[2A\r\x1b[2Kaaaaaaaaaaaa: downloading 2MB/4MB 2MB/s\n\r\x1b[2Kbbbbbbbbbbbb: waiting\n");
}

TEST(ProgressDisplay, LiveThrottlesByteUpdatesButNotStateChanges) {
  Screen screen;
  auto a = blob('a', 1000);
  auto p = screen.make(true);
  p.update(a, State::Waiting, 0);
  p.update(a, State::Transferring, 1);
  size_t frames = screen.text.size();
  p.update(a, State::Transferring, 2);  // same instant: no redraw
  EXPECT_EQ(screen.text.size(), frames);
  p.update(a, State::Done, 1000);
  EXPECT_NE(screen.text.size(), frames);
  EXPECT_TRUE(screen.text.ends_with("aaaaaaaaaaaa: done 1kB\n"));
}

TEST(ProgressDisplay, LateByteCountsDoNotReopenASettledBlob) {
  Screen screen;
  auto a = blob('a', 1000);
  auto p = screen.make(false);
  p.update(a, State::Waiting, 0);
  p.update(a, State::Mounted, 1000);
  p.update(a, State::Transferring, 10);
  EXPECT_EQ(screen.text, "sha256:" + std::string(64, 'a') + ": mounted\n");
}

TEST(ProgressDisplay, RejectsAnUnknownMode) {
  EXPECT_THROW(make_stdout_progress("fancy", "copying"), Error);
}

}  // namespace
}  // namespace hoist::publish
