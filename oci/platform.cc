#include "oci/platform.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "common/error.h"

namespace hoist::oci {

namespace {

constexpr std::string_view kSpecifierSyntax = "<os>|<arch>|<os>/<arch>[/<variant>]";

// The architecture this binary was built for, spelled like Go's GOARCH; empty
// where the table has no entry and uname has to say.
constexpr std::string_view kCompiledArch =
#if defined(__x86_64__)
    "amd64"
#elif defined(__aarch64__)
    "arm64"
#elif defined(__arm__)
    "arm"
#elif defined(__i386__)
    "386"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    "ppc64le"
#elif defined(__powerpc64__)
    "ppc64"
#elif defined(__s390x__)
    "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
    "riscv64"
#elif defined(__loongarch64)
    "loong64"
#else
    ""
#endif
    ;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// ASCII only: Go lower-cases Unicode too, but a valid specifier is ASCII and
// index entries with non-ASCII architectures match nothing either way.
std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_os_name_char(char c) { return is_alnum(c) || c == '_' || c == '-'; }
bool is_component_char(char c) { return is_os_name_char(c) || c == '.'; }
bool is_os_option_char(char c) { return is_component_char(c) || c == '%'; }

bool all_of(std::string_view s, bool (*pred)(char)) { return std::all_of(s.begin(), s.end(), pred); }

// The specifier in an error message: quoted, one line, and short enough to read
// even when someone passes a 100 KiB feature blob.
std::string quote(std::string_view s) {
  constexpr size_t kMax = 80;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s.substr(0, kMax)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  if (s.size() > kMax) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

// Go's strconv.Atoi: optional sign, at least one decimal digit, fits an int.
// Only numbers up to kMaxVariantLevel are accepted: containerd lists every
// level below a numbered variant, so "amd64/v999999999" would otherwise build
// a vector of a billion platforms. Real levels stop at amd64/v4 and arm/v8.
constexpr int kMaxVariantLevel = 1000;

std::optional<int> go_atoi(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > kMaxVariantLevel) return std::nullopt;
  }
  return static_cast<int>(negative ? -value : value);
}

std::string_view trim_v(std::string_view s) { return s.starts_with('v') ? s.substr(1) : s; }

bool is_known_os(std::string_view os) {
  for (std::string_view known :
       {"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl",
        "netbsd", "openbsd", "plan9", "solaris", "windows", "zos"})
    if (os == known) return true;
  return false;
}

bool is_known_arch(std::string_view arch) {
  for (std::string_view known :
       {"386",     "amd64",   "amd64p32", "arm",    "armbe",  "arm64",    "arm64be",   "ppc64",
        "ppc64le", "loong64", "mips",     "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le",
        "ppc",     "riscv",   "riscv64",  "s390",   "s390x",  "sparc",    "sparc64",   "wasm"})
    if (arch == known) return true;
  return false;
}

std::string normalize_os(std::string_view os) {
  if (os.empty()) return host_platform().os;
  std::string out = to_lower(os);
  return out == "macos" ? "darwin" : out;
}

std::pair<std::string, std::string> normalize_arch(std::string_view arch_in, std::string_view variant_in) {
  std::string arch = to_lower(arch_in), variant = to_lower(variant_in);
  if (arch == "i386") {
    arch = "386";
    variant.clear();
  } else if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    arch = "amd64";
    if (variant == "v1") variant.clear();
  } else if (arch == "aarch64" || arch == "arm64") {
    arch = "arm64";
    if (variant == "8" || variant == "v8" || variant == "v8.0")
      variant.clear();
    else if (variant == "9" || variant == "9.0" || variant == "v9.0")
      variant = "v9";
  } else if (arch == "armhf") {
    arch = "arm";
    variant = "v7";
  } else if (arch == "armel") {
    arch = "arm";
    variant = "v6";
  } else if (arch == "arm") {
    if (variant.empty() || variant == "7")
      variant = "v7";
    else if (variant == "5" || variant == "6" || variant == "8")
      variant = "v" + variant;
  }
  return {std::move(arch), std::move(variant)};
}

// url.PathUnescape: every '%' must start a two-digit hex escape; '+' stays '+'.
std::optional<std::string> percent_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// The characters that would otherwise end the version, split features or
// split the specifier; '%' first so escapes are not escaped twice.
std::string encode_os_option(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '%': out += "%25"; break;
      case '+': out += "%2B"; break;
      case '(': out += "%28"; break;
      case ')': out += "%29"; break;
      case '/': out += "%2F"; break;
      default: out += c;
    }
  }
  return out;
}

