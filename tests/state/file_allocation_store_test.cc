#include "agent/state/file_allocation_store.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "agent/state/checkpoint_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/state/temp_dir.h"
#include "tests/state/test_allocations.h"
#include "tests/status_matchers.h"

namespace resizelet::state {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The real file system, with fsyncs counted, a gate that can hold the next file write, and
// injectable failures.
class CountingFileSystem final : public FileSystem {
 public:
  absl::Status CreateDirectories(const std::string& dir) override {
    return real_.CreateDirectories(dir);
  }
  bool Exists(const std::string& path) override { return real_.Exists(path); }
  absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) override {
    return real_.ReadFile(path, max_bytes);
  }
  absl::Status WriteFileAndSync(const std::string& path, std::string_view data) override {
    if (hold_next_write_.exchange(false)) {
      write_entered_.Notify();
      release_write_.WaitForNotification();
    }
    file_fsyncs_++;
    return real_.WriteFileAndSync(path, data);
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (fail_renames_ > 0) {
      fail_renames_--;
      return absl::InternalError("injected: crashed before rename");
    }
    return real_.Rename(from, to);
  }
  absl::Status SyncDirectory(const std::string& dir) override {
    dir_fsyncs_++;
    return real_.SyncDirectory(dir);
  }
  absl::Status RemoveFile(const std::string& path) override { return real_.RemoveFile(path); }

  int fsyncs() const { return file_fsyncs_ + dir_fsyncs_; }
  int file_fsyncs() const { return file_fsyncs_; }

  std::atomic<int> fail_renames_{0};
  std::atomic<bool> hold_next_write_{false};
  absl::Notification write_entered_;
  absl::Notification release_write_;

 private:
  PosixFileSystem real_;
  std::atomic<int> file_fsyncs_{0};
  std::atomic<int> dir_fsyncs_{0};
};

