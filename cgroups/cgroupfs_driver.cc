#include "cgroups/cgroupfs_driver.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/common/status_macros.h"
#include "cgroups/cpu_math.h"
#include "cgroups/libcgroup_writer.h"
#include "cgroups/reclaim_io.h"
#include "cgroups/v1_mapping.h"

namespace resizelet::cgroups {
namespace {

// "/", "" → ""; "a/b/" → "/a/b". Rejects "." and ".." so a path never escapes the root.
absl::StatusOr<std::string> NormalizePath(std::string_view path) {
  std::string out;
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(path.data(), path.size()), '/', absl::SkipEmpty())) {
    if (part == "." || part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("cgroup path \"", ToAbsl(path), "\" has \"", part, "\" components"));
    }
    absl::StrAppend(&out, "/", part);
  }
  return out;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// v1 reports "no limit" as the largest page multiple (and -1 in cfs_quota_us).
int64_t V1Limit(int64_t raw) { return V1MemoryLimitFromFile(raw).value_or(kUnlimited); }

std::string V1Format(int64_t v) { return v < 0 ? "-1" : std::to_string(v); }

}  // namespace

absl::StatusOr<std::unique_ptr<CgroupfsDriver>> CgroupfsDriver::Create(
    const CgroupfsOptions& options) {
  ASSIGN_OR_RETURN(CgroupLayout layout,
                   DetectLayoutFromFile(options.mount_point, options.mounts_file));
  std::unique_ptr<CgroupFileWriter> writer;
  if (options.write_through_libcgroup) {
    for (const char* c : {"cpu", "memory", "pids", "hugetlb"}) {
      if (const ControllerLocation* loc = layout.Find(c)) {
        RETURN_IF_ERROR(LibcgroupFileWriter::CheckMountPoint(c, loc->mount_dir));
      }
    }
    writer = std::make_unique<LibcgroupFileWriter>();
  } else {
    writer = std::make_unique<DirectFileWriter>();
  }
  return std::make_unique<CgroupfsDriver>(std::move(layout), options, std::move(writer));
}

CgroupfsDriver::CgroupfsDriver(CgroupLayout layout, CgroupfsOptions options,
                               std::unique_ptr<CgroupFileWriter> writer)
    : layout_(std::move(layout)), options_(std::move(options)), writer_(std::move(writer)) {}

absl::StatusOr<CgroupfsDriver::Located> CgroupfsDriver::Locate(
    std::string_view controller, const std::string& cgroup_path) const {
  const ControllerLocation* loc = layout_.Find(controller);
  if (loc == nullptr) {
    return absl::NotFoundError(absl::StrCat("controller \"", ToAbsl(controller),
                                            "\" is not mounted under ", options_.mount_point));
  }
  ASSIGN_OR_RETURN(std::string rel, NormalizePath(cgroup_path));
  Located at;
  at.target.controller = std::string(controller);
  at.target.mount_dir = loc->mount_dir;
  // The hierarchy's root cgroup is "/" to libcgroup.
  at.target.cgroup_name = rel.empty() ? std::string("/") : std::move(rel);
  at.v2 = loc->v2;
  return at;
}

absl::StatusOr<std::string> CgroupfsDriver::Dir(std::string_view controller,
                                                const std::string& cgroup_path) const {
  ASSIGN_OR_RETURN(Located at, Locate(controller, cgroup_path));
  return at.dir();
}

absl::StatusOr<std::optional<std::string>> CgroupfsDriver::ReadOptional(
    const Located& at, std::string_view file) const {
  absl::StatusOr<std::string> text = ReadCgroupFile(absl::StrCat(at.dir(), "/", ToAbsl(file)));
  if (absl::IsNotFound(text.status())) return std::optional<std::string>();
  if (!text.ok()) return text.status();
  return std::optional<std::string>(*std::move(text));
}

absl::Status CgroupfsDriver::WriteIfDifferent(Located at, std::string_view file,
                                              const std::string& value, bool differs) {
  if (!differs) return absl::OkStatus();
  at.target.file = std::string(file);
  ++writes_;
  return writer_->Write(at.target, value);
}