// containerd's path.Join: empty elements dropped. Unlike path.Join the result
// is not path.Clean'ed, so a "." or ".." architecture stays visible instead of
// collapsing into a string that names no platform.
std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

// Windows container images run only on hosts with the same major.minor and,
// before Windows Server 2022, the same build; from 2022 on (stable ABI) any
// build between the LTSC release the host supports and the host's own build.
struct WindowsVersion {
  unsigned major = 0, minor = 0, build = 0;
  bool empty() const { return major == 0 && minor == 0 && build == 0; }
};

constexpr unsigned kWindowsServer2022 = 20348;

std::optional<unsigned> parse_uint(std::string_view s, unsigned max) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > max) return std::nullopt;
  }
  return static_cast<unsigned>(v);
}

WindowsVersion windows_version(std::string_view v) {
  if (std::count(v.begin(), v.end(), '.') < 2) return {};
  auto next = [&v] {
    auto dot = v.find('.');
    std::string_view field = v.substr(0, dot);
    v = dot == std::string_view::npos ? std::string_view() : v.substr(dot + 1);
    return field;
  };
  auto major = parse_uint(next(), 255), minor = parse_uint(next(), 255), build = parse_uint(next(), 65535);
  if (!major || !minor || !build) return {};
  return {*major, *minor, *build};
}

bool windows_version_match(std::string_view host_version, std::string_view image_version) {
  WindowsVersion host = windows_version(host_version);
  if (host.empty() || image_version.empty()) return true;
  WindowsVersion image = windows_version(image_version);
  if (host.major != image.major || host.minor != image.minor) return false;
  if (host.build < kWindowsServer2022) return host.build == image.build;
  return image.build >= kWindowsServer2022 && image.build <= host.build;
}

// containerd's NewMatcher(want).Match(candidate); `want` is already normalised.
bool matches(const Platform& want, const Platform& candidate) {
  Platform n = normalize(candidate);
  if (want.os != n.os || want.architecture != n.architecture || want.variant != n.variant) return false;
  if (want.os == "windows" && !windows_version_match(want.os_version, candidate.os_version)) return false;
  // The candidate (an image) may only need features the request (the host) has.
  return std::includes(want.os_features.begin(), want.os_features.end(), n.os_features.begin(),
                       n.os_features.end());
}

bool matches_any(const std::vector<Platform>& wants, const Platform& p) {
  return std::any_of(wants.begin(), wants.end(), [&p](const Platform& w) { return matches(w, p); });
}

// Preference follows the first matcher that tells p1 and p2 apart; among equal
// matches the one carrying more os.features wins, and when neither matches the
// two are compared again without their features.
bool ordered_less(const std::vector<Platform>& wants, Platform p1, Platform p2) {
  for (const Platform& w : wants) {
    bool m1 = matches(w, p1), m2 = matches(w, p2);
    if (m1 && !m2) return true;
    if (m1 || m2) return m1 && m2 && p1.os_features.size() > p2.os_features.size();
  }
  if (p1.os_features.empty() && p2.os_features.empty()) return false;
  p1.os_features.clear();
  p2.os_features.clear();
  return ordered_less(wants, std::move(p1), std::move(p2));
}

bool any_less(const std::vector<Platform>& wants, Platform p1, Platform p2) {
  bool m1 = false, m2 = false;
  for (const Platform& w : wants) {
    m1 = m1 || matches(w, p1);
    m2 = m2 || matches(w, p2);
    if (m1 && m2) {
      if (p1.os_features.size() != p2.os_features.size())
        return p1.os_features.size() > p2.os_features.size();
      break;
    }
  }
  if (!m1 && !m2 && (!p1.os_features.empty() || !p2.os_features.empty())) {
    p1.os_features.clear();
    p2.os_features.clear();
    return any_less(wants, std::move(p1), std::move(p2));
  }
  return m1 && !m2;
}

bool os_matches(const Platform& want, const Platform& candidate) {
  Platform n = normalize(candidate);
  if (want.os != n.os) return false;
  if (want.os == "windows" && !windows_version_match(want.os_version, candidate.os_version)) return false;
  return std::includes(want.os_features.begin(), want.os_features.end(), n.os_features.begin(),
                       n.os_features.end());
}

Platform with_arch(const Platform& p, std::string arch, std::string variant) {
  Platform out = p;
  out.architecture = std::move(arch);
  out.variant = std::move(variant);
  return out;
}

