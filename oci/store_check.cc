#include "oci/store_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <map>
#include <set>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "common/fs_leftovers.h"
#include "oci/media_types.h"

namespace hoist::oci {

namespace {

using Kind = Finding::Kind;
using Fix = Finding::Fix;

// As Store::prune judges $HOIST_ROOT/tmp: no write takes a day.
constexpr time_t kStaleAge = 24 * 3600;

void remove_path(const CheckOptions& o, const std::string& path) {
  if (o.remove_tree)
    o.remove_tree(path);
  else
    fs::remove_all(path);
}

// The digest of what the open file holds, read to its end through `buf`.
Digest hash_fd(int fd, const std::string& path, std::string& buf) {
  Sha256 sha;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_sys("read", path);
    if (n == 0) break;
    sha.update(buf.data(), static_cast<size_t>(n));
  }
  return sha.finish();
}

// Removes the corrupt blob at `path` unless a writer has meanwhile renamed a
// verified copy over it (another inode): that copy is the repair.
void remove_if_same(const std::string& path, const struct stat& seen) {
  struct stat now;
  if (::lstat(path.c_str(), &now) != 0) {
    if (errno == ENOENT) return;
    throw_sys("stat", path);
  }
  if (now.st_dev != seen.st_dev || now.st_ino != seen.st_ino) return;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_sys("remove", path);
}

// Hashes every entry of blobs/sha256; returns the digests whose files are corrupt.
std::set<Digest> check_blobs(Store& store, const CheckOptions& o, FsckReport& r) {
  std::set<Digest> corrupt;
  std::string buf(1 << 20, '\0');
  std::string dir = store.layout_dir() + "/blobs/sha256";
  for (const auto& name : fs::list_dir(dir)) {
    std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // removed by a prune meanwhile
      throw_sys("stat", path);
    }
    if (!Digest::valid("sha256:" + name) || !S_ISREG(st.st_mode)) {
      // Only blobs are ever renamed in here; prune removes anything else too.
      Finding& f =
          r.add(Kind::Problem, path, "not a blob (a blob is a file named by the sha256 of its bytes)", Fix::Remove);
      if (o.repair) f.apply([&] { remove_path(o, path); });
      continue;
    }
    ++r.blobs;
    Digest want = Digest::from_hex(name);
    std::string what;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) {
      if (errno == ENOENT) continue;
      what = sys_error("open", path, errno).describe();
    } else {
      try {
        if (::fstat(fd.get(), &st) != 0) throw_sys("stat", path);
        Digest got = hash_fd(fd.get(), path, buf);
        if (got != want) what = "content hashes to " + got.str() + " (corrupt)";
      } catch (const Error& e) {
        what = "unreadable: " + e.describe();
      }
    }
    if (what.empty()) continue;
    corrupt.insert(want);
    Finding& f = r.add(Kind::Problem, "blob " + want.str(), what, Fix::Remove);
    if (o.repair) f.apply([&] { remove_if_same(path, st); });
  }
  return corrupt;
}

// What is wrong with the image (or index) of index.json entries, by digest:
// shared manifests are judged once.
class ImageChecker {
 public:
  ImageChecker(const Store& store, const std::set<Digest>& corrupt) : store_(store), corrupt_(corrupt) {}

  std::vector<std::string> problems(const Descriptor& d) {
    std::vector<std::string> out;
    check(d, role_of(d.media_type), 0, out);
    return out;
  }

 private:
  static std::string role_of(const std::string& media_type) {
    if (media::is_index(media_type)) return "index";
    if (media::is_manifest(media_type)) return "manifest";
    return "blob";
  }

  // Present, whole and of the descriptor's size; "" when it is.
  std::string blob_problem(const Descriptor& d, const std::string& role) const {
    std::string name = role + " " + d.digest.str();
    if (corrupt_.count(d.digest)) return name + " is corrupt";
    struct stat st;
    if (::stat(store_.blob_path(d.digest).c_str(), &st) != 0) {
      if (errno == ENOENT) return name + " is missing";
      return name + ": " + sys_error("stat", store_.blob_path(d.digest), errno).describe();
    }
    if (st.st_size != d.size)
      return name + " has " + std::to_string(st.st_size) + " bytes, its descriptor says " + std::to_string(d.size);
    return "";
  }

