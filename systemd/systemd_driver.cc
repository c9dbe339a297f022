#include "systemd/systemd_driver.h"

#include <systemd/sd-bus.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "agent/common/status_macros.h"
#include "cgroups/cpu_math.h"
#include "cgroups/reclaim_io.h"

namespace resizelet::systemd {
namespace {

constexpr char kService[] = "org.freedesktop.systemd1";
constexpr char kManagerPath[] = "/org/freedesktop/systemd1";
constexpr char kManagerInterface[] = "org.freedesktop.systemd1.Manager";

uint64_t ToSystemd(int64_t v) { return v < 0 ? kInfinity : static_cast<uint64_t>(v); }

// One connection per thread and address: sd_bus objects are not thread-safe.
struct ThreadBuses {
  std::map<std::string, sd_bus*> by_address;
  ~ThreadBuses() {
    for (auto& [address, bus] : by_address) sd_bus_flush_close_unref(bus);
  }
};
thread_local ThreadBuses t_buses;

absl::Status BusError(const std::string& what, int r, const sd_bus_error* err) {
  std::string msg = absl::StrCat(what, ": ");
  if (err != nullptr && sd_bus_error_is_set(err)) {
    absl::StrAppend(&msg, err->name, ": ", err->message != nullptr ? err->message : "");
    if (sd_bus_error_has_name(err, "org.freedesktop.systemd1.NoSuchUnit")) {
      return absl::NotFoundError(msg);
    }
    if (sd_bus_error_has_name(err, SD_BUS_ERROR_ACCESS_DENIED)) {
      return absl::PermissionDeniedError(msg);
    }
    if (sd_bus_error_has_name(err, SD_BUS_ERROR_INVALID_ARGS)) {
      return absl::InvalidArgumentError(msg);
    }
    if (sd_bus_error_has_name(err, SD_BUS_ERROR_NO_REPLY) ||
        sd_bus_error_has_name(err, SD_BUS_ERROR_TIMEOUT)) {
      return absl::DeadlineExceededError(msg);
    }
  } else {
    absl::StrAppend(&msg, std::strerror(-r));
  }
  if (r == -ETIMEDOUT) return absl::DeadlineExceededError(msg);
  return absl::UnavailableError(msg);
}

absl::StatusOr<sd_bus*> Connect(const std::string& address, bool bus_client,
                                uint64_t timeout_usec) {
  sd_bus* bus = nullptr;
  int r;
  if (address.empty()) {
    r = sd_bus_open_system(&bus);
    if (r < 0) return BusError("connect to the system bus", r, nullptr);
  } else {
    r = sd_bus_new(&bus);
    if (r < 0) return BusError("sd_bus_new", r, nullptr);
    r = sd_bus_set_address(bus, address.c_str());
    // A bus daemon needs the Hello handshake; systemd's private socket is peer to peer.
    if (r >= 0) r = sd_bus_set_bus_client(bus, bus_client ? 1 : 0);
    if (r >= 0) r = sd_bus_start(bus);
    if (r < 0) {
      sd_bus_unref(bus);
      return BusError(absl::StrCat("connect to ", address), r, nullptr);
    }
  }
  // Every call on this connection gets this deadline.
  sd_bus_set_method_call_timeout(bus, timeout_usec);
  return bus;
}

bool ConnectionLost(int r) { return r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE; }

std::string UnitOf(const std::string& cgroup_path) {
  const size_t slash = cgroup_path.rfind('/');
  return slash == std::string::npos ? cgroup_path : cgroup_path.substr(slash + 1);
}

std::string UnitInterface(const std::string& unit) {
  if (absl::EndsWith(unit, ".scope")) return "org.freedesktop.systemd1.Scope";
  if (absl::EndsWith(unit, ".service")) return "org.freedesktop.systemd1.Service";
  return "org.freedesktop.systemd1.Slice";
}

struct BusErrorHolder {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ~BusErrorHolder() { sd_bus_error_free(&e); }
};

class SystemdBus {
 public:
  explicit SystemdBus(const SystemdDriverOptions& options) : options_(options) {}

  // The calling thread's connection: the configured bus, else the private socket.
  absl::StatusOr<sd_bus*> Get() {
    const std::string key = absl::StrCat(options_.bus_address, "|", options_.fallback_address);
    auto it = t_buses.by_address.find(key);
    if (it != t_buses.by_address.end()) return it->second;
    const uint64_t timeout = static_cast<uint64_t>(options_.call_timeout.count());
    absl::StatusOr<sd_bus*> bus = Connect(options_.bus_address, true, timeout);
    if (!bus.ok() && !options_.fallback_address.empty()) {
      absl::StatusOr<sd_bus*> private_bus = Connect(options_.fallback_address, false, timeout);
      if (!private_bus.ok()) {
        return absl::UnavailableError(
            absl::StrCat(bus.status().message(), "; ", private_bus.status().message()));
      }
      bus = private_bus;
    }
    if (!bus.ok()) return bus.status();
    t_buses.by_address[key] = *bus;
    return *bus;
  }

