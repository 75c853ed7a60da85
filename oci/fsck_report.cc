#include "oci/fsck_report.h"

#include <algorithm>

#include "common/error.h"

namespace hoist::oci {

namespace {

std::string plural(uint64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string done(Finding::Fix fix) {
  switch (fix) {
    case Finding::Fix::Remove: return "removed";
    case Finding::Fix::RemoveMarker: return "marker removed (the layer is unpacked again when needed)";
    case Finding::Fix::Untag: return "tag removed (pull or build the image again)";
    case Finding::Fix::None: break;
  }
  return "";
}

std::string todo(Finding::Fix fix) {
  switch (fix) {
    case Finding::Fix::Remove: return "hoist fsck --repair removes it";
    case Finding::Fix::RemoveMarker: return "hoist fsck --repair removes the marker";
    case Finding::Fix::Untag: return "hoist fsck --repair removes the tag";
    case Finding::Fix::None: break;
  }
  return "fsck cannot repair it";
}

}  // namespace

void Finding::apply(const std::function<void()>& repair) {
  try {
    repair();
    repaired = true;
  } catch (const Error& e) {
    repair_error = e.describe();
  }
}

std::string Finding::line() const {
  std::string s = kind == Kind::Problem ? "problem: " : "leftover: ";
  s += subject + ": " + what + "; ";
  if (repaired) return s + done(fix);
  if (!repair_error.empty()) return s + "repair failed: " + repair_error;
  return s + todo(fix);
}

Finding& FsckReport::add(Finding::Kind kind, std::string subject, std::string what, Finding::Fix fix) {
  Finding f;
  f.kind = kind;
  f.subject = std::move(subject);
  f.what = std::move(what);
  f.fix = fix;
  findings.push_back(std::move(f));
  return findings.back();
}

uint64_t FsckReport::count(Finding::Kind kind) const {
  return static_cast<uint64_t>(
      std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.kind == kind; }));
}

uint64_t FsckReport::repaired(Finding::Kind kind) const {
  return static_cast<uint64_t>(
      std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.kind == kind && f.repaired; }));
}

bool FsckReport::sound() const { return count(Finding::Kind::Problem) == repaired(Finding::Kind::Problem); }

std::string FsckReport::summary() const {
  std::string s = "checked " + plural(blobs, "blob", "blobs") + ", " + plural(tags, "tag", "tags") + ", " +
                  plural(layers, "unpacked layer", "unpacked layers") + ", " +
                  plural(cache_records, "build cache record", "build cache records") + ": ";
  uint64_t problems = count(Finding::Kind::Problem), leftovers = count(Finding::Kind::Leftover);
  if (problems == 0 && leftovers == 0) {
    s += "no problems";
  } else {
    s += plural(problems, "problem", "problems");
    if (uint64_t n = repaired(Finding::Kind::Problem)) s += " (" + std::to_string(n) + " repaired)";
    s += ", " + plural(leftovers, "leftover", "leftovers");
    if (uint64_t n = repaired(Finding::Kind::Leftover)) s += " (" + std::to_string(n) + " removed)";
  }
  if (in_use) s += "; " + plural(in_use, "temp entry", "temp entries") + " of running hoist processes left alone";
  return s;
}

}  // namespace hoist::oci
