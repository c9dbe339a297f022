#include "agent/cli/document.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>

#include "absl/strings/str_cat.h"
#include "agent/cli/json_writer.h"

namespace resizelet::cli {
namespace {

constexpr int kMaxYamlDepth = 64;

bool LooksLikeJson(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

// YAML 1.2 core schema for plain scalars (what sigs.k8s.io/yaml resolves to numbers/booleans).
bool IsYamlNumber(const std::string& s) {
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  return std::regex_match(s, kInt) || std::regex_match(s, kFloat);
}

absl::Status AppendNode(const YAML::Node& node, int depth, std::string* out) {
  if (depth > kMaxYamlDepth) return absl::InvalidArgumentError("YAML nested too deeply");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out->append("null");
      return absl::OkStatus();
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "!") {  // quoted: always a string
        JsonWriter::AppendQuoted(s, out);
      } else if (s == "true" || s == "false") {
        out->append(s);
      } else if (s == "null" || s == "~") {
        out->append("null");
      } else if (IsYamlNumber(s)) {
        // JSON has no leading '+', '.5' or '5.': keep the text but make it a valid number.
        std::string n = s[0] == '+' ? s.substr(1) : s;
        if (n[0] == '.') n.insert(0, "0");
        if (n.size() > 1 && n[0] == '-' && n[1] == '.') n.insert(1, "0");
        if (const size_t dot = n.find('.');
            dot != std::string::npos && (dot + 1 == n.size() || !std::isdigit(n[dot + 1]))) {
          n.insert(dot + 1, "0");
        }
        out->append(n);
      } else {
        JsonWriter::AppendQuoted(s, out);
      }
      return absl::OkStatus();
    }
    case YAML::NodeType::Sequence: {
      out->push_back('[');
      bool first = true;
      for (const YAML::Node& item : node) {
        if (!first) out->push_back(',');
        first = false;
        if (absl::Status s = AppendNode(item, depth + 1, out); !s.ok()) return s;
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case YAML::NodeType::Map: {
      out->push_back('{');
      bool first = true;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return absl::InvalidArgumentError("YAML map key is not a string");
        if (!first) out->push_back(',');
        first = false;
        JsonWriter::AppendQuoted(kv.first.Scalar(), out);
        out->push_back(':');
        if (absl::Status s = AppendNode(kv.second, depth + 1, out); !s.ok()) return s;
      }
      out->push_back('}');
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("unknown YAML node");
}

}  // namespace

absl::StatusOr<std::string> ReadFileBounded(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxInputFileBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than ", kMaxInputFileBytes, " bytes"));
    }
  }
  return text;
}

absl::StatusOr<std::string> ToJson(std::string_view text) {
  if (LooksLikeJson(text)) return std::string(text);
  // yaml-cpp throws; nothing escapes this function.
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) return absl::InvalidArgumentError("not a JSON or YAML object");
    std::string out;
    if (absl::Status s = AppendNode(root, 0, &out); !s.ok()) return s;
    return out;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid YAML at line ", e.mark.line + 1, ": ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid YAML: ", e.what()));
  }
}

}  // namespace resizelet::cli
