#include "layers/compression.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "common/error.h"

namespace hoist::layers {

namespace {

constexpr size_t kBufSize = 256 * 1024;

class PlainWriter : public Writer {
 public:
  explicit PlainWriter(Writer& out) : out_(out) {}
  void write(const void* d, size_t n) override { out_.write(d, n); }

 private:
  Writer& out_;
};

class GzipWriter : public Writer {
 public:
  GzipWriter(Writer& out, int level) : out_(out), buf_(kBufSize) {
    isal_deflate_init(&s_);
    s_.gzip_flag = IGZIP_GZIP;
    // Level 1 is the speed/size point igzip is built for; above 3 is not offered.
    s_.level = static_cast<uint32_t>(level < 0 ? 1 : std::min(level, ISAL_DEF_MAX_LEVEL));
    static const size_t level_buf_sizes[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT,
                                             ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
    level_buf_.resize(level_buf_sizes[s_.level]);
    s_.level_buf = level_buf_.data();
    s_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
  }

  void write(const void* d, size_t n) override {
    // igzip counts input in 32 bits: feed larger buffers in slices.
    auto* p = static_cast<uint8_t*>(const_cast<void*>(d));
    while (n > 0) {
      uint32_t slice = static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX));
      s_.next_in = p;
      s_.avail_in = slice;
      s_.end_of_stream = 0;
      while (s_.avail_in > 0) pump();
      p += slice;
      n -= slice;
    }
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    s_.next_in = nullptr;
    s_.avail_in = 0;
    s_.end_of_stream = 1;
    while (s_.internal_state.state != ZSTATE_END) pump();
  }

 private:
  void pump() {
    s_.next_out = buf_.data();
    s_.avail_out = static_cast<uint32_t>(buf_.size());
    if (isal_deflate(&s_) != COMP_OK) throw Error("gzip compression failed");
    size_t produced = buf_.size() - s_.avail_out;
    if (produced) out_.write(buf_.data(), produced);
  }

  Writer& out_;
  isal_zstream s_{};
  std::vector<uint8_t> buf_;
  std::vector<uint8_t> level_buf_;
  bool closed_ = false;
};

class ZstdWriter : public Writer {
 public:
  ZstdWriter(Writer& out, int level) : out_(out), buf_(ZSTD_CStreamOutSize()) {
    ctx_ = ZSTD_createCCtx();
    if (!ctx_) throw Error("cannot create zstd context");
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level < 0 ? 3 : level);
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 1);
    // Workers make zstd compress on every core; ignored by a single-threaded libzstd.
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_nbWorkers, static_cast<int>(cores));
  }
  ~ZstdWriter() override { ZSTD_freeCCtx(ctx_); }

  void write(const void* d, size_t n) override {
    ZSTD_inBuffer in{d, n, 0};
    while (in.pos < in.size) step(&in, ZSTD_e_continue);
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    ZSTD_inBuffer in{nullptr, 0, 0};
    while (step(&in, ZSTD_e_end) != 0) {
    }
  }

 private:
  size_t step(ZSTD_inBuffer* in, ZSTD_EndDirective mode) {
    ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
    size_t rc = ZSTD_compressStream2(ctx_, &out, in, mode);
    if (ZSTD_isError(rc)) throw Error(std::string("zstd compression failed: ") + ZSTD_getErrorName(rc));
    if (out.pos) out_.write(buf_.data(), out.pos);
    return rc;
  }

  Writer& out_;
  ZSTD_CCtx* ctx_ = nullptr;
  std::vector<uint8_t> buf_;
  bool closed_ = false;
};

