#pragma once
// Image references ("[domain[:port]/]path[:tag][@digest]") with the exact semantics of
// github.com/distribution/reference, which docker, containerd and most registries share:
// a name hoist accepts must mean the same image there, and one they reject must fail here.
//
// Parse errors are hoist::Error with one line that names the input, e.g.
//   invalid reference format: repository name must be lowercase: "Foo/bar"
#include <string>
#include <string_view>

namespace hoist::publish {

// One value type for every upstream reference kind; which of tag/digest is set tells them
// apart (name only, tagged, digested, both). A bare image ID from parse_any_reference has
// only `digest`.
struct Reference {
  std::string domain;  // "registry.example.com:5000", "docker.io", or "" (strict parse only)
  std::string path;    // "library/ubuntu": the repository as the registry API names it
  std::string tag;
  std::string digest;  // "sha256:<hex>"

  // domain/path, or just path when there is no domain.
  std::string name() const;
  // name[:tag][@digest]; just the digest for an image ID.
  std::string str() const;
  // Docker UI form of name(): docker.io/library/x -> x, docker.io/u/x -> u/x (FamiliarName).
  std::string familiar() const;
  // familiar()[:tag][@digest] (FamiliarString); used for `docker save` RepoTags.
  std::string familiar_str() const;
  // The <name> of /v2/<name>/... requests.
  const std::string& repository_path() const { return path; }

  friend bool operator==(const Reference&, const Reference&) = default;
};

// reference.Parse: the grammar only, no Docker Hub defaults ("ubuntu" has no domain).
// Digests must be valid sha256 (the only algorithm hoist handles).
Reference parse_reference(std::string_view text);

// reference.ParseNormalizedNamed: fills in docker.io and library/ like `docker pull` does,
// maps index.docker.io to docker.io, and rejects 64-hex strings (those are image IDs).
Reference parse_normalized(std::string_view text);

// reference.ParseNamed: parse_normalized, but only accepts input already in canonical form.
Reference parse_named(std::string_view text);

// reference.ParseDockerRef: parse_normalized plus the default tag; with both a tag and a
// digest only the digest is kept, since the digest is what gets pulled.
Reference parse_docker_ref(std::string_view text);

// reference.ParseAnyReference: a 64-hex image ID or a bare digest gives a digest-only
// Reference; anything else goes through parse_normalized.
Reference parse_any_reference(std::string_view text);

// reference.WithName: a name without tag or digest, not normalised.
Reference with_name(std::string_view name);
// reference.WithTag / WithDigest: replace the tag/digest after checking its syntax. Like
// upstream, with_digest checks only the grammar (algorithm:hex{32,}), not the algorithm.
Reference with_tag(Reference ref, std::string_view tag);
Reference with_digest(Reference ref, std::string_view digest);

// reference.TagNameOnly: adds "latest" when the reference has neither tag nor digest.
Reference with_default_tag(Reference ref);

// reference.FamiliarMatch: Go path.Match of `pattern` against familiar_str(), then against
// familiar() alone. Throws hoist::Error for a malformed pattern.
bool familiar_match(std::string_view pattern, const Reference& ref);

}  // namespace hoist::publish
