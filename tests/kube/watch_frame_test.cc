#include "agent/kube/watch_frame.h"

#include <string>
#include <vector>

#include "agent/api/decode.h"
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

// The event wrapper adds one level: an object nested as deep as api::DecodePod accepts is
// accepted inside an event, one level more is refused by name, like DecodePod refuses it.
TEST(DecodeWatchEventTest, NestingCapFollowsThePodDecoders) {
  auto object_with_depth = [](int levels) {
    std::string inner;
    for (int i = 0; i < levels; ++i) inner += R"({"a":)";
    inner += "1";
    for (int i = 0; i < levels; ++i) inner += "}";
    return R"({"metadata":{"resourceVersion":"5"},"x":)" + inner + "}";
  };
  int accepted = 0;
  int refused = 0;
  for (int levels = 58; levels <= 66; ++levels) {
    const std::string object = object_with_depth(levels);
    const bool pod_ok = api::DecodePod(object).ok();
    auto event = DecodeWatchEvent(R"({"type":"ADDED","object":)" + object + "}");
    EXPECT_EQ(event.ok(), pod_ok) << levels << " levels: " << event.status();
    if (!event.ok()) {
      EXPECT_THAT(event,
                  StatusIs(absl::StatusCode::kInvalidArgument, "document nested too deeply"));
    }
    ++(pod_ok ? accepted : refused);
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

// Events of very different sizes one after the other on one thread (the parser is kept between
// documents): each is decoded whole.
TEST(DecodeWatchEventTest, SizesVaryFromEventToEvent) {
  for (size_t pad : {10u, 3u << 20, 20u, 100000u, 5u}) {
    const std::string event = R"({"type":"MODIFIED","object":{"metadata":{"resourceVersion":")" +
                              std::to_string(pad) + R"("},"pad":")" + std::string(pad, 'x') +
                              R"("}})";
    auto decoded = DecodeWatchEvent(event);
    ASSERT_THAT(decoded, IsOk()) << pad;
    EXPECT_EQ(decoded->resource_version, std::to_string(pad));
    EXPECT_EQ(decoded->object_json, R"({"metadata":{"resourceVersion":")" + std::to_string(pad) +
                                        R"("},"pad":")" + std::string(pad, 'x') + R"("})")
        << pad;
  }
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