absl::StatusOr<CgroupState> CgroupfsDriver::Read(const std::string& cgroup_path) {
  CgroupState state;
  bool exists = false;
  auto parse_error = [](const std::string& dir, std::string_view file, const absl::Status& s) {
    return absl::DataLossError(absl::StrCat(dir, "/", ToAbsl(file), ": ", s.message()));
  };

  if (absl::StatusOr<Located> cpu = Locate("cpu", cgroup_path); cpu.ok() && IsDir(cpu->dir())) {
    exists = true;
    if (cpu->v2) {
      ASSIGN_OR_RETURN(std::optional<std::string> w, ReadOptional(*cpu, kCpuWeight));
      if (w) {
        absl::StatusOr<uint64_t> v = ParseUint(*w);
        if (!v.ok()) return parse_error(cpu->dir(), kCpuWeight, v.status());
        state.cpu_weight = *v;
      }
      ASSIGN_OR_RETURN(std::optional<std::string> m, ReadOptional(*cpu, kCpuMax));
      if (m) {
        absl::StatusOr<CpuMax> v = ParseCpuMax(*m);
        if (!v.ok()) return parse_error(cpu->dir(), kCpuMax, v.status());
        state.cpu_max = *v;
      }
      ASSIGN_OR_RETURN(std::optional<std::string> p, ReadOptional(*cpu, kCpuPressure));
      if (p) {
        absl::StatusOr<Pressure> v = ParsePressure(*p);
        if (!v.ok()) return parse_error(cpu->dir(), kCpuPressure, v.status());
        state.cpu_pressure = *v;
      }
    } else {
      ASSIGN_OR_RETURN(std::optional<std::string> s, ReadOptional(*cpu, kCpuShares));
      if (s) {
        absl::StatusOr<uint64_t> v = ParseUint(*s);
        if (!v.ok()) return parse_error(cpu->dir(), kCpuShares, v.status());
        state.cpu_shares = *v;
      }
      ASSIGN_OR_RETURN(std::optional<std::string> q, ReadOptional(*cpu, kCpuCfsQuota));
      ASSIGN_OR_RETURN(std::optional<std::string> per, ReadOptional(*cpu, kCpuCfsPeriod));
      if (q && per) {
        absl::StatusOr<int64_t> qv = ParseIntOrMax(*q);
        absl::StatusOr<uint64_t> pv = ParseUint(*per);
        if (!qv.ok()) return parse_error(cpu->dir(), kCpuCfsQuota, qv.status());
        if (!pv.ok()) return parse_error(cpu->dir(), kCpuCfsPeriod, pv.status());
        state.cpu_max = CpuMax{V1Limit(*qv), *pv};
      }
    }
  }

  if (absl::StatusOr<Located> mem = Locate("memory", cgroup_path); mem.ok() && IsDir(mem->dir())) {
    exists = true;
    const bool v2 = mem->v2;
    ASSIGN_OR_RETURN(std::optional<std::string> lim,
                     ReadOptional(*mem, v2 ? kMemoryMax : kMemoryLimitInBytes));
    if (lim) {
      absl::StatusOr<int64_t> v = ParseIntOrMax(*lim);
      if (!v.ok()) return parse_error(mem->dir(), kMemoryMax, v.status());
      state.memory_max_bytes = v2 ? *v : V1Limit(*v);
    }
    ASSIGN_OR_RETURN(std::optional<std::string> cur,
                     ReadOptional(*mem, v2 ? kMemoryCurrent : kMemoryUsageInBytes));
    if (cur) {
      absl::StatusOr<uint64_t> v = ParseUint(*cur);
      if (!v.ok()) return parse_error(mem->dir(), kMemoryCurrent, v.status());
      state.memory_current_bytes = *v;
    }
    ASSIGN_OR_RETURN(std::optional<std::string> ev,
                     ReadOptional(*mem, v2 ? kMemoryEvents : kMemoryOomControl));
    if (ev) {
      // v1 kernels before 4.13 have no oom_kill line: leave the count unset.
      absl::StatusOr<uint64_t> v = ParseKeyedValue(*ev, "oom_kill");
      if (v.ok()) state.oom_kill_count = *v;
    }
    if (v2) {
      ASSIGN_OR_RETURN(std::optional<std::string> p, ReadOptional(*mem, kMemoryPressure));
      if (p) {
        absl::StatusOr<Pressure> v = ParsePressure(*p);
        if (!v.ok()) return parse_error(mem->dir(), kMemoryPressure, v.status());
        state.memory_pressure = *v;
      }
    }
  }

  if (absl::StatusOr<Located> io = Locate("io", cgroup_path);
      io.ok() && io->v2 && IsDir(io->dir())) {
    ASSIGN_OR_RETURN(std::optional<std::string> p, ReadOptional(*io, kIoPressure));
    if (p) {
      absl::StatusOr<Pressure> v = ParsePressure(*p);
      if (!v.ok()) return parse_error(io->dir(), kIoPressure, v.status());
      state.io_pressure = *v;
    }
  }

  if (absl::StatusOr<Located> pids = Locate("pids", cgroup_path); pids.ok() && IsDir(pids->dir())) {
    exists = true;
    ASSIGN_OR_RETURN(std::optional<std::string> m, ReadOptional(*pids, kPidsMax));
    if (m) {
      absl::StatusOr<int64_t> v = ParseIntOrMax(*m);
      if (!v.ok()) return parse_error(pids->dir(), kPidsMax, v.status());
      state.pids_max = *v;
    }
  }

  if (absl::StatusOr<Located> huge = Locate("hugetlb", cgroup_path);
      huge.ok() && IsDir(huge->dir())) {
    const std::string suffix = huge->v2 ? kHugetlbV2Suffix : kHugetlbV1Suffix;
    const std::string prefix = kHugetlbPrefix;
    std::vector<std::string> files;
    if (DIR* d = ::opendir(huge->dir().c_str())) {
      while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        // hugetlb.<size>.max / .limit_in_bytes, not the reservation (.rsvd.) files.
        if (absl::StartsWith(name, prefix) && absl::EndsWith(name, suffix) &&
            !absl::StrContains(name, ".rsvd.")) {
          files.push_back(std::move(name));
        }
      }
      ::closedir(d);
    }
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) {
      ASSIGN_OR_RETURN(std::optional<std::string> m, ReadOptional(*huge, f));
      if (!m) continue;
      absl::StatusOr<int64_t> v = ParseIntOrMax(*m);
      if (!v.ok()) return parse_error(huge->dir(), f, v.status());
      std::string size = f.substr(prefix.size(), f.size() - prefix.size() - suffix.size());
      state.hugetlb.push_back(HugetlbLimit{size, huge->v2 ? *v : V1Limit(*v)});
    }
  }

  if (!exists) {
    return absl::NotFoundError(
        absl::StrCat("cgroup ", cgroup_path, " does not exist under ", options_.mount_point));
  }
  return state;
}

