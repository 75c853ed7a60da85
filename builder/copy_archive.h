#pragma once
// ADD's local archives: a tar, plain or compressed with gzip, bzip2, xz or
// zstd (the set BuildKit decompresses), is extracted rather than copied.
// What makes a file an archive is its content, as in BuildKit: the first
// tar header must read after decompression; the name does not matter.
#include <string>

namespace hoist::builder {

// Whether the regular file open at `fd` is such an archive. Reads from the
// start and leaves the offset anywhere. Never throws for a file that is not
// an archive; throws hoist::Error naming `what` on a read error.
bool is_tar_archive(int fd, const std::string& what);

// Extracts the archive open at `fd` into the directory `dest` through the
// confined unpacker: no entry lands outside `dest`, owners are the
// archive's. Throws hoist::Error naming `what` and the entry at fault.
void extract_archive(int fd, const std::string& what, const std::string& dest);

}  // namespace hoist::builder
