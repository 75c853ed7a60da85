#include "builder/instructions.h"

#include <algorithm>
#include <string>
#include <utility>

#include "builder/bflag.h"
#include "builder/chmod_mode.h"
#include "builder/duration.h"
#include "builder/heredoc.h"
#include "builder/parser_text.h"
#include "builder/suggest.h"
#include "common/error.h"

namespace hoist::builder {

namespace {

// Every function below throws hoist::Error with the bare message; the
// FILE:LINE prefix is added once, by parse_instruction.
[[noreturn]] void fail(std::string message) { throw Error(std::move(message)); }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string at_least_one(std::string_view command) { return std::string(command) + " requires at least one argument"; }
std::string exactly_one(std::string_view command) { return std::string(command) + " requires exactly one argument"; }

// The node's arguments and flags, as BuildKit's parseRequest carries them.
struct Request {
  const Node& node;
  const std::vector<std::string>& args;
  BFlags flags;
  explicit Request(const Node& n) : node(n), args(n.args), flags(n.flags) {}
};

// BuildKit's handleJSONArgs: exec form as is, else the words joined by one space.
std::vector<std::string> json_or_joined(std::vector<std::string>::const_iterator begin,
                                        std::vector<std::string>::const_iterator end, bool json) {
  if (begin == end) return {};
  if (json) return {begin, end};
  std::string joined;
  for (auto it = begin; it != end; ++it) {
    if (it != begin) joined += ' ';
    joined += *it;
  }
  return {joined};
}

CommandLine command_line(const Node& node) {
  return CommandLine{json_or_joined(node.args.begin(), node.args.end(), node.json), !node.json};
}

// ENV and LABEL arrive from the parser as (key, value, separator) triples.
std::vector<KeyValue> key_values(const std::vector<std::string>& args, std::string_view command) {
  if (args.empty()) fail(at_least_one(command));
  if (args.size() % 3 != 0) fail("Bad input to " + std::string(command) + ", too many arguments");
  std::vector<KeyValue> out;
  for (size_t i = 0; i < args.size(); i += 3) {
    if (args[i].empty()) fail(std::string(command) + " names can not be blank");
    out.push_back({args[i], args[i + 1]});
  }
  return out;
}

std::optional<Heredoc> heredoc_word(std::string_view word) {
  // Upstream's MustParseHeredoc: a word whose quotes do not close is not a heredoc.
  try {
    return parse_heredoc(word);
  } catch (const Error&) {
    return std::nullopt;
  }
}

FromCmd parse_from(Request& r) {
  FromCmd from;
  const auto& a = r.args;
  if (a.size() == 3 && upper(a[1]) == "AS") {
    std::string name = a[2];
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    // ^[a-z][a-z0-9-_.]*$ in Go's Perl syntax: the `-` after the range 0-9
    // is a literal, so the class is a-z, 0-9, `-`, `_` and `.`.
    bool ok = !name.empty() && name[0] >= 'a' && name[0] <= 'z';
    for (char c : name) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
    }
    if (!ok) {
      fail("invalid name for build stage: " + text::go_quote(a[2]) +
           ", name can't start with a number or contain symbols");
    }
    from.stage_name = std::move(name);
  } else if (a.size() != 1) {
    fail("FROM requires either one or three arguments");
  }
  BFlags::Flag& platform = r.flags.add_string("platform", "");
  r.flags.parse();
  from.base_name = a[0];
  from.platform = platform.value;
  return from;
}

RunCmd parse_run(Request& r) {
  BFlags::Flag& mount = r.flags.add_strings("mount");
  BFlags::Flag& network = r.flags.add_string("network", "default");
  BFlags::Flag& security = r.flags.add_string("security", "sandbox");
  r.flags.parse();
  RunCmd run;
  run.command = command_line(r.node);
  run.heredocs = r.node.heredocs;  // raw bodies: RUN chomps `<<-` when it writes the file
  run.mounts = mount.values;
  if (network.used) {
    if (network.value != "default" && network.value != "none" && network.value != "host") {
      fail("invalid network mode " + text::go_quote(network.value));
    }
    run.network = network.value;
  }
  if (security.used) {
    if (security.value != "sandbox" && security.value != "insecure") {
      fail("security " + text::go_quote(security.value) + " is not valid");
    }
    run.security = security.value;
  }
  return run;
}

CopyCmd parse_copy(Request& r, bool add) {
  const std::string name = add ? "ADD" : "COPY";
  if (r.args.size() < 2) {
    fail(name + " requires at least two arguments, but only one was provided. Destination could not be determined");
  }
  // Declared in upstream's order, which decides ties between "did you mean" candidates.
  BFlags::Flag& exclude = r.flags.add_strings("exclude");
  BFlags::Flag* parents = add ? nullptr : &r.flags.add_bool("parents", false);
  BFlags::Flag& chown = r.flags.add_string("chown", "");
  BFlags::Flag* from = add ? nullptr : &r.flags.add_string("from", "");
  BFlags::Flag& chmod = r.flags.add_string("chmod", "");
  BFlags::Flag& link = r.flags.add_bool("link", false);
  BFlags::Flag* keep_git_dir = add ? &r.flags.add_bool("keep-git-dir", false) : nullptr;
  BFlags::Flag* checksum = add ? &r.flags.add_string("checksum", "") : nullptr;
  BFlags::Flag* unpack = add ? &r.flags.add_bool("unpack", false) : nullptr;
  r.flags.parse();

  CopyCmd copy;
  copy.add = add;
  copy.dest = r.args.back();
  if (heredoc_word(copy.dest)) fail(name + " cannot accept a heredoc as a destination");
  copy.sources.assign(r.args.begin(), r.args.end() - 1);
  for (const std::string& source : copy.sources) {
    std::optional<Heredoc> doc = heredoc_word(source);
    if (!doc) continue;
    // The body is looked up by name (a repeated name: the last body); a
    // source with no body, as in the JSON form, copies an empty file.
    for (const Heredoc& body : r.node.heredocs) {
      if (body.name == doc->name) doc->content = body.content;
    }
    if (doc->chomp) doc->content = chomp_heredoc_content(doc->content);
    copy.heredocs.push_back(std::move(*doc));
  }

  copy.chown = chown.value;
  copy.chmod = chmod.value;
  // A mode holding a variable is checked by whoever expands it.
  if (!copy.chmod.empty() && copy.chmod.find('$') == std::string::npos && !valid_chmod(copy.chmod)) {
    fail(name + " --chmod: invalid mode " + text::go_quote(copy.chmod));
  }
  copy.link = link.is_true();
  copy.excludes = exclude.values;
  if (!add) {
    copy.from = from->value;
    copy.parents = parents->is_true();
  } else {
    copy.keep_git_dir = keep_git_dir->is_true();
    copy.checksum = checksum->value;
    if (unpack->used) copy.unpack = unpack->is_true();
  }
  return copy;
}

// --interval and friends: Go durations; 0 means "not set", and anything
// else below a millisecond (negative too) is refused.
int64_t interval(const BFlags::Flag& flag) {
  if (flag.value.empty()) return 0;
  int64_t ns = parse_go_duration(flag.value);
  if (ns == 0) return 0;
  if (ns < 1000'000) fail("Interval " + text::go_quote(flag.name) + " cannot be less than 1ms");
  return ns;
}

// Go's strconv.ParseInt(s, 10, 32), messages included.
int parse_retries(const std::string& s) {
  auto syntax = [&] { return Error("strconv.ParseInt: parsing " + text::go_quote(s) + ": invalid syntax"); };
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) throw syntax();
  int64_t value = 0;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') throw syntax();
    if (!overflow) {
      value = value * 10 + (s[i] - '0');
      overflow = value > (int64_t{1} << 31);
    }
  }
  if (negative) value = -value;
  if (overflow || value > INT32_MAX || value < INT32_MIN) {
    fail("strconv.ParseInt: parsing " + text::go_quote(s) + ": value out of range");
  }
  return static_cast<int>(value);
}