// containerd's platformVector, quirks included (a minor version is only read
// from four-character variants such as "v9.6"; v8.x from v9 caps at v8.9).
std::vector<Platform> platform_vector(const Platform& p) {
  std::vector<Platform> out{p};
  if (p.architecture == "amd64") {
    if (auto level = go_atoi(trim_v(p.variant)); level && *level > 1)
      for (int v = *level - 1; v >= 1; --v) out.push_back(with_arch(p, "amd64", "v" + std::to_string(v)));
    out.push_back(with_arch(p, "386", ""));
  } else if (p.architecture == "arm") {
    if (auto level = go_atoi(trim_v(p.variant)); level && *level > 5)
      for (int v = *level - 1; v >= 5; --v) out.push_back(with_arch(p, "arm", "v" + std::to_string(v)));
  } else if (p.architecture == "arm64") {
    std::string variant = p.variant.empty() ? "v8" : p.variant;
    auto dot = variant.find('.');
    std::string_view major_part = std::string_view(variant).substr(0, dot);
    if (auto major = go_atoi(trim_v(major_part)); major && *major >= 8) {
      int minor = 0;
      if (variant.size() == 4 && dot != std::string::npos)
        if (auto m = go_atoi(std::string_view(variant).substr(dot + 1))) minor = *m;
      auto push_down_from = [&](int maj, int below) {
        for (int m = below - 1; m >= 0; --m)
          out.push_back(
              with_arch(p, "arm64", "v" + std::to_string(maj) + (m ? "." + std::to_string(m) : "")));
      };
      int maj = *major;
      if (maj == 9) {
        push_down_from(9, minor);
        // v9.0 branched from v8.5, so v9.x also runs v8.(x+5), up to v8.9.
        minor = std::min(minor + 5, 9);
        maj = 8;
        out.push_back(with_arch(p, "arm64", "v8." + std::to_string(minor)));
      }
      push_down_from(maj, minor);
    }
    // Every arm64 CPU runs 32-bit arm code up to armv8.
    if (variant.starts_with("v8.") || variant.starts_with("v9.")) variant = "v8";
    auto arm = platform_vector(with_arch(p, "arm", variant));
    out.insert(out.end(), arm.begin(), arm.end());
  }
  return out;
}

}  // namespace

