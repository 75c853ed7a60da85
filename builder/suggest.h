#pragma once
// "did you mean …?" hints, as BuildKit's util/suggest gives them for unknown
// instructions and unknown flags: the closest option within two edits.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoist::builder {

// Levenshtein distance between two strings, counted in code points
// (insertions, deletions and substitutions all cost 1).
size_t edit_distance(std::string_view a, std::string_view b);

// The option nearest to `value` (distance at most 2; on a tie the earlier
// option wins), or nullopt when none is that close or `value` is itself an
// option. Case-insensitive matching compares lower-cased and answers in the
// case of `value` when that is all lower or all upper case, else lower case.
std::optional<std::string> closest_match(std::string_view value, const std::vector<std::string>& options,
                                         bool case_sensitive);

// `message` plus " (did you mean X?)" when closest_match finds an X.
std::string with_suggestion(std::string message, std::string_view value, const std::vector<std::string>& options,
                            bool case_sensitive);

}  // namespace hoist::builder
