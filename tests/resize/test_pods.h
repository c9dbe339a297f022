// Small builders for api::Pod values in resize tests.
#ifndef RESIZELET_TESTS_RESIZE_TEST_PODS_H_
#define RESIZELET_TESTS_RESIZE_TEST_PODS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "agent/api/objects.h"
#include "agent/api/quantity.h"
#include "gtest/gtest.h"

namespace resizelet::resize::testing {

inline api::Quantity Q(std::string_view text) {
  absl::StatusOr<api::Quantity> q = api::Quantity::Parse(text);
  EXPECT_TRUE(q.ok()) << text << ": " << q.status();
  return q.ok() ? *q : api::Quantity();
}

inline std::optional<api::Quantity> OptQ(const char* text) {
  if (text == nullptr) return std::nullopt;
  return Q(text);
}

// nullptr: absent.
struct Res {
  const char* cpu_req = nullptr;
  const char* cpu_lim = nullptr;
  const char* mem_req = nullptr;
  const char* mem_lim = nullptr;
};

inline api::ResourceRequirements Requirements(const Res& r) {
  api::ResourceRequirements out;
  out.requests.cpu = OptQ(r.cpu_req);
  out.requests.memory = OptQ(r.mem_req);
  out.limits.cpu = OptQ(r.cpu_lim);
  out.limits.memory = OptQ(r.mem_lim);
  return out;
}

inline api::ContainerSpec Container(const char* name, const Res& r = {}, bool sidecar = false) {
  api::ContainerSpec c;
  c.name = name;
  c.resources = Requirements(r);
  c.sidecar = sidecar;
  return c;
}

inline api::Pod MakePod(std::vector<api::ContainerSpec> containers,
                        std::vector<api::ContainerSpec> init_containers = {}) {
  api::Pod p;
  p.name = "p";
  p.namespace_name = "default";
  p.uid = "1234abcd-5678-90ef-1234-567890abcdef";
  p.config_source = "api";
  p.phase = api::PodPhase::kRunning;
  p.containers = std::move(containers);
  p.init_containers = std::move(init_containers);
  return p;
}

}  // namespace resizelet::resize::testing

#endif  // RESIZELET_TESTS_RESIZE_TEST_PODS_H_