Platform parse_platform(std::string_view specifier) {
  auto invalid = [specifier](const std::string& why) {
    return Error("invalid platform " + quote(specifier) + ": " + why);
  };
  if (specifier.empty()) throw invalid("empty, expected " + std::string(kSpecifierSyntax));
  if (specifier.find('*') != std::string_view::npos) throw invalid("wildcards are not supported");

  std::vector<std::string_view> parts;
  for (std::string_view rest = specifier;;) {
    auto slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (parts.size() > 3) throw invalid("too many components, expected " + std::string(kSpecifierSyntax));

  // <os>[(<version>[+<feature>]...)]
  Platform p;
  std::string_view os_part = parts[0];
  size_t name_len = 0;
  while (name_len < os_part.size() && is_os_name_char(os_part[name_len])) ++name_len;
  std::string_view options = os_part.substr(name_len);
  bool options_ok =
      options.empty() || (options.size() >= 2 && options.front() == '(' && options.back() == ')');
  if (name_len == 0 || !options_ok)
    throw invalid("OS component " + quote(os_part) + " must be <os>[(<version>[+<feature>]...)]");
  p.os = normalize_os(os_part.substr(0, name_len));
  if (!options.empty()) {
    options = options.substr(1, options.size() - 2);
    auto plus = options.find('+');
    std::string_view version = options.substr(0, plus);
    auto decode = [&](std::string_view raw, const char* what) {
      if (raw.empty() || !all_of(raw, is_os_option_char))
        throw invalid(std::string(what) + " " + quote(raw) +
                      " must be non-empty and use A-Z a-z 0-9 _ . - %");
      auto decoded = percent_decode(raw);
      if (!decoded) throw invalid(std::string(what) + " " + quote(raw) + " has a malformed %-escape");
      return *decoded;
    };
    if (!version.empty()) p.os_version = decode(version, "OS version");
    for (size_t at = plus; at != std::string_view::npos;) {
      auto end = options.find('+', at + 1);
      p.os_features.push_back(decode(options.substr(at + 1, end - at - 1), "OS feature"));
      at = end;
    }
  }
  for (size_t i = 1; i < parts.size(); ++i)
    if (parts[i].empty() || !all_of(parts[i], is_component_char))
      throw invalid("component " + quote(parts[i]) + " must be non-empty and use A-Z a-z 0-9 _ . -");

  switch (parts.size()) {
    case 1: {
      // A lone word is an OS if it names one (taking the host architecture),
      // otherwise an architecture (taking the host OS).
      if (is_known_os(p.os)) {
        const Platform& host = host_platform();
        p.architecture = host.architecture;
        if (host.architecture == "arm" && host.variant != "v7") p.variant = host.variant;
        return p;
      }
      std::tie(p.architecture, p.variant) = normalize_arch(parts[0], "");
      if (p.architecture == "arm" && p.variant == "v7") p.variant.clear();
      if (!is_known_arch(p.architecture)) throw invalid("unknown operating system or architecture");
      p.os = host_platform().os;
      return p;
    }
    case 2:
      std::tie(p.architecture, p.variant) = normalize_arch(parts[1], "");
      if (p.architecture == "arm" && p.variant == "v7") p.variant.clear();
      return p;
    default:
      std::tie(p.architecture, p.variant) = normalize_arch(parts[1], parts[2]);
      if (p.architecture == "arm64" && p.variant.empty()) p.variant = "v8";
      return p;
  }
}

Platform normalize(Platform p) {
  p.os = normalize_os(p.os);
  std::tie(p.architecture, p.variant) = normalize_arch(p.architecture, p.variant);
  std::sort(p.os_features.begin(), p.os_features.end());
  p.os_features.erase(std::unique(p.os_features.begin(), p.os_features.end()), p.os_features.end());
  return p;
}

std::string format_platform(const Platform& p) {
  if (p.os.empty()) return "unknown";
  return join({p.os, p.architecture, p.variant});
}

std::string format_all(const Platform& p) {
  if (p.os.empty()) return "unknown";
  std::string options = encode_os_option(p.os_version);
  std::vector<std::string> features = p.os_features;
  std::sort(features.begin(), features.end());
  // Empty features would print as "++" or "(+)", which no parser reads back.
  for (const auto& f : features)
    if (!f.empty()) options += "+" + encode_os_option(f);
  if (options.empty()) return join({p.os, p.architecture, p.variant});
  return join({p.os + "(" + options + ")", p.architecture, p.variant});
}

Platform host_platform() {
  static const Platform host = [] {
    Platform p;
    struct utsname u {};
    bool have_uname = ::uname(&u) == 0;
    p.os = have_uname && u.sysname[0] ? to_lower(u.sysname) : "linux";
    p.architecture = !kCompiledArch.empty() ? std::string(kCompiledArch) : have_uname ? u.machine : "";
#if defined(__arm__) && defined(__ARM_ARCH)
    // containerd reads "CPU architecture" from /proc/cpuinfo; the architecture
    // this binary was compiled for is a lower bound the CPU certainly meets.
    p.variant = "v" + std::to_string(__ARM_ARCH);
#endif
    // amd64 stays without a micro-architecture level (newer containerd probes
    // v2/v3/v4): the host platform is also the default build target, and an
    // image labelled amd64/v3 would be skipped by every other amd64 client.
    return normalize(std::move(p));
  }();
  return host;
}

PlatformMatcher::PlatformMatcher(Kind kind, std::vector<Platform> platforms)
    : kind_(kind), platforms_(std::move(platforms)) {
  for (auto& p : platforms_) p = normalize(std::move(p));
}

PlatformMatcher PlatformMatcher::only(const Platform& p) { return ordered(platform_vector(normalize(p))); }

PlatformMatcher PlatformMatcher::only_strict(const Platform& p) { return ordered({p}); }

PlatformMatcher PlatformMatcher::only_os(const Platform& p) { return PlatformMatcher(Kind::only_os, {p}); }

PlatformMatcher PlatformMatcher::ordered(std::vector<Platform> platforms) {
  return PlatformMatcher(Kind::ordered, std::move(platforms));
}

PlatformMatcher PlatformMatcher::any(std::vector<Platform> platforms) {
  return PlatformMatcher(Kind::any, std::move(platforms));
}

bool PlatformMatcher::match(const Platform& p) const {
  if (kind_ == Kind::only_os) return os_matches(platforms_.front(), p);
  return matches_any(platforms_, p);
}

bool PlatformMatcher::less(const Platform& p1, const Platform& p2) const {
  switch (kind_) {
    case Kind::ordered: return ordered_less(platforms_, p1, p2);
    case Kind::any: return any_less(platforms_, p1, p2);
    case Kind::only_os: {
      // OS compatibility first; among compatible ones the requested
      // architecture (exactly, no fallbacks) goes first.
      bool m1 = os_matches(platforms_.front(), p1), m2 = os_matches(platforms_.front(), p2);
      if (m1 != m2) return m1;
      return m1 && ordered_less(platforms_, p1, p2);
    }
  }
  return false;
}

}  // namespace hoist::oci
