#pragma once
// Platforms (os/architecture/variant) as containerd/platforms defines them:
// the `--platform` specifier syntax, normalisation, and the matchers that pick
// a manifest out of an image index. Following containerd exactly means a
// `--platform` value selects the same manifest here as in docker/nerdctl/buildkit.
#include <string>
#include <string_view>
#include <vector>

namespace hoist::oci {

struct Platform {
  std::string os, architecture, variant, os_version;
  std::vector<std::string> os_features;
  friend bool operator==(const Platform&, const Platform&) = default;
};

// `<os>|<arch>|<os>/<arch>[/<variant>]`, where <os> may carry
// `(<os.version>[+<os.feature>]...)` with `%`-escapes. A lone <os> takes the
// host architecture, a lone <arch> the host OS. The result is normalised the
// way containerd's Parse does it (arm/v7 written as plain arm, arm64 with an
// explicit variant keeps "v8", os.features left in the given order).
// Throws hoist::Error naming the specifier on invalid input.
Platform parse_platform(std::string_view specifier);

// Canonical form: lower-case os/arch, aliases resolved (aarch64, x86_64,
// armhf, macos, ...), default variants made explicit or dropped as containerd
// does, os.features sorted and de-duplicated.
Platform normalize(Platform p);

// "os/arch[/variant]"; "unknown" when os is empty.
std::string format_platform(const Platform& p);
// Like format_platform but with "(version+feature...)" after the os, escaped
// so parse_platform reads it back unchanged (containerd's FormatAll).
std::string format_all(const Platform& p);

// The platform of this machine, normalised.
Platform host_platform();

// Decides which index entries a platform request accepts (match) and which it
// prefers (less: true when p1 ranks before p2). less is containerd's Less, which
// is not a strict weak order once os.features are involved, so sort with an
// insertion or stable sort, never std::sort.
class PlatformMatcher {
 public:
  // The request plus what it can also run, best first: amd64/vN → v(N-1)…v1,
  // 386; arm/vN → v(N-1)…v5; arm64/v9.x → v9.(x-1)…v9, v8.(x+5)…v8, then
  // arm/v8…v5; arm64/v8.x → v8.(x-1)…v8, then arm/v8…v5.
  static PlatformMatcher only(const Platform& p);
  // The request alone (non-canonical spellings of it still match).
  static PlatformMatcher only_strict(const Platform& p);
  // Same OS, os.version and a subset of os.features, any architecture; the
  // requested architecture sorts first.
  static PlatformMatcher only_os(const Platform& p);
  // Any of the platforms, preferred in the given order.
  static PlatformMatcher ordered(std::vector<Platform> platforms);
  // Any of the platforms, without preference between them.
  static PlatformMatcher any(std::vector<Platform> platforms);

  bool match(const Platform& p) const;
  bool less(const Platform& p1, const Platform& p2) const;

 private:
  enum class Kind { ordered, any, only_os };
  PlatformMatcher(Kind kind, std::vector<Platform> platforms);

  Kind kind_;
  std::vector<Platform> platforms_;  // normalised, in preference order
};

}  // namespace hoist::oci
