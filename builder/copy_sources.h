#pragma once
// The source side of COPY/ADD: which files a source argument names in the
// build context (or another stage's root filesystem), as BuildKit selects
// them. Paths are relative to the root and cannot leave it; a wildcard is
// matched component by component (`*`, `?`, `[...]` as Go's filepath.Match)
// and its matches come in lexical order; what .dockerignore excludes is not
// there at all.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "builder/pattern_matcher.h"
#include "common/fd.h"
#include "layers/confined_path.h"

namespace hoist::builder {

struct SourceMatch {
  layers::PathParts named;  // as written (cleaned): its last part names the copy, --parents keeps it all
  layers::PathParts real;   // with every symlink followed, inside the root
  struct stat st {};        // of `real`
};

class SourceRoot {
 public:
  // `name` says what the root is in errors ("build context", "stage build");
  // `ignore` (the context's .dockerignore, may be null) must outlive this.
  SourceRoot(const std::string& dir, std::string name, const PatternMatcher* ignore);

  int fd() const { return fd_.get(); }
  const std::string& dir() const { return dir_; }
  const std::string& name() const { return name_; }
  const PatternMatcher* ignore() const { return ignore_; }

  // The files one source argument names. A plain path gives exactly one match
  // or throws hoist::Error naming it (missing, or excluded by .dockerignore);
  // a wildcard gives its matches, possibly none, as BuildKit allows.
  std::vector<SourceMatch> expand(const std::string& source) const;

  // Whether .dockerignore leaves `real` out of the context. A directory with
  // `!` exceptions is kept: what survives under it is decided entry by entry.
  bool ignored(const layers::PathParts& real, bool is_dir) const;

 private:
  bool resolve(const layers::PathParts& named, SourceMatch& out) const;

  std::string dir_;
  std::string name_;
  const PatternMatcher* ignore_;
  UniqueFd fd_;
};

// Whether `path` has an unescaped `*`, `?` or `[`.
bool has_wildcard(std::string_view path);

}  // namespace hoist::builder
