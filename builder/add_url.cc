#include "builder/add_url.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <ctime>
#include <optional>
#include <string>

#include "common/error.h"
#include "common/fd.h"
#include "layers/hashing_writer.h"
#include "layers/stream.h"

namespace hoist::builder {

namespace {

bool is_http(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

// The parts of "scheme://authority/path?query#fragment" a download needs.
struct UrlParts {
  std::string_view scheme, authority, path;
};

UrlParts split_url(std::string_view url) {
  UrlParts p;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return p;
  p.scheme = url.substr(0, sep);
  std::string_view rest = url.substr(sep + 3);
  size_t end = rest.find_first_of("/?#");
  p.authority = rest.substr(0, end);
  if (end == std::string_view::npos) return p;
  rest.remove_prefix(end);
  p.path = rest.substr(0, rest.find_first_of("?#"));
  return p;
}

}  // namespace

std::string redact_url(std::string_view url) {
  UrlParts p = split_url(url);
  size_t at = p.authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  size_t colon = p.authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  size_t begin = static_cast<size_t>(p.authority.data() - url.data()) + colon + 1;
  return std::string(url.substr(0, begin)) + "xxxxx" + std::string(url.substr(begin + (at - colon - 1)));
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's path unescaping: nullopt for a `%` not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// Go's path.Base: the last element, trailing slashes dropped; "/" for only
// slashes, "." for nothing.
std::string path_base(std::string p) {
  if (p.empty()) return ".";
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p == "/") return p;
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// BuildKit's pathutil.SafeFileName: one plain name, never ".." nor a control character.
std::string safe_file_name(std::string name) {
  const char* space = " \t\n\v\f\r";
  size_t b = name.find_first_not_of(space);
  name = b == std::string::npos ? "" : name.substr(b, name.find_last_not_of(space) - b + 1);
  if (has_control(name)) return "download";
  name = path_base(name);
  if (name.empty() || name == "." || name == ".." || name == "/") return "download";
  return name;
}

const EVP_MD* checksum_md(std::string_view algorithm) {
  if (algorithm == "sha384") return EVP_sha384();
  if (algorithm == "sha512") return EVP_sha512();
  return nullptr;
}

// Hashes what passes through with a --checksum algorithm other than sha256.
class EvpHashingWriter : public layers::Writer {
 public:
  EvpHashingWriter(layers::Writer& next, std::string_view algorithm) : next_(next), algorithm_(algorithm) {
    ctx_ = EVP_MD_CTX_new();
    if (!ctx_ || EVP_DigestInit_ex(ctx_, checksum_md(algorithm), nullptr) != 1) {
      EVP_MD_CTX_free(ctx_);
      throw Error("cannot initialise " + algorithm_);
    }
  }
  ~EvpHashingWriter() override { EVP_MD_CTX_free(ctx_); }
  EvpHashingWriter(const EvpHashingWriter&) = delete;
  EvpHashingWriter& operator=(const EvpHashingWriter&) = delete;

  void write(const void* data, size_t size) override {
    if (size) EVP_DigestUpdate(ctx_, data, size);
    next_.write(data, size);
  }
  // "<algorithm>:<hex>"; called once.
  std::string finish() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    static const char* hex = "0123456789abcdef";
    std::string out = algorithm_ + ":";
    for (unsigned i = 0; i < len; ++i) {
      out += hex[md[i] >> 4];
      out += hex[md[i] & 15];
    }
    return out;
  }

 private:
  layers::Writer& next_;
  std::string algorithm_;
  EVP_MD_CTX* ctx_ = nullptr;
};

// Go's http.ParseTime: RFC 1123 (the one HTTP servers send), RFC 850 or
// asctime, always UTC; nullopt for anything else.
std::optional<int64_t> parse_http_date(const std::string& text) {
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    struct tm tm {};
    const char* end = ::strptime(text.c_str(), format, &tm);
    if (end && *end == '\0') return static_cast<int64_t>(::timegm(&tm));
  }
  return std::nullopt;
}

// The download's file until it is complete and verified; removed otherwise.
class PartialFile {
 public:
  explicit PartialFile(const std::string& dir) : path_(dir + "/download-XXXXXX") {
    fd_.reset(::mkostemp(path_.data(), O_CLOEXEC));
    if (!fd_.valid()) throw_sys("create", path_);
  }
  ~PartialFile() {
    if (!kept_) ::unlink(path_.c_str());
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  std::string keep() {
    kept_ = true;
    fd_.reset();
    return path_;
  }

 private:
  std::string path_;
  UniqueFd fd_;
  bool kept_ = false;
};

}  // namespace

bool is_git_url(std::string_view s) {
  UrlParts p = split_url(s);
  if (!p.scheme.empty()) {
    std::string scheme(p.scheme);
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "git" || scheme == "ssh") return true;
    return is_http(s) && p.path.ends_with(".git");
  }
  // scp-style, as BuildKit's sshutil: user@host:path.
  size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos) return false;
  for (char c : s.substr(0, at))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  size_t colon = s.find(':', at + 1);
  if (colon == std::string_view::npos || colon == at + 1) return false;
  for (char c : s.substr(at + 1, colon - at - 1))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

