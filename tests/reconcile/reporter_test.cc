#include "agent/reconcile/reporter.h"

#include "gtest/gtest.h"
#include "tests/reconcile/reconcile_fixture.h"

namespace resizelet::reconcile::testing {
namespace {

api::Pod OnePod() {
  api::Pod pod;
  pod.name = std::string("p");
  pod.namespace_name = std::string("default");
  pod.uid = std::string("uid-p");
  api::ContainerSpec c;
  c.name = std::string("c1");
  c.resources.requests.cpu = Q("500m");
  pod.containers.push_back(c);
  pod.generation = 2;
  return pod;
}

TEST(ReporterTest, FastResizeSendsOnlyTheFinalState) {
  runtime::SimulatedClock clock;
  RecordingSink sink;
  Reporter reporter(&sink, &clock);
  const api::Pod pod = OnePod();
  reporter.Started(pod);
  reporter.Completed(pod);
  clock.Advance(absl::Seconds(5));
  ASSERT_EQ(sink.patches.size(), 1u);
  EXPECT_FALSE(sink.patches[0].conditions.pending.has_value());
  EXPECT_FALSE(sink.patches[0].conditions.in_progress.has_value());
  EXPECT_EQ(sink.patches[0].conditions.observed_generation, 2);
  EXPECT_EQ(sink.EventReasons(), (std::vector<std::string>{"ResizeStarted", "ResizeCompleted"}));
  EXPECT_EQ(
      sink.events[0].message,
      R"(Pod resize started: {"containers":[{"name":"c1","resources":{"requests":{"cpu":"500m"}}}],"generation":2})");
  EXPECT_EQ(sink.events[0].type, "Normal");
}

TEST(ReporterTest, SlowResizeShowsInProgressThenClears) {
  runtime::SimulatedClock clock;
  RecordingSink sink;
  Reporter reporter(&sink, &clock);
  const api::Pod pod = OnePod();
  reporter.Started(pod);
  EXPECT_TRUE(sink.patches.empty());
  clock.Advance(absl::Seconds(2));
  ASSERT_EQ(sink.patches.size(), 1u);
  ASSERT_TRUE(sink.patches[0].conditions.in_progress.has_value());
  EXPECT_EQ(sink.patches[0].conditions.in_progress->reason, "");
  reporter.Completed(pod);
  ASSERT_EQ(sink.patches.size(), 2u);
  EXPECT_FALSE(sink.patches[1].conditions.in_progress.has_value());
  EXPECT_EQ(reporter.counters().patches, 2u);
}

TEST(ReporterTest, EventsOnlyOnStateChangeAndLegacyBehindFlag) {
  runtime::SimulatedClock clock;
  RecordingSink sink;
  Reporter reporter(&sink, &clock, ReporterOptions{.legacy_status_field = true});
  const api::Pod pod = OnePod();
  reporter.Deferred(pod, "m");
  reporter.Deferred(pod, "m");
  EXPECT_EQ(sink.EventReasons(), std::vector<std::string>{"ResizeDeferred"});
  EXPECT_EQ(sink.events[0].type, "Warning");
  EXPECT_EQ(sink.patches.size(), 1u);
  EXPECT_EQ(sink.legacy, std::vector<std::string>{"Deferred"});

  RecordingSink plain_sink;
  Reporter plain(&plain_sink, &clock);
  plain.Deferred(pod, "m");
  EXPECT_TRUE(plain_sink.legacy.empty());
}

}  // namespace
}  // namespace resizelet::reconcile::testing
