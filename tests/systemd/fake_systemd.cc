#include "tests/systemd/fake_systemd.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

namespace resizelet::systemd {
namespace {

constexpr char kUnitPrefix[] = "/org/freedesktop/systemd1/unit";

}  // namespace

std::unique_ptr<FakeSystemd> FakeSystemd::Start(const std::string& socket_path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
  ::unlink(socket_path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 8) != 0) {
    ::close(fd);
    return nullptr;
  }
  int stop[2];
  if (::pipe2(stop, O_CLOEXEC) != 0) {
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<FakeSystemd> f(new FakeSystemd(fd, stop[0], stop[1]));
  f->thread_ = std::thread([p = f.get()] { p->Serve({}); });
  return f;
}

std::unique_ptr<FakeSystemd> FakeSystemd::StartOnBus(const std::string& bus_address) {
  int stop[2];
  if (::pipe2(stop, O_CLOEXEC) != 0) return nullptr;
  std::unique_ptr<FakeSystemd> f(new FakeSystemd(-1, stop[0], stop[1]));
  // The connection is made, used and closed on the serving thread only.
  auto started = std::make_shared<std::promise<bool>>();
  std::future<bool> ok = started->get_future();
  f->thread_ = std::thread([p = f.get(), bus_address, started] {
    sd_bus* b = nullptr;
    if (sd_bus_new(&b) < 0 || sd_bus_set_address(b, bus_address.c_str()) < 0 ||
        sd_bus_set_bus_client(b, 1) < 0 || sd_bus_start(b) < 0 || p->AddObjects(b) < 0 ||
        sd_bus_request_name(b, "org.freedesktop.systemd1", 0) < 0) {
      if (b != nullptr) sd_bus_flush_close_unref(b);
      started->set_value(false);
      return;
    }
    {
      std::lock_guard<std::mutex> l(p->mu_);
      ++p->connections_;
    }
    started->set_value(true);
    p->Serve({b});
  });
  if (!ok.get()) return nullptr;
  return f;
}

FakeSystemd::FakeSystemd(int listen_fd, int stop_fd_read, int stop_fd_write)
    : listen_fd_(listen_fd), stop_read_(stop_fd_read), stop_write_(stop_fd_write) {}

FakeSystemd::~FakeSystemd() {
  if (::write(stop_write_, "x", 1) != 1) {
    // The serving thread also stops when the pipe closes.
  }
  ::close(stop_write_);
  if (thread_.joinable()) thread_.join();
  ::close(stop_read_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void FakeSystemd::AddUnit(const std::string& name, std::map<std::string, uint64_t> properties) {
  std::lock_guard<std::mutex> l(mu_);
  units_[name] = std::move(properties);
}

std::map<std::string, uint64_t> FakeSystemd::Unit(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  return units_[name];
}

std::vector<FakeSystemd::Call> FakeSystemd::Calls() {
  std::lock_guard<std::mutex> l(mu_);
  return calls_;
}

int FakeSystemd::Connections() {
  std::lock_guard<std::mutex> l(mu_);
  return connections_;
}

int FakeSystemd::GetUnit(sd_bus_message* m, void* userdata, sd_bus_error* err) {
  auto* self = static_cast<FakeSystemd*>(userdata);
  const char* name = nullptr;
  int r = sd_bus_message_read(m, "s", &name);
  if (r < 0) return r;
  {
    std::lock_guard<std::mutex> l(self->mu_);
    if (self->units_.count(name) == 0) {
      return sd_bus_error_setf(err, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not loaded.",
                               name);
    }
  }
  char* path = nullptr;
  r = sd_bus_path_encode(kUnitPrefix, name, &path);
  if (r < 0) return r;
  r = sd_bus_reply_method_return(m, "o", path);
  free(path);
  return r;
}

int FakeSystemd::SetUnitProperties(sd_bus_message* m, void* userdata, sd_bus_error* err) {
  auto* self = static_cast<FakeSystemd*>(userdata);
  Call call;
  const char* name = nullptr;
  int runtime = 0;
  int r = sd_bus_message_read(m, "sb", &name, &runtime);
  if (r < 0) return r;
  call.unit = name;
  call.runtime = runtime != 0;
  r = sd_bus_message_enter_container(m, 'a', "(sv)");
  if (r < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'r', "sv")) > 0) {
    Property p;
    const char* pname = nullptr;
    r = sd_bus_message_read(m, "s", &pname);
    if (r < 0) return r;
    p.name = pname;
    char type = 0;
    const char* contents = nullptr;
    r = sd_bus_message_peek_type(m, &type, &contents);
    if (r < 0) return r;
    p.signature = contents != nullptr ? contents : "";
    r = sd_bus_message_enter_container(m, 'v', contents);
    if (r < 0) return r;
    if (p.signature == "t") {
      r = sd_bus_message_read(m, "t", &p.value);
    } else {
      r = sd_bus_message_skip(m, contents);
    }
    if (r < 0) return r;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;  // variant
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;  // struct
    call.properties.push_back(std::move(p));
  }
  if (r < 0) return r;
  if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  {
    std::lock_guard<std::mutex> l(self->mu_);
    auto it = self->units_.find(call.unit);
    if (it == self->units_.end()) {
      return sd_bus_error_setf(err, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not loaded.",
                               call.unit.c_str());
    }
    for (const Property& p : call.properties) {
      if (p.signature == "t") it->second[p.name] = p.value;
    }
    self->calls_.push_back(std::move(call));
  }
  return sd_bus_reply_method_return(m, "");
}

int FakeSystemd::FindUnit(sd_bus*, const char* path, const char*, void* userdata, void** found,
                          sd_bus_error*) {
  auto* self = static_cast<FakeSystemd*>(userdata);
  char* unit = nullptr;
  if (sd_bus_path_decode(path, kUnitPrefix, &unit) <= 0) return 0;
  std::lock_guard<std::mutex> l(self->mu_);
  const bool known = self->units_.count(unit) > 0;
  free(unit);
  if (!known) return 0;
  *found = userdata;
  return 1;
}

int FakeSystemd::GetProperty(sd_bus*, const char* path, const char*, const char* property,
                             sd_bus_message* reply, void* userdata, sd_bus_error* err) {
  auto* self = static_cast<FakeSystemd*>(userdata);
  char* unit = nullptr;
  if (sd_bus_path_decode(path, kUnitPrefix, &unit) <= 0) return -ENOENT;
  uint64_t v = 0;
  bool have = false;
  {
    std::lock_guard<std::mutex> l(self->mu_);
    auto u = self->units_.find(unit);
    if (u != self->units_.end()) {
      auto p = u->second.find(property);
      if (p != u->second.end()) {
        v = p->second;
        have = true;
      }
    }
  }
  free(unit);
  if (!have) {
    return sd_bus_error_setf(err, SD_BUS_ERROR_UNKNOWN_PROPERTY, "no %s here", property);
  }
  return sd_bus_message_append(reply, "t", v);
}

int FakeSystemd::AddObjects(sd_bus* b) {
  static const sd_bus_vtable kManager[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD("GetUnit", "s", "o", &FakeSystemd::GetUnit, SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_METHOD("SetUnitProperties", "sba(sv)", "", &FakeSystemd::SetUnitProperties,
                    SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_VTABLE_END};
  // Every resource property is 't' in org.freedesktop.systemd1(5).
#define RESIZELET_FAKE_PROPERTY(name) SD_BUS_PROPERTY(name, "t", &FakeSystemd::GetProperty, 0, 0)
  static const sd_bus_vtable kUnit[] = {SD_BUS_VTABLE_START(0),
                                        RESIZELET_FAKE_PROPERTY("CPUWeight"),
                                        RESIZELET_FAKE_PROPERTY("CPUShares"),
                                        RESIZELET_FAKE_PROPERTY("CPUQuotaPerSecUSec"),
                                        RESIZELET_FAKE_PROPERTY("CPUQuotaPeriodUSec"),
                                        RESIZELET_FAKE_PROPERTY("MemoryMax"),
                                        RESIZELET_FAKE_PROPERTY("MemoryLimit"),
                                        RESIZELET_FAKE_PROPERTY("TasksMax"),
                                        SD_BUS_VTABLE_END};
#undef RESIZELET_FAKE_PROPERTY
  int r = sd_bus_add_object_vtable(b, nullptr, "/org/freedesktop/systemd1",
                                   "org.freedesktop.systemd1.Manager", kManager, this);
  if (r >= 0) {
    r = sd_bus_add_fallback_vtable(b, nullptr, kUnitPrefix, "org.freedesktop.systemd1.Slice", kUnit,
                                   &FakeSystemd::FindUnit, this);
  }
  if (r >= 0) {
    r = sd_bus_add_fallback_vtable(b, nullptr, kUnitPrefix, "org.freedesktop.systemd1.Scope", kUnit,
                                   &FakeSystemd::FindUnit, this);
  }
  return r;
}

void FakeSystemd::Serve(std::vector<sd_bus*> buses) {
  while (true) {
    // Drain every connection first: sd_bus_get_events() asks for POLLIN only once the read queue
    // is empty, so polling with queued messages would wait forever.
    for (auto it = buses.begin(); it != buses.end();) {
      int r;
      while ((r = sd_bus_process(*it, nullptr)) > 0) {
      }
      if (r < 0) {
        sd_bus_flush_close_unref(*it);
        it = buses.erase(it);
      } else {
        ++it;
      }
    }
    std::vector<pollfd> fds = {{stop_read_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (sd_bus* b : buses) {
      fds.push_back({sd_bus_get_fd(b), static_cast<short>(sd_bus_get_events(b)), 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) break;
    if (listen_fd_ >= 0 && (fds[1].revents & POLLIN)) {
      int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      sd_bus* b = nullptr;
      sd_id128_t id;
      if (c >= 0 && sd_bus_new(&b) >= 0 && sd_id128_randomize(&id) >= 0 &&
          sd_bus_set_fd(b, c, c) >= 0 && sd_bus_set_server(b, 1, id) >= 0 && AddObjects(b) >= 0 &&
          sd_bus_start(b) >= 0) {
        buses.push_back(b);
        std::lock_guard<std::mutex> l(mu_);
        ++connections_;
      } else if (b != nullptr) {
        sd_bus_unref(b);
      } else if (c >= 0) {
        ::close(c);
      }
    }
  }
  for (sd_bus* b : buses) sd_bus_flush_close_unref(b);
}

}  // namespace resizelet::systemd
