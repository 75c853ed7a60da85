#include "builder/run_mounts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "builder/copy_resolve.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/confined_path.h"

namespace hoist::builder {

namespace {

// The host path of `path` inside `root`, every symlink resolved inside the
// root (the mount must not reach past it), for the sandbox to bind.
std::string confined_host_path(const std::string& root, const std::string& path, const std::string& what) {
  UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", root);
  ResolvedPath r = resolve_in_root(fd.get(), what, layers::clean_path(path), true);
  if (r.state != ResolvedPath::State::found) throw Error(what + ": \"" + path + "\" not found");
  return r.parts.empty() ? root : root + "/" + layers::join_path(r.parts);
}

std::string read_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) throw Error("environment variable " + name + " is not set");
  return v;
}

}  // namespace

std::pair<std::string, SecretSource> parse_secret_flag(const std::string& spec, const std::string& private_dir) {
  return with_context("--secret " + spec, [&] {
    std::string id, src, env, type;
    size_t start = 0;
    while (start <= spec.size()) {
      size_t comma = spec.find(',', start);
      std::string field = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      start = comma == std::string::npos ? spec.size() + 1 : comma + 1;
      auto eq = field.find('=');
      if (eq == std::string::npos) throw Error("field \"" + field + "\" is not KEY=VALUE");
      std::string k = field.substr(0, eq), v = field.substr(eq + 1);
      if (k == "id") id = v;
      else if (k == "src" || k == "source") src = v;
      else if (k == "env") env = v;
      else if (k == "type") type = v;
      else throw Error("unknown key \"" + k + "\"");
    }
    if (id.empty()) throw Error("id= is required");
    if (!type.empty() && type != "file" && type != "env") throw Error("type must be file or env");
    if (type == "env" && env.empty()) env = src.empty() ? id : src;
    if (src.empty() && env.empty()) {
      if (std::getenv(id.c_str())) env = id;
      else src = id;
    }
    if (!env.empty()) {
      std::string value = read_env(env);
      fs::mkdir_p(private_dir, 0700);
      std::string file = private_dir + "/" + std::to_string(std::hash<std::string>{}(id)) + ".secret";
      fs::write_file_atomic(file, value, 0600);
      return std::make_pair(id, SecretSource{file});
    }
    if (!fs::exists(src)) throw Error("file " + src + " not found");
    return std::make_pair(id, SecretSource{src});
  });
}

RunMounts::RunMounts(const std::vector<RunMount>& mounts, const RunMountContext& ctx) {
  size_t secret_count = 0;
  for (const auto& m : mounts) {
    std::string what = "--mount target=" + m.target;
    SandboxMount sm;
    sm.target = m.target;
    switch (m.type) {
      case RunMount::Type::Bind: {
        if (!m.readonly)
          throw Error(what + ": read-write bind mounts are not supported by this hoist yet (writes must not reach the source)");
        std::string root = ctx.context_dir;
        if (!m.from.empty()) {
          auto r = ctx.from_root(m.from);
          if (!r) throw Error(what + ": from=" + m.from + " is supported only for a stage or image of one layer");
          root = *r;
        }
        sm.source = confined_host_path(root, m.source, what);
        sm.readonly = true;
        break;
      }
      case RunMount::Type::Cache: {
        if (!m.from.empty()) throw Error(what + ": a cache seeded from= is not supported by this hoist yet");
        leases_.push_back(CacheMounts(ctx.hoist_root).acquire(m));
        sm.source = leases_.back().path();
        sm.readonly = m.readonly;
        break;
      }
      case RunMount::Type::Tmpfs:
        sm.kind = SandboxMount::Kind::Tmpfs;
        sm.size = m.size;
        break;
      case RunMount::Type::Secret: {
        auto it = ctx.secrets ? ctx.secrets->find(m.id) : decltype(ctx.secrets->end()){};
        if (!ctx.secrets || it == ctx.secrets->end()) {
          if (m.required) throw Error(what + ": secret " + m.id + " is required but was not given (--secret id=" + m.id + ",src=FILE)");
          continue;  // BuildKit skips an optional secret nobody provided
        }
        std::string value = fs::read_file(it->second.file);
        if (!m.env.empty()) env_.push_back(m.env + "=" + value);
        if (m.target.empty()) continue;
        // A private copy with the mode and owner the mount asks for (0400 0:0 by default).
        std::string copy = ctx.step_dir + "/secret-" + std::to_string(secret_count++);
        fs::write_file_atomic(copy, value, m.mode.value_or(0400));
        if (::geteuid() == 0) {
          if (::chown(copy.c_str(), m.uid.value_or(0), m.gid.value_or(0)) != 0) throw_sys("chown", copy);
        } else if (m.uid.value_or(0) != 0 || m.gid.value_or(0) != 0) {
          // Rootless, the copy is the user's own: root of the user namespace, as the default asks.
          throw Error(what + ": a secret owned by another uid/gid is not supported rootless yet");
        }
        sm.source = copy;
        sm.readonly = true;
        break;
      }
      case RunMount::Type::Ssh:
        throw Error(what + ": type=ssh is not supported by this hoist yet");
    }
    mounts_.push_back(std::move(sm));
  }
}

}  // namespace hoist::builder