absl::Status CgroupfsDriver::Apply(const std::string& cgroup_path, const CgroupValues& values,
                                   const ApplyTarget& target) {
  // Memory first, as the kubelet's doPodResizeAction: a refused shrink leaves CPU untouched.
  RETURN_IF_ERROR(ApplyMemory(cgroup_path, values, target));
  RETURN_IF_ERROR(ApplyCpu(cgroup_path, values));
  RETURN_IF_ERROR(ApplyPids(cgroup_path, values));
  return ApplyHugetlb(cgroup_path, values);
}

absl::Status CgroupfsDriver::ApplyMemory(const std::string& cgroup_path, const CgroupValues& values,
                                         const ApplyTarget& target) {
  if (!values.memory_max_bytes) return absl::OkStatus();
  ASSIGN_OR_RETURN(Located at, Locate("memory", cgroup_path));
  const bool v2 = at.v2;
  const std::string limit_file = v2 ? kMemoryMax : kMemoryLimitInBytes;
  ASSIGN_OR_RETURN(std::optional<std::string> cur_text, ReadOptional(at, limit_file));
  if (!cur_text) {
    return absl::NotFoundError(absl::StrCat(at.dir(), "/", ToAbsl(limit_file), " does not exist"));
  }
  ASSIGN_OR_RETURN(int64_t current, ParseIntOrMax(*cur_text));
  if (!v2) current = V1Limit(current);
  const int64_t desired = *values.memory_max_bytes;
  if (current == desired) return absl::OkStatus();

  const bool lowering = desired >= 0 && (current < 0 || desired < current);
  if (lowering) {
    MemoryShrinkIo io;
    io.read_usage = [this, at, v2]() -> absl::StatusOr<uint64_t> {
      ASSIGN_OR_RETURN(std::optional<std::string> text,
                       ReadOptional(at, v2 ? kMemoryCurrent : kMemoryUsageInBytes));
      if (!text) {
        return absl::NotFoundError(absl::StrCat(
            at.dir(), "/", v2 ? kMemoryCurrent : kMemoryUsageInBytes, " does not exist"));
      }
      return ParseUint(*text);
    };
    if (v2) {
      AddMemoryReclaimIo(
          at.target, options_.memory_shrink, options_.swaps_file,
          [this](const CgroupFileWriter::Target& t, std::string_view value) {
            ++writes_;
            return writer_->Write(t, value);
          },
          &io);
    }
    RETURN_IF_ERROR(CheckMemoryShrink(desired, target.container_name, options_.memory_shrink, io));
  }
  return WriteIfDifferent(at, limit_file, v2 ? FormatIntOrMax(desired) : V1Format(desired), true);
}