HealthcheckCmd parse_healthcheck(Request& r) {
  if (r.args.empty()) fail(at_least_one("HEALTHCHECK"));
  HealthcheckCmd health;
  std::string type = upper(r.args[0]);
  if (type == "NONE") {
    // Upstream never reads the flags of HEALTHCHECK NONE, so they are ignored.
    if (r.args.size() != 1) fail("HEALTHCHECK NONE takes no arguments");
    health.test = {type};
    return health;
  }
  BFlags::Flag& interval_flag = r.flags.add_string("interval", "");
  BFlags::Flag& timeout = r.flags.add_string("timeout", "");
  BFlags::Flag& start_period = r.flags.add_string("start-period", "");
  BFlags::Flag& start_interval = r.flags.add_string("start-interval", "");
  BFlags::Flag& retries = r.flags.add_string("retries", "");
  r.flags.parse();
  if (type != "CMD") fail("Unknown type " + text::go_quote(type) + " in HEALTHCHECK (try CMD)");
  std::vector<std::string> command = json_or_joined(r.args.begin() + 1, r.args.end(), r.node.json);
  if (command.empty()) fail("Missing command after HEALTHCHECK CMD");
  health.test = {r.node.json ? "CMD" : "CMD-SHELL"};
  health.test.insert(health.test.end(), command.begin(), command.end());
  health.interval = interval(interval_flag);
  health.timeout = interval(timeout);
  health.start_period = interval(start_period);
  health.start_interval = interval(start_interval);
  if (!retries.value.empty()) {
    health.retries = parse_retries(retries.value);
    if (health.retries < 0) fail("--retries cannot be negative (" + std::to_string(health.retries) + ")");
  }
  return health;
}

