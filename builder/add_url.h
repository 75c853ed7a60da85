#pragma once
// ADD's remote sources, as BuildKit's Dockerfile frontend and HTTP source
// treat them: an http(s) URL is downloaded (never extracted) into a file
// named after the last component of the URL's path, mode 0600, its mtime
// the response's Last-Modified (the epoch without one), optionally checked
// against `--checksum`. Git repositories are recognised, not cloned.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "oci/digest.h"
#include "publish/http_client.h"

namespace hoist::builder {

struct UrlDownload {
  std::string path;              // the downloaded file, inside `dir`
  std::string name;              // the file name the copy gives it (url_file_name)
  oci::Digest digest;            // sha256 of the content
  std::optional<int64_t> mtime;  // from Last-Modified, when the server sent one it could parse
};

// Downloads `url` (http or https) through `http` into a new file under
// `dir`, streaming: the body goes to the file and the hashes as it arrives.
// The file is left mode 0600 with its mtime set to `mtime`, or 0 without
// one (as BuildKit leaves it). `checksum` ("sha256:<hex>", also sha384 or
// sha512; "" for none) is checked once the body is in. Throws hoist::Error
// "ADD <url>: ..." (credentials in the URL shown as xxxxx) for a malformed
// checksum (before any request), a git or non-http URL, a transport failure,
// a non-2xx status ("HTTP 404"), or "checksum mismatch: got sha256:…, want
// sha256:…"; nothing is left in `dir` then.
UrlDownload download_for_add(publish::HttpClient& http, const std::string& url, const std::string& checksum,
                             const std::string& dir);

// Whether an ADD source is remote rather than a path in the build context:
// an http:// or https:// URL, or a git repository (is_git_url).
bool is_remote_url(std::string_view source);

// Whether a source is a git repository, which BuildKit clones (hoist does
// not yet): git://… or ssh://…, scp-style user@host:path, or an http(s) URL
// whose path ends in ".git". BuildKit's deprecated bare "github.com/…" form
// is left to the build context.
bool is_git_url(std::string_view source);

// The name BuildKit gives a download: the last component of the URL's path
// (percent-decoded; query and fragment ignored), "__unnamed__" when the path
// has none, "download" when that component cannot be a file name ("..", a
// control character). The Content-Disposition header is not consulted: the
// Dockerfile frontend always names the file itself.
std::string url_file_name(std::string_view url);

// The URL for messages, its password (if any) shown as "xxxxx", as Go's
// url.Redacted (what BuildKit prints).
std::string redact_url(std::string_view url);

// Checks an ADD --checksum value as BuildKit parses it (go-digest):
// "<algorithm>:<lowercase hex>" with sha256, sha384 or sha512 and the hex
// length that algorithm has. Throws hoist::Error "ADD --checksum=<value>:
// ..." otherwise; "" (no checksum) passes.
void validate_add_checksum(std::string_view checksum);

}  // namespace hoist::builder
