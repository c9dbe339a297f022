#include "agent/obs/log.h"

#include <chrono>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace resizelet::obs {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::SizeIs;
using ::testing::StartsWith;

class CapturingSink : public LogSink {
 public:
  void Send(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// 2026-11-28T23:40:01.123456Z
std::chrono::system_clock::time_point FixedTime() {
  return std::chrono::system_clock::time_point(std::chrono::microseconds(1764373201123456LL));
}

class LogTest : public ::testing::Test {
 protected:
  std::shared_ptr<CapturingSink> Configure(LogFormat format, int verbosity) {
    auto sink = std::make_shared<CapturingSink>();
    ConfigureLogging({.format = format, .verbosity = verbosity, .sink = sink, .now = FixedTime});
    return sink;
  }
  void TearDown() override { ConfigureLogging({}); }
};

TEST_F(LogTest, TextLineHasKlogHeaderQuotedMessageAndFields) {
  auto sink = Configure(LogFormat::kText, 0);
  Info("Resize admitted", {{"pod", "default/web"}, {"containers", 2}, {"ready", true}});
  ASSERT_THAT(sink->lines(), SizeIs(1));
  EXPECT_THAT(sink->lines()[0],
              MatchesRegex(R"(I1128 23:40:01\.123456 +[0-9]+ log_test\.cc:[0-9]+\] )"
                           R"("Resize admitted" pod="default/web" containers=2 ready=true)"));
}

TEST_F(LogTest, TextSeverityLettersAndErrorField) {
  auto sink = Configure(LogFormat::kText, 0);
  Warning("Observe mode", {{"kubeletVersion", "v1.30.2"}});
  Error(absl::NotFoundError("container \"abc\" not found"), "Update failed", {{"id", "abc"}});
  auto lines = sink->lines();
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_THAT(lines[0], StartsWith("W1128 "));
  EXPECT_THAT(lines[1], StartsWith("E1128 "));
  EXPECT_THAT(
      lines[1],
      HasSubstr(R"("Update failed" err="NOT_FOUND: container \"abc\" not found" id="abc")"));
}

TEST_F(LogTest, TextEscapesControlCharactersSoOneEventIsOneLine) {
  auto sink = Configure(LogFormat::kText, 0);
  Info("two\nlines", {{"v", std::string_view("a\tb\x01")}});
  ASSERT_THAT(sink->lines(), SizeIs(1));
  EXPECT_THAT(sink->lines()[0], HasSubstr(R"("two\nlines" v="a\tb\x01")"));
  EXPECT_EQ(sink->lines()[0].find('\n'), std::string::npos);
}

TEST_F(LogTest, VerbosityFiltersVInfo) {
  auto sink = Configure(LogFormat::kText, 2);
  EXPECT_TRUE(VEnabled(2));
  EXPECT_FALSE(VEnabled(3));
  VInfo(2, "shown");
  VInfo(3, "hidden");
  Info("always");
  auto lines = sink->lines();
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_THAT(lines[0], HasSubstr("\"shown\""));
  EXPECT_THAT(lines[1], HasSubstr("\"always\""));
}

TEST_F(LogTest, JsonLineMatchesComponentBaseLayout) {
  auto sink = Configure(LogFormat::kJson, 4);
  VInfo(4, "Watch event", {{"type", "MODIFIED"}, {"rv", uint64_t{42}}, {"ratio", 0.5}});
  ASSERT_THAT(sink->lines(), SizeIs(1));
  EXPECT_THAT(
      sink->lines()[0],
      MatchesRegex(R"(\{"ts":1764373201\.123456,"caller":"log_test\.cc:[0-9]+",)"
                   R"("msg":"Watch event","v":4,"type":"MODIFIED","rv":42,"ratio":0\.5\})"));
}

TEST_F(LogTest, JsonErrorCarriesErrInsteadOfVerbosity) {
  auto sink = Configure(LogFormat::kJson, 0);
  Error(absl::DeadlineExceededError("CRI call timed out"), "Update failed");
  ASSERT_THAT(sink->lines(), SizeIs(1));
  EXPECT_THAT(sink->lines()[0],
              HasSubstr(R"("msg":"Update failed","err":"DEADLINE_EXCEEDED: CRI call timed out"})"));
  EXPECT_THAT(sink->lines()[0], ::testing::Not(HasSubstr("\"v\":")));
}

TEST_F(LogTest, JsonStaysValidForHostileStrings) {
  auto sink = Configure(LogFormat::kJson, 0);
  Info("q\"\\", {{"bad", std::string_view("\xff\x01ok\xc3\xa9")}, {"nan", 0.0 / 0.0}});
  ASSERT_THAT(sink->lines(), SizeIs(1));
  EXPECT_THAT(sink->lines()[0], HasSubstr(R"("msg":"q\"\\","v":0,"bad":"\ufffd\u0001ok)"
                                          "\xc3\xa9"
                                          R"(","nan":"NaN"})"));
}

TEST_F(LogTest, ParseLogFormat) {
  LogFormat f;
  ASSERT_TRUE(ParseLogFormat("json", &f).ok());
  EXPECT_EQ(f, LogFormat::kJson);
  ASSERT_TRUE(ParseLogFormat("text", &f).ok());
  EXPECT_EQ(f, LogFormat::kText);
  EXPECT_FALSE(ParseLogFormat("yaml", &f).ok());
}

}  // namespace
}  // namespace resizelet::obs
