#pragma once
// Expansion of one Dockerfile word as BuildKit's frontend/dockerfile/shell
// (lex.go) does it: quotes, escapes, $VAR, ${VAR} and the ${VAR<op>word}
// forms (:- - :+ + :? ? # ## % %% / //), then, for the instructions that take
// a list (EXPOSE, VOLUME, ...), splitting into words. Pure: the variables come
// from an Env, never from the process environment.
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hoist::builder {

// Where expansion looks variables up. Abstract so the later stages can expose
// their own ARG/ENV scopes without copying them into a list.
class Env {
 public:
  virtual ~Env() = default;
  // The value of `name` (case-sensitive), or nullopt when it is unset; a
  // variable set to "" is set.
  virtual std::optional<std::string> get(std::string_view name) const = 0;
};

// An Env over name/value pairs; a later pair overrides an earlier one of the same name.
class EnvList final : public Env {
 public:
  EnvList() = default;
  EnvList(std::initializer_list<std::pair<std::string, std::string>> vars) : vars_(vars) {}
  explicit EnvList(std::vector<std::pair<std::string, std::string>> vars) : vars_(std::move(vars)) {}

  // From "NAME=value" entries, as in a process environment; an entry without
  // '=' sets NAME to "".
  static EnvList from_strings(const std::vector<std::string>& entries);

  void set(std::string name, std::string value);
  std::optional<std::string> get(std::string_view name) const override;
  const std::vector<std::pair<std::string, std::string>>& vars() const { return vars_; }

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

// BuildKit's Lex switches, all off for ordinary instruction arguments.
struct LexOptions {
  // Keep ' and " in the output (RawQuotes).
  bool raw_quotes = false;
  // Keep escape characters in the output (RawEscapes).
  bool raw_escapes = false;
  // ' and " are ordinary characters (SkipProcessQuotes), as in heredoc bodies.
  bool skip_process_quotes = false;
  // A reference to an unset variable stays as written instead of becoming ""
  // (SkipUnsetEnv), so that a later pass with more variables can expand it.
  bool skip_unset_env = false;
};

struct ProcessResult {
  std::string result;
  std::set<std::string> matched;    // variables looked up and found set
  std::set<std::string> unmatched;  // variables looked up and found unset
};

class ShellLex {
 public:
  // `escape` is the Dockerfile's escape character, '\\' or '`' (`# escape=`);
  // throws hoist::Error for anything else.
  explicit ShellLex(char escape = '\\', LexOptions options = {});

  // Expands `word` into one string, keeping the whitespace between words.
  // Throws hoist::Error, described as `failed to process "<word>": <reason>`,
  // on an unterminated quote or ${, an unsupported modifier, an invalid
  // pattern, or a ${VAR?message} / ${VAR:?message} whose VAR is unset / empty.
  ProcessResult process_word(std::string_view word, const Env& env) const;

  // Expands `word` and splits the result on whitespace that came from the
  // text or from a variable's value; quoted or escaped whitespace does not
  // split, and empty words are dropped. Throws as process_word.
  std::vector<std::string> process_words(std::string_view word, const Env& env) const;

  char escape() const { return escape_; }
  const LexOptions& options() const { return options_; }

 private:
  char escape_;
  LexOptions options_;
};

}  // namespace hoist::builder
