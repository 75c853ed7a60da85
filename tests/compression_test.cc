// gzip (ISA-L), zstd and plain streams: round trips at the sizes that break
// framing code (empty, one byte, more than one internal buffer, very
// compressible), output the system tools accept, input the system tools
// wrote, multi-member / multi-frame streams, and damaged input.
#include "layers/compression.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "layers/stream.h"

namespace hoist::layers {
namespace {

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

std::string compressible_bytes(size_t n) {
  std::string line = "layer 0123456789 abcdefghijklmnopqrstuvwxyz\n";
  std::string s;
  s.reserve(n);
  while (s.size() < n) s += line;
  s.resize(n);
  return s;
}

std::string compress(Compression c, const std::string& data, int level = -1, size_t chunk = 0) {
  StringWriter out;
  auto w = make_compressor(c, out, level);
  if (chunk == 0) {
    w->write(data.data(), data.size());
  } else {
    for (size_t i = 0; i < data.size(); i += chunk) w->write(data.data() + i, std::min(chunk, data.size() - i));
  }
  w->close();
  return out.out;
}

// Reads everything, `chunk` bytes per read() call.
std::string read_all(Reader& r, size_t chunk = 64 * 1024) {
  std::string out;
  std::vector<char> buf(chunk);
  for (;;) {
    size_t n = r.read(buf.data(), buf.size());
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

std::string decompress(const std::string& data, size_t chunk = 64 * 1024) {
  BufferReader in(data);
  auto r = make_decompressor(in);
  return read_all(*r, chunk);
}

// A Reader that hands out at most one byte per call: sniffing and the
// decoders must cope with arbitrarily short reads.
class TrickleReader : public Reader {
 public:
  explicit TrickleReader(std::string_view data) : data_(data) {}
  size_t read(void* d, size_t n) override {
    if (n == 0 || pos_ == data_.size()) return 0;
    static_cast<char*>(d)[0] = data_[pos_++];
    return 1;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Runs a shell command with `input` written to a temp file as $IN and returns its stdout.
std::string run_tool(const std::string& command, const std::string& input, int* status) {
  fs::TempDir tmp;
  std::string in = tmp.path() + "/in";
  fs::write_file_atomic(in, input);
  std::string cmd = "IN='" + in + "'; " + command;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw Error("popen " + command);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  return out;
}

struct Sample {
  const char* name;
  std::string data;
};

std::vector<Sample> samples() {
  return {
      {"empty", ""},
      {"one byte", "x"},
      {"random 1 MiB + 17", random_bytes((1 << 20) + 17, 42)},
      {"compressible 3 MiB", compressible_bytes(3 << 20)},
  };
}

const Compression kAll[] = {Compression::Gzip, Compression::Zstd, Compression::None};

TEST(Compression, RoundTripsEverySizeAndAlgorithm) {
  for (Compression c : kAll) {
    for (const auto& s : samples()) {
      SCOPED_TRACE(std::string(compression_name(c)) + " / " + s.name);
      std::string packed = compress(c, s.data);
      EXPECT_EQ(decompress(packed), s.data);
      // Many small writes give the same stream content back.
      EXPECT_EQ(decompress(compress(c, s.data, -1, 4093)), s.data);
    }
  }
}

TEST(Compression, DecodesWithOneByteReadsBothWays) {
  std::string data = random_bytes(70000, 7) + compressible_bytes(70000);
  for (Compression c : kAll) {
    SCOPED_TRACE(compression_name(c));
    std::string packed = compress(c, data);
    TrickleReader trickle(packed);
    auto r = make_decompressor(trickle);
    EXPECT_EQ(read_all(*r, 1), data);
  }
}

TEST(Compression, NoneIsTheIdentity) {
  std::string data = random_bytes(100000, 3);
  EXPECT_EQ(compress(Compression::None, data), data);
}

TEST(Compression, CompressibleDataShrinks) {
  std::string data = compressible_bytes(4 << 20);
  EXPECT_LT(compress(Compression::Gzip, data).size(), data.size() / 10);
  EXPECT_LT(compress(Compression::Zstd, data).size(), data.size() / 10);
}

TEST(Compression, StreamsStartWithTheirMagic) {
  std::string g = compress(Compression::Gzip, "hello");
  ASSERT_GE(g.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(g[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(g[1]), 0x8b);
  std::string z = compress(Compression::Zstd, "hello");
  ASSERT_GE(z.size(), 4u);
  EXPECT_EQ(z.substr(0, 4), std::string("\x28\xb5\x2f\xfd", 4));
}

TEST(Compression, SameInputGivesSameBytes) {
  std::string data = random_bytes(300000, 9) + compressible_bytes(2 << 20);
  for (Compression c : kAll) {
    SCOPED_TRACE(compression_name(c));
    EXPECT_EQ(compress(c, data), compress(c, data));
  }
}

TEST(Compression, EveryLevelRoundTrips) {
  std::string data = random_bytes(50000, 5) + compressible_bytes(500000);
  for (int level : {0, 1, 2, 3, 9}) {
    SCOPED_TRACE("gzip level " + std::to_string(level));
    EXPECT_EQ(decompress(compress(Compression::Gzip, data, level)), data);
  }
  for (int level : {1, 3, 19}) {
    SCOPED_TRACE("zstd level " + std::to_string(level));
    EXPECT_EQ(decompress(compress(Compression::Zstd, data, level)), data);
  }
}

TEST(Compression, SystemGzipReadsOurOutput) {
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    int status = 0;
    std::string out = run_tool("gzip -dc \"$IN\"", compress(Compression::Gzip, s.data), &status);
    EXPECT_EQ(status, 0);
    EXPECT_EQ(out, s.data);
  }
}

TEST(Compression, SystemZstdReadsOurOutput) {
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    int status = 0;
    std::string out = run_tool("zstd -q -dc \"$IN\"", compress(Compression::Zstd, s.data), &status);
    EXPECT_EQ(status, 0);
    EXPECT_EQ(out, s.data);
  }
}

TEST(Compression, ReadsWhatTheSystemToolsWrote) {
  std::string data = random_bytes(200000, 11) + compressible_bytes(1 << 20);
  int status = 0;
  std::string gz = run_tool("gzip -9 -c \"$IN\"", data, &status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(decompress(gz), data);
  // gzip -n / with a file name in the header (FNAME) both decode.
  std::string named = run_tool("gzip -N -c \"$IN\"", data, &status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(decompress(named), data);
  std::string zs = run_tool("zstd -q -19 -c \"$IN\"", data, &status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(decompress(zs), data);
}

TEST(Compression, MultiMemberGzipReadsAsOneStream) {
  std::string a = random_bytes(100000, 1), b = compressible_bytes(300000), c = "tail";
  std::string stream = compress(Compression::Gzip, a) + compress(Compression::Gzip, b) +
                       compress(Compression::Gzip, "") + compress(Compression::Gzip, c);
  EXPECT_EQ(decompress(stream), a + b + c);
  EXPECT_EQ(decompress(stream, 1), a + b + c);
  // A member written by the system gzip after one of ours.
  int status = 0;
  std::string theirs = run_tool("gzip -c \"$IN\"", b, &status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(decompress(compress(Compression::Gzip, a) + theirs), a + b);
  // And the system tool agrees about the concatenation we read.
  std::string out = run_tool("gzip -dc \"$IN\"", stream, &status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, a + b + c);
}

TEST(Compression, ConcatenatedZstdFramesReadAsOneStream) {
  std::string a = random_bytes(100000, 2), b = compressible_bytes(300000);
  EXPECT_EQ(decompress(compress(Compression::Zstd, a) + compress(Compression::Zstd, b)), a + b);
}

TEST(Compression, TruncatedInputIsAnError) {
  std::string data = random_bytes(200000, 4);
  for (Compression c : {Compression::Gzip, Compression::Zstd}) {
    std::string packed = compress(c, data);
    for (size_t keep : {packed.size() / 2, packed.size() - 1, size_t{10}}) {
      SCOPED_TRACE(std::string(compression_name(c)) + " keeping " + std::to_string(keep) + " of " +
                   std::to_string(packed.size()) + " bytes");
      EXPECT_THROW(decompress(packed.substr(0, keep)), Error);
    }
  }
}

TEST(Compression, TruncatedEmptyStreamIsAnError) {
  for (Compression c : {Compression::Gzip, Compression::Zstd}) {
    SCOPED_TRACE(compression_name(c));
    std::string packed = compress(c, "");
    EXPECT_THROW(decompress(packed.substr(0, packed.size() - 2)), Error);
  }
}

TEST(Compression, CorruptGzipIsAnError) {
  std::string data = random_bytes(100000, 6);
  std::string packed = compress(Compression::Gzip, data);
  // A flipped byte in the deflate data, and one in the CRC-32 trailer.
  for (size_t at : {packed.size() / 2, packed.size() - 6}) {
    SCOPED_TRACE("flipped byte at " + std::to_string(at));
    std::string bad = packed;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    EXPECT_THROW(decompress(bad), Error);
  }
  // A wrong ISIZE (length modulo 2^32) in the trailer.
  std::string bad = packed;
  bad[bad.size() - 1] = static_cast<char>(bad[bad.size() - 1] ^ 0x01);
  EXPECT_THROW(decompress(bad), Error);
}

TEST(Compression, CorruptZstdIsAnError) {
  std::string data = random_bytes(100000, 8);
  std::string packed = compress(Compression::Zstd, data);
  for (size_t at : {packed.size() / 2, packed.size() - 2}) {
    SCOPED_TRACE("flipped byte at " + std::to_string(at));
    std::string bad = packed;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    EXPECT_THROW(decompress(bad), Error);
  }
}

TEST(Compression, GarbageAfterTheLastGzipMemberIsAnError) {
  std::string packed = compress(Compression::Gzip, "payload");
  EXPECT_THROW(decompress(packed + "junk"), Error);
}

TEST(Compression, GzipMagicWithABrokenHeaderIsAnError) {
  EXPECT_THROW(decompress(std::string("\x1f\x8b\x07\x00garbage-not-deflate", 23)), Error);
}

TEST(Compression, PlainDataPassesThroughTheSniffer) {
  std::vector<std::string> inputs = {
      "",
      "a",
      "ab",
      "abc",
      "plain text that is not compressed",
      std::string("\x1f", 1),                  // half a gzip magic
      std::string("\x1f" "A rest", 7),         // 0x1f not followed by 0x8b
      std::string("\x28\xb5\x2f", 3),          // three quarters of the zstd magic
      std::string("\x28\xb5\x2f\x00xyz", 7),   // zstd magic broken in its last byte
      random_bytes(300000, 10),
  };
  inputs.back()[0] = 'P';  // make sure the random buffer does not start like a compressed stream
  for (const auto& in : inputs) {
    SCOPED_TRACE("input of " + std::to_string(in.size()) + " bytes");
    EXPECT_EQ(decompress(in), in);
    TrickleReader trickle(in);
    auto r = make_decompressor(trickle);
    EXPECT_EQ(read_all(*r, 3), in);
  }
}

TEST(Compression, TarHeadersPassThroughUntouched) {
  // A tar stream starts with a file name; the sniffer must not mistake it.
  std::string tar(1024, '\0');
  tar.replace(0, 9, "etc/hosts");
  EXPECT_EQ(decompress(tar), tar);
}

TEST(Compression, NamesParseAndPrint) {
  EXPECT_EQ(parse_compression("gzip"), Compression::Gzip);
  EXPECT_EQ(parse_compression("zstd"), Compression::Zstd);
  EXPECT_EQ(parse_compression("none"), Compression::None);
  EXPECT_EQ(parse_compression("uncompressed"), Compression::None);
  for (Compression c : kAll) EXPECT_EQ(parse_compression(compression_name(c)), c);
  try {
    parse_compression("bzip2");
    FAIL() << "bzip2 accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("bzip2"), std::string::npos) << e.describe();
  }
}

TEST(Compression, CloseTwiceWritesOneTrailer) {
  for (Compression c : {Compression::Gzip, Compression::Zstd}) {
    SCOPED_TRACE(compression_name(c));
    StringWriter out;
    auto w = make_compressor(c, out);
    w->write("abc", 3);
    w->close();
    size_t once = out.out.size();
    w->close();
    EXPECT_EQ(out.out.size(), once);
    EXPECT_EQ(decompress(out.out), "abc");
  }
}

// A zero-filled mapping that costs no memory until written.
class ZeroMapping {
 public:
  explicit ZeroMapping(size_t size) : size_(size) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    data_ = p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  ~ZeroMapping() {
    if (data_) ::munmap(data_, size_);
  }
  ZeroMapping(const ZeroMapping&) = delete;
  ZeroMapping& operator=(const ZeroMapping&) = delete;
  char* data() const { return data_; }

 private:
  size_t size_;
  char* data_;
};

constexpr size_t kOver4GiB = (size_t{1} << 32) + 4096;

TEST(Compression, GzipReadIntoABufferOver4GiBReportsTheBytesProduced) {
  // igzip counts output space in 32 bits; the byte count returned must be
  // what was produced, not derived from a truncated size.
  ZeroMapping buf(kOver4GiB);
  ASSERT_NE(buf.data(), nullptr);
  std::string data = random_bytes(1000, 12);
  std::string packed = compress(Compression::Gzip, data);
  BufferReader in(packed);
  auto r = make_decompressor(in);
  std::string out;
  for (;;) {
    size_t n = r->read(buf.data(), kOver4GiB);
    if (n == 0) break;
    ASSERT_LE(n, data.size());
    out.append(buf.data(), n);
  }
  EXPECT_EQ(out, data);
}

TEST(Compression, GzipWriteOfOver4GiBInOneCallKeepsEveryByte) {
  // igzip counts input in 32 bits; one write() of more must not lose the rest.
  ZeroMapping zeros(kOver4GiB);
  ASSERT_NE(zeros.data(), nullptr);
  StringWriter out;
  auto w = make_compressor(Compression::Gzip, out);
  w->write(zeros.data(), kOver4GiB);
  w->close();
  BufferReader in(out.out);
  auto r = make_decompressor(in);
  std::vector<char> buf(1 << 20);
  size_t total = 0;
  bool all_zero = true;
  for (;;) {
    size_t n = r->read(buf.data(), buf.size());
    if (n == 0) break;
    all_zero = all_zero && std::all_of(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n), [](char c) { return c == 0; });
    total += n;
  }
  EXPECT_EQ(total, kOver4GiB);
  EXPECT_TRUE(all_zero);
}

}  // namespace
}  // namespace hoist::layers
