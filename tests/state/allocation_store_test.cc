// The AllocationStore contract, run against both implementations.
#include "agent/state/allocation_store.h"

#include <functional>
#include <memory>

#include "agent/state/file_allocation_store.h"
#include "agent/state/in_memory_allocation_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/state/temp_dir.h"
#include "tests/state/test_allocations.h"
#include "tests/status_matchers.h"

namespace resizelet::state {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Optional;

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<AllocationStore>(const std::string& dir)> make;
};

PosixFileSystem* Fs() {
  static PosixFileSystem fs;
  return &fs;
}

class AllocationStoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { store_ = GetParam().make(dir_.path()); }
  TempDir dir_;
  std::unique_ptr<AllocationStore> store_;
};

TEST_P(AllocationStoreContractTest, SetsEachHalfIndependently) {
  EXPECT_EQ(store_->Get("uid-a"), std::nullopt);
  ASSERT_THAT(store_->SetAllocated("uid-a", SampleAllocated(1)), IsOk());
  EXPECT_THAT(store_->Get("uid-a"),
              Optional(PodAllocation{"uid-a", SampleAllocated(1), std::nullopt}));
  ASSERT_THAT(store_->SetActuated("uid-a", SampleActuated(1)), IsOk());
  ASSERT_THAT(store_->SetAllocated("uid-a", SampleAllocated(2, 750)), IsOk());
  EXPECT_THAT(store_->Get("uid-a"),
              Optional(PodAllocation{"uid-a", SampleAllocated(2, 750), SampleActuated(1)}));
}

TEST_P(AllocationStoreContractTest, ListsSortedByUidAndRemoves) {
  ASSERT_THAT(store_->SetAllocated("uid-b", SampleAllocated(1)), IsOk());
  ASSERT_THAT(store_->SetActuated("uid-a", SampleActuated(1)), IsOk());
  EXPECT_THAT(store_->List(), ElementsAre(Field(&PodAllocation::uid, "uid-a"),
                                          Field(&PodAllocation::uid, "uid-b")));
  ASSERT_THAT(store_->Remove("uid-a"), IsOk());
  ASSERT_THAT(store_->Remove("uid-never-there"), IsOk());
  EXPECT_THAT(store_->List(), ElementsAre(Field(&PodAllocation::uid, "uid-b")));
}

TEST_P(AllocationStoreContractTest, RefusesWhatTheCheckpointCannotHoldAndChangesNothing) {
  ASSERT_THAT(store_->SetAllocated("uid-a", SampleAllocated(1)), IsOk());
  AllocatedResources bad = SampleAllocated(2);
  bad.containers[1].name = "app";  // repeated
  EXPECT_THAT(store_->SetAllocated("uid-a", bad), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->SetActuated("bad uid", SampleActuated(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Get("uid-a"),
              Optional(PodAllocation{"uid-a", SampleAllocated(1), std::nullopt}));
  EXPECT_EQ(store_->Get("bad uid"), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Implementations, AllocationStoreContractTest,
    ::testing::Values(StoreFactory{"InMemory",
                                   [](const std::string&) -> std::unique_ptr<AllocationStore> {
                                     return std::make_unique<InMemoryAllocationStore>();
                                   }},
                      StoreFactory{"File",
                                   [](const std::string& dir) -> std::unique_ptr<AllocationStore> {
                                     auto store =
                                         FileAllocationStore::Open({.directory = dir}, Fs());
                                     EXPECT_TRUE(store.ok()) << store.status();
                                     return store.ok() ? *std::move(store) : nullptr;
                                   }}),
    [](const ::testing::TestParamInfo<StoreFactory>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace resizelet::state
