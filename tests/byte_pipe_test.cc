#include "layers/byte_pipe.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/error.h"

using namespace hoist;
using namespace hoist::layers;

TEST(BytePipe, CarriesEveryByteInOrderAcrossThreads) {
  std::string data;
  for (int i = 0; i < 200'000; ++i) data += static_cast<char>('a' + i % 23);
  BytePipe pipe(BytePipe::AfterHangUp::Throw, 1000, 3);
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

TEST(BytePipe, AFailureReachesTheReaderAfterTheBytesBeforeIt) {
  BytePipe pipe(BytePipe::AfterHangUp::Throw, 4, 2);
  pipe.write("abcd", 4);
  pipe.fail(std::make_exception_ptr(Error("download cut")));
  char buf[8];
  ASSERT_EQ(pipe.read(buf, sizeof buf), 4u);
  EXPECT_EQ(std::string(buf, 4), "abcd");
  try {
    pipe.read(buf, sizeof buf);
    FAIL() << "read past a failure";
  } catch (const Error& e) {
    EXPECT_EQ(e.describe(), "download cut");
  }
}

TEST(BytePipe, AfterAHangUpWritesThrowOrAreDropped) {
  BytePipe stopping(BytePipe::AfterHangUp::Throw, 4, 1);
  stopping.hang_up();
  EXPECT_THROW(stopping.write("abcd", 4), Error);
  BytePipe pipe(BytePipe::AfterHangUp::Drop, 4, 1);
  pipe.hang_up();
  std::string lots(1 << 20, 'x');
  pipe.write(lots.data(), lots.size());  // would block forever on a full queue if kept
  pipe.write(lots.data(), lots.size());
  pipe.close();
  SUCCEED();
}
