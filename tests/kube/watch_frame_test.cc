#include "agent/kube/watch_frame.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::kube {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;

const char kStream[] =
    R"({"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"11"}}})"
    "\n"
    R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"12"}}})"
    "\r\n\n"
    R"({"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a\n","resourceVersion":"13"}}})"
    "\n";

std::vector<std::string> Frame(const std::string& stream, size_t chunk) {
  WatchFramer framer;
  std::vector<std::string> lines;
  for (size_t i = 0; i < stream.size(); i += chunk) {
    EXPECT_THAT(framer.Append(std::string_view(stream).substr(i, chunk)), IsOk());
    while (auto line = framer.Next()) lines.push_back(*line);
  }
  return lines;
}

TEST(WatchFramerTest, SameEventsWhateverTheChunkBoundaries) {
  const std::vector<std::string> whole = Frame(kStream, sizeof(kStream));
  ASSERT_EQ(whole.size(), 3u);
  for (size_t chunk = 1; chunk < sizeof(kStream); ++chunk) {
    EXPECT_EQ(Frame(kStream, chunk), whole) << "chunk " << chunk;
  }
}

TEST(WatchFramerTest, PartialEventStaysBufferedUntilReset) {
  WatchFramer framer;
  ASSERT_THAT(framer.Append(R"({"type":"ADDED","obj)"), IsOk());
  EXPECT_FALSE(framer.Next().has_value());
  EXPECT_GT(framer.buffered(), 0u);
  framer.Reset();
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(WatchFramerTest, OversizedLineIsAnError) {
  WatchFramer framer(16);
  EXPECT_THAT(framer.Append(std::string(17, 'x')), StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(DecodeWatchEventTest, Types) {
  auto added = DecodeWatchEvent(Frame(kStream, 7)[0]);
  ASSERT_THAT(added, IsOk());
  EXPECT_EQ(added->type, WatchEventType::kAdded);
  EXPECT_EQ(added->resource_version, "11");
  EXPECT_THAT(added->object_json, ::testing::HasSubstr(R"("name":"a")"));

  auto bookmark = DecodeWatchEvent(Frame(kStream, 7)[1]);
  ASSERT_THAT(bookmark, IsOk());
  EXPECT_EQ(bookmark->type, WatchEventType::kBookmark);
  EXPECT_EQ(bookmark->resource_version, "12");
}

TEST(DecodeWatchEventTest, ErrorCarriesTheStatus) {
  auto e = DecodeWatchEvent(
      R"js({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 5 (9)","reason":"Expired","code":410}})js");
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->type, WatchEventType::kError);
  EXPECT_EQ(e->error.code, 410);
  EXPECT_EQ(e->error.reason, "Expired");
}

TEST(DecodeWatchEventTest, RejectsMalformedFrames) {
  for (const char* bad :
       {"", "{", "[]", R"({"type":"ADDED"})", R"({"type":"NOPE","object":{}})",
        R"({"type":"ADDED","object":{"metadata":{}}})", R"({"type":5,"object":{}})"}) {
    EXPECT_FALSE(DecodeWatchEvent(bad).ok()) << bad;
  }
  EXPECT_FALSE(DecodeWatchEvent(std::string(100, '[') + std::string(100, ']')).ok());
}

TEST(DecodeApiStatusTest, ReadsCodeReasonMessage) {
  auto s = DecodeApiStatus(
      R"({"kind":"Status","status":"Failure","message":"pods \"p\" not found","reason":"NotFound","code":404})");
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->code, 404);
  EXPECT_EQ(s->reason, "NotFound");
  EXPECT_EQ(s->message, "pods \"p\" not found");
}

}  // namespace
}  // namespace resizelet::kube
