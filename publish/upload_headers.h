#pragma once
// The two headers a blob upload session is steered by (distribution spec,
// "Pushing blobs"): Location, where the next request of the session goes, and
// Range, how many bytes the registry holds.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hoist::publish {

// RFC 3986 §5.2 reference resolution of a Location against the URL of the
// request it answered: absolute, network-path ("//host/p"), absolute-path,
// query-only and relative references; the reference's query is kept (it may
// carry the session state, e.g. distribution's `_state`), fragments dropped.
std::string resolve_url(std::string_view reference, std::string_view base);

// `url` with `name=value` added to its query (after `&` when it has one).
std::string add_query(std::string_view url, std::string_view name, std::string_view value);

// Bytes the registry holds according to a Range header: "0-N" as distribution
// sends it, or "bytes=0-N" as the old API docs spell it, means N+1 bytes.
// "0-0" is sent both for nothing and for one byte, so it means `expected` when
// that is 0 or 1. No header means `expected`. Nothing for a malformed value.
std::optional<int64_t> uploaded_bytes(std::string_view range, int64_t expected);

}  // namespace hoist::publish
