#include "agent/cli/flag_set.h"

#include <charconv>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace resizelet::cli {

void FlagSet::AddString(std::string name, std::string value_name, std::string help,
                        std::string* target) {
  flags_.push_back({std::move(name), std::move(value_name), std::move(help), *target,
                    [target](std::string_view v) {
                      *target = std::string(v);
                      return absl::OkStatus();
                    }});
}

void FlagSet::AddChoice(std::string name, std::initializer_list<std::string_view> choices,
                        std::string help, std::string* target) {
  std::vector<std::string> options(choices.begin(), choices.end());
  std::string value_name = absl::StrJoin(options, "|");
  flags_.push_back({std::move(name), value_name, std::move(help), *target,
                    [target, options, value_name](std::string_view v) {
                      for (const std::string& o : options) {
                        if (o == v) {
                          *target = o;
                          return absl::OkStatus();
                        }
                      }
                      return absl::InvalidArgumentError(absl::StrCat(
                          "must be one of ", value_name, ", got \"", std::string(v), "\""));
                    }});
}

void FlagSet::AddInt(std::string name, std::string value_name, std::string help, int64_t* target) {
  flags_.push_back({std::move(name), std::move(value_name), std::move(help),
                    std::to_string(*target), [target](std::string_view v) {
                      int64_t parsed = 0;
                      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
                      if (ec != std::errc() || end != v.data() + v.size()) {
                        return absl::InvalidArgumentError(
                            absl::StrCat("not an integer: \"", std::string(v), "\""));
                      }
                      *target = parsed;
                      return absl::OkStatus();
                    }});
}

void FlagSet::AddBool(std::string name, std::string help, bool* target) {
  flags_.push_back({std::move(name), "", std::move(help), *target ? "true" : "false",
                    [target](std::string_view v) {
                      if (v == "true" || v == "1") {
                        *target = true;
                      } else if (v == "false" || v == "0") {
                        *target = false;
                      } else {
                        return absl::InvalidArgumentError(
                            absl::StrCat("must be true or false, got \"", std::string(v), "\""));
                      }
                      return absl::OkStatus();
                    }});
}

const FlagSet::Flag* FlagSet::Find(std::string_view name) const {
  for (const Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::StatusOr<std::vector<std::string>> FlagSet::Parse(const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      positional.insert(positional.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                        args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional.emplace_back(arg);
      continue;
    }
    std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string_view name = body;
    std::optional<std::string_view> value;
    if (const size_t eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
    }
    const Flag* flag = Find(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(command_, ": unknown flag --", std::string(name), " (see --help)"));
    }
    if (!value) {
      if (flag->value_name.empty()) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat(command_, ": flag --", std::string(name),
                                                       " needs a value (", flag->value_name, ")"));
      }
    }
    if (absl::Status s = flag->set(*value); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(command_, ": flag --", std::string(name), ": ", s.message()));
    }
    set_.insert(flag->name);
  }
  return positional;
}

std::string FlagSet::Usage() const {
  std::string out;
  for (const Flag& f : flags_) {
    std::string head = absl::StrCat(f.name.size() == 1 ? "  -" : "  --", f.name);
    if (!f.value_name.empty()) absl::StrAppend(&head, " ", f.value_name);
    if (head.size() < 34) head.resize(34, ' ');
    absl::StrAppend(&out, head, " ", f.help);
    if (!f.default_text.empty() && f.default_text != "false") {
      absl::StrAppend(&out, " (default ", f.default_text, ")");
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace resizelet::cli
