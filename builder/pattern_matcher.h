#pragma once
// .dockerignore and COPY --exclude patterns, matched as moby/patternmatcher
// matches them for BuildKit: `*` and `?` stop at `/`, `**` crosses
// directories, `[a-z]` / `[^a-z]` classes, `\` escapes, `!` exceptions where
// the last matching pattern wins, and a pattern that matches a directory
// matches everything under it.
//
// Deliberate differences from patternmatcher, all about patterns Docker
// itself mishandles:
// - A leading `/` is dropped (as ignorefile.ReadAll does): paths are relative
//   to the context, so `/foo` means `foo` for COPY --exclude too.
// - An exception body is cleaned again after the `!` (`!./a` means `!a`).
// - Every syntax error, including a reversed range such as `[z-a]`, is
//   reported when the matcher is built; patternmatcher finds the latter only
//   when the pattern is first evaluated.
// - patternmatcher translates patterns into Go regexps, which leaks regexp
//   meaning into a few corners (`\d` is a digit, `[[:alpha:]]` a POSIX class,
//   `*` inside `[...]` breaks the class, `^` outside a class anchors, `**`
//   does not cross a newline). hoist keeps filepath.Match's literal meaning.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hoist::builder {

// Go's path.Clean: collapses `//`, drops `.` elements, resolves `..` against
// the preceding element, drops a trailing `/`; "" becomes ".".
std::string lexical_clean(std::string_view path);

// Go's strings.TrimSpace: strips Unicode White_Space from both ends.
std::string_view trim_space(std::string_view text);

// One cleaned pattern of a PatternMatcher.
class Pattern {
 public:
  // patternmatcher's match types: how the pattern is evaluated. Only `glob`
  // runs the wildcard matcher; the others are plain string comparisons, and
  // the choice is observable (`**file` is a suffix test, so it matches
  // `dir/myfile`).
  enum class Kind { exact, prefix, suffix, glob };

  // The cleaned pattern, without the `!` of an exception.
  const std::string& text() const { return text_; }
  bool exclusion() const { return exclusion_; }
  Kind kind() const { return kind_; }

  // Whether `path` itself matches; parent directories are not considered.
  bool matches(std::string_view path) const;

 private:
  friend class PatternMatcher;
  // Parses `text`; throws hoist::Error naming `original` on a syntax error.
  Pattern(std::string text, bool exclusion, std::string_view original);

  enum class Op : std::uint8_t {
    literal,  // one rune equal to `rune`
    one,      // `?`: one rune other than `/`
    star,     // `*`: any run of runes other than `/`
    dirs,     // `**/` inside a pattern: empty, or anything ending in `/`
    rest,     // `**` at the end of a pattern: anything
    set,      // `[...]`: one rune in ranges_[first, first + count)
    not_set,  // `[^...]`: one rune (`/` included) outside those ranges
  };
  struct Token {
    Op op;
    char32_t rune = 0;
    std::uint32_t first = 0;
    std::uint32_t count = 0;
  };
  struct Range {
    char32_t lo;
    char32_t hi;
  };

  bool glob_matches(std::string_view path) const;

  std::string text_;
  bool exclusion_;
  Kind kind_ = Kind::exact;
  std::vector<Token> tokens_;
  std::vector<Range> ranges_;
};

class PatternMatcher {
 public:
  // Per-pattern results for a directory, handed to its children during a
  // walk (patternmatcher's MatchInfo). Default-constructed means "unknown".
  class MatchInfo {
   public:
    MatchInfo() = default;

   private:
    friend class PatternMatcher;
    std::vector<bool> parent_matched_;
  };
  struct Result {
    bool matched;
    MatchInfo info;
  };

  // Each pattern is trimmed (Go's TrimSpace) and cleaned; empty ones are
  // dropped. Throws hoist::Error naming the pattern when one is malformed
  // or is a bare `!`.
  explicit PatternMatcher(const std::vector<std::string>& patterns);

  // MatchesOrParentMatches on the cleaned `path` (slash-separated, relative
  // to the context): true when the last pattern that matches the path or one
  // of its parent directories is not an exception. "." never matches.
  bool matches(std::string_view path) const;

  // MatchesExact: like matches() but without parent directories or cleaning.
  bool matches_exact(std::string_view path) const;

  // MatchesUsingParentResults, for depth-first walks: `parent` is the info
  // returned for the parent directory of `path` (or default for a top-level
  // path or when unknown; then parents are checked as matches() does).
  // `path` must be clean. Throws hoist::Error if `parent` came from another
  // matcher. Prefer ExcludeWalker, which keeps the parent stack.
  Result matches_using_parent_results(std::string_view path,
                                      const MatchInfo& parent = {}) const;

  // Whether a directory that matched can be left unwalked: no exception
  // pattern could take back anything under it. fsutil's rule: only when no
  // exception has a wildcard before a trailing `/**` or `/*`, and none lies
  // under `dir`.
  bool can_skip_excluded_dir(std::string_view dir) const;

  // Whether any pattern is a `!` exception.
  bool has_exclusions() const { return has_exclusions_; }
  const std::vector<Pattern>& patterns() const { return patterns_; }

 private:
  std::vector<Pattern> patterns_;
  bool has_exclusions_ = false;
  // fsutil's onlyPrefixExcludeExceptions, and each exception's text without
  // a trailing `/**` or `/*`, plus "/": what can_skip_excluded_dir compares.
  bool only_prefix_exceptions_ = true;
  std::vector<std::string> exception_prefixes_;
};

// Decides, entry by entry, what a depth-first walk keeps, the way BuildKit's
// context transfer and COPY --exclude filter a tree (fsutil). Entries must
// come parent first (a directory before anything under it), as clean,
// slash-separated paths relative to the walk's root.
//
// Where an exception re-includes something inside an excluded directory the
// walk descends into that directory; the caller must still create the
// directories above each kept entry. This can differ from
// PatternMatcher::matches() for exceptions that match a parent of an
// excluded directory: the walk is what BuildKit sends.
class ExcludeWalker {
 public:
  enum class Verdict {
    keep,
    exclude,   // leave this entry out; for a directory, still walk its children
    skip_dir,  // leave this directory and everything under it out, unwalked
  };

  explicit ExcludeWalker(const PatternMatcher& matcher) : matcher_(matcher) {}

  Verdict visit(std::string_view path, bool is_dir);

 private:
  struct Dir {
    std::string prefix;  // path + "/"
    PatternMatcher::MatchInfo info;
  };
  const PatternMatcher& matcher_;
  std::vector<Dir> parents_;
};

}  // namespace hoist::builder
