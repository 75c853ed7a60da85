#pragma once
// Content digests. hoist only produces and accepts sha256 (the algorithm every
// registry supports); anything else is rejected with a clear error.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace hoist::oci {

class Digest {
 public:
  Digest() = default;
  // Parses "sha256:<64 lowercase hex>"; throws hoist::Error otherwise.
  static Digest parse(std::string_view text);
  // Returns false (no throw) when text is not a valid sha256 digest.
  static bool valid(std::string_view text);
  static Digest of(std::string_view bytes);
  static Digest from_hex(std::string_view hex) { return parse("sha256:" + std::string(hex)); }

  const std::string& str() const { return text_; }
  std::string_view algorithm() const { return std::string_view(text_).substr(0, 6); }
  std::string_view hex() const { return std::string_view(text_).substr(7); }
  bool empty() const { return text_.empty(); }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;

 private:
  explicit Digest(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// Streaming SHA-256 (OpenSSL EVP; uses SHA-NI where the CPU has it).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Finishes the hash; the object must not be updated afterwards.
  Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoist::oci
