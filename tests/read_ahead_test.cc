#include "layers/read_ahead.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>

#include "common/error.h"

using namespace hoist;
using namespace hoist::layers;

namespace {

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return s;
}

// Hands out `data` a few bytes per call, then throws when `fail` is set,
// counting what was taken.
class Trickle : public Reader {
 public:
  Trickle(std::string data, size_t step, bool fail = false) : data_(std::move(data)), step_(step), fail_(fail) {}
  size_t read(void* out, size_t size) override {
    if (pos_ == data_.size() && fail_) throw Error("inner reader broke after " + std::to_string(pos_) + " bytes");
    size_t n = std::min({size, step_, data_.size() - pos_});
    data_.copy(static_cast<char*>(out), n, pos_);
    pos_ += n;
    return n;
  }
  size_t taken() const { return pos_; }

 private:
  std::string data_;
  size_t step_;
  bool fail_;
  std::atomic<size_t> pos_ = 0;
};

// Never ends.
class Endless : public Reader {
 public:
  size_t read(void* out, size_t size) override {
    std::memset(out, 'x', size);
    return size;
  }
};

std::string read_all(Reader& r, size_t step) {
  std::string out, buf(step, '\0');
  for (size_t n; (n = r.read(buf.data(), buf.size())) > 0;) out.append(buf, 0, n);
  return out;
}

}  // namespace

TEST(ReadAhead, PassesEveryByteInOrder) {
  std::string data = pattern(100'003);
  for (size_t chunk : {1, 7, 4096, 1 << 20})
    for (size_t step : {1, 13, 65536}) {
      Trickle in(data, 977);
      ReadAhead ahead(in, chunk, 3);
      EXPECT_EQ(read_all(ahead, step), data) << chunk << " " << step;
      ahead.finish();
    }
}

TEST(ReadAhead, EmptyInput) {
  Trickle in("", 10);
  ReadAhead ahead(in, 16, 2);
  char c;
  EXPECT_EQ(ahead.read(&c, 1), 0u);
  EXPECT_EQ(ahead.read(&c, 1), 0u);
  ahead.finish();
}

TEST(ReadAhead, ErrorComesAfterTheBytesBeforeIt) {
  std::string data = pattern(10'000);
  Trickle in(data, 333, true);
  ReadAhead ahead(in, 4096, 2);
  std::string got, buf(1000, '\0');
  try {
    for (size_t n; (n = ahead.read(buf.data(), buf.size())) > 0;) got.append(buf, 0, n);
    FAIL() << "the inner reader's error was lost";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("broke after 10000 bytes"), std::string::npos) << e.describe();
  }
  EXPECT_EQ(got, data);
}

TEST(ReadAhead, FinishReadsWhatTheConsumerLeft) {
  std::string data = pattern(50'000);
  Trickle in(data, 100);
  ReadAhead ahead(in, 512, 2);
  char buf[10];
  ASSERT_EQ(ahead.read(buf, sizeof buf), sizeof buf);
  EXPECT_EQ(std::string(buf, 10), data.substr(0, 10));
  ahead.finish();
  EXPECT_EQ(in.taken(), data.size());
}

TEST(ReadAhead, FinishRethrowsAnErrorPastWhatWasConsumed) {
  Trickle in(pattern(5000), 100, true);
  ReadAhead ahead(in, 512, 2);
  char buf[10];
  ASSERT_EQ(ahead.read(buf, sizeof buf), sizeof buf);
  EXPECT_THROW(ahead.finish(), Error);
}

TEST(ReadAhead, DestroyedMidStreamStopsReading) {
  Endless in;
  {
    ReadAhead ahead(in, 4096, 2);
    char buf[100];
    ASSERT_EQ(ahead.read(buf, sizeof buf), sizeof buf);
  }  // must not wait for an end that never comes
  SUCCEED();
}
