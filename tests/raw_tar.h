#pragma once
// Tar bytes written by hand, for archives no well-behaved writer produces:
// a header whose size the body never reaches, a pax sparse map claiming
// gigabytes, a pax path past PATH_MAX, a stream of 100,000 entries made on
// the fly. libarchive's writer (unpack_test_support.h) pads every entry to
// its size, so it cannot make the truncated ones.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "layers/stream.h"

namespace hoist::test::raw_tar {

constexpr size_t kBlock = 512;

// `data` padded with zeros to a whole number of blocks.
inline std::string padded(std::string data) {
  data.resize((data.size() + kBlock - 1) / kBlock * kBlock, '\0');
  return data;
}

inline void put(std::string& block, size_t offset, size_t width, const std::string& value) {
  std::memcpy(&block[offset], value.data(), std::min(width, value.size()));
}

inline void put_octal(std::string& block, size_t offset, size_t width, uint64_t value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
  put(block, offset, width - 1, buf);
}

// Sizes from 8 GiB up do not fit 11 octal digits: GNU's base-256 form.
inline void put_size(std::string& block, uint64_t size) {
  if (size < (1ULL << 33)) return put_octal(block, 124, 12, size);
  block[124] = static_cast<char>(0x80);
  for (int i = 11; i >= 4; --i, size >>= 8) block[124 + static_cast<size_t>(i)] = static_cast<char>(size & 0xff);
}

// One ustar header block. `type` is the tar typeflag ('0' file, '1'
// hardlink, '2' symlink, '3' char device, '5' directory, 'x' pax header).
inline std::string header(const std::string& name, char type, uint64_t size, const std::string& linkname = "",
                          unsigned mode = 0644, unsigned devmajor = 0, unsigned devminor = 0) {
  std::string b(kBlock, '\0');
  put(b, 0, 100, name);
  put_octal(b, 100, 8, mode);
  put_octal(b, 108, 8, 0);
  put_octal(b, 116, 8, 0);
  put_size(b, size);
  put_octal(b, 136, 12, 1700000000);
  b[156] = type;
  put(b, 157, 100, linkname);
  put(b, 257, 6, std::string("ustar\0", 6));
  put(b, 263, 2, "00");
  put_octal(b, 329, 8, devmajor);
  put_octal(b, 337, 8, devminor);
  std::memset(&b[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : b) sum += c;
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  std::memcpy(&b[148], chk, 7);  // six digits and a NUL; the space stays
  return b;
}

// A pax extended header ('x') carrying `records` for the entry after it.
inline std::string pax(const std::vector<std::pair<std::string, std::string>>& records) {
  std::string body;
  for (const auto& [key, value] : records) {
    // "<len> key=value\n", where <len> counts its own digits.
    size_t rest = 1 + key.size() + 1 + value.size() + 1;
    size_t len = rest + 1;
    while (std::to_string(len).size() + rest != len) ++len;
    body += std::to_string(len) + " " + key + "=" + value + "\n";
  }
  return header("PaxHeaders/entry", 'x', body.size()) + padded(body);
}

inline std::string file(const std::string& name, const std::string& content, unsigned mode = 0644) {
  return header(name, '0', content.size(), "", mode) + padded(content);
}

// The two zero blocks that end an archive.
inline std::string end() { return std::string(2 * kBlock, '\0'); }

// A pax 1.0 sparse file (GNU.sparse.* records, map in the data) of apparent
// size `realsize` whose only data is `data` at `offset`.
inline std::string sparse_file(const std::string& name, uint64_t realsize, uint64_t offset, const std::string& data) {
  std::string map = padded("1\n" + std::to_string(offset) + "\n" + std::to_string(data.size()) + "\n");
  std::string body = map + padded(data);
  return pax({{"GNU.sparse.major", "1"},
              {"GNU.sparse.minor", "0"},
              {"GNU.sparse.name", name},
              {"GNU.sparse.realsize", std::to_string(realsize)}}) +
         header("GNUSparseFile.0/" + name, '0', body.size()) + body;
}

// A relative path of exactly `count` bytes: 200-byte components joined by "/".
inline std::string long_path(size_t count) {
  std::string out;
  while (out.size() < count) {
    if (!out.empty()) out += '/';
    out += std::string(std::min<size_t>(200, count - out.size()), 'n');
  }
  return out;
}

// An archive produced piece by piece as it is read, so a test can feed the
// unpacker far more entries than it would want to hold in memory.
class GeneratedTar : public layers::Reader {
 public:
  // `next(i)` gives the bytes of piece i, or "" when there are no more.
  explicit GeneratedTar(std::function<std::string(uint64_t)> next) : next_(std::move(next)) {}
  size_t read(void* data, size_t size) override {
    while (pos_ == buf_.size() && !done_) {
      buf_ = next_(piece_++);
      pos_ = 0;
      if (buf_.empty()) done_ = true;
    }
    size_t n = std::min(size, buf_.size() - pos_);
    std::memcpy(data, buf_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::function<std::string(uint64_t)> next_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t piece_ = 0;
  bool done_ = false;
};

}  // namespace hoist::test::raw_tar
