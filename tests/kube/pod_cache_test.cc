#include "agent/kube/pod_cache.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace resizelet::kube {
namespace {

api::Pod MakePod(const std::string& uid, const std::string& cpu) {
  api::Pod p;
  p.uid = uid;
  p.name = absl::StrCat("p-", uid);
  p.namespace_name = "default";
  api::ContainerSpec c;
  c.name = "c";
  c.resources.requests.cpu = api::Quantity::Parse(cpu).value();
  p.containers.push_back(c);
  return p;
}

TEST(PodCacheTest, ReportsResourceRelevantChangesOnly) {
  PodCache cache;
  PodChange added = cache.Upsert(MakePod("u1", "100m"));
  EXPECT_EQ(added.kind, PodChange::Kind::kAdded);
  EXPECT_TRUE(added.resources_changed);

  api::Pod same = MakePod("u1", "100m");
  same.resource_version = std::to_string(7);
  api::PodCondition mine;
  mine.type = "PodResizePending";
  mine.status = "True";
  same.resize_conditions.push_back(mine);
  same.resize = "Deferred";
  PodChange updated = cache.Upsert(same);
  EXPECT_EQ(updated.kind, PodChange::Kind::kUpdated);
  EXPECT_FALSE(updated.resources_changed);

  EXPECT_TRUE(cache.Upsert(MakePod("u1", "0.2")).resources_changed);
  EXPECT_FALSE(cache.Upsert(MakePod("u1", "200m")).resources_changed);  // same quantity
}

TEST(PodCacheTest, ReportsResizeConditionChangesSeparately) {
  PodCache cache;
  cache.Upsert(MakePod("u1", "100m"));
  api::Pod shown = MakePod("u1", "100m");
  api::PodCondition in_progress;
  in_progress.type = "PodResizeInProgress";
  in_progress.status = "True";
  shown.resize_conditions.push_back(in_progress);
  PodChange change = cache.Upsert(shown);
  EXPECT_FALSE(change.resources_changed);
  EXPECT_TRUE(change.resize_conditions_changed);
  // A timestamp-only change is not one.
  shown.resize_conditions[0].last_transition_time = "2026-01-01T00:00:00Z";
  EXPECT_FALSE(cache.Upsert(shown).resize_conditions_changed);
  EXPECT_TRUE(cache.Upsert(MakePod("u1", "100m")).resize_conditions_changed);  // dropped
}

TEST(PodCacheTest, ReplaceSynthesizesDeletions) {
  PodCache cache;
  cache.Upsert(MakePod("u1", "1"));
  cache.Upsert(MakePod("u2", "1"));
  auto changes = cache.Replace({MakePod("u2", "1"), MakePod("u3", "1")});
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].kind, PodChange::Kind::kDeleted);
  EXPECT_EQ(changes[0].uid, "u1");
  EXPECT_FALSE(changes[1].resources_changed);  // u2 unchanged
  EXPECT_EQ(changes[2].kind, PodChange::Kind::kAdded);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.Get("u1").has_value());
  EXPECT_TRUE(cache.GetByKey("default", "p-u3").has_value());
}

}  // namespace
}  // namespace resizelet::kube
