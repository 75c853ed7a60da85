#include "builder/build_plan.h"

#include <algorithm>
#include <functional>
#include <set>

#include "builder/chmod_mode.h"
#include "builder/secret_names.h"
#include "builder/shell_lex.h"
#include "common/error.h"
#include "publish/reference.h"

namespace hoist::builder {

namespace {

// Predefined ARGs a build may set without declaring them (docker's list); they
// never count as unconsumed.
const std::set<std::string> kProxyArgs = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                          "FTP_PROXY",  "ftp_proxy",  "NO_PROXY",    "no_proxy",
                                          "ALL_PROXY",  "all_proxy"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::map<std::string, std::string> platform_args(const PlanOptions& o) {
  std::map<std::string, std::string> m;
  auto add = [&](const std::string& prefix, const oci::Platform& p) {
    m[prefix + "PLATFORM"] = oci::format_platform(p);
    m[prefix + "OS"] = p.os;
    m[prefix + "ARCH"] = p.architecture;
    m[prefix + "VARIANT"] = p.variant;
  };
  add("TARGET", o.target_platform);
  add("BUILD", o.build_platform);
  return m;
}

// The variables a word sees: ENV wins over ARG, as in docker.
class Scope : public Env {
 public:
  std::map<std::string, std::optional<std::string>> args;  // declared ARGs (nullopt: declared, no value)
  std::vector<std::pair<std::string, std::string>> env;    // ENV, in order

  std::optional<std::string> get(std::string_view name) const override {
    for (auto it = env.rbegin(); it != env.rend(); ++it)
      if (it->first == name) return it->second;
    auto a = args.find(std::string(name));
    if (a != args.end()) return a->second;
    return std::nullopt;
  }
  void set_env(const std::string& k, const std::string& v) {
    std::erase_if(env, [&](auto& p) { return p.first == k; });
    env.emplace_back(k, v);
  }
};

struct Planner {
  const ParseResult& parsed;
  const PlanOptions& opts;
  ShellLex lex;
  ShellLex heredoc_lex;  // quotes are ordinary characters in a heredoc body
  std::map<std::string, std::string> builtin;
  std::set<std::string> consumed;
  std::vector<std::string> stage_names;  // every stage's AS name, known before any is planned
  BuildPlan plan;

  Planner(const ParseResult& p, const PlanOptions& o)
      : parsed(p),
        opts(o),
        lex(p.directives.escape),
        heredoc_lex(p.directives.escape, LexOptions{.skip_process_quotes = true}),
        builtin(platform_args(o)) {}

  [[noreturn]] void fail(int line, const std::string& msg) const {
    throw Error(opts.filename + ":" + std::to_string(line) + ": " + msg);
  }

  std::string expand(const std::string& word, const Env& env, int line) const {
    try {
      return lex.process_word(word, env).result;
    } catch (const Error& e) {
      fail(line, e.describe());
    }
  }

  std::vector<std::string> expand_words(const std::string& word, const Env& env, int line) const {
    try {
      return lex.process_words(word, env);
    } catch (const Error& e) {
      fail(line, e.describe());
    }
  }

  // The value an ARG declaration takes: --build-arg, else its default, else
  // (for a name declared before the first FROM) the global value.
  std::optional<std::string> arg_value(const ArgCmd::Arg& a, const Env& scope, const Scope* globals, int line) {
    if (auto it = opts.build_args.find(a.key); it != opts.build_args.end()) {
      consumed.insert(a.key);
      return it->second;
    }
    if (a.value) return expand(*a.value, scope, line);
    if (globals) {
      if (auto it = globals->args.find(a.key); it != globals->args.end()) return it->second;
    }
    if (auto it = builtin.find(a.key); it != builtin.end()) return it->second;
    return std::nullopt;
  }

