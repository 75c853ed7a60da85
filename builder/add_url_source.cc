#include "builder/add_url_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string_view>

#include "builder/copy_resolve.h"
#include "builder/copy_sources.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/confined_path.h"

namespace hoist::builder {

namespace {

bool is_download(const CopySource& s) { return !s.heredoc && is_remote_url(s.path); }

// As copy_files: a destination names a directory when it ends in `/` or is `.` (or `..`).
bool names_directory(const std::string& dest) {
  if (dest.empty() || dest.back() == '/') return true;
  size_t slash = dest.rfind('/');
  std::string_view last = std::string_view(dest).substr(slash == std::string::npos ? 0 : slash + 1);
  return last == "." || last == "..";
}

// Before any download: what BuildKit's dispatchCopy refuses.
void check_sources(const CopyRequest& request, const std::string& checksum) {
  std::vector<const CopySource*> paths;
  for (const auto& s : request.sources) {
    if (!s.heredoc) paths.push_back(&s);
    if (!is_download(s)) continue;
    if (!request.add) throw Error("source can't be a URL for COPY");
    if (is_git_url(s.path))
      throw Error(request.keyword + " " + redact_url(s.path) + ": git repositories are not supported by this hoist yet");
  }
  if (checksum.empty()) return;
  if (!request.add) throw Error("checksum can't be specified for COPY");
  if (paths.size() != 1) throw Error("checksum can't be specified for multiple sources");
  if (!is_download(*paths[0])) throw Error("checksum can't be specified for non-HTTP(S) sources");
  validate_add_checksum(checksum);
}

// A run of URL sources: files of the scratch directory, copied as ADD copies
// a context file except that an archive stays as it is.
CopyRequest download_run(const CopyRequest& request, const std::string& scratch_dir) {
  CopyRequest run = request;
  run.sources.clear();
  run.add = false;
  run.source_root = scratch_dir;
  run.source_name = "downloads";
  run.from_context = true;  // owned by root or --chown
  run.ignore = nullptr;
  return run;
}

}  // namespace

AddUrlSources download_url_sources(publish::HttpClient& http, const CopyRequest& request, const std::string& checksum,
                                   const std::string& scratch_dir) {
  check_sources(request, checksum);
  AddUrlSources out;
  bool last_was_download = false;
  for (size_t i = 0; i < request.sources.size(); ++i) {
    const CopySource& s = request.sources[i];
    const bool download = is_download(s);
    if (out.requests.empty() || download != last_was_download) {
      out.requests.push_back(download ? download_run(request, scratch_dir) : request);
      if (!download) out.requests.back().sources.clear();
      last_was_download = download;
    }
    if (!download) {
      out.requests.back().sources.push_back(s);
      continue;
    }
    // A directory per source: two URLs may end in the same name.
    const std::string index = std::to_string(i);
    const std::string dir = scratch_dir + "/" + index;
    fs::mkdir_p(dir, 0700);
    UrlDownload d = download_for_add(http, s.path, checksum, dir);
    const std::string named = dir + "/" + d.name;
    if (::rename(d.path.c_str(), named.c_str()) != 0) {
      const int err = errno;
      ::unlink(d.path.c_str());
      throw sys_error("rename", named, err);
    }
    d.path = named;
    // The only file there: a name copy_files would take for a wildcard is
    // matched by one instead, and the copy is still named after it.
    out.requests.back().sources.push_back({index + "/" + (has_wildcard(d.name) ? "*" : d.name), std::nullopt});
    out.downloads.push_back(std::move(d));
  }
  return out;
}

void copy_url_sources(const AddUrlSources& sources, const std::string& image_root, const std::string& layer_dir) {
  if (sources.requests.empty()) throw Error("ADD needs at least one source");
  const CopyRequest& first = sources.requests.front();
  if (sources.requests.size() == 1) {
    copy_files(first, image_root, layer_dir);
    return;
  }
  // Each run alone may have one source: the rule for several is checked
  // here, on the destination as copy_files resolves it in the image.
  const std::string dest = first.dest.starts_with("/") ? first.dest : first.workdir + "/" + first.dest;
  UniqueFd image(::open(image_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!image.valid()) throw_sys("open", image_root);
  const ResolvedPath target = resolve_in_root(image.get(), image_root, layers::clean_path(dest), true);
  const bool image_dir = target.state == ResolvedPath::State::found && S_ISDIR(target.st.st_mode);
  if (!names_directory(first.dest) && !target.parts.empty() && !image_dir &&
      target.state != ResolvedPath::State::blocked) {
    throw Error("When using " + first.keyword +
                " with more than one source file, the destination must be a directory and end with a /: " + first.dest);
  }
  // A later run writes into the destination directory an earlier one made
  // and gave its mtime (the image's): that mtime is put back after it.
  const layers::ConfinedRoot layer(layer_dir);
  for (size_t i = 0; i < sources.requests.size(); ++i) {
    UniqueFd before_fd = i == 0 ? UniqueFd() : layer.open_dir(target.parts, target.parts.size());
    struct stat before {};
    const bool restore = before_fd.valid() && ::fstat(before_fd.get(), &before) == 0;
    copy_files(sources.requests[i], image_root, layer_dir);
    if (!restore) continue;
    UniqueFd dir(::openat(before_fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct timespec times[2] = {before.st_mtim, before.st_mtim};
    if (!dir.valid() || ::futimens(dir.get(), times) != 0)
      throw_sys("utimes", "/" + layers::join_path(target.parts));
  }
}

}  // namespace hoist::builder
