// What /proc says about one process's footprint: resident memory now and at its peak
// (/proc/<pid>/status VmRSS, VmHWM, RssAnon, RssFile), CPU time in clock ticks (/proc/<pid>/stat
// utime + stime, USER_HZ resolution) and, for short windows, in nanoseconds (the sum of
// /proc/<pid>/task/*/schedstat over its live threads; a thread that exited takes its share with
// it, which is why the ticks stay the figure of record for long windows).
#ifndef RESIZELET_BENCH_DAEMON_PROC_SAMPLE_H_
#define RESIZELET_BENCH_DAEMON_PROC_SAMPLE_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"

namespace resizelet::bench {

struct ProcMemory {
  int64_t rss_kib = 0;  // VmRSS
  int64_t hwm_kib = 0;  // VmHWM: the peak RSS since the process started
  // VmRSS split: anonymous pages (heap, stacks: the process's own) and file pages (the mapped
  // binary and shared libraries, shared with every other process mapping them).
  int64_t rss_anon_kib = 0;
  int64_t rss_file_kib = 0;
};

struct ProcCpu {
  int64_t ticks = 0;    // utime + stime, in sysconf(_SC_CLK_TCK) units
  int64_t run_ns = 0;   // schedstat run time summed over live threads
  int64_t threads = 0;  // live threads counted in run_ns
};

absl::StatusOr<ProcMemory> ReadProcMemory(pid_t pid);
absl::StatusOr<ProcCpu> ReadProcCpu(pid_t pid);

// Milliseconds of CPU between two samples, from the ticks.
double TicksToMs(int64_t ticks);

}  // namespace resizelet::bench

#endif  // RESIZELET_BENCH_DAEMON_PROC_SAMPLE_H_
