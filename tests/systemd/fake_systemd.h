// FakeSystemd: a fake org.freedesktop.systemd1 served over sd-bus, peer to peer on a unix socket
// (as systemd serves /run/systemd/private). It implements Manager.GetUnit and
// Manager.SetUnitProperties and the units' resource properties, and records every property
// received with its D-Bus type signature so tests can check name, type and value.
#ifndef RESIZELET_TESTS_SYSTEMD_FAKE_SYSTEMD_H_
#define RESIZELET_TESTS_SYSTEMD_FAKE_SYSTEMD_H_

#include <systemd/sd-bus.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace resizelet::systemd {

class FakeSystemd {
 public:
  struct Property {
    std::string name;
    std::string signature;  // the variant's contents, e.g. "t"
    uint64_t value = 0;     // when signature is "t"
  };
  struct Call {
    std::string unit;
    bool runtime = false;
    std::vector<Property> properties;
  };

  // Listens at `socket_path`; nullptr when the socket cannot be created.
  static std::unique_ptr<FakeSystemd> Start(const std::string& socket_path);
  // Connects to the bus daemon at `bus_address` and owns the name org.freedesktop.systemd1 there;
  // nullptr when that fails.
  static std::unique_ptr<FakeSystemd> StartOnBus(const std::string& bus_address);
  ~FakeSystemd();

  void AddUnit(const std::string& name, std::map<std::string, uint64_t> properties);
  std::map<std::string, uint64_t> Unit(const std::string& name);
  std::vector<Call> Calls();
  int Connections();

 private:
  explicit FakeSystemd(int listen_fd, int stop_fd_read, int stop_fd_write);
  // Serves the listening socket (if any) and `buses` until stopped.
  void Serve(std::vector<::sd_bus*> buses);
  // Registers the Manager and unit objects on `bus`.
  int AddObjects(::sd_bus* bus);

  static int GetUnit(::sd_bus_message* m, void* userdata, ::sd_bus_error* err);
  static int SetUnitProperties(::sd_bus_message* m, void* userdata, ::sd_bus_error* err);
  static int GetProperty(::sd_bus* bus, const char* path, const char* interface,
                         const char* property, ::sd_bus_message* reply, void* userdata,
                         ::sd_bus_error* err);
  static int FindUnit(::sd_bus* bus, const char* path, const char* interface, void* userdata,
                      void** found, ::sd_bus_error* err);

  int listen_fd_;
  int stop_read_;
  int stop_write_;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::map<std::string, uint64_t>> units_;
  std::vector<Call> calls_;
  int connections_ = 0;
};

}  // namespace resizelet::systemd

#endif  // RESIZELET_TESTS_SYSTEMD_FAKE_SYSTEMD_H_
