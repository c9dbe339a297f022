// The allocation checkpoint on disk: one file in the state directory, replaced atomically on
// every commit (write a temp file in the same directory, fsync it, rename it over the old one,
// fsync the directory), in the format of checkpoint_format.h.
//
// Group commit: a mutation waits until a commit that includes it is durable. While one commit
// is being written, the mutations that arrive join the next one, so a burst of N concurrent
// mutations costs about two writes and four fsyncs rather than N. There is no timer: the commit
// window is the time the previous commit takes, and a lone mutation is written at once (so the
// reconciler can rely on "allocated is on disk" before it actuates).
//
// A checkpoint that cannot be used (corrupt, truncated, of a newer format, unreadable) never
// stops resizelet: Open() renames it aside with a timestamp suffix, starts empty and says so in
// load_report(), for the caller to log, export as a metric, and rebuild from the API server and
// the runtime. (The kubelet instead refuses to start on a corrupt allocation checkpoint; an
// add-on agent must not take the node's resizes down with it.)
#ifndef RESIZELET_AGENT_STATE_FILE_ALLOCATION_STORE_H_
#define RESIZELET_AGENT_STATE_FILE_ALLOCATION_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/state/allocation_store.h"
#include "agent/state/file_system.h"

namespace resizelet::state {

struct FileAllocationStoreOptions {
  std::string directory;  // created (0700) if missing
  std::string file_name = "allocation_checkpoint";
  // Names moved-aside files; injectable for tests.
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

enum class LoadOutcome {
  kNoCheckpoint,   // first start: no file
  kLoaded,         // the file was read and verified
  kCorrupt,        // bad magic, length, checksum or body: moved aside
  kFutureVersion,  // written by a newer resizelet: moved aside
  kUnreadable,     // I/O error or too large: moved aside (if it could be)
};

struct LoadReport {
  LoadOutcome outcome = LoadOutcome::kNoCheckpoint;
  size_t pods = 0;
  std::string detail;                  // the decode or I/O error, for the log
  std::string moved_aside_to;          // full path, empty if nothing was moved
  bool removed_leftover_temp = false;  // a crash between temp write and rename left one behind

  // Whether the caller must rebuild state and warn (any outcome but kNoCheckpoint/kLoaded).
  bool lost() const {
    return outcome != LoadOutcome::kNoCheckpoint && outcome != LoadOutcome::kLoaded;
  }
};

std::string_view LoadOutcomeName(LoadOutcome outcome);

class FileAllocationStore final : public AllocationStore {
 public:
  // Loads the checkpoint (see the file comment). Fails only if the directory cannot be created.
  // `fs` must outlive the store.
  static absl::StatusOr<std::unique_ptr<FileAllocationStore>> Open(
      FileAllocationStoreOptions options, FileSystem* fs);

  std::optional<PodAllocation> Get(std::string_view uid) const override ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<PodAllocation> List() const override ABSL_LOCKS_EXCLUDED(mu_);
  // Each returns after the change is durable, or with the error of the commit that carried it
  // (the change then stays in memory and is retried by the next commit).
  absl::Status SetAllocated(std::string_view uid, const AllocatedResources& allocated) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status SetActuated(std::string_view uid, const ActuatedResources& actuated) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Remove(std::string_view uid) override ABSL_LOCKS_EXCLUDED(mu_);

  // Makes everything in memory durable, retrying after a failed commit; OK at once if it
  // already is.
  absl::Status Flush() ABSL_LOCKS_EXCLUDED(mu_);

  const LoadReport& load_report() const { return load_report_; }
  const std::string& path() const { return path_; }

  struct Stats {
    uint64_t mutations = 0;  // calls that changed state
    uint64_t commits = 0;    // files written (successful or not)
    uint64_t failed_commits = 0;
  };
  Stats stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  FileAllocationStore(FileAllocationStoreOptions options, FileSystem* fs);
  void Load();
  // Waits until version `target` is durable, writing commits as the leader when none is in
  // flight. Called and returns with mu_ held; releases it while writing or waiting.
  absl::Status AwaitDurableLocked(uint64_t target) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteDurably(const std::string& bytes);
  absl::Status Commit(absl::StatusOr<bool> changed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const FileAllocationStoreOptions options_;
  FileSystem* const fs_;
  const std::string path_;
  const std::string temp_path_;
  LoadReport load_report_;  // written only by Open()

  mutable absl::Mutex mu_;
  AllocationMap pods_ ABSL_GUARDED_BY(mu_);
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;          // bumped by each change
  uint64_t durable_version_ ABSL_GUARDED_BY(mu_) = 0;  // last version on disk
  uint64_t commits_started_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failed_commit_ ABSL_GUARDED_BY(mu_) = 0;   // number of the last failed commit
  uint64_t failed_version_ ABSL_GUARDED_BY(mu_) = 0;  // the version it tried to write
  absl::Status failed_status_ ABSL_GUARDED_BY(mu_);
  bool committing_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace resizelet::state

#endif  // RESIZELET_AGENT_STATE_FILE_ALLOCATION_STORE_H_
