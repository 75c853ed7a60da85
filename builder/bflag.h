#pragma once
// The leading `--name[=value]` words of an instruction, checked against the
// flags that instruction allows (BuildKit's instructions/bflag.go). Each
// instruction declares its flags, then parse() reads the words once.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hoist::builder {

class BFlags {
 public:
  enum class Type {
    kBool,     // `--x`, `--x=true`, `--x=false` (any case)
    kString,   // `--x=value`; the `=` is required, the value may be empty
    kStrings,  // like kString, and may be repeated: every value is kept
  };

  struct Flag {
    std::string name;  // without the leading `--`
    Type type = Type::kString;
    std::string value;                // kBool: "true" or "false"; kString: the value or the default
    std::vector<std::string> values;  // kStrings: each value given, in order
    bool used = false;                // given on the line
    bool is_true() const { return value == "true"; }
  };

  explicit BFlags(std::vector<std::string> args = {}) : args(std::move(args)) {}

  // Declare a flag. A name declared twice is reported by parse(), as upstream
  // does, and the first declaration is returned. References stay valid for
  // the life of this object.
  Flag& add_bool(std::string name, bool default_value);
  Flag& add_string(std::string name, std::string default_value);
  Flag& add_strings(std::string name);

  // Reads `args`, stopping at a bare `--`. Throws hoist::Error with upstream's
  // bare message: "unknown flag: --x" (with a "did you mean" hint), "duplicate
  // flag specified: --x", "missing a value on flag: --x", "expecting boolean
  // value for flag --x, not: v", "arg should start with -- : w", or "error
  // setting up flags: …" after a repeated declaration.
  void parse();

  // Names of the flags given, in the order first seen.
  std::vector<std::string> used() const { return used_; }

  std::vector<std::string> args;

 private:
  Flag& add(std::string name, Type type);
  Flag* find(std::string_view name);

  std::vector<std::unique_ptr<Flag>> flags_;  // declaration order, which breaks suggestion ties
  std::vector<std::string> used_;
  std::string setup_error_;
};

}  // namespace hoist::builder
