// A small table-driven command-line parser with kubelet-style dashed names (`--node-name`), which
// absl::flags rejects. It records which flags were set, so that flags can override a config file.
//
// Accepted forms: `--name=value`, `--name value`, `-x value` for one-letter names, and `--name`
// alone for boolean flags. `--` ends the flags. Errors name the flag and say what is wrong.
#ifndef RESIZELET_AGENT_CLI_FLAG_SET_H_
#define RESIZELET_AGENT_CLI_FLAG_SET_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace resizelet::cli {

class FlagSet {
 public:
  explicit FlagSet(std::string command) : command_(std::move(command)) {}

  // A string flag. `value_name` appears in the usage (`--pod FILE`).
  void AddString(std::string name, std::string value_name, std::string help, std::string* target);
  // A string flag restricted to `choices`.
  void AddChoice(std::string name, std::initializer_list<std::string_view> choices,
                 std::string help, std::string* target);
  void AddInt(std::string name, std::string value_name, std::string help, int64_t* target);
  void AddBool(std::string name, std::string help, bool* target);

  // Parses `args` (without the program and command names). Returns the positional arguments.
  absl::StatusOr<std::vector<std::string>> Parse(const std::vector<std::string>& args);

  bool WasSet(std::string_view name) const { return set_.count(std::string(name)) > 0; }

  // The flags' usage, one per line, with their defaults as the targets held them when added.
  std::string Usage() const;

 private:
  struct Flag {
    std::string name;
    std::string value_name;  // empty for booleans
    std::string help;
    std::string default_text;
    std::function<absl::Status(std::string_view)> set;
  };
  const Flag* Find(std::string_view name) const;

  std::string command_;
  std::vector<Flag> flags_;
  std::set<std::string> set_;
};

}  // namespace resizelet::cli

#endif  // RESIZELET_AGENT_CLI_FLAG_SET_H_
