// SdNotifier against a real AF_UNIX datagram socket given as $NOTIFY_SOCKET, as systemd does.
#include "systemd/sd_notifier.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::systemd {
namespace {

using ::resizelet::testing::IsOk;

class NotifySocket {
 public:
  // `abstract`: a Linux abstract socket ("@name" in $NOTIFY_SOCKET) instead of a path.
  explicit NotifySocket(bool abstract) {
    char tmpl[] = "/tmp/resizelet-notify-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socklen_t len;
    if (abstract) {
      name_ = "@resizelet-notify-" + std::to_string(::getpid());
      addr.sun_path[0] = '\0';
      std::memcpy(addr.sun_path + 1, name_.c_str() + 1, name_.size() - 1);
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    } else {
      name_ = dir_ + "/notify.sock";
      std::strncpy(addr.sun_path, name_.c_str(), sizeof(addr.sun_path) - 1);
      len = sizeof(addr);
    }
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  }
  ~NotifySocket() {
    if (fd_ >= 0) ::close(fd_);
    std::filesystem::remove_all(dir_);
  }
  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }

  // The next datagram, waiting up to 5 s (sd_notify sends before it returns, so a message that
  // was sent is already queued; the deadline only bounds a broken run).
  std::optional<std::string> Receive(int timeout_ms = 5000) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return std::nullopt;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }

 private:
  std::string dir_;
  std::string name_;
  int fd_ = -1;
  bool ok_ = false;
};

class SdNotifierTest : public ::testing::TestWithParam<bool> {
 protected:
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
};

TEST_P(SdNotifierTest, SendsEachStateToTheSocket) {
  NotifySocket sock(GetParam());
  ASSERT_TRUE(sock.ok());
  ASSERT_EQ(::setenv("NOTIFY_SOCKET", sock.name().c_str(), 1), 0);
  SdNotifier n;
  ASSERT_THAT(n.Ready(), IsOk());
  EXPECT_EQ(sock.Receive(), "READY=1");
  ASSERT_THAT(n.Status("resizing 2 pods\nsecond line"), IsOk());
  EXPECT_EQ(sock.Receive(), "STATUS=resizing 2 pods second line");
  ASSERT_THAT(n.Watchdog(), IsOk());
  EXPECT_EQ(sock.Receive(), "WATCHDOG=1");
  ASSERT_THAT(n.Stopping(), IsOk());
  EXPECT_EQ(sock.Receive(), "STOPPING=1");
}

INSTANTIATE_TEST_SUITE_P(PathAndAbstract, SdNotifierTest, ::testing::Bool());

TEST(SdNotifierNoSocketTest, IsANoOpWithoutNotifySocket) {
  NotifySocket sock(false);
  ASSERT_TRUE(sock.ok());
  ::unsetenv("NOTIFY_SOCKET");
  SdNotifier n;
  EXPECT_THAT(n.Ready(), IsOk());
  EXPECT_THAT(n.Watchdog(), IsOk());
  EXPECT_THAT(n.Status("x"), IsOk());
  EXPECT_EQ(sock.Receive(/*timeout_ms=*/0), std::nullopt);
  EXPECT_EQ(n.WatchdogInterval(), std::chrono::microseconds(0));
}

TEST(SdNotifierWatchdogTest, IntervalIsHalfOfWatchdogUsecForThisProcess) {
  SdNotifier n;
  ASSERT_EQ(::setenv("WATCHDOG_USEC", "30000000", 1), 0);
  ASSERT_EQ(::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1), 0);
  EXPECT_EQ(n.WatchdogInterval(), std::chrono::seconds(15));
  // Meant for another process (e.g. inherited by a child): no watchdog here.
  ASSERT_EQ(::setenv("WATCHDOG_PID", "1", 1), 0);
  EXPECT_EQ(n.WatchdogInterval(), std::chrono::microseconds(0));
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  EXPECT_EQ(n.WatchdogInterval(), std::chrono::microseconds(0));
}

}  // namespace
}  // namespace resizelet::systemd
