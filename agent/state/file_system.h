// The few file-system operations the checkpoint needs, behind an interface so that tests can
// count fsyncs and inject failures or a crash between two steps.
#ifndef RESIZELET_AGENT_STATE_FILE_SYSTEM_H_
#define RESIZELET_AGENT_STATE_FILE_SYSTEM_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace resizelet::state {

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // mkdir -p, mode 0700 for directories it creates.
  virtual absl::Status CreateDirectories(const std::string& dir) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // The whole file. NotFound if absent; ResourceExhausted if larger than `max_bytes`.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) = 0;
  // Creates or truncates `path` (mode 0600), writes `data` and fsyncs it (one fsync).
  virtual absl::Status WriteFileAndSync(const std::string& path, std::string_view data) = 0;
  // rename(2): atomic replacement of `to`.
  virtual absl::Status Rename(const std::string& from, const std::string& to) = 0;
  // fsync of the directory, which makes a rename in it durable (one fsync).
  virtual absl::Status SyncDirectory(const std::string& dir) = 0;
  // OK if `path` does not exist.
  virtual absl::Status RemoveFile(const std::string& path) = 0;
};

// The real thing (POSIX calls, EINTR retried). Thread-safe. Local disk calls have no deadline:
// a hung disk hangs the caller, as it would the kubelet's checkpoint manager.
class PosixFileSystem final : public FileSystem {
 public:
  absl::Status CreateDirectories(const std::string& dir) override;
  bool Exists(const std::string& path) override;
  absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) override;
  absl::Status WriteFileAndSync(const std::string& path, std::string_view data) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status SyncDirectory(const std::string& dir) override;
  absl::Status RemoveFile(const std::string& path) override;
};

}  // namespace resizelet::state

#endif  // RESIZELET_AGENT_STATE_FILE_SYSTEM_H_
