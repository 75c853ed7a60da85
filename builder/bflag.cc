#include "builder/bflag.h"

#include "builder/suggest.h"
#include "common/error.h"

namespace hoist::builder {

BFlags::Flag& BFlags::add(std::string name, Type type) {
  if (Flag* existing = find(name)) {
    if (setup_error_.empty()) setup_error_ = "Duplicate flag defined: " + name;
    return *existing;
  }
  auto flag = std::make_unique<Flag>();
  flag->name = std::move(name);
  flag->type = type;
  flags_.push_back(std::move(flag));
  return *flags_.back();
}

BFlags::Flag* BFlags::find(std::string_view name) {
  for (auto& flag : flags_) {
    if (flag->name == name) return flag.get();
  }
  return nullptr;
}

BFlags::Flag& BFlags::add_bool(std::string name, bool default_value) {
  Flag& flag = add(std::move(name), Type::kBool);
  flag.value = default_value ? "true" : "false";
  return flag;
}

BFlags::Flag& BFlags::add_string(std::string name, std::string default_value) {
  Flag& flag = add(std::move(name), Type::kString);
  flag.value = std::move(default_value);
  return flag;
}

BFlags::Flag& BFlags::add_strings(std::string name) { return add(std::move(name), Type::kStrings); }

void BFlags::parse() {
  if (!setup_error_.empty()) throw Error("error setting up flags: " + setup_error_);
  for (const std::string& word : args) {
    // POSIX: the first `--` ends the options.
    if (word == "--") return;
    if (word.rfind("--", 0) != 0) throw Error("arg should start with -- : " + word);
    size_t eq = word.find('=');
    bool has_value = eq != std::string::npos;
    std::string flag_name = word.substr(0, eq);
    std::string value = has_value ? word.substr(eq + 1) : "";
    std::string name = flag_name.substr(2);

    Flag* flag = find(name);
    if (flag == nullptr) {
      std::vector<std::string> names;
      for (auto& f : flags_) names.push_back(f->name);
      throw Error(with_suggestion("unknown flag: " + flag_name, name, names, true));
    }
    if (flag->used && flag->type != Type::kStrings) throw Error("duplicate flag specified: " + flag_name);
    if (!flag->used) used_.push_back(name);
    flag->used = true;

    switch (flag->type) {
      case Type::kBool: {
        if (has_value && value.empty()) throw Error("missing a value on flag: " + flag_name);
        std::string lower = value;
        for (char& c : lower) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        if (lower.empty() || lower == "true") {
          flag->value = "true";
        } else if (lower == "false") {
          flag->value = "false";
        } else {
          throw Error("expecting boolean value for flag " + flag_name + ", not: " + value);
        }
        break;
      }
      case Type::kString:
        if (!has_value) throw Error("missing a value on flag: " + flag_name);
        flag->value = value;
        break;
      case Type::kStrings:
        if (!has_value) throw Error("missing a value on flag: " + flag_name);
        flag->values.push_back(value);
        break;
    }
  }
}

}  // namespace hoist::builder
