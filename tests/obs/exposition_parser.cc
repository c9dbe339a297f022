#include "tests/obs/exposition_parser.h"

#include <cmath>
#include <cstdlib>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"

namespace resizelet::obs::testing {
namespace {

bool IsNameChar(char c, bool first, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
         (!first && c >= '0' && c <= '9');
}

absl::StatusOr<double> ParseValue(const std::string& s) {
  if (s == "+Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  if (s == "NaN") return NAN;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || s.find_first_of("iInN") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("bad value \"", s, "\""));
  }
  return v;
}

struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value;
};

absl::StatusOr<Sample> ParseSample(const std::string& line) {
  Sample s;
  size_t i = 0;
  while (i < line.size() && IsNameChar(line[i], i == 0, true)) ++i;
  if (i == 0) return absl::InvalidArgumentError("bad metric name");
  s.name = line.substr(0, i);
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      size_t start = i;
      while (i < line.size() && IsNameChar(line[i], i == start, false)) ++i;
      if (i == start) return absl::InvalidArgumentError("bad label name");
      std::string label = line.substr(start, i - start);
      if (line.compare(i, 2, "=\"") != 0) return absl::InvalidArgumentError("expected =\"");
      i += 2;
      std::string value;
      while (true) {
        if (i >= line.size()) return absl::InvalidArgumentError("unterminated label value");
        char c = line[i++];
        if (c == '"') break;
        if (c == '\\') {
          if (i >= line.size()) return absl::InvalidArgumentError("dangling escape");
          char e = line[i++];
          if (e == 'n') {
            value += '\n';
          } else if (e == '\\' || e == '"') {
            value += e;
          } else {
            return absl::InvalidArgumentError("bad escape in label value");
          }
        } else {
          value += c;
        }
      }
      for (const auto& [l, v] : s.labels) {
        if (l == label) return absl::InvalidArgumentError("repeated label");
      }
      s.labels.emplace_back(label, value);
      if (i < line.size() && line[i] == ',') {
        ++i;
      } else if (i >= line.size() || line[i] != '}') {
        return absl::InvalidArgumentError("expected , or }");
      }
    }
  }
  if (i >= line.size() || line[i] != ' ') return absl::InvalidArgumentError("expected space");
  std::string rest = line.substr(i + 1);
  if (rest.find(' ') != std::string::npos) {
    return absl::InvalidArgumentError("timestamps are not expected");
  }
  auto v = ParseValue(rest);
  if (!v.ok()) return v.status();
  s.value = *v;
  return s;
}

std::string Canonical(const std::string& name,
                      const std::vector<std::pair<std::string, std::string>>& labels) {
  if (labels.empty()) return name;
  std::string out = name + "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", labels[i].first, "=\"", labels[i].second, "\"");
  }
  return out + "}";
}

}  // namespace

absl::StatusOr<Exposition> ParseExposition(const std::string& text) {
  Exposition exp;
  if (!text.empty() && text.back() != '\n') {
    return absl::InvalidArgumentError("exposition must end with a newline");
  }
  std::string family;  // the family of the last TYPE line
  // Histogram bookkeeping per series (labels without le).
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;
  std::map<std::string, double> counts;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    auto fail = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_no, ": ", why, ": ", line));
    };
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::string rest = line.substr(7);
      size_t sp = rest.find(' ');
      if (sp == std::string::npos) return fail("missing text");
      std::string name = rest.substr(0, sp);
      std::string arg = rest.substr(sp + 1);
      if (line[2] == 'H') {
        if (exp.help.count(name)) return fail("second HELP");
        std::string help;
        for (size_t i = 0; i < arg.size(); ++i) {
          if (arg[i] == '\\') {
            if (i + 1 >= arg.size()) return fail("dangling escape");
            char e = arg[++i];
            if (e == 'n') {
              help += '\n';
            } else if (e == '\\') {
              help += '\\';
            } else {
              return fail("bad escape in HELP");
            }
          } else {
            help += arg[i];
          }
        }
        exp.help[name] = help;
      } else {
        if (exp.type.count(name)) return fail("second TYPE");
        if (arg != "counter" && arg != "gauge" && arg != "histogram") return fail("bad type");
        exp.type[name] = arg;
        family = name;
      }
      continue;
    }
    if (line[0] == '#') continue;
    auto sample = ParseSample(line);
    if (!sample.ok()) return fail(std::string(sample.status().message()));
    if (family.empty()) return fail("sample before any TYPE");
    const std::string& type = exp.type[family];
    std::string series_name = sample->name;
    if (type == "histogram") {
      std::vector<std::pair<std::string, std::string>> others;
      std::string le;
      bool has_le = false;
      for (auto& l : sample->labels) {
        if (l.first == "le") {
          le = l.second;
          has_le = true;
        } else {
          others.push_back(l);
        }
      }
      std::string key = Canonical(family, others);
      if (series_name == family + "_bucket") {
        if (!has_le) return fail("bucket without le");
        auto bound = ParseValue(le);
        if (!bound.ok()) return fail("bad le");
        auto& b = buckets[key];
        if (!b.empty() && (*bound <= b.back().first || sample->value < b.back().second)) {
          return fail("buckets out of order or not cumulative");
        }
        b.emplace_back(*bound, sample->value);
      } else if (series_name == family + "_count") {
        counts[key] = sample->value;
      } else if (series_name != family + "_sum") {
        return fail("sample outside its histogram family");
      }
    } else if (series_name != family) {
      return fail("sample outside its family");
    }
    std::string canonical = Canonical(sample->name, sample->labels);
    if (!exp.samples.emplace(canonical, sample->value).second) return fail("duplicate series");
  }
  for (const auto& [key, b] : buckets) {
    if (b.empty() || !std::isinf(b.back().first)) {
      return absl::InvalidArgumentError(absl::StrCat(key, ": no +Inf bucket"));
    }
    auto c = counts.find(key);
    if (c == counts.end() || c->second != b.back().second) {
      return absl::InvalidArgumentError(absl::StrCat(key, ": +Inf bucket differs from _count"));
    }
  }
  return exp;
}

}  // namespace resizelet::obs::testing
