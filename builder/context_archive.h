#pragma once
// A build context given as a tar file (`hoist build ctx.tar`, as `docker
// build - < ctx.tar` takes one): extracted, confined, into a directory that
// the build then uses as its context.
#include <string>

namespace hoist::builder {

// True when `context` names a regular file (a tar) rather than a directory.
bool is_context_archive(const std::string& context);

// Extracts the tar at `archive` (plain, gzip or zstd) into `dest`, an empty
// directory. Names cannot leave `dest`. Throws hoist::Error naming the archive.
void extract_context(const std::string& archive, const std::string& dest);

}  // namespace hoist::builder
