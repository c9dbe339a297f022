// Time for the API client's timers (rate limiting, backoff, token re-reads, watch timeouts), so
// tests drive them without sleeping. RealClock reads the system; FakeClock only moves when told
// (SleepFor advances it at once).
#ifndef RESIZELET_AGENT_KUBE_CLOCK_H_
#define RESIZELET_AGENT_KUBE_CLOCK_H_

#include <chrono>
#include <mutex>
#include <thread>

namespace resizelet::kube {

class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() = 0;
  virtual std::chrono::system_clock::time_point WallNow() = 0;
  virtual void SleepFor(Duration d) = 0;
};

class RealClock : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() override {
    return std::chrono::system_clock::now();
  }
  void SleepFor(Duration d) override { std::this_thread::sleep_for(d); }
  static RealClock* Get() {
    static RealClock clock;
    return &clock;
  }
};

class FakeClock : public Clock {
 public:
  TimePoint Now() override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  std::chrono::system_clock::time_point WallNow() override {
    std::lock_guard<std::mutex> lock(mu_);
    return wall_ + (now_ - TimePoint());
  }
  void SleepFor(Duration d) override { Advance(d); }
  void Advance(Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
    slept_ += d;
  }
  Duration TotalSlept() {
    std::lock_guard<std::mutex> lock(mu_);
    return slept_;
  }

 private:
  std::mutex mu_;
  TimePoint now_{std::chrono::hours(1)};
  std::chrono::system_clock::time_point wall_{std::chrono::seconds(1798000000)};
  Duration slept_{};
};

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_CLOCK_H_