ArgCmd parse_arg(Request& r) {
  // Upstream never reads ARG's flags: they are ignored, not rejected.
  if (r.args.empty()) fail(at_least_one("ARG"));
  ArgCmd arg;
  for (const std::string& word : r.args) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      arg.args.push_back({word, std::nullopt});
      continue;
    }
    if (eq == 0) fail("ARG names can not be blank");
    arg.args.push_back({word.substr(0, eq), word.substr(eq + 1)});
  }
  return arg;
}

OnbuildCmd parse_onbuild(Request& r) {
  if (r.node.children.empty()) fail(at_least_one("ONBUILD"));
  r.flags.parse();
  std::string trigger = upper(r.node.children.front().value);
  if (trigger == "ONBUILD") fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger == "MAINTAINER" || trigger == "FROM") fail(trigger + " isn't allowed as an ONBUILD trigger");

  // The text after `ONBUILD` (regexp `(?i)^\s*ONBUILD\s*`), then each heredoc
  // body and delimiter so the trigger can be parsed again as written.
  auto re_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; };
  std::string_view text = r.node.original;
  size_t pos = 0;
  while (pos < text.size() && re_space(text[pos])) ++pos;
  if (upper(text.substr(pos, 7)) == "ONBUILD") {
    pos += 7;
    while (pos < text.size() && re_space(text[pos])) ++pos;
    text.remove_prefix(pos);
  }
  OnbuildCmd onbuild{std::string(text)};
  for (const Heredoc& doc : r.node.heredocs) onbuild.expression += "\n" + doc.content + doc.name;
  return onbuild;
}

// MAINTAINER, WORKDIR and USER: one argument, checked before the flags.
std::string single(Request& r, std::string_view command) {
  if (r.args.size() != 1) fail(exactly_one(command));
  r.flags.parse();
  return r.args[0];
}

