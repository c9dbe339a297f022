#include "agent/state/file_allocation_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/state/checkpoint_format.h"

namespace resizelet::state {
namespace {

// Header + body limit: anything larger is not ours.
constexpr size_t kMaxFileBytes = kMaxCheckpointBodyBytes + 256;

}  // namespace

std::string_view LoadOutcomeName(LoadOutcome outcome) {
  switch (outcome) {
    case LoadOutcome::kNoCheckpoint:
      return "no_checkpoint";
    case LoadOutcome::kLoaded:
      return "loaded";
    case LoadOutcome::kCorrupt:
      return "corrupt";
    case LoadOutcome::kFutureVersion:
      return "future_version";
    case LoadOutcome::kUnreadable:
      return "unreadable";
  }
  return "unknown";
}

FileAllocationStore::FileAllocationStore(FileAllocationStoreOptions options, FileSystem* fs)
    : options_(std::move(options)),
      fs_(fs),
      path_(absl::StrCat(options_.directory, "/", options_.file_name)),
      temp_path_(absl::StrCat(path_, ".tmp")) {}

absl::StatusOr<std::unique_ptr<FileAllocationStore>> FileAllocationStore::Open(
    FileAllocationStoreOptions options, FileSystem* fs) {
  if (absl::Status s = fs->CreateDirectories(options.directory); !s.ok()) return s;
  std::unique_ptr<FileAllocationStore> store(new FileAllocationStore(std::move(options), fs));
  store->Load();
  return store;
}

void FileAllocationStore::Load() {
  // A temp file is only ever a commit that did not reach its rename: the checkpoint it would
  // have replaced is still the last durable state.
  if (fs_->Exists(temp_path_)) {
    load_report_.removed_leftover_temp = fs_->RemoveFile(temp_path_).ok();
  }
  absl::StatusOr<std::string> bytes = fs_->ReadFile(path_, kMaxFileBytes);
  if (!bytes.ok() && absl::IsNotFound(bytes.status())) {
    load_report_.outcome = LoadOutcome::kNoCheckpoint;
    return;
  }
  absl::Status problem;
  if (!bytes.ok()) {
    load_report_.outcome = LoadOutcome::kUnreadable;
    problem = bytes.status();
  } else {
    absl::StatusOr<AllocationMap> decoded = DecodeCheckpoint(*bytes);
    if (decoded.ok()) {
      absl::MutexLock lock(&mu_);
      pods_ = *std::move(decoded);
      load_report_.outcome = LoadOutcome::kLoaded;
      load_report_.pods = pods_.size();
      return;
    }
    problem = decoded.status();
    load_report_.outcome =
        absl::IsFailedPrecondition(problem) ? LoadOutcome::kFutureVersion : LoadOutcome::kCorrupt;
  }
  load_report_.detail = std::string(problem.message());
  // Keep the bad file for a post-mortem, under a name no later start will read.
  const std::string aside =
      absl::StrCat(path_, ".", std::string(LoadOutcomeName(load_report_.outcome)), "-",
                   absl::FormatTime("%Y%m%dT%H%M%E3SZ", options_.now(), absl::UTCTimeZone()));
  std::string target = aside;
  for (int n = 1; fs_->Exists(target) && n < 1000; ++n) target = absl::StrCat(aside, ".", n);
  if (absl::Status s = fs_->Rename(path_, target); s.ok()) {
    load_report_.moved_aside_to = target;
    // Best effort: if the directory sync fails, a crash may bring the bad file back, and the
    // next start moves it aside again.
    (void)fs_->SyncDirectory(options_.directory);
  } else {
    absl::StrAppend(&load_report_.detail, "; could not move it aside: ", s.message());
  }
}

std::optional<PodAllocation> FileAllocationStore::Get(std::string_view uid) const {
  absl::MutexLock lock(&mu_);
  auto it = pods_.find(uid);
  if (it == pods_.end()) return std::nullopt;
  return it->second;
}

std::vector<PodAllocation> FileAllocationStore::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<PodAllocation> out;
  out.reserve(pods_.size());
  for (const auto& [uid, pod] : pods_) out.push_back(pod);
  return out;
}

absl::Status FileAllocationStore::SetAllocated(std::string_view uid,
                                               const AllocatedResources& allocated) {
  absl::MutexLock lock(&mu_);
  return Commit(ApplySetAllocated(pods_, uid, allocated));
}

absl::Status FileAllocationStore::SetActuated(std::string_view uid,
                                              const ActuatedResources& actuated) {
  absl::MutexLock lock(&mu_);
  return Commit(ApplySetActuated(pods_, uid, actuated));
}

absl::Status FileAllocationStore::Remove(std::string_view uid) {
  absl::MutexLock lock(&mu_);
  return Commit(ApplyRemove(pods_, uid));
}

absl::Status FileAllocationStore::Flush() {
  absl::MutexLock lock(&mu_);
  return AwaitDurableLocked(version_);
}

FileAllocationStore::Stats FileAllocationStore::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

absl::Status FileAllocationStore::Commit(absl::StatusOr<bool> changed) {
  if (!changed.ok()) return changed.status();
  if (*changed) {
    ++version_;
    ++stats_.mutations;
  }
  // Even an unchanged value waits: an equal value set by another caller may not be on disk yet.
  return AwaitDurableLocked(version_);
}

absl::Status FileAllocationStore::AwaitDurableLocked(uint64_t target) {
  // Only a commit that starts after this call can report on it: an older failure must not be
  // returned to a caller whose state a retry could still make durable.
  const uint64_t seen_commits = commits_started_;
  for (;;) {
    if (durable_version_ >= target) return absl::OkStatus();
    if (failed_commit_ > seen_commits && failed_version_ >= target) return failed_status_;
    if (committing_) {
      // Also wake when our version became durable: by then another leader may already have
      // started the next commit, and sleeping through it would double the latency.
      auto can_proceed = [this, target, seen_commits]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !committing_ || durable_version_ >= target ||
               (failed_commit_ > seen_commits && failed_version_ >= target);
      };
      mu_.Await(absl::Condition(&can_proceed));
      continue;
    }
    // Lead a commit of everything in memory now, including other waiters' changes.
    committing_ = true;
    const uint64_t commit = ++commits_started_;
    const uint64_t version = version_;
    absl::StatusOr<std::string> bytes = EncodeCheckpoint(pods_);
    mu_.Unlock();
    absl::Status written = bytes.ok() ? WriteDurably(*bytes) : bytes.status();
    mu_.Lock();
    committing_ = false;
    ++stats_.commits;
    if (written.ok()) {
      durable_version_ = version;
    } else {
      ++stats_.failed_commits;
      failed_commit_ = commit;
      failed_version_ = version;
      failed_status_ = written;
    }
  }
}

absl::Status FileAllocationStore::WriteDurably(const std::string& bytes) {
  if (absl::Status s = fs_->WriteFileAndSync(temp_path_, bytes); !s.ok()) return s;
  if (absl::Status s = fs_->Rename(temp_path_, path_); !s.ok()) return s;
  return fs_->SyncDirectory(options_.directory);
}

}  // namespace resizelet::state
