#pragma once
// Short, one-line, printable excerpts of text a server sent (an HTML error
// page from a proxy, a realm URL), fit to quote in a hoist::Error: whatever
// the bytes, the message stays one readable line of bounded length.
#include <cstddef>
#include <string>
#include <string_view>

namespace hoist::publish {

// `text` quoted, runs of whitespace as one space, bytes outside printable
// ASCII as \xNN, cut after `max` characters with "...".
std::string printable_excerpt(std::string_view text, size_t max = 100);

// An error body as a quoted excerpt: an HTML page (by its Content-Type or a
// leading '<') reduced to its text, without tags, scripts and styles; other
// bodies as they are. "" for a body that is empty or only whitespace.
std::string body_excerpt(std::string_view body, std::string_view content_type, size_t max = 100);

}  // namespace hoist::publish