  // The stage `name` refers to (by AS name or index), or -1 for an image.
  // FROM sees only the stages above it; COPY --from and mounts see them all.
  int find_stage(const std::string& name, int current, bool earlier_only = false) const {
    std::string n = lower(name);
    size_t limit = earlier_only ? static_cast<size_t>(current) : stage_names.size();
    for (size_t i = 0; i < limit; ++i)
      if (!stage_names[i].empty() && stage_names[i] == n) return static_cast<int>(i);
    if (!n.empty() && std::all_of(n.begin(), n.end(), ::isdigit) && n.size() < 6) {
      int i = std::stoi(n);
      if (i < current) return i;
    }
    return -1;
  }

  void build() {
    auto instructions = parse_instructions(parsed, opts.filename);
    // COPY --from may name a stage defined further down.
    for (auto& ins : instructions)
      if (auto* from = std::get_if<FromCmd>(&ins.command)) stage_names.push_back(lower(from->stage_name));
    Scope globals;
    for (auto& [k, v] : builtin) globals.args[k] = v;
    Scope scope;
    PlannedStage* stage = nullptr;
    // Every stage's ENV, for stages built FROM another stage.
    std::vector<std::vector<std::pair<std::string, std::string>>> stage_env;

    for (auto& ins : instructions) {
      if (auto* from = std::get_if<FromCmd>(&ins.command)) {
        if (stage) stage_env.push_back(scope.env);
        PlannedStage s;
        s.index = static_cast<int>(plan.stages.size());
        s.name = lower(from->stage_name);
        s.line = ins.line;
        for (auto& other : plan.stages)
          if (!s.name.empty() && other.name == s.name) fail(ins.line, "duplicate stage name \"" + s.name + "\"");
        s.base = expand(from->base_name, globals, ins.line);
        if (s.base.empty()) fail(ins.line, "FROM requires an image: \"" + from->base_name + "\" expanded to nothing");
        s.platform = from->platform.empty() ? "" : expand(from->platform, globals, ins.line);
        scope = Scope();
        s.base_stage = find_stage(s.base, s.index, true);
        if (s.base_stage >= 0) {
          s.depends_on.push_back(s.base_stage);
          scope.env = stage_env[static_cast<size_t>(s.base_stage)];
        } else if (lower(s.base) != "scratch") {
          try {
            s.base = publish::parse_docker_ref(s.base).str();
          } catch (const Error& e) {
            fail(ins.line, "FROM " + s.base + ": " + e.describe());
          }
        } else {
          s.base = "scratch";
        }
        if (s.base_stage < 0 && opts.base_env)
          for (auto& kv : opts.base_env(s.base, s.platform)) {
            auto eq = kv.find('=');
            if (eq != std::string::npos && eq > 0) scope.set_env(kv.substr(0, eq), kv.substr(eq + 1));
          }
        std::vector<std::string> triggers = onbuild_triggers(s);
        plan.stages.push_back(std::move(s));
        stage = &plan.stages.back();
        run_triggers(triggers, ins.line, scope, globals, *stage);
        continue;
      }
      if (auto* arg = std::get_if<ArgCmd>(&ins.command); arg && !stage) {
        for (auto& a : arg->args) globals.args[a.key] = arg_value(a, globals, nullptr, ins.line);
        continue;
      }
      if (!stage) fail(ins.line, ins.keyword + " before the first FROM: no build stage in current context");
      stage->steps.push_back(step(ins, scope, globals, *stage));
    }
    if (plan.stages.empty()) fail(1, "no FROM instruction: the Dockerfile defines no build stage");
    stage_env.push_back(scope.env);

    plan.target = static_cast<int>(plan.stages.size()) - 1;
    if (!opts.target.empty()) {
      plan.target = -1;
      for (auto& s : plan.stages)
        if (s.name == lower(opts.target)) plan.target = s.index;
      if (plan.target < 0) throw Error("target stage \"" + opts.target + "\" could not be found in " + opts.filename);
    }
    order();
    warn_secret_names();
    warn_unconsumed();
  }

