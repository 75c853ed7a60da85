#include "layers/producer_reader.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace hoist::layers {
namespace {

std::string read_all(Reader& r, size_t step) {
  std::string out, buf(step, '\0');
  while (size_t n = r.read(buf.data(), buf.size())) out.append(buf.data(), n);
  return out;
}

TEST(ProducerReader, ReadsWhatTheProducerWritesInOrder) {
  std::string expected;
  for (int i = 0; i < 5000; ++i) expected += std::to_string(i) + ",";
  ProducerReader r(
      [&](Writer& w) {
        for (int i = 0; i < 5000; ++i) {
          std::string s = std::to_string(i) + ",";
          w.write(s.data(), s.size());
        }
      },
      /*chunk=*/100, /*depth=*/2);
  EXPECT_EQ(read_all(r, 37), expected);
}

TEST(ProducerReader, TheProducersErrorEndsTheStream) {
  ProducerReader r([](Writer& w) {
    w.write("abc", 3);
    throw Error("blob sha256:1234 is corrupt");
  });
  char buf[16];
  try {
    while (r.read(buf, sizeof buf)) {
    }
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.describe(), "blob sha256:1234 is corrupt");
  }
}

TEST(ProducerReader, DroppingTheReaderStopsAProducerBlockedOnAFullQueue) {
  bool stopped = false;
  {
    ProducerReader r(
        [&](Writer& w) {
          std::string chunk(64, 'x');
          try {
            for (;;) w.write(chunk.data(), chunk.size());
          } catch (const Error&) {
            stopped = true;
            throw;
          }
        },
        /*chunk=*/64, /*depth=*/1);
    char c;
    ASSERT_EQ(r.read(&c, 1), 1u);
  }
  EXPECT_TRUE(stopped);
}

}  // namespace
}  // namespace hoist::layers
