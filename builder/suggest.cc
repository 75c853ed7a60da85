#include "builder/suggest.h"

#include <algorithm>
#include <numeric>

#include "builder/parser_text.h"

namespace hoist::builder {

namespace {

std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t pos = 0; pos < s.size();) {
    text::Rune r = text::decode_rune(s, pos);
    out.push_back(r.cp);
    pos += r.width;
  }
  return out;
}

// Go's strings.ToLower/ToUpper restricted to ASCII: instruction and flag
// names are ASCII, so only the case test of a non-ASCII value can differ.
std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}
std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<char32_t> x = code_points(a), y = code_points(b);
  std::vector<size_t> row(y.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= x.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= y.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (x[i - 1] == y[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[y.size()];
}

std::optional<std::string> closest_match(std::string_view value, const std::vector<std::string>& options,
                                         bool case_sensitive) {
  std::string val = case_sensitive ? std::string(value) : ascii_lower(value);
  std::optional<std::string> match;
  size_t best = 3;  // upstream keeps HCL's threshold: fewer than three edits
  for (const std::string& option : options) {
    std::string opt = case_sensitive ? option : ascii_lower(option);
    // An exact match means the error was about something else.
    if (opt == val) return std::nullopt;
    size_t d = edit_distance(val, opt);
    if (d < best) {
      best = d;
      if (case_sensitive || value == ascii_lower(value)) {
        match = opt;
      } else if (value == ascii_upper(value)) {
        match = ascii_upper(opt);
      } else {
        match = opt;
      }
    }
  }
  return match;
}

std::string with_suggestion(std::string message, std::string_view value, const std::vector<std::string>& options,
                            bool case_sensitive) {
  if (auto match = closest_match(value, options, case_sensitive)) message += " (did you mean " + *match + "?)";
  return message;
}

}  // namespace hoist::builder