  // Drops the thread's connection after a transport error, so the next call reconnects.
  void Forget() {
    const std::string key = absl::StrCat(options_.bus_address, "|", options_.fallback_address);
    auto it = t_buses.by_address.find(key);
    if (it == t_buses.by_address.end()) return;
    sd_bus_flush_close_unref(it->second);
    t_buses.by_address.erase(it);
  }

 private:
  const SystemdDriverOptions& options_;
};

}  // namespace

const std::vector<std::string>& ResourcePropertyNames(bool cgroup_v2) {
  static const std::vector<std::string> kV2 = {"CPUWeight", "CPUQuotaPerSecUSec",
                                               "CPUQuotaPeriodUSec", "MemoryMax", "TasksMax"};
  static const std::vector<std::string> kV1 = {"CPUShares", "CPUQuotaPerSecUSec",
                                               "CPUQuotaPeriodUSec", "MemoryLimit", "TasksMax"};
  return cgroup_v2 ? kV2 : kV1;
}

absl::StatusOr<UnitProperties> ComputeUnitProperties(const std::map<std::string, uint64_t>& current,
                                                     const cgroups::CgroupValues& values,
                                                     bool cgroup_v2) {
  if (!values.hugetlb.empty()) {
    return absl::UnimplementedError("systemd has no unit property for hugetlb limits");
  }
  std::map<std::string, uint64_t> next;
  for (const std::string& name : ResourcePropertyNames(cgroup_v2)) {
    auto it = current.find(name);
    if (it == current.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the unit did not report ", name, ": refusing to send a default"));
    }
    next[name] = it->second;
  }
  if (cgroup_v2) {
    if (values.cpu_weight) {
      next["CPUWeight"] = *values.cpu_weight;
    } else if (values.cpu_shares) {
      next["CPUWeight"] = cgroups::CpuWeightLinear(*values.cpu_shares);
    }
    if (values.memory_max_bytes) next["MemoryMax"] = ToSystemd(*values.memory_max_bytes);
  } else {
    if (values.cpu_weight && !values.cpu_shares) {
      return absl::InvalidArgumentError("CPUWeight has no cgroup v1 property: set cpu shares");
    }
    if (values.cpu_shares) next["CPUShares"] = *values.cpu_shares;
    if (values.memory_max_bytes) next["MemoryLimit"] = ToSystemd(*values.memory_max_bytes);
  }
  if (values.cpu_max) {
    // systemd keeps the quota per second as a whole percent: round up as runc's addCPUQuota.
    const cgroups::SystemdCpuQuota q = cgroups::RoundCpuQuotaForSystemd(
        values.cpu_max->quota_usec, static_cast<int64_t>(values.cpu_max->period_usec));
    next["CPUQuotaPerSecUSec"] = q.per_sec_usec;
    next["CPUQuotaPeriodUSec"] = values.cpu_max->period_usec;
  }
  if (values.pids_max) next["TasksMax"] = ToSystemd(*values.pids_max);

  UnitProperties out;
  for (const std::string& name : ResourcePropertyNames(cgroup_v2)) {
    out.emplace_back(name, next[name]);
  }
  return out;
}

SystemdDriver::SystemdDriver(SystemdDriverOptions options, cgroups::CgroupDriver* reader,
                             std::unique_ptr<cgroups::CgroupFileWriter> writer)
    : options_(std::move(options)),
      reader_(reader),
      writer_(writer != nullptr ? std::move(writer)
                                : std::make_unique<cgroups::DirectFileWriter>()) {}

absl::StatusOr<cgroups::MemoryShrinkIo> SystemdDriver::ShrinkIo(const std::string& cgroup_path) {
  cgroups::MemoryShrinkIo io;
  io.read_usage = [this, cgroup_path]() -> absl::StatusOr<uint64_t> {
    ASSIGN_OR_RETURN(cgroups::CgroupState s, reader_->Read(cgroup_path));
    if (!s.memory_current_bytes) {
      return absl::NotFoundError(absl::StrCat(cgroup_path, ": no memory usage file"));
    }
    return *s.memory_current_bytes;
  };
  if (!options_.cgroup_v2) return io;  // v1 has no memory.reclaim
  std::string rel;
  for (absl::string_view part : absl::StrSplit(cgroup_path, '/', absl::SkipEmpty())) {
    // Never let a path reach outside the hierarchy.
    if (part == "." || part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("cgroup path \"", cgroup_path, "\" has \"", part, "\" components"));
    }
    absl::StrAppend(&rel, "/", part);
  }
  cgroups::CgroupFileWriter::Target cgroup;
  cgroup.mount_dir = options_.cgroup_mount_point;
  cgroup.cgroup_name = rel.empty() ? std::string("/") : std::move(rel);
  cgroups::AddMemoryReclaimIo(
      cgroup, options_.memory_shrink, options_.swaps_file,
      [this](const cgroups::CgroupFileWriter::Target& t, std::string_view value) {
        return writer_->Write(t, value);
      },
      &io);
  return io;
}