// Gives back the bytes consumed while sniffing the format before reading on.
class PrefixReader : public Reader {
 public:
  PrefixReader(std::string prefix, Reader& in) : prefix_(std::move(prefix)), in_(in) {}
  size_t read(void* d, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(d, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return in_.read(d, n);
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  Reader& in_;
};

class GzipReader : public Reader {
 public:
  explicit GzipReader(std::unique_ptr<Reader> in) : in_(std::move(in)), buf_(kBufSize) {
    isal_inflate_init(&s_);
    s_.crc_flag = ISAL_GZIP;
  }

  size_t read(void* d, size_t n) override {
    if (n == 0) return 0;
    for (;;) {
      if (done_) return 0;
      if (s_.block_state == ISAL_BLOCK_FINISH) {
        // A gzip file may hold several members back to back.
        if (!fill()) {
          done_ = true;
          return 0;
        }
        if (s_.next_in[0] != 0x1f) throw Error("invalid gzip data: trailing garbage after the last member");
        uint8_t* next = s_.next_in;
        uint32_t avail = s_.avail_in;
        isal_inflate_reset(&s_);
        s_.crc_flag = ISAL_GZIP;
        s_.next_in = next;
        s_.avail_in = avail;
      }
      if (s_.avail_in == 0 && !fill()) throw Error("invalid gzip data: unexpected end of stream");
      // igzip counts output in 32 bits: ask for at most that much.
      uint32_t want = static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX));
      s_.next_out = static_cast<uint8_t*>(d);
      s_.avail_out = want;
      int rc = isal_inflate(&s_);
      if (rc != ISAL_DECOMP_OK) throw Error("invalid gzip data (igzip error " + std::to_string(rc) + ")");
      size_t produced = want - s_.avail_out;
      if (produced) return produced;
    }
  }

 private:
  // Refills the input buffer when it is empty; false at end of input.
  bool fill() {
    if (s_.avail_in > 0) return true;
    size_t got = in_->read(buf_.data(), buf_.size());
    if (got == 0) return false;
    s_.next_in = buf_.data();
    s_.avail_in = static_cast<uint32_t>(got);
    return true;
  }

  std::unique_ptr<Reader> in_;
  std::vector<uint8_t> buf_;
  inflate_state s_{};
  bool done_ = false;
};

class ZstdReader : public Reader {
 public:
  explicit ZstdReader(std::unique_ptr<Reader> in) : in_(std::move(in)), buf_(ZSTD_DStreamInSize()) {
    ctx_ = ZSTD_createDCtx();
    if (!ctx_) throw Error("cannot create zstd context");
  }
  ~ZstdReader() override { ZSTD_freeDCtx(ctx_); }

  size_t read(void* d, size_t n) override {
    if (n == 0) return 0;
    for (;;) {
      if (in_buf_.pos == in_buf_.size) {
        size_t got = in_->read(buf_.data(), buf_.size());
        if (got == 0) {
          if (last_rc_ != 0) throw Error("invalid zstd data: unexpected end of stream");
          return 0;
        }
        in_buf_ = {buf_.data(), got, 0};
      }
      ZSTD_outBuffer out{d, n, 0};
      last_rc_ = ZSTD_decompressStream(ctx_, &out, &in_buf_);
      if (ZSTD_isError(last_rc_)) throw Error(std::string("invalid zstd data: ") + ZSTD_getErrorName(last_rc_));
      if (out.pos) return out.pos;
    }
  }

 private:
  std::unique_ptr<Reader> in_;
  std::vector<uint8_t> buf_;
  ZSTD_DCtx* ctx_ = nullptr;
  ZSTD_inBuffer in_buf_{nullptr, 0, 0};
  size_t last_rc_ = 0;
};

}  // namespace

Compression parse_compression(std::string_view name) {
  if (name == "gzip") return Compression::Gzip;
  if (name == "zstd") return Compression::Zstd;
  if (name == "none" || name == "uncompressed") return Compression::None;
  throw Error("unknown compression \"" + std::string(name) + "\" (want gzip, zstd or none)");
}

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::Gzip: return "gzip";
    case Compression::Zstd: return "zstd";
    case Compression::None: return "none";
  }
  return "none";
}

std::unique_ptr<Writer> make_compressor(Compression c, Writer& out, int level) {
  switch (c) {
    case Compression::Gzip: return std::make_unique<GzipWriter>(out, level);
    case Compression::Zstd: return std::make_unique<ZstdWriter>(out, level);
    case Compression::None: break;
  }
  return std::make_unique<PlainWriter>(out);
}

std::unique_ptr<Reader> make_decompressor(Reader& in) {
  std::string head(4, '\0');
  size_t got = 0;
  while (got < head.size()) {
    size_t n = in.read(head.data() + got, head.size() - got);
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  auto replay = std::make_unique<PrefixReader>(head, in);
  auto u = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
  if (got >= 2 && u(0) == 0x1f && u(1) == 0x8b) return std::make_unique<GzipReader>(std::move(replay));
  if (got >= 4 && u(0) == 0x28 && u(1) == 0xb5 && u(2) == 0x2f && u(3) == 0xfd)
    return std::make_unique<ZstdReader>(std::move(replay));
  return replay;
}

}  // namespace hoist::layers
