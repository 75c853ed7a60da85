#pragma once
// The productions of distribution/reference's regexp.go as anchored matchers. They are
// hand-written rather than std::regex because libstdc++'s regex recurses per character and
// can overflow the stack on long hostile input; the grammar is simple enough that every
// production is decided in one linear scan. Exposed for reference.cc and its tests.
#include <optional>
#include <string_view>

namespace hoist::publish::grammar {

// ^domainAndPort$: host (domain-name or [IPv6]) with an optional :port (DomainRegexp).
bool is_domain(std::string_view s);
// ^pathComponent$: [a-z0-9]+ joined by ".", "_", "__" or runs of "-".
bool is_path_component(std::string_view s);
// ^remoteName$: path components joined by "/".
bool is_remote_name(std::string_view s);
// ^[\w][\w.-]{0,127}$
bool is_tag(std::string_view s);
// ^digestPat$: algorithm ":" hex{32,} — the shape only; go-digest rules are applied on top.
bool is_digest(std::string_view s);
// ^[a-f0-9]{64}$: an image ID.
bool is_identifier(std::string_view s);

// anchoredNameRegexp ^(?:(domainAndPort)/)?(remoteName)$. Go's regexp reports leftmost-first
// submatches, so whenever the part before the first "/" can be a domain it is one
// ("a/b" -> domain "a").
struct NameMatch {
  std::string_view domain;
  std::string_view path;
};
std::optional<NameMatch> match_name(std::string_view s);

// referenceRegexp ^(name)(?::(tag))?(?:@(digest))?$.
struct ReferenceMatch {
  std::string_view name;
  std::string_view tag;
  std::string_view digest;
};
std::optional<ReferenceMatch> match_reference(std::string_view s);

}  // namespace hoist::publish::grammar
