#pragma once
// What `hoist fsck` finds in a $HOIST_ROOT, as values. Each check (the store's
// in oci/store_check.h, the unpacked layers' in layers/layer_cache_check.h,
// the builds' in builder/build_state_check.h) adds its findings to one report.
//
// Two kinds, because a SIGKILL at any point is expected and must not look
// like damage:
//  - a problem is content that is wrong or missing: a blob whose bytes do not
//    hash to its name, a tag whose image is incomplete. Nothing hoist does,
//    killed or not, leaves one; the store is not sound until it is repaired.
//  - a leftover is what an interrupted hoist process legitimately leaves: temp
//    files, a layer directory not yet marked complete, a build's scratch
//    directory, a step-cache record of a pruned layer. Harmless (everything
//    that reads the root ignores or replaces them); repair removes them.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hoist::oci {

struct Finding {
  enum class Kind { Problem, Leftover };
  // What repair does about it.
  enum class Fix {
    Remove,        // removes the file or directory named by `subject`
    RemoveMarker,  // removes a layer's completeness marker
    Untag,         // removes the index.json entry of an incomplete image
    None,          // nothing fsck can do safely
  };
  Kind kind = Kind::Problem;
  std::string subject;  // the path, blob digest or tag at fault
  std::string what;     // what is wrong with it
  Fix fix = Fix::None;
  bool repaired = false;
  std::string repair_error;  // why the repair failed, when it did

  // Runs `repair` (which throws hoist::Error when it cannot) and records
  // whether it worked: a repair that fails is reported, not fatal.
  void apply(const std::function<void()>& repair);

  // One line: "problem: <subject>: <what>; <what was or would be done>".
  std::string line() const;
};

struct FsckReport {
  std::vector<Finding> findings;
  // What was checked, for the summary.
  uint64_t blobs = 0, tags = 0, layers = 0, cache_records = 0;
  // Temp entries that may belong to a running hoist process, left alone.
  uint64_t in_use = 0;

  Finding& add(Finding::Kind kind, std::string subject, std::string what, Finding::Fix fix);
  uint64_t count(Finding::Kind kind) const;
  uint64_t repaired(Finding::Kind kind) const;
  // True when no problem is left unrepaired: leftovers do not make a root unsound.
  bool sound() const;
  // "checked N blobs, ...: no problems" or the counts of what was found and repaired.
  std::string summary() const;
};

}  // namespace hoist::oci
