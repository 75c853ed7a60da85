#include "oci/digest.h"

#include <openssl/evp.h>

#include "common/error.h"

namespace hoist::oci {

static bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool Digest::valid(std::string_view text) {
  return text.size() == 71 && text.substr(0, 7) == "sha256:" && is_lower_hex(text.substr(7));
}

Digest Digest::parse(std::string_view text) {
  if (valid(text)) return Digest(std::string(text));
  auto colon = text.find(':');
  if (colon == std::string_view::npos)
    throw Error("invalid digest \"" + std::string(text) + "\": expected sha256:<64 hex digits>");
  auto alg = text.substr(0, colon);
  if (alg != "sha256")
    throw Error("unsupported digest algorithm \"" + std::string(alg) + "\" in \"" +
                std::string(text) + "\": only sha256 is supported");
  throw Error("invalid digest \"" + std::string(text) +
              "\": expected sha256: followed by 64 lowercase hex digits");
}

Digest Digest::of(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    throw Error("cannot initialise SHA-256");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t size) {
  if (size) EVP_DigestUpdate(impl_->ctx, data, size);
}

Digest Sha256::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return Digest::parse(out);
}

}  // namespace hoist::oci
