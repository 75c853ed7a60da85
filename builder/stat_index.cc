#include "builder/stat_index.h"

#include <charconv>
#include <cstdlib>
#include <ctime>
#include <string_view>

#include "common/error.h"
#include "common/fs.h"

namespace hoist::builder {

namespace {

// The file: this header line, then one record per path,
// "<hex digest> <dev> <ino> <size> <mode> <mtime ns> <ctime ns> <path>\0"
// (a path may hold any byte but NUL). Bump the version when that changes:
// an index of another version is simply not used.
constexpr std::string_view kHeader = "hoist-stat-index 1\n";

int64_t ns(const struct timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

// Reads one space-terminated decimal field of a record; false when malformed.
template <typename T>
bool number(std::string_view& in, T& out) {
  size_t sp = in.find(' ');
  if (sp == std::string_view::npos) return false;
  auto [end, ec] = std::from_chars(in.data(), in.data() + sp, out);
  if (ec != std::errc() || end != in.data() + sp) return false;
  in.remove_prefix(sp + 1);
  return true;
}

}  // namespace

std::string context_index_file(const std::string& hoist_root, const std::string& context_dir) {
  char* real = ::realpath(context_dir.c_str(), nullptr);
  if (!real) throw_sys("resolve", context_dir);
  std::string abs = real;
  std::free(real);
  return hoist_root + "/cache/context-index/" + std::string(oci::Digest::of(abs).hex());
}

StatIndex::StatIndex(std::string file, size_t max_entries) : file_(std::move(file)), max_entries_(max_entries) {}

StatIndex::Entry StatIndex::key_of(const struct stat& st) {
  Entry e;
  e.dev = st.st_dev;
  e.ino = st.st_ino;
  e.size = static_cast<uint64_t>(st.st_size);
  e.mode = st.st_mode;
  e.mtime_ns = ns(st.st_mtim);
  e.ctime_ns = ns(st.st_ctim);
  return e;
}

bool StatIndex::same(const Entry& a, const Entry& b) {
  return a.dev == b.dev && a.ino == b.ino && a.size == b.size && a.mode == b.mode && a.mtime_ns == b.mtime_ns &&
         a.ctime_ns == b.ctime_ns;
}

bool StatIndex::settled(const struct stat& st, const struct timespec& read_start) {
  return ns(st.st_ctim) < ns(read_start);
}

void StatIndex::load() {
  if (loaded_) return;
  loaded_ = true;
  if (!fs::exists(file_)) return;
  std::string bytes;
  try {
    bytes = fs::read_file(file_);
  } catch (const Error&) {
    return;  // unreadable: start empty, save() replaces it
  }
  std::string_view in = bytes;
  if (!in.starts_with(kHeader)) return;
  in.remove_prefix(kHeader.size());
  std::unordered_map<std::string, Entry> parsed;
  while (!in.empty()) {
    Entry e;
    size_t sp = in.find(' ');
    if (sp == std::string_view::npos || !oci::Digest::valid("sha256:" + std::string(in.substr(0, sp)))) return;
    e.digest = oci::Digest::from_hex(in.substr(0, sp));
    in.remove_prefix(sp + 1);
    if (!number(in, e.dev) || !number(in, e.ino) || !number(in, e.size) || !number(in, e.mode) ||
        !number(in, e.mtime_ns) || !number(in, e.ctime_ns))
      return;
    size_t nul = in.find('\0');
    if (nul == std::string_view::npos || nul == 0) return;
    parsed.insert_or_assign(std::string(in.substr(0, nul)), std::move(e));
    in.remove_prefix(nul + 1);
  }
  entries_ = std::move(parsed);
}

std::optional<oci::Digest> StatIndex::lookup(const std::string& path, const struct stat& st) {
  load();
  auto it = entries_.find(path);
  if (it == entries_.end() || !same(it->second, key_of(st))) return std::nullopt;
  it->second.used = true;
  return it->second.digest;
}

void StatIndex::store(const std::string& path, const struct stat& st, const oci::Digest& digest) {
  load();
  Entry e = key_of(st);
  e.digest = digest;
  e.used = true;
  entries_.insert_or_assign(path, std::move(e));
  dirty_ = true;
}

size_t StatIndex::size() {
  load();
  return entries_.size();
}

void StatIndex::save() {
  if (!loaded_) return;
  if (entries_.size() > max_entries_) {
    std::erase_if(entries_, [](const auto& kv) { return !kv.second.used; });
    dirty_ = true;
  }
  if (!dirty_) return;
  std::string out(kHeader);
  out.reserve(entries_.size() * 160);
  for (const auto& [path, e] : entries_) {
    out += e.digest.hex();
    for (uint64_t v : {e.dev, e.ino, e.size, e.mode}) {
      out += ' ';
      out += std::to_string(v);
    }
    for (int64_t v : {e.mtime_ns, e.ctime_ns}) {
      out += ' ';
      out += std::to_string(v);
    }
    out += ' ';
    out += path;
    out += '\0';
  }
  with_context("saving the build context index " + file_, [&] {
    fs::mkdir_p(file_.substr(0, file_.rfind('/')));
    fs::write_file_atomic(file_, out, 0600);
  });
  dirty_ = false;
}

}  // namespace hoist::builder