  // What runs right after this FROM: the ONBUILD instructions of the stage
  // it starts from, or the triggers recorded in the image's config.
  std::vector<std::string> onbuild_triggers(const PlannedStage& s) const {
    std::vector<std::string> out;
    if (s.base_stage >= 0) {
      for (const auto& st : plan.stages[static_cast<size_t>(s.base_stage)].steps)
        if (const auto* ob = std::get_if<OnbuildCmd>(&st.instruction.command)) out.push_back(ob->expression);
    } else if (s.base != "scratch" && opts.base_onbuild) {
      out = opts.base_onbuild(s.base, s.platform);
    }
    return out;
  }

  void run_triggers(const std::vector<std::string>& triggers, int line, Scope& scope, const Scope& globals,
                    PlannedStage& stage) {
    for (const auto& t : triggers) {
      std::vector<Instruction> parsed_trigger;
      try {
        parsed_trigger = parse_instructions(parse_dockerfile(t + "\n", opts.filename), opts.filename);
      } catch (const Error& e) {
        fail(line, "ONBUILD trigger \"" + t + "\" of " + stage.base + ": " + e.describe());
      }
      for (auto& ins : parsed_trigger) {
        if (ins.keyword == "FROM" || ins.keyword == "ONBUILD" || ins.keyword == "MAINTAINER")
          fail(line, ins.keyword + " isn't allowed as an ONBUILD trigger (from " + stage.base + ")");
        ins.line = line;
        stage.steps.push_back(step(ins, scope, globals, stage));
      }
    }
  }

  PlannedStep step(const Instruction& ins, Scope& scope, const Scope& globals, PlannedStage& stage) {
    PlannedStep st{ins, ins.command, "", {}};
    int line = ins.line;
    auto x = [&](const std::string& w) { return expand(w, scope, line); };
    auto depend = [&](const std::string& ref) {
      int i = find_stage(ref, stage.index);
      if (i == stage.index || (!stage.name.empty() && lower(ref) == stage.name))
        fail(line, "circular dependency detected on stage: " + (stage.name.empty() ? ref : stage.name));
      if (i >= 0 && std::find(stage.depends_on.begin(), stage.depends_on.end(), i) == stage.depends_on.end())
        stage.depends_on.push_back(i);
    };
    std::visit(
        [&](auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, ArgCmd>) {
            for (auto& a : c.args) {
              auto v = arg_value(a, scope, &globals, line);
              scope.args[a.key] = v;
            }
          } else if constexpr (std::is_same_v<T, EnvCmd>) {
            // Every pair sees the variables as they were before this ENV, as in docker.
            for (auto& kv : c.env) {
              kv.key = x(kv.key);
              kv.value = x(kv.value);
            }
            for (auto& kv : c.env) scope.set_env(kv.key, kv.value);
          } else if constexpr (std::is_same_v<T, LabelCmd>) {
            for (auto& kv : c.labels) {
              kv.key = x(kv.key);
              kv.value = x(kv.value);
            }
          } else if constexpr (std::is_same_v<T, CopyCmd>) {
            for (auto& s : c.sources)
              if (!s.starts_with("<<")) s = x(s);
            c.dest = x(c.dest);
            c.chown = x(c.chown);
            bool chmod_had_vars = c.chmod.find('$') != std::string::npos;
            c.chmod = x(c.chmod);
            // The instruction stage checks literal modes; one built from variables is checked here.
            if (chmod_had_vars && !valid_chmod(c.chmod))
              fail(line, ins.keyword + " --chmod: invalid mode \"" + c.chmod + "\"");
            c.from = x(c.from);
            for (auto& e : c.excludes) e = x(e);
            for (auto& h : c.heredocs) {
              if (!h.expand) continue;
              try {
                h.content = heredoc_lex.process_word(h.content, scope).result;
              } catch (const Error& e) {
                fail(line, e.describe());
              }
            }
            if (!c.from.empty()) depend(c.from);
          } else if constexpr (std::is_same_v<T, RunCmd>) {
            for (auto& m : c.mounts) {
              m = x(m);
              for (auto& field : split(m, ','))
                if (field.starts_with("from=")) depend(field.substr(5));
            }
          } else if constexpr (std::is_same_v<T, WorkdirCmd>) {
            c.path = x(c.path);
          } else if constexpr (std::is_same_v<T, UserCmd>) {
            c.user = x(c.user);
          } else if constexpr (std::is_same_v<T, StopSignalCmd>) {
            c.signal = x(c.signal);
          } else if constexpr (std::is_same_v<T, ExposeCmd>) {
            std::vector<std::string> ports;
            for (auto& p : c.ports)
              for (auto& w : expand_words(p, scope, line)) ports.push_back(w);
            c.ports = ports;
          } else if constexpr (std::is_same_v<T, VolumeCmd>) {
            for (auto& v : c.volumes) v = x(v);
          }
        },
        st.expanded);
    st.display = describe(ins.keyword, st.expanded);
    for (auto& [k, v] : scope.args)
      if (v) st.args.emplace_back(k, *v);
    return st;
  }

