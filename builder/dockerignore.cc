#include "builder/dockerignore.h"

#include <sys/stat.h>

#include <cerrno>

#include "builder/pattern_matcher.h"
#include "common/error.h"

namespace hoist::builder {
namespace {

// True for a regular file (symlinks followed), false when nothing is there.
bool is_ignore_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    throw_sys("stat", path);
  }
  if (!S_ISREG(st.st_mode)) throw Error("ignore file " + path + " is not a regular file");
  return true;
}

}  // namespace

std::vector<std::string> read_ignore_file(std::string_view content) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  std::vector<std::string> patterns;
  bool first = true;
  while (!content.empty()) {
    const size_t eol = content.find('\n');
    std::string_view line = content.substr(0, eol);
    content.remove_prefix(eol == std::string_view::npos ? content.size() : eol + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (first && line.starts_with(kBom)) line.remove_prefix(kBom.size());
    first = false;

    if (line.starts_with('#')) continue;
    std::string_view pattern = trim_space(line);
    if (pattern.empty()) continue;
    const bool invert = pattern.front() == '!';
    if (invert) pattern = trim_space(pattern.substr(1));
    std::string cleaned;
    if (!pattern.empty()) {
      cleaned = lexical_clean(pattern);
      // Absolute paths mean the context root.
      if (cleaned.size() > 1 && cleaned.front() == '/') cleaned.erase(0, 1);
    }
    patterns.push_back(invert ? "!" + cleaned : cleaned);
  }
  return patterns;
}

std::string find_ignore_file(const std::string& context_dir, const std::string& dockerfile_path) {
  if (dockerfile_path != "-") {
    const std::string dockerfile = dockerfile_path.empty() ? context_dir + "/Dockerfile" : dockerfile_path;
    const std::string specific = dockerfile + ".dockerignore";
    if (is_ignore_file(specific)) return specific;
  }
  const std::string shared = context_dir + "/.dockerignore";
  return is_ignore_file(shared) ? shared : "";
}

}  // namespace hoist::builder
