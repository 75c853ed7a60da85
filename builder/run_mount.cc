#include "builder/run_mount.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "builder/suggest.h"
#include "common/error.h"

namespace hoist::builder {

namespace {

// Thrown inside the parser with BuildKit's text alone; parse_run_mount adds
// the "--mount: " prefix and the spec.
struct Invalid {
  std::string what;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string csv_error(size_t pos, const char* what) {
  return "failed to parse csv mounts: parse error on line 1, column " + std::to_string(pos + 1) + ": " + what;
}

// One CSV record as Go's encoding/csv (and go-csvvalue, which BuildKit now
// uses) reads it: a field may be quoted, with "" for a quote inside; a quote
// anywhere else is an error; a trailing newline is dropped.
std::vector<std::string> csv_fields(std::string_view line) {
  if (line.ends_with("\r\n")) {
    line.remove_suffix(2);
  } else if (line.ends_with('\n')) {
    line.remove_suffix(1);
  }
  if (line.empty()) throw Invalid{"failed to parse csv mounts: EOF"};
  std::vector<std::string> fields;
  size_t pos = 0;
  for (;;) {
    if (pos >= line.size() || line[pos] != '"') {
      size_t comma = line.find(',', pos);
      std::string_view field = line.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
      if (size_t q = field.find('"'); q != std::string_view::npos)
        throw Invalid{csv_error(pos + q, "bare \" in non-quoted-field")};
      fields.emplace_back(field);
      if (comma == std::string_view::npos) return fields;
      pos = comma + 1;
      continue;
    }
    std::string field;
    ++pos;  // the opening quote
    for (;;) {
      size_t q = line.find('"', pos);
      // Reported where the last quote ended, as go-csvvalue does.
      if (q == std::string_view::npos) throw Invalid{csv_error(pos, "extraneous or missing \" in quoted-field")};
      field.append(line.substr(pos, q - pos));
      pos = q + 1;
      if (pos < line.size() && line[pos] == '"') {  // "" is a quote
        field += '"';
        ++pos;
        continue;
      }
      if (pos == line.size()) {
        fields.push_back(std::move(field));
        return fields;
      }
      if (line[pos] != ',') throw Invalid{csv_error(pos - 1, "extraneous or missing \" in quoted-field")};
      ++pos;
      break;
    }
    fields.push_back(std::move(field));
  }
}

// strconv.ParseBool.
std::optional<bool> parse_bool(std::string_view v) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"})
    if (v == t) return true;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"})
    if (v == f) return false;
  return std::nullopt;
}

// strconv.ParseUint(v, base, 32) for base 8 or 10: digits only, no sign, no prefix.
std::optional<uint32_t> parse_uint32(std::string_view v, unsigned base) {
  if (v.empty()) return std::nullopt;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c >= static_cast<char>('0' + base)) return std::nullopt;
    n = n * base + static_cast<unsigned>(c - '0');
    if (n > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  }
  return static_cast<uint32_t>(n);
}

// go-units RAMInBytes: a decimal number, an optional space, then nothing,
// "b", or k/m/g/t/p (powers of 1024) optionally followed by "i", "b" or
// "ib", in any case. Fractions are truncated after scaling ("1.5k" = 1536).
std::optional<uint64_t> ram_in_bytes(std::string_view v) {
  size_t end = 0;
  bool digits = false, dot = false;
  for (; end < v.size(); ++end) {
    char c = v[end];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!digits) return std::nullopt;
  long double number = std::stold(std::string(v.substr(0, end)));
  std::string suffix = lower(v.substr(end));
  if (suffix.starts_with(' ')) suffix.erase(0, 1);
  long double scale = 1;
  if (!suffix.empty() && suffix != "b") {
    const std::string units = "kmgtp";
    size_t power = units.find(suffix[0]);
    if (power == std::string::npos) return std::nullopt;
    std::string rest = suffix.substr(1);
    if (!rest.empty() && rest != "i" && rest != "b" && rest != "ib") return std::nullopt;
    for (size_t i = 0; i <= power; ++i) scale *= 1024;
  }
  long double bytes = number * scale;
  if (bytes >= static_cast<long double>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

// Go's path.Clean: lexical, "" is ".", a rooted path never rises above "/".
std::string clean(std::string_view p) {
  bool rooted = p.starts_with('/');
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= p.size()) {
    size_t slash = p.find('/', pos);
    if (slash == std::string_view::npos) slash = p.size();
    std::string_view part = p.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

// Go's path.Base: the last element, trailing slashes ignored; "" is ".".
std::string base_name(std::string_view p) {
  if (p.empty()) return ".";
  while (p.size() > 1 && p.ends_with('/')) p.remove_suffix(1);
  if (p == "/") return "/";
  size_t slash = p.rfind('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

// BuildKit joins a relative target to the WORKDIR (dockerfile2llb).
std::string absolute_target(std::string_view target, std::string_view workdir) {
  std::string t = clean(target);
  if (t.starts_with('/')) return t;
  return clean("/" + std::string(workdir) + "/" + std::string(target));
}

const std::vector<std::string> kTypes = {"bind", "cache", "tmpfs", "secret", "ssh"};
const std::vector<std::string> kSharing = {"shared", "private", "locked"};
const std::vector<std::string> kKeys = {"type",        "from", "source", "target",    "readonly", "id",  "sharing",
                                        "required",    "size", "mode",   "uid",       "gid",      "src", "dst",
                                        "destination", "ro",   "rw",     "readwrite", "env"};

const char* type_name(RunMount::Type t) { return kTypes[static_cast<size_t>(t)].c_str(); }

bool is_one_of(RunMount::Type t, std::initializer_list<RunMount::Type> types) {
  return std::find(types.begin(), types.end(), t) != types.end();
}

RunMount parse(std::string_view spec, std::string_view workdir, unsigned ssh_index) {
  using Type = RunMount::Type;
  RunMount m;
  bool ro_auto = true;  // neither ro nor rw given: the type decides
  bool sharing_given = false;
  auto bad_value = [](const std::string& key, std::string_view value) {
    return Invalid{"invalid value for " + key + ": " + std::string(value)};
  };
  auto unexpected_for_type = [&](const std::string& key) {
    return Invalid{"unexpected key '" + key + "' for mount type '" + type_name(m.type) + "'"};
  };

  for (const std::string& field : csv_fields(spec)) {
    size_t eq = field.find('=');
    std::string key = lower(std::string_view(field).substr(0, eq));
    if (eq == std::string::npos) {
      if (key == "readonly" || key == "ro") {
        m.readonly = true;
        ro_auto = false;
      } else if (key == "readwrite" || key == "rw") {
        m.readonly = false;
        ro_auto = false;
      } else if (key == "required") {
        if (!is_one_of(m.type, {Type::Secret, Type::Ssh})) throw unexpected_for_type(key);
        m.required = true;
      } else {
        throw Invalid{"invalid field '" + field + "' must be a key=value pair"};
      }
      continue;
    }
    std::string value = field.substr(eq + 1);
    if (key == "type") {
      auto it = std::find(kTypes.begin(), kTypes.end(), lower(value));
      if (it == kTypes.end())
        throw Invalid{with_suggestion("unsupported mount type \"" + value + "\"", value, kTypes, true)};
      m.type = static_cast<Type>(it - kTypes.begin());
    } else if (key == "from") {
      m.from = value;
    } else if (key == "source" || key == "src") {
      m.source = value;
    } else if (key == "target" || key == "dst" || key == "destination") {
      m.target = value;
    } else if (key == "readonly" || key == "ro" || key == "readwrite" || key == "rw") {
      auto b = parse_bool(value);
      if (!b) throw bad_value(key, value);
      m.readonly = (key == "readonly" || key == "ro") ? *b : !*b;
      ro_auto = false;
    } else if (key == "required") {
      if (!is_one_of(m.type, {Type::Secret, Type::Ssh})) throw unexpected_for_type(key);
      auto b = parse_bool(value);
      if (!b) throw bad_value(key, value);
      m.required = *b;
    } else if (key == "size") {
      if (m.type != Type::Tmpfs) throw unexpected_for_type(key);
      auto bytes = ram_in_bytes(value);
      if (!bytes) throw bad_value(key, value);
      // BuildKit passes no size option for 0: the kernel's default applies.
      m.size = *bytes ? bytes : std::nullopt;
    } else if (key == "id") {
      m.id = value;
    } else if (key == "sharing") {
      auto it = std::find(kSharing.begin(), kSharing.end(), lower(value));
      if (it == kSharing.end())
        throw Invalid{with_suggestion("unsupported sharing value \"" + value + "\"", value, kSharing, true)};
      m.sharing = static_cast<RunMount::Sharing>(it - kSharing.begin());
      sharing_given = true;
    } else if (key == "mode" || key == "uid" || key == "gid") {
      auto n = parse_uint32(value, key == "mode" ? 8 : 10);
      if (!n) throw Invalid{"invalid value " + value + " for " + key};
      (key == "mode" ? m.mode : key == "uid" ? m.uid : m.gid) = *n;
    } else if (key == "env") {
      m.env = value;
    } else {
      throw Invalid{with_suggestion("unexpected key '" + key + "' in '" + field + "'", key, kKeys, true)};
    }
  }

  if (!is_one_of(m.type, {Type::Secret, Type::Ssh, Type::Cache})) {
    for (auto [set, name] :
         {std::pair{m.mode.has_value(), "mode"}, {m.uid.has_value(), "uid"}, {m.gid.has_value(), "gid"}})
      if (set) throw Invalid{std::string(name) + " not allowed for \"" + type_name(m.type) + "\" type mounts"};
  }
  if (ro_auto) m.readonly = !is_one_of(m.type, {Type::Cache, Type::Tmpfs});
  if (m.type == Type::Secret) {
    if (!m.from.empty()) throw Invalid{"secret mount should not have a from"};
    if (sharing_given) throw Invalid{"secret mount should not define sharing"};
    if (m.source.empty() && m.target.empty() && m.id.empty())
      throw Invalid{"invalid secret mount. one of source, target required"};
    if (!m.source.empty() && !m.id.empty()) throw Invalid{"both source and id can't be set"};
  }
  if (sharing_given && m.type != Type::Cache)
    throw Invalid{std::string("invalid cache sharing set for ") + type_name(m.type) + " mount"};
  if (m.type == Type::Ssh && !m.source.empty()) throw Invalid{"ssh does not support source"};

  // The defaults dockerfile2llb fills in.
  switch (m.type) {
    case Type::Cache:
      if (m.id.empty()) m.id = clean(m.target);
      break;
    case Type::Secret:
      if (!m.source.empty()) m.id = m.source;
      if (m.id.empty()) m.id = base_name(m.target);
      // With env= alone the secret is a variable and no file. (An empty env=
      // would give BuildKit a nameless variable; here it asks for nothing.)
      if (m.target.empty() && m.env.empty()) m.target = "/run/secrets/" + base_name(m.id);
      break;
    case Type::Ssh:
      if (m.id.empty()) m.id = "default";
      if (m.target.empty()) m.target = "/run/buildkit/ssh_agent." + std::to_string(ssh_index);
      break;
    default:
      break;
  }
  // A secret exposed only as a variable has no target; every other mount
  // has one (an empty target is the WORKDIR itself, as in BuildKit).
  if (!(m.type == Type::Secret && m.target.empty())) {
    bool given = !m.target.empty();
    m.target = absolute_target(m.target, workdir);
    if (m.target == "/")
      throw Invalid{given ? "invalid mount target \"/\"" : "invalid mount target \"/\" (no target given)"};
  }
  return m;
}

}  // namespace

RunMount parse_run_mount(std::string_view spec, std::string_view workdir) {
  try {
    return parse(spec, workdir, 0);
  } catch (const Invalid& e) {
    throw Error("--mount: " + e.what + ": " + std::string(spec));
  }
}

std::vector<RunMount> parse_run_mounts(const std::vector<std::string>& specs, std::string_view workdir) {
  std::vector<RunMount> out;
  unsigned ssh = 0;
  for (const auto& spec : specs) {
    try {
      out.push_back(parse(spec, workdir, ssh));
    } catch (const Invalid& e) {
      throw Error("--mount: " + e.what + ": " + spec);
    }
    if (out.back().type == RunMount::Type::Ssh) ++ssh;
  }
  return out;
}

}  // namespace hoist::builder
