#pragma once
// COPY/ADD --chmod values as BuildKit accepts them: octal up to 07777, or a
// symbolic mode in chmod(1) syntax ("u+x", "a=rwx,g-w", "go=u-w", "=rw,+X").
#include <sys/types.h>

#include <string_view>

namespace hoist::builder {

// Whether `mode` is accepted. An octal value is all octal digits ("755",
// "0644", at most 07777); anything starting with a digit is judged as octal.
// A symbolic mode is comma-separated clauses of [ugoa]* followed by one or
// more [+-=][rwxXstugo]*; an empty clause or a trailing comma is rejected.
bool valid_chmod(std::string_view mode);

// The permission bits (07777) a file ends with when `mode`, already accepted
// by valid_chmod, is applied to one whose bits are `perm`. An octal value
// replaces them all. A symbolic mode works as BSD setmode(3) with a umask of
// 0 (a builder must not depend on its own umask): no [ugoa] means all,
// `X` is x for a directory or when any x bit is already set, `s` and `t`
// are ignored for `o` alone, and `u`/`g`/`o` as permissions copy that class.
mode_t apply_chmod(std::string_view mode, mode_t perm, bool is_dir);

}  // namespace hoist::builder
