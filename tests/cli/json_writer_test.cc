#include "agent/cli/json_writer.h"

#include "gtest/gtest.h"

namespace resizelet::cli {
namespace {

TEST(JsonWriterTest, CompactNested) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(-1).Key("b").BeginArray().Bool(true).Null().String("x").EndArray();
  w.Key("c").BeginObject().EndObject().Key("d").OptionalInt(std::nullopt).EndObject();
  EXPECT_EQ(w.str(), R"({"a":-1,"b":[true,null,"x"],"c":{},"d":null})");
}

TEST(JsonWriterTest, Pretty) {
  JsonWriter w(2);
  w.BeginObject().Key("a").BeginArray().Uint(18446744073709551615u).EndArray().EndObject();
  EXPECT_EQ(w.str(), "{\n  \"a\": [\n    18446744073709551615\n  ]\n}");
}

TEST(JsonWriterTest, EscapesControlCharactersAndQuotes) {
  std::string out;
  JsonWriter::AppendQuoted(std::string("a\"b\\c\x01\t", 7), &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u0001\\t\"");
}

}  // namespace
}  // namespace resizelet::cli