absl::StatusOr<cgroups::CgroupState> SystemdDriver::Read(const std::string& cgroup_path) {
  return reader_->Read(cgroup_path);
}

absl::StatusOr<std::map<std::string, uint64_t>> SystemdDriver::ReadUnitProperties(
    const std::string& unit) {
  SystemdBus buses(options_);
  ASSIGN_OR_RETURN(sd_bus * bus, buses.Get());
  BusErrorHolder err;
  sd_bus_message* reply = nullptr;
  int r = sd_bus_call_method(bus, kService, kManagerPath, kManagerInterface, "GetUnit", &err.e,
                             &reply, "s", unit.c_str());
  if (r < 0) {
    if (ConnectionLost(r)) buses.Forget();
    return BusError(absl::StrCat("GetUnit(", unit, ")"), r, &err.e);
  }
  const char* path = nullptr;
  r = sd_bus_message_read(reply, "o", &path);
  const std::string unit_path = r >= 0 ? path : "";
  sd_bus_message_unref(reply);
  if (r < 0) return BusError(absl::StrCat("GetUnit(", unit, ") reply"), r, nullptr);

  std::map<std::string, uint64_t> out;
  const std::string iface = UnitInterface(unit);
  for (const std::string& name : ResourcePropertyNames(options_.cgroup_v2)) {
    BusErrorHolder perr;
    uint64_t v = 0;
    r = sd_bus_get_property_trivial(bus, kService, unit_path.c_str(), iface.c_str(), name.c_str(),
                                    &perr.e, 't', &v);
    if (r < 0) {
      if (ConnectionLost(r)) buses.Forget();
      return BusError(absl::StrCat("read ", unit, " ", name), r, &perr.e);
    }
    out[name] = v;
  }
  return out;
}

absl::Status SystemdDriver::Apply(const std::string& cgroup_path,
                                  const cgroups::CgroupValues& values,
                                  const cgroups::ApplyTarget& target) {
  const std::string unit = UnitOf(cgroup_path);
  ASSIGN_OR_RETURN(auto current, ReadUnitProperties(unit));
  ASSIGN_OR_RETURN(UnitProperties next, ComputeUnitProperties(current, values, options_.cgroup_v2));
  bool differs = false;
  for (const auto& [name, value] : next) differs |= current[name] != value;
  if (!differs) return absl::OkStatus();

  const std::string memory = options_.cgroup_v2 ? "MemoryMax" : "MemoryLimit";
  uint64_t new_memory = 0;
  for (const auto& [name, value] : next) {
    if (name == memory) new_memory = value;
  }
  if (new_memory < current[memory]) {
    // systemd would write memory.max below usage just the same: check first, reclaiming if the
    // kernel can (facts.md §5), as the cgroupfs driver does.
    ASSIGN_OR_RETURN(cgroups::MemoryShrinkIo io, ShrinkIo(cgroup_path));
    RETURN_IF_ERROR(cgroups::CheckMemoryShrink(static_cast<int64_t>(new_memory),
                                               target.container_name, options_.memory_shrink, io));
  }

  SystemdBus buses(options_);
  ASSIGN_OR_RETURN(sd_bus * bus, buses.Get());
  sd_bus_message* m = nullptr;
  int r = sd_bus_message_new_method_call(bus, &m, kService, kManagerPath, kManagerInterface,
                                         "SetUnitProperties");
  if (r >= 0) r = sd_bus_message_append(m, "sb", unit.c_str(), 1);
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sv)");
  for (const auto& [name, value] : next) {
    if (r >= 0) r = sd_bus_message_append(m, "(sv)", name.c_str(), "t", value);
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r < 0) {
    sd_bus_message_unref(m);
    return BusError(absl::StrCat("build SetUnitProperties(", unit, ")"), r, nullptr);
  }
  BusErrorHolder err;
  ++calls_;
  r = sd_bus_call(bus, m, static_cast<uint64_t>(options_.call_timeout.count()), &err.e, nullptr);
  sd_bus_message_unref(m);
  if (r < 0) {
    if (ConnectionLost(r)) buses.Forget();
    std::vector<std::string> sent;
    for (const auto& [name, value] : next) sent.push_back(absl::StrCat(name, "=", value));
    return BusError(absl::StrCat("SetUnitProperties(", unit, ", ", absl::StrJoin(sent, " "), ")"),
                    r, &err.e);
  }
  return absl::OkStatus();
}

}  // namespace resizelet::systemd
