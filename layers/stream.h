#pragma once
// Byte-stream seams of the layer pipeline: everything between a directory and
// a blob is a chain of Writers (tar -> compressor -> hashers -> file) or of
// Readers (file -> hasher -> decompressor -> tar reader), so each stage sees
// the bytes once and memory stays flat.
#include <cstddef>
#include <string>
#include <string_view>

namespace hoist::layers {

class Writer {
 public:
  virtual ~Writer() = default;
  virtual void write(const void* data, size_t size) = 0;
  // Flushes buffered output and finishes framing (e.g. the gzip trailer).
  virtual void close() {}
};

class Reader {
 public:
  virtual ~Reader() = default;
  // Reads up to `size` bytes; returns 0 only at end of stream. Throws hoist::Error.
  virtual size_t read(void* data, size_t size) = 0;
};

// Reads from a file descriptor (not owned).
class FdReader : public Reader {
 public:
  FdReader(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  size_t read(void* data, size_t size) override;

 private:
  int fd_;
  std::string name_;
};

// Reads a file it opens and owns.
class FileReader : public Reader {
 public:
  explicit FileReader(const std::string& path);
  ~FileReader() override;
  size_t read(void* data, size_t size) override;

 private:
  int fd_;
  std::string path_;
};

// Writes to a file descriptor (not owned).
class FdWriter : public Writer {
 public:
  FdWriter(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  void write(const void* data, size_t size) override;

 private:
  int fd_;
  std::string name_;
};

// Reads from an in-memory buffer (not owned); for tests and small documents.
class BufferReader : public Reader {
 public:
  explicit BufferReader(std::string_view data) : data_(data) {}
  size_t read(void* data, size_t size) override;

 private:
  std::string_view data_;
};

// Streams everything `in` has left into `out`.
void copy_stream(Reader& in, Writer& out);
// Streams the whole file at `path` into `out`.
void copy_file(const std::string& path, Writer& out);

class StringWriter : public Writer {
 public:
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
  std::string out;
};

}  // namespace hoist::layers
