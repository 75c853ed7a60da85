#pragma once
// What every `hoist` subcommand shares: global options, the store, and
// turning user-typed names into the full references the store keys on.
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "oci/descriptor.h"
#include "oci/store.h"
#include "publish/credentials.h"
#include "publish/http_client.h"
#include "publish/image_io.h"
#include "publish/reference.h"
#include "publish/registry.h"

namespace hoist::publish {
class RegistrySource;
}

namespace hoist::cli {

struct Globals {
  std::string root;  // --root / HOIST_ROOT
  oci::Store open_store() const;
  // Registry connection flags, as podman/skopeo spell them.
  std::optional<bool> tls_verify;  // --tls-verify[=false]
  std::string cert_dir;            // --cert-dir DIR
  int retry = 3;                   // --retry: attempts after the first, as buildah
  std::string retry_delay = "2s";  // --retry-delay: the first backoff, doubled each time
  std::string stall_timeout = "60s";  // --stall-timeout: under 1 KB/s this long fails the request (retried)
};

// Adds --tls-verify, --cert-dir, --retry, --retry-delay and --stall-timeout to a command that talks to registries.
void add_registry_flags(CLI::App* cmd, Globals& g);


void register_import(CLI::App&, Globals&);
void register_images(CLI::App&, Globals&);
void register_inspect(CLI::App&, Globals&);
void register_rmi(CLI::App&, Globals&);
void register_tag(CLI::App&, Globals&);
void register_save(CLI::App&, Globals&);
void register_export(CLI::App&, Globals&);
void register_prune(CLI::App&, Globals&);
void register_load(CLI::App&, Globals&);
void register_build(CLI::App&, Globals&);
void register_push(CLI::App&, Globals&);
void register_pull(CLI::App&, Globals&);
void register_login(CLI::App&, Globals&);
void register_logout(CLI::App&, Globals&);
void register_copy(CLI::App&, Globals&);
void register_manifest(CLI::App&, Globals&);
void register_fsck(CLI::App&, Globals&);

// A registry reference as typed, with or without skopeo's "docker://".
publish::Reference remote_ref(const std::string& text);
// For an index and a non-empty `platform`, narrows `src` to that platform's manifest; returns the root.
oci::Descriptor narrow_to_platform(publish::RegistrySource& src, const std::string& platform, const std::string& what);

struct RemoteCopyOptions {
  std::string source, destination, platform, progress = "auto";
  bool quiet = false;
};
void add_remote_copy_flags(CLI::App* cmd, RemoteCopyOptions& o);
// Registry to registry, for `copy` and `tag --remote`.
void copy_remote(Globals& g, const RemoteCopyOptions& o);

// A registry host with its own HTTP client (TLS settings are per host).
struct RemoteRegistry {
  std::unique_ptr<publish::HttpClient> http;
  std::unique_ptr<publish::Registry> registry;
};
// Connects to `host` with the credentials stored for it, or `credentials` when given (login).
RemoteRegistry open_registry(const Globals& g, const std::string& host,
                             std::optional<publish::Credentials> credentials = std::nullopt);

// "busybox" -> "docker.io/library/busybox:latest"; throws hoist::Error naming the input.
std::string normalize_ref(const std::string& text);

struct LocalImage {
  std::string ref;  // the full reference it was found under ("" when found by ID)
  oci::Descriptor manifest;
};
// Finds an image in the store by reference, or by (a prefix of) its image ID
// or manifest digest, as `docker inspect` does. Throws when absent or ambiguous.
LocalImage find_image(const oci::Store& store, const std::string& text);

// Pushes `manifest` from the store to `dest` (blobs the registry has skipped,
// others mounted or uploaded, the manifest last) and records where its blobs now are.
// `registry`: dest's registry already open, or null; `already_sent`: see publish::CopyOptions.
publish::CopyStats push_to_registry(const Globals& g, oci::Store& store, const oci::Descriptor& manifest,
                                    const publish::Reference& dest, const std::string& what,
                                    const std::string& progress_mode, bool quiet,
                                    publish::Registry* registry = nullptr,
                                    std::function<bool(const oci::Digest&)> already_sent = {});

// SOURCE_DATE_EPOCH, when set; throws on a malformed value.
std::optional<int64_t> source_date_epoch();

}  // namespace hoist::cli