class FileAllocationStoreTest : public ::testing::Test {
 protected:
  FileAllocationStoreOptions Options() {
    FileAllocationStoreOptions o;
    o.directory = dir_.path() + "/state";
    o.now = [] { return absl::FromUnixSeconds(1'800'000'000); };
    return o;
  }
  std::string CheckpointPath() { return dir_.path() + "/state/allocation_checkpoint"; }

  std::unique_ptr<FileAllocationStore> OpenStore(FileSystem* fs) {
    absl::StatusOr<std::unique_ptr<FileAllocationStore>> store =
        FileAllocationStore::Open(Options(), fs);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  TempDir dir_;
  PosixFileSystem posix_;
};

TEST_F(FileAllocationStoreTest, FirstStartHasNoCheckpointAndCreatesTheDirectory) {
  auto store = OpenStore(&posix_);
  EXPECT_EQ(store->load_report().outcome, LoadOutcome::kNoCheckpoint);
  EXPECT_FALSE(store->load_report().lost());
  EXPECT_TRUE(std::filesystem::is_directory(dir_.path() + "/state"));
  EXPECT_THAT(store->List(), IsEmpty());
}

TEST_F(FileAllocationStoreTest, StateSurvivesARestart) {
  {
    auto store = OpenStore(&posix_);
    ASSERT_THAT(store->SetAllocated("uid-a", SampleAllocated(1)), IsOk());
    ASSERT_THAT(store->SetActuated("uid-a", SampleActuated(1)), IsOk());
    ASSERT_THAT(store->SetAllocated("uid-b", SampleAllocated(4, 250)), IsOk());
    ASSERT_THAT(store->SetAllocated("uid-c", SampleAllocated(1)), IsOk());
    ASSERT_THAT(store->Remove("uid-c"), IsOk());
  }
  // Durable on return: the file already holds it, in the documented format.
  EXPECT_THAT(ReadAll(CheckpointPath()),
              ::testing::StartsWith("resizelet-allocation-checkpoint 1 "));
  auto reopened = OpenStore(&posix_);
  EXPECT_EQ(reopened->load_report().outcome, LoadOutcome::kLoaded);
  EXPECT_EQ(reopened->load_report().pods, 2u);
  std::vector<PodAllocation> want = {PodAllocation{"uid-a", SampleAllocated(1), SampleActuated(1)},
                                     PodAllocation{"uid-b", SampleAllocated(4, 250), std::nullopt}};
  EXPECT_EQ(reopened->List(), want);
  // No temp file or other debris.
  EXPECT_THAT(DirEntries(dir_.path() + "/state"), ::testing::ElementsAre("allocation_checkpoint"));
}

TEST_F(FileAllocationStoreTest, EachCommitIsTempWriteFsyncRenameDirFsync) {
  CountingFileSystem fs;
  auto store = OpenStore(&fs);
  ASSERT_THAT(store->SetAllocated("uid-a", SampleAllocated(1)), IsOk());
  EXPECT_EQ(fs.file_fsyncs(), 1);
  EXPECT_EQ(fs.fsyncs(), 2);
  // Setting the same value again writes nothing.
  ASSERT_THAT(store->SetAllocated("uid-a", SampleAllocated(1)), IsOk());
  ASSERT_THAT(store->Remove("uid-unknown"), IsOk());
  EXPECT_EQ(fs.fsyncs(), 2);
  EXPECT_EQ(store->stats().commits, 1u);
}

// Every byte of a written checkpoint, flipped: detected, moved aside, started empty.
TEST_F(FileAllocationStoreTest, ACorruptCheckpointIsMovedAsideAtEveryByteOffset) {
  {
    auto store = OpenStore(&posix_);
    ASSERT_THAT(store->SetAllocated("uid-a", SampleAllocated(1)), IsOk());
    ASSERT_THAT(store->SetActuated("uid-a", SampleActuated(1)), IsOk());
    ASSERT_THAT(store->SetAllocated("uid-b", SampleAllocated(2)), IsOk());
  }
  const std::string good = ReadAll(CheckpointPath());
  ASSERT_GT(good.size(), 200u);
  // (checkpoint_format_test flips more bit patterns in memory; here each case costs real I/O.)
  for (size_t i = 0; i < good.size(); ++i) {
    for (unsigned char mask : {0x01, 0xFF}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      WriteAll(CheckpointPath(), bad);
      auto store = OpenStore(&posix_);
      const LoadReport& report = store->load_report();
      ASSERT_TRUE(report.lost()) << "offset " << i << " mask " << int{mask};
      ASSERT_TRUE(report.outcome == LoadOutcome::kCorrupt ||
                  report.outcome == LoadOutcome::kFutureVersion);
      ASSERT_THAT(store->List(), IsEmpty());
      ASSERT_FALSE(std::filesystem::exists(CheckpointPath()));
      ASSERT_EQ(ReadAll(report.moved_aside_to), bad);  // kept for a post-mortem
      std::filesystem::remove(report.moved_aside_to);
    }
  }
}

TEST_F(FileAllocationStoreTest, ATruncatedCheckpointIsMovedAsideWithATimestampedName) {
  {
    auto store = OpenStore(&posix_);
    ASSERT_THAT(store->SetAllocated("uid-a", SampleAllocated(1)), IsOk());
  }
  const std::string good = ReadAll(CheckpointPath());
  WriteAll(CheckpointPath(), good.substr(0, good.size() / 2));
  auto store = OpenStore(&posix_);
  EXPECT_EQ(store->load_report().outcome, LoadOutcome::kCorrupt);
  EXPECT_THAT(store->load_report().detail, HasSubstr("header says"));
  EXPECT_EQ(store->load_report().moved_aside_to,
            CheckpointPath() + ".corrupt-20270115T080000.000Z");
  // The store works from empty and writes a fresh checkpoint next to the kept one.
  ASSERT_THAT(store->SetAllocated("uid-z", SampleAllocated(9)), IsOk());
  EXPECT_THAT(DirEntries(dir_.path() + "/state"),
              ::testing::ElementsAre("allocation_checkpoint",
                                     "allocation_checkpoint.corrupt-20270115T080000.000Z"));
  // A second bad file at the same instant does not overwrite the first one kept.
  WriteAll(CheckpointPath(), "garbage");
  auto again = OpenStore(&posix_);
  EXPECT_EQ(again->load_report().moved_aside_to,
            CheckpointPath() + ".corrupt-20270115T080000.000Z.1");
}

TEST_F(FileAllocationStoreTest, ANewerFormatIsMovedAsideAndReportedApart) {
  std::filesystem::create_directories(dir_.path() + "/state");
  WriteAll(CheckpointPath(), "resizelet-allocation-checkpoint 7 3 0badf00d\nnew");
  auto store = OpenStore(&posix_);
  EXPECT_EQ(store->load_report().outcome, LoadOutcome::kFutureVersion);
  EXPECT_THAT(store->load_report().detail, HasSubstr("version 7"));
  EXPECT_THAT(store->load_report().moved_aside_to, HasSubstr(".future_version-"));
  EXPECT_THAT(store->List(), IsEmpty());
}

TEST_F(FileAllocationStoreTest, AnUnreadableCheckpointIsMovedAside) {
  // A directory where the file should be: open succeeds, read fails with EISDIR.
  std::filesystem::create_directories(CheckpointPath());
  auto store = OpenStore(&posix_);
  EXPECT_EQ(store->load_report().outcome, LoadOutcome::kUnreadable);
  EXPECT_TRUE(store->load_report().lost());
  EXPECT_THAT(store->load_report().moved_aside_to, HasSubstr(".unreadable-"));
  ASSERT_THAT(store->SetAllocated("uid-a", SampleAllocated(1)), IsOk());
}

// A crash between the temp write and the rename leaves the temp file and the previous
// checkpoint: the next start loads the previous state and removes the temp file.
TEST_F(FileAllocationStoreTest, ACrashBeforeRenameKeepsThePreviousStateAndCleansUp) {
  CountingFileSystem fs;
  {
    auto store = OpenStore(&fs);
    ASSERT_THAT(store->SetAllocated("uid-a", SampleAllocated(1)), IsOk());
    fs.fail_renames_ = 1;
    EXPECT_THAT(store->SetAllocated("uid-a", SampleAllocated(2, 900)),
                StatusIs(absl::StatusCode::kInternal, HasSubstr("crashed before rename")));
  }
  ASSERT_TRUE(std::filesystem::exists(CheckpointPath() + ".tmp"));
  auto store = OpenStore(&posix_);
  EXPECT_EQ(store->load_report().outcome, LoadOutcome::kLoaded);
  EXPECT_TRUE(store->load_report().removed_leftover_temp);
  EXPECT_FALSE(std::filesystem::exists(CheckpointPath() + ".tmp"));
  EXPECT_EQ(store->Get("uid-a")->allocated, SampleAllocated(1));
}

TEST_F(FileAllocationStoreTest, AFailedCommitIsRetriedByTheNextMutationOrFlush) {
  CountingFileSystem fs;
  auto store = OpenStore(&fs);
  fs.fail_renames_ = 1;
  EXPECT_FALSE(store->SetAllocated("uid-a", SampleAllocated(1)).ok());
  // Still visible in memory, not yet on disk.
  EXPECT_EQ(store->Get("uid-a")->allocated, SampleAllocated(1));
  EXPECT_FALSE(std::filesystem::exists(CheckpointPath()));
  ASSERT_THAT(store->Flush(), IsOk());
  EXPECT_EQ(OpenStore(&posix_)->Get("uid-a")->allocated, SampleAllocated(1));
  ASSERT_THAT(store->Flush(), IsOk());  // nothing pending: no write
  EXPECT_EQ(store->stats().commits, 2u);
  EXPECT_EQ(store->stats().failed_commits, 1u);
}

TEST_F(FileAllocationStoreTest, RepeatingTheSameValueAfterAFailedCommitRetriesIt) {
  CountingFileSystem fs;
  auto store = OpenStore(&fs);
  fs.fail_renames_ = 1;
  EXPECT_FALSE(store->SetAllocated("uid-a", SampleAllocated(1)).ok());
  // Unchanged in memory, but not durable: the reconciler's retry must not get the old error.
  ASSERT_THAT(store->SetAllocated("uid-a", SampleAllocated(1)), IsOk());
  EXPECT_EQ(OpenStore(&posix_)->Get("uid-a")->allocated, SampleAllocated(1));
}

// While one commit is being written, the mutations that arrive share the next one.
TEST_F(FileAllocationStoreTest, GroupCommitsABurstIntoOneWrite) {
  CountingFileSystem fs;
  auto store = OpenStore(&fs);
  constexpr int kWriters = 10;
  fs.hold_next_write_ = true;
  std::thread leader(
      [&] { EXPECT_THAT(store->SetAllocated("uid-0", SampleAllocated(1)), IsOk()); });
  fs.write_entered_.WaitForNotification();
  std::vector<std::thread> writers;
  for (int i = 1; i <= kWriters; ++i) {
    writers.emplace_back([&, i] {
      EXPECT_THAT(store->SetAllocated(absl::StrCat("uid-", i), SampleAllocated(i)), IsOk());
    });
  }
  // Bounded real-time wait until every writer has applied its change and is waiting.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (store->stats().mutations < kWriters + 1 && absl::Now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(store->stats().mutations, uint64_t{kWriters + 1});
  fs.release_write_.Notify();
  leader.join();
  for (auto& t : writers) t.join();

  // 11 durable mutations, 2 commits: 2 file fsyncs + 2 directory fsyncs (not 22 fsyncs).
  EXPECT_EQ(store->stats().commits, 2u);
  EXPECT_EQ(fs.fsyncs(), 4);
  EXPECT_THAT(OpenStore(&posix_)->List(), SizeIs(kWriters + 1));
}

TEST_F(FileAllocationStoreTest, ConcurrentWritersAllEndUpOnDisk) {
  CountingFileSystem fs;
  auto store = OpenStore(&fs);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string uid = absl::StrCat("uid-", t, "-", i % 10);
        EXPECT_THAT(store->SetAllocated(uid, SampleAllocated(i)), IsOk());
        EXPECT_THAT(store->SetActuated(uid, SampleActuated(i)), IsOk());
        if (i % 7 == 0) {
          EXPECT_THAT(store->Remove(uid), IsOk());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::vector<PodAllocation> in_memory = store->List();
  EXPECT_EQ(OpenStore(&posix_)->List(), in_memory);
  const FileAllocationStore::Stats stats = store->stats();
  EXPECT_LE(stats.commits, stats.mutations);
  EXPECT_EQ(stats.failed_commits, 0u);
  std::cout << "concurrent: " << stats.mutations << " mutations, " << stats.commits << " commits, "
            << fs.fsyncs() << " fsyncs\n";
}

}  // namespace
}  // namespace resizelet::state