absl::Status CgroupfsDriver::ApplyCpu(const std::string& cgroup_path, const CgroupValues& values) {
  if (!values.cpu_shares && !values.cpu_weight && !values.cpu_max) return absl::OkStatus();
  ASSIGN_OR_RETURN(Located at, Locate("cpu", cgroup_path));
  if (at.v2) {
    if (values.cpu_shares || values.cpu_weight) {
      const uint64_t weight =
          values.cpu_weight ? *values.cpu_weight : CpuWeightLinear(*values.cpu_shares);
      ASSIGN_OR_RETURN(std::optional<std::string> cur, ReadOptional(at, kCpuWeight));
      bool differs = true;
      if (cur) {
        absl::StatusOr<uint64_t> v = ParseUint(*cur);
        differs = !v.ok() || *v != weight;
      }
      RETURN_IF_ERROR(WriteIfDifferent(at, kCpuWeight, std::to_string(weight), differs));
    }
    if (values.cpu_max) {
      ASSIGN_OR_RETURN(std::optional<std::string> cur, ReadOptional(at, kCpuMax));
      bool differs = true;
      if (cur) {
        absl::StatusOr<CpuMax> v = ParseCpuMax(*cur);
        differs = !v.ok() || !(*v == *values.cpu_max);
      }
      RETURN_IF_ERROR(WriteIfDifferent(at, kCpuMax, FormatCpuMax(*values.cpu_max), differs));
    }
    return absl::OkStatus();
  }

  // cgroup v1.
  if (values.cpu_weight && !values.cpu_shares) {
    return absl::InvalidArgumentError(
        absl::StrCat("cpu.weight has no cgroup v1 file; ", at.dir(), " needs cpu shares"));
  }
  if (values.cpu_shares) {
    ASSIGN_OR_RETURN(std::optional<std::string> cur, ReadOptional(at, kCpuShares));
    bool differs = true;
    if (cur) {
      absl::StatusOr<uint64_t> v = ParseUint(*cur);
      differs = !v.ok() || *v != *values.cpu_shares;
    }
    RETURN_IF_ERROR(WriteIfDifferent(at, kCpuShares, std::to_string(*values.cpu_shares), differs));
  }
  if (values.cpu_max) {
    ASSIGN_OR_RETURN(std::optional<std::string> q, ReadOptional(at, kCpuCfsQuota));
    ASSIGN_OR_RETURN(std::optional<std::string> p, ReadOptional(at, kCpuCfsPeriod));
    bool quota_differs = true;
    bool period_differs = true;
    if (q) {
      absl::StatusOr<int64_t> v = ParseIntOrMax(*q);
      quota_differs = !v.ok() || V1Limit(*v) != values.cpu_max->quota_usec;
    }
    if (p) {
      absl::StatusOr<uint64_t> v = ParseUint(*p);
      period_differs = !v.ok() || *v != values.cpu_max->period_usec;
    }
    const std::string quota = V1Format(values.cpu_max->quota_usec);
    const std::string period = std::to_string(values.cpu_max->period_usec);
    // libcontainer's fs CpuGroup.Set: the period first; if the kernel rejects it against the old
    // quota (EINVAL), write the quota first and then the period.
    absl::Status s = WriteIfDifferent(at, kCpuCfsPeriod, period, period_differs);
    if (absl::IsInvalidArgument(s) && quota_differs) {
      RETURN_IF_ERROR(WriteIfDifferent(at, kCpuCfsQuota, quota, true));
      return WriteIfDifferent(at, kCpuCfsPeriod, period, true);
    }
    RETURN_IF_ERROR(s);
    RETURN_IF_ERROR(WriteIfDifferent(at, kCpuCfsQuota, quota, quota_differs));
  }
  return absl::OkStatus();
}

absl::Status CgroupfsDriver::ApplyPids(const std::string& cgroup_path, const CgroupValues& values) {
  if (!values.pids_max) return absl::OkStatus();
  ASSIGN_OR_RETURN(Located at, Locate("pids", cgroup_path));
  ASSIGN_OR_RETURN(std::optional<std::string> cur, ReadOptional(at, kPidsMax));
  bool differs = true;
  if (cur) {
    absl::StatusOr<int64_t> v = ParseIntOrMax(*cur);
    differs = !v.ok() || *v != *values.pids_max;
  }
  return WriteIfDifferent(at, kPidsMax, FormatIntOrMax(*values.pids_max), differs);
}

absl::Status CgroupfsDriver::ApplyHugetlb(const std::string& cgroup_path,
                                          const CgroupValues& values) {
  if (values.hugetlb.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(Located at, Locate("hugetlb", cgroup_path));
  for (const HugetlbLimit& h : values.hugetlb) {
    const std::string file =
        absl::StrCat(kHugetlbPrefix, h.page_size, at.v2 ? kHugetlbV2Suffix : kHugetlbV1Suffix);
    ASSIGN_OR_RETURN(std::optional<std::string> cur, ReadOptional(at, file));
    bool differs = true;
    if (cur) {
      absl::StatusOr<int64_t> v = ParseIntOrMax(*cur);
      differs = !v.ok() || (at.v2 ? *v : V1Limit(*v)) != h.limit_bytes;
    }
    RETURN_IF_ERROR(WriteIfDifferent(
        at, file, at.v2 ? FormatIntOrMax(h.limit_bytes) : V1Format(h.limit_bytes), differs));
  }
  return absl::OkStatus();
}

}  // namespace resizelet::cgroups