Command dispatch(Request& r, const std::string& keyword) {
  const Node& node = r.node;
  if (keyword == "FROM") return parse_from(r);
  if (keyword == "RUN") return parse_run(r);
  if (keyword == "CMD" || keyword == "ENTRYPOINT") {
    r.flags.parse();
    if (keyword == "CMD") return CmdCmd{command_line(node)};
    return EntrypointCmd{command_line(node)};
  }
  if (keyword == "SHELL") {
    r.flags.parse();
    if (node.args.empty()) fail(at_least_one("SHELL"));
    if (!node.json) fail("SHELL requires the arguments to be in JSON form");
    return ShellCmd{node.args};
  }
  if (keyword == "ENV" || keyword == "LABEL") {
    r.flags.parse();
    if (keyword == "ENV") return EnvCmd{key_values(node.args, "ENV")};
    return LabelCmd{key_values(node.args, "LABEL")};
  }
  if (keyword == "ARG") return parse_arg(r);
  if (keyword == "COPY" || keyword == "ADD") return parse_copy(r, keyword == "ADD");
  if (keyword == "WORKDIR") return WorkdirCmd{single(r, keyword)};
  if (keyword == "USER") return UserCmd{single(r, keyword)};
  if (keyword == "MAINTAINER") return MaintainerCmd{single(r, keyword)};
  if (keyword == "STOPSIGNAL") {
    // Upstream never reads STOPSIGNAL's flags: they are ignored, not rejected.
    if (node.args.size() != 1) fail(exactly_one(keyword));
    return StopSignalCmd{node.args[0]};
  }
  if (keyword == "EXPOSE") {
    if (node.args.empty()) fail(at_least_one(keyword));
    r.flags.parse();
    ExposeCmd expose{node.args};
    std::sort(expose.ports.begin(), expose.ports.end());
    return expose;
  }
  if (keyword == "VOLUME") {
    if (node.args.empty()) fail(at_least_one(keyword));
    r.flags.parse();
    VolumeCmd volume;
    for (const std::string& v : node.args) {
      std::string_view trimmed = text::trim_space(v);
      if (trimmed.empty()) fail("VOLUME specified can not be an empty string");
      volume.volumes.emplace_back(trimmed);
    }
    return volume;
  }
  if (keyword == "HEALTHCHECK") return parse_healthcheck(r);
  // parse_instruction only dispatches known names, and ONBUILD is the one left.
  return parse_onbuild(r);
}

const std::vector<std::string>& instruction_names() {
  static const std::vector<std::string> names = {
      "ADD",  "ARG",        "CMD",   "COPY",  "ENTRYPOINT", "ENV",   "EXPOSE", "FROM",   "HEALTHCHECK",
      "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL",      "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"};
  return names;
}

// The keyword as written: the message quotes it in the user's own case.
std::string written_keyword(const Node& node) {
  std::string_view line = text::trim_space(node.original);
  if (line.empty()) return node.value;
  return std::string(text::split_blanks(line, 2)[0]);
}

}  // namespace

Instruction parse_instruction(const Node& node, std::string_view filename) {
  try {
    const std::string keyword = upper(node.value);
    const auto& names = instruction_names();
    if (std::find(names.begin(), names.end(), keyword) == names.end()) {
      std::string written = written_keyword(node);
      fail(with_suggestion("unknown instruction: " + written, written, names, false));
    }
    Request request(node);
    return Instruction{dispatch(request, keyword), keyword, node.original, node.start_line};
  } catch (const Error& e) {
    throw Error(std::string(filename) + ":" + std::to_string(node.start_line) + ": " + e.message());
  }
}

std::vector<Instruction> parse_instructions(const ParseResult& parsed, std::string_view filename) {
  std::vector<Instruction> out;
  out.reserve(parsed.ast.children.size());
  for (const Node& node : parsed.ast.children) out.push_back(parse_instruction(node, filename));
  return out;
}

}  // namespace hoist::builder
