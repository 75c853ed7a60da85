#pragma once
// COPY/ADD --chmod values as BuildKit accepts them: octal up to 07777, or a
// symbolic mode in chmod(1) syntax ("u+x", "a=rwx,g-w", "go=u-w", "=rw,+X").
#include <string_view>

namespace hoist::builder {

// Whether `mode` is accepted. An octal value is all octal digits ("755",
// "0644", at most 07777); anything starting with a digit is judged as octal.
// A symbolic mode is comma-separated clauses of [ugoa]* followed by one or
// more [+-=][rwxXstugo]*; an empty clause or a trailing comma is rejected.
bool valid_chmod(std::string_view mode);

}  // namespace hoist::builder