  static std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
      if (i == s.size() || s[i] == sep) {
        out.push_back(s.substr(start, i - start));
        start = i + 1;
      }
    }
    return out;
  }

  void order() {
    std::vector<int> state(plan.stages.size(), 0);  // 0 new, 1 visiting, 2 done
    std::function<void(int)> visit = [&](int i) {
      auto& s = plan.stages[static_cast<size_t>(i)];
      if (state[static_cast<size_t>(i)] == 2) return;
      if (state[static_cast<size_t>(i)] == 1)
        fail(s.line, "circular dependency detected on stage: " + (s.name.empty() ? std::to_string(i) : s.name));
      state[static_cast<size_t>(i)] = 1;
      for (int d : s.depends_on) visit(d);
      state[static_cast<size_t>(i)] = 2;
      plan.order.push_back(i);
    };
    visit(plan.target);
  }

  // BuildKit checks the ARG and ENV it dispatches: those of the stages the target needs, in file order.
  void warn_secret_names() {
    std::set<int> built(plan.order.begin(), plan.order.end());
    for (const auto& s : plan.stages) {
      if (!built.count(s.index)) continue;
      for (const auto& st : s.steps) {
        auto warn = [&](const char* instruction, const std::string& name) {
          if (looks_like_secret_name(name))
            plan.warnings.push_back("WARNING: " + secret_name_warning(instruction, name) + " (" + opts.filename + ":" +
                                    std::to_string(st.instruction.line) + ")");
        };
        if (const auto* arg = std::get_if<ArgCmd>(&st.expanded))
          for (const auto& a : arg->args) warn("ARG", a.key);
        if (const auto* env = std::get_if<EnvCmd>(&st.expanded))
          for (const auto& kv : env->env) warn("ENV", kv.key);
      }
    }
  }

  void warn_unconsumed() {
    std::vector<std::string> unused;
    for (auto& [k, _] : opts.build_args)
      if (!consumed.count(k) && !kProxyArgs.count(k)) unused.push_back(k);
    if (unused.empty()) return;
    std::string list;
    for (auto& u : unused) list += (list.empty() ? "" : " ") + u;
    plan.warnings.push_back("[Warning] One or more build-args [" + list + "] were not consumed");
  }
};

std::string quote_if_needed(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t\"'") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string join_words(const std::vector<std::string>& v) {
  std::string out;
  for (auto& w : v) out += (out.empty() ? "" : " ") + quote_if_needed(w);
  return out;
}

std::string command_text(const CommandLine& c) {
  if (c.prepend_shell) return c.args.empty() ? "" : c.args[0];
  std::string out = "[";
  for (size_t i = 0; i < c.args.size(); ++i) out += (i ? ", " : "") + std::string("\"") + c.args[i] + "\"";
  return out + "]";
}

}  // namespace

