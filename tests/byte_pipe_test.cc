#include "layers/byte_pipe.h"

#include <gtest/gtest.h>

#include <thread>

using namespace hoist;
using namespace hoist::layers;

TEST(BytePipe, CarriesEveryByteInOrderAcrossThreads) {
  std::string data;
  for (int i = 0; i < 200'000; ++i) data += static_cast<char>('a' + i % 23);
  BytePipe pipe(1000, 3);
  std::thread writer([&] {
    for (size_t at = 0, step = 1; at < data.size(); at += step, step = step * 7 % 4093 + 1)
      pipe.write(data.data() + at, std::min(step, data.size() - at));
    pipe.close();
  });
  std::string got, buf(777, '\0');
  for (size_t n; (n = pipe.read(buf.data(), buf.size())) > 0;) got.append(buf, 0, n);
  writer.join();
  EXPECT_EQ(got, data);
}

TEST(BytePipe, AFailureReachesTheReaderInsteadOfTheRest) {
  BytePipe pipe(4, 2);
  pipe.write("abcd", 4);
  pipe.fail(Error("download cut"));
  char buf[8];
  try {
    pipe.read(buf, sizeof buf);
    FAIL() << "read past a failure";
  } catch (const Error& e) {
    EXPECT_EQ(e.describe(), "download cut");
  }
}

TEST(BytePipe, WritesAfterTheReaderHungUpAreDropped) {
  BytePipe pipe(4, 1);
  pipe.hang_up();
  std::string lots(1 << 20, 'x');
  pipe.write(lots.data(), lots.size());  // would block forever on a full queue if kept
  pipe.write(lots.data(), lots.size());
  pipe.close();
  SUCCEED();
}
