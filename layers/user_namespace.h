#pragma once
// Entering a user namespace as an ordinary user. The child unshares it; its
// parent (still in the host's namespace, where the ids are its own) writes
// the map: through the setuid newuidmap/newgidmap for subordinate ranges, or
// directly for the single id, which the kernel allows only with setgroups
// denied. A pipe in each direction keeps the two in step.
#include <sys/types.h>

#include <functional>
#include <string>

#include "common/fd.h"
#include "layers/id_map.h"

namespace hoist::layers {

class UserNamespaceHandshake {
 public:
  // Creates the pipes; construct before fork().
  UserNamespaceHandshake();

  // In the child: unshares the user namespace and returns once the parent
  // has mapped it; the child is then root of it, with every capability
  // there. Throws hoist::Error.
  void child_side();

  // In the parent: waits for the child to unshare and maps `map` into it.
  // Returns false when the child ended first (its own report says why).
  // Throws hoist::Error naming the tool or file that failed; the child
  // then stays blocked until the caller kills it.
  bool parent_side(pid_t child, const IdMap& map);

 private:
  UniqueFd unshared_read_, unshared_write_;
  UniqueFd mapped_read_, mapped_write_;
};

// Runs `child` in a forked process inside a new user namespace mapped with
// `map`, and `parent` meanwhile in this process (e.g. to feed the child
// through a pipe); returns what `child` returned. An error thrown in the
// child is rethrown here as a hoist::Error with the same one-line text. The
// child never outlives the call. `parent` must close whatever the child
// waits on (its end of a pipe) before it returns or throws. `child` runs after fork(): it must not rely
// on other threads of this process.
std::string run_in_user_namespace(const IdMap& map, const std::function<std::string()>& child,
                                  const std::function<void()>& parent = {});

// As run_in_user_namespace, in the user namespace of `map` when given, else
// in a plain child process (as root, to unshare a mount namespace of its own).
std::string run_in_child(const IdMap* map, const std::function<std::string()>& child,
                         const std::function<void()>& parent = {});

// fs::remove_all run inside the user namespace, where the tree's owners
// (subordinate ids) are mapped and the namespace's root may remove them.
void remove_all_in_user_namespace(const IdMap& map, const std::string& path);

}  // namespace hoist::layers