int stage_index(const BuildPlan& plan, const std::string& name) {
  std::string n = lower(name);
  for (const auto& s : plan.stages)
    if (!s.name.empty() && s.name == n) return s.index;
  if (!n.empty() && n.size() < 6 && std::all_of(n.begin(), n.end(), ::isdigit)) {
    int i = std::stoi(n);
    if (i < static_cast<int>(plan.stages.size())) return i;
  }
  return -1;
}

std::string describe(const std::string& keyword, const Command& cmd) {
  std::string out = keyword;
  auto add = [&](const std::string& s) {
    if (!s.empty()) out += " " + s;
  };
  auto flag = [&](const char* name, const std::string& v) {
    if (!v.empty()) add(std::string("--") + name + "=" + v);
  };
  std::visit(
      [&](auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, FromCmd>) {
          flag("platform", c.platform);
          add(c.base_name);
          if (!c.stage_name.empty()) add("AS " + c.stage_name);
        } else if constexpr (std::is_same_v<T, RunCmd>) {
          for (auto& m : c.mounts) flag("mount", m);
          flag("network", c.network);
          flag("security", c.security);
          add(command_text(c.command));
        } else if constexpr (std::is_same_v<T, CmdCmd> || std::is_same_v<T, EntrypointCmd>) {
          add(command_text(c.command));
        } else if constexpr (std::is_same_v<T, ShellCmd>) {
          add(command_text(CommandLine{c.shell, false}));
        } else if constexpr (std::is_same_v<T, EnvCmd> || std::is_same_v<T, LabelCmd>) {
          const std::vector<KeyValue>* kvs;
          if constexpr (std::is_same_v<T, EnvCmd>) kvs = &c.env;
          else kvs = &c.labels;
          for (auto& kv : *kvs) add(quote_if_needed(kv.key) + "=" + quote_if_needed(kv.value));
        } else if constexpr (std::is_same_v<T, ArgCmd>) {
          for (auto& a : c.args) add(a.key + (a.value ? "=" + quote_if_needed(*a.value) : ""));
        } else if constexpr (std::is_same_v<T, CopyCmd>) {
          flag("from", c.from);
          flag("chown", c.chown);
          flag("chmod", c.chmod);
          if (c.link) add("--link");
          if (c.parents) add("--parents");
          for (auto& e : c.excludes) flag("exclude", e);
          flag("checksum", c.checksum);
          if (c.keep_git_dir) add("--keep-git-dir");
          add(join_words(c.sources));
          add(quote_if_needed(c.dest));
        } else if constexpr (std::is_same_v<T, WorkdirCmd>) {
          add(c.path);
        } else if constexpr (std::is_same_v<T, UserCmd>) {
          add(c.user);
        } else if constexpr (std::is_same_v<T, ExposeCmd>) {
          add(join_words(c.ports));
        } else if constexpr (std::is_same_v<T, VolumeCmd>) {
          add(join_words(c.volumes));
        } else if constexpr (std::is_same_v<T, StopSignalCmd>) {
          add(c.signal);
        } else if constexpr (std::is_same_v<T, HealthcheckCmd>) {
          add(c.test.empty() ? "" : c.test[0] == "NONE" ? "NONE" : "CMD " + join_words({c.test.begin() + 1, c.test.end()}));
        } else if constexpr (std::is_same_v<T, OnbuildCmd>) {
          add(c.expression);
        } else if constexpr (std::is_same_v<T, MaintainerCmd>) {
          add(c.maintainer);
        }
      },
      cmd);
  return out;
}

BuildPlan make_plan(const ParseResult& parsed, const PlanOptions& options) {
  Planner p(parsed, options);
  p.build();
  return std::move(p.plan);
}

}  // namespace hoist::builder