  void check(const Descriptor& d, const std::string& role, int depth, std::vector<std::string>& out) {
    if (std::string p = blob_problem(d, role); !p.empty()) {
      out.push_back(p);
      return;
    }
    bool index = media::is_index(d.media_type);
    if (!index && !media::is_manifest(d.media_type)) return;
    if (auto it = memo_.find(d.digest); it != memo_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
    std::vector<std::string> found;
    // Content addressing rules out cycles; this only bounds a hostile nesting.
    if (depth > 16) {
      found.push_back(role + " " + d.digest.str() + " nests indexes more than 16 deep");
    } else {
      try {
        std::string bytes = store_.read_blob(d.digest);
        if (index) {
          for (const auto& m : Index::parse(bytes).manifests) check(m, role_of(m.media_type), depth + 1, found);
        } else {
          Manifest m = Manifest::parse(bytes);
          check(m.config, "config", depth + 1, found);
          for (const auto& l : m.layers) check(l, "layer", depth + 1, found);
        }
      } catch (const Error& e) {
        found.push_back(role + " " + d.digest.str() + " cannot be parsed: " + e.describe());
      }
    }
    memo_[d.digest] = found;
    out.insert(out.end(), found.begin(), found.end());
  }

  const Store& store_;
  const std::set<Digest>& corrupt_;
  std::map<Digest, std::vector<std::string>> memo_;
};

void add_leftover(const std::string& path, const std::string& what, const CheckOptions& o, FsckReport& r) {
  Finding& f = r.add(Kind::Leftover, path, what, Fix::Remove);
  if (o.repair) f.apply([&] { remove_path(o, path); });
}

// Made only under the store lock, which the caller holds: a killed tag's.
void check_index_temps(Store& store, const CheckOptions& o, FsckReport& r) {
  for (const auto& name : fs::list_dir(store.layout_dir())) {
    if (!name.starts_with("index.json.") || !fs::is_atomic_write_temp(name)) continue;
    std::string path = store.layout_dir() + "/" + name;
    add_leftover(path, "temp file of an interrupted index.json update", o, r);
  }
}

void check_index(Store& store, const CheckOptions& o, const std::set<Digest>& corrupt, FsckReport& r) {
  try {
    store.list();
  } catch (const Error& e) {
    // Any rewrite would have to guess which tags there were: left to a person.
    r.add(Kind::Problem, store.layout_dir() + "/index.json", e.describe(), Fix::None);
    return;
  }
  ImageChecker images(store, corrupt);
  std::vector<size_t> untagged;  // indexes into r.findings
  store.update_index([&](std::vector<Descriptor>& entries) {
    check_index_temps(store, o, r);
    std::erase_if(entries, [&](const Descriptor& e) {
      ++r.tags;
      auto problems = images.problems(e);
      if (problems.empty()) return false;
      std::string ref = e.annotation(kRefNameAnnotation);
      std::string what = "image " + e.digest.str() + " is incomplete: " + problems.front();
      if (problems.size() > 1) what += " (and " + std::to_string(problems.size() - 1) + " more)";
      r.add(Kind::Problem, ref.empty() ? "index.json entry " + e.digest.str() : "tag " + ref, what, Fix::Untag);
      untagged.push_back(r.findings.size() - 1);
      return o.repair;
    });
    return o.repair && !untagged.empty();
  });
  // Only now is the index without them on disk.
  if (o.repair)
    for (size_t i : untagged) r.findings[i].repaired = true;
}

}  // namespace

void check_store(Store& store, const CheckOptions& o, FsckReport& r) {
  std::set<Digest> corrupt = check_blobs(store, o, r);
  check_index(store, o, corrupt, r);
}

void check_store_temps(const Store& store, const CheckOptions& o, FsckReport& r) {
  std::string tmp = store.root() + "/tmp";
  for (const auto& name : fs::list_dir(tmp)) {
    if (o.writers_stopped)
      add_leftover(tmp + "/" + name, "temp entry of an interrupted hoist process", o, r);
    else
      ++r.in_use;
  }

  time_t cutoff = ::time(nullptr) - kStaleAge;
  std::string sources = store.root() + "/sources";
  for (const auto& name : fs::list_dir(sources)) {
    if (!fs::is_atomic_write_temp(name)) continue;
    std::string path = sources + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // its writer renamed it meanwhile
      throw_sys("stat", path);
    }
    if (st.st_mtime >= cutoff)
      ++r.in_use;
    else
      add_leftover(path, "temp file of an interrupted blob-source record", o, r);
  }
}

}  // namespace hoist::oci
