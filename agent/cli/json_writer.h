// A small streaming JSON writer for resizelet's own output (plan reports, status patches):
// keys in the order written, strings escaped per RFC 8259, no heap beyond the output string.
#ifndef RESIZELET_AGENT_CLI_JSON_WRITER_H_
#define RESIZELET_AGENT_CLI_JSON_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace resizelet::cli {

class JsonWriter {
 public:
  // `indent` > 0 pretty-prints with that many spaces per level; 0 writes compact JSON.
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Inside an object: the next value's key.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // An integer, or null when absent.
  JsonWriter& OptionalInt(const std::optional<int64_t>& value);

  // The document written so far.
  const std::string& str() const { return out_; }

  // Appends `value` to `out` as a quoted, escaped JSON string.
  static void AppendQuoted(std::string_view value, std::string* out);

 private:
  void BeforeValue();
  void NewLine();

  struct Level {
    bool is_object;
    bool empty;
  };
  int indent_;
  std::string out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

}  // namespace resizelet::cli

#endif  // RESIZELET_AGENT_CLI_JSON_WRITER_H_
