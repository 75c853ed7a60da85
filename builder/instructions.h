#pragma once
// Typed Dockerfile instructions (BuildKit's frontend/dockerfile/instructions):
// the AST of the parser made into one struct per command, flags validated.
// Nothing is expanded here: words keep their `$VAR`s, which the plan expands
// with the variables in scope at that step.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "builder/dockerfile_parser.h"

namespace hoist::builder {

struct KeyValue {
  std::string key, value;
};

struct FromCmd {
  std::string base_name;   // unexpanded image or stage reference
  std::string stage_name;  // after AS, lower-cased; "" when unnamed
  std::string platform;    // --platform, unexpanded
};

// RUN, CMD and ENTRYPOINT: the exec form (json) or one shell string.
struct CommandLine {
  std::vector<std::string> args;
  bool prepend_shell = false;  // shell form: run as SHELL + [args[0]]
};

struct RunCmd {
  CommandLine command;
  std::vector<std::string> mounts;  // each --mount value, unparsed
  std::string network;              // --network: "", default, none, host
  std::string security;             // --security: "", sandbox, insecure
  std::vector<Heredoc> heredocs;
};
struct CmdCmd {
  CommandLine command;
};
struct EntrypointCmd {
  CommandLine command;
};
struct ShellCmd {
  std::vector<std::string> shell;
};
struct EnvCmd {
  std::vector<KeyValue> env;
};
struct LabelCmd {
  std::vector<KeyValue> labels;
};
struct ArgCmd {
  struct Arg {
    std::string key;
    std::optional<std::string> value;  // default; nullopt when declared without one
  };
  std::vector<Arg> args;
};

// COPY and ADD.
struct CopyCmd {
  bool add = false;
  std::vector<std::string> sources;  // unexpanded; heredoc sources are `<<NAME` words
  std::string dest;
  std::string from;      // --from (COPY only)
  std::string chown;     // --chown
  std::string chmod;     // --chmod, octal or symbolic; validated
  bool link = false;     // --link
  bool parents = false;  // --parents
  std::vector<std::string> excludes;  // --exclude
  std::string checksum;               // --checksum (ADD only)
  bool keep_git_dir = false;          // --keep-git-dir (ADD only)
  std::optional<bool> unpack;         // --unpack (ADD only); nullopt when not given
  // One per heredoc source, in source order: name (the file name), body
  // (`<<-` tabs already removed, as COPY writes it) and whether to expand it.
  std::vector<Heredoc> heredocs;
};

struct WorkdirCmd {
  std::string path;
};
struct UserCmd {
  std::string user;
};
struct ExposeCmd {
  std::vector<std::string> ports;
};
struct VolumeCmd {
  std::vector<std::string> volumes;
};
struct StopSignalCmd {
  std::string signal;
};
struct HealthcheckCmd {
  std::vector<std::string> test;  // ["NONE"], ["CMD", ...] or ["CMD-SHELL", "..."]
  int64_t interval = 0, timeout = 0, start_period = 0, start_interval = 0;  // nanoseconds
  int retries = 0;
};
struct OnbuildCmd {
  std::string expression;  // the nested instruction's text
};
struct MaintainerCmd {
  std::string maintainer;
};

using Command = std::variant<FromCmd, RunCmd, CmdCmd, EntrypointCmd, ShellCmd, EnvCmd, LabelCmd, ArgCmd, CopyCmd,
                             WorkdirCmd, UserCmd, ExposeCmd, VolumeCmd, StopSignalCmd, HealthcheckCmd, OnbuildCmd,
                             MaintainerCmd>;

struct Instruction {
  Command command;
  std::string keyword;   // upper-case, as written in docs: "RUN", "COPY", ...
  std::string original;  // the source text
  int line = 0;          // start line, 1-based
};

// Turns one parsed node into an instruction. Throws hoist::Error as
// "FILENAME:LINE: message": unknown instruction (with a "did you mean"
// suggestion), unknown or malformed flag, wrong argument count, invalid
// --chmod mode, invalid HEALTHCHECK duration, ...
Instruction parse_instruction(const Node& node, std::string_view filename = "Dockerfile");

// Every instruction of a parsed Dockerfile, in order.
std::vector<Instruction> parse_instructions(const ParseResult& parsed, std::string_view filename = "Dockerfile");

}  // namespace hoist::builder