bool is_remote_url(std::string_view source) { return is_http(source) || is_git_url(source); }

std::string url_file_name(std::string_view url) {
  // The Dockerfile frontend's name (path.Base of the parsed URL's path, or
  // "__unnamed__"), then made safe by the HTTP source.
  if (has_control(url)) return "__unnamed__";  // Go's url.Parse refuses it
  std::optional<std::string> path = percent_decode(split_url(url).path);
  if (!path) return "__unnamed__";
  std::string base = path_base(*path);
  if (base == "." || base == "/") return "__unnamed__";
  return safe_file_name(base);
}

void validate_add_checksum(std::string_view checksum) {
  if (checksum.empty()) return;
  auto fail = [&](const std::string& why) { throw Error("ADD --checksum=" + std::string(checksum) + ": " + why); };
  size_t colon = checksum.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == checksum.size())
    fail("invalid checksum digest format (expected sha256:<hex>)");
  std::string_view algorithm = checksum.substr(0, colon), hex = checksum.substr(colon + 1);
  size_t want = algorithm == "sha256" ? 64 : algorithm == "sha384" ? 96 : algorithm == "sha512" ? 128 : 0;
  auto is_hex = [](std::string_view s, bool upper_too) {
    for (char c : s) {
      bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (upper_too && c >= 'A' && c <= 'F');
      if (!digit) return false;
    }
    return true;
  };
  if (want == 0) {
    for (char c : algorithm)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '+' && c != '.')
        fail("invalid checksum digest format (expected sha256:<hex>)");
    if (!is_hex(hex, true)) fail("invalid checksum digest format (expected sha256:<hex>)");
    fail("unsupported digest algorithm \"" + std::string(algorithm) + "\" (sha256, sha384 or sha512)");
  }
  if (hex.size() != want)
    fail("invalid checksum digest length: " + std::to_string(hex.size()) + " hex digits, " + std::string(algorithm) +
         " has " + std::to_string(want));
  if (!is_hex(hex, false)) fail("invalid checksum digest format (the digits must be lowercase hex)");
}

UrlDownload download_for_add(publish::HttpClient& http, const std::string& url, const std::string& checksum,
                             const std::string& dir) {
  validate_add_checksum(checksum);
  return with_context("ADD " + redact_url(url), [&] {
    if (is_git_url(url)) throw Error("git repositories are not supported by this hoist yet");
    if (!is_http(url)) throw Error("not an http or https URL");
    UrlDownload out;
    out.name = url_file_name(url);
    PartialFile file(dir);
    layers::FdWriter to_file(file.fd(), file.path());
    layers::HashingWriter sha256(to_file);
    const std::string_view algorithm = std::string_view(checksum).substr(0, checksum.find(':'));
    std::optional<EvpHashingWriter> other;
    if (checksum_md(algorithm)) other.emplace(sha256, algorithm);
    publish::HttpRequest request;
    request.url = url;
    publish::HttpResponse response = http.send(request, other ? static_cast<layers::Writer*>(&*other) : &sha256);
    if (response.status < 200 || response.status >= 300) {
      std::string where = !response.url.empty() && response.url != url ? " from " + redact_url(response.url) : "";
      throw Error("HTTP " + std::to_string(response.status) + where);
    }
    out.digest = sha256.finish();
    if (!checksum.empty()) {
      std::string got = other ? other->finish() : out.digest.str();
      if (got != checksum) throw Error("checksum mismatch: got " + got + ", want " + checksum);
    }
    out.mtime = parse_http_date(response.header("last-modified"));
    const time_t mtime = static_cast<time_t>(out.mtime.value_or(0));
    struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    if (::fchmod(file.fd(), 0600) != 0) throw_sys("chmod", file.path());
    if (::futimens(file.fd(), times) != 0) throw_sys("utimes", file.path());
    out.path = file.keep();
    return out;
  });
}

}  // namespace hoist::builder
