// systemd integration: the sd_notify protocol as the real smsgwd speaks it to a NOTIFY_SOCKET
// the test owns (READY, STATUS, WATCHDOG, RELOADING, STOPPING), and the generated unit file
// checked by systemd-analyze (verify, and the security exposure score).

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/daemon_process.hpp"
#include "support/http_client.hpp"

namespace smsgw::testing {
namespace {

using namespace std::chrono_literals;

// The service manager's end of NOTIFY_SOCKET: an AF_UNIX datagram socket in a temp dir.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd_ < 0 || path.size() >= sizeof addr.sun_path) return;
    path.copy(addr.sun_path, path.size());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~NotifySocket() {
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }
  bool bound() const { return bound_; }

  // The next datagram, or "" if none arrives within `timeout`.
  std::string receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return "";
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  }

  // Receives until a datagram has the line `line`; every datagram seen is appended to `seen`.
  // Returns that datagram, or "" at the deadline.
  std::string wait_for(const std::string& line, std::chrono::milliseconds timeout,
                       std::vector<std::string>& seen) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      std::string message = receive(std::max(left, 1ms));
      if (message.empty()) continue;
      seen.push_back(message);
      if (has_line(message, line)) return message;
    }
    return "";
  }

  static bool has_line(const std::string& message, const std::string& line) {
    std::istringstream in(message);
    for (std::string l; std::getline(in, l);)
      if (l == line) return true;
    return false;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

std::string status_of(const std::string& message) {
  std::istringstream in(message);
  for (std::string l; std::getline(in, l);)
    if (l.rfind("STATUS=", 0) == 0) return l.substr(7);
  return "";
}

TEST(Systemd, NotifyProtocolFromStartToStop) {
  const std::string dir = make_temp_dir("smsgw-notify");
  const unsigned short port = free_loopback_port();
  const std::string base_url = "http://127.0.0.1:" + std::to_string(port);
  DaemonProcess daemon(SMSGWD_PATH, dir,
                       "[daemon]\ndata_dir = \"data\"\nshutdown_grace = \"2s\"\n"
                       "[api]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n"
                       "[[carriers]]\nname = \"outbox\"\ntype = \"file\"\npath = \"out.jsonl\"\n");
  NotifySocket notify(dir + "/notify.sock");
  ASSERT_TRUE(notify.bound());
  // WATCHDOG_PID is optional for sd_watchdog_enabled(); one inherited from whatever runs the
  // tests would name another process and switch the watchdog off.
  ::unsetenv("WATCHDOG_PID");
  daemon.set_extra_env({{"NOTIFY_SOCKET", dir + "/notify.sock"},
                        {"WATCHDOG_USEC", "400000"},
                        // Not the stderr the daemon gets (a file): it must keep logging there.
                        {"JOURNAL_STREAM", "1:1"}});
  daemon.spawn();

  std::vector<std::string> seen;
  const std::string ready = notify.wait_for("READY=1", 20s, seen);
  ASSERT_FALSE(ready.empty()) << daemon.log();
  // READY only once the API answers: nothing polled /healthz before this point.
  EXPECT_EQ(http_request("GET", base_url + "/healthz", "", "", {}, 2000).status, 200);
  EXPECT_EQ(seen.size(), 1u) << "notifications before READY=1: " << seen.front();
  const std::string status = status_of(ready);
  EXPECT_NE(status.find("0 queued, 0 sending"), std::string::npos) << status;
  EXPECT_NE(status.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << status;

  // WATCHDOG_USEC=400ms: a ping about every 200 ms from the event loop.
  int pings = 0;
  const auto start = std::chrono::steady_clock::now();
  while (pings < 4 && std::chrono::steady_clock::now() - start < 5s) {
    const std::string message = notify.receive(1s);
    if (NotifySocket::has_line(message, "WATCHDOG=1")) ++pings;
  }
  EXPECT_GE(pings, 4) << daemon.log();

  seen.clear();
  daemon.signal(SIGHUP);
  EXPECT_FALSE(notify.wait_for("RELOADING=1", 10s, seen).empty()) << daemon.log();
  EXPECT_FALSE(notify.wait_for("READY=1", 10s, seen).empty()) << daemon.log();

  seen.clear();
  daemon.signal(SIGTERM);
  const std::string stopping = notify.wait_for("STOPPING=1", 10s, seen);
  EXPECT_FALSE(stopping.empty()) << daemon.log();
  EXPECT_NE(status_of(stopping).find("stopping"), std::string::npos) << stopping;
  EXPECT_EQ(daemon.wait_exit(20s), 0) << daemon.log();

  // JOURNAL_STREAM did not match stderr, so the timestamped stderr format was kept.
  const std::string log = daemon.log();
  EXPECT_NE(log.find("[info] smsgwd"), std::string::npos) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)"))) << log;
}

TEST(Systemd, NoNotifySocketMeansNoProtocol) {
  // Without NOTIFY_SOCKET, WATCHDOG_USEC alone must not make the daemon misbehave.
  const std::string dir = make_temp_dir("smsgw-nonotify");
  const unsigned short port = free_loopback_port();
  DaemonProcess daemon(SMSGWD_PATH, dir,
                       "[daemon]\ndata_dir = \"data\"\nshutdown_grace = \"2s\"\n"
                       "[api]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n"
                       "[[carriers]]\nname = \"outbox\"\ntype = \"file\"\npath = \"out.jsonl\"\n");
  ::unsetenv("NOTIFY_SOCKET");
  daemon.set_extra_env({{"WATCHDOG_USEC", "400000"}});
  ASSERT_TRUE(daemon.start("http://127.0.0.1:" + std::to_string(port))) << daemon.log();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(20s), 0) << daemon.log();
  EXPECT_EQ(daemon.log().find("watchdog"), std::string::npos) << daemon.log();
}

bool have_systemd_analyze() {
  return run_command("command -v systemd-analyze").status == 0;
}

// A copy of the generated unit whose ExecStart runs the smsgwd of this build tree (verify
// checks that the binary exists), in its own folder under the name smsgwd.service.
std::string unit_for_this_build() {
  std::ifstream in(SMSGW_UNIT_PATH);
  std::stringstream text;
  text << in.rdbuf();
  const std::string unit = std::regex_replace(text.str(), std::regex(R"(ExecStart=\S+/smsgwd )"),
                                              std::string("ExecStart=") + SMSGWD_PATH + " ");
  const std::string path = make_temp_dir("smsgw-unit") + "/smsgwd.service";
  std::ofstream(path) << unit;
  return path;
}

TEST(Systemd, UnitPassesVerify) {
  if (!have_systemd_analyze()) GTEST_SKIP() << "systemd-analyze not installed (scripts/deps.sh)";
  const std::string unit = unit_for_this_build();
  std::ifstream in(unit);
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_NE(text.str().find(std::string("ExecStart=") + SMSGWD_PATH + " --config "),
            std::string::npos)
      << text.str();
  const auto result = run_command("systemd-analyze verify " + unit);
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output, "") << result.output;
}

TEST(Systemd, UnitExposureScoreAtMostTwo) {
  if (!have_systemd_analyze()) GTEST_SKIP() << "systemd-analyze not installed (scripts/deps.sh)";
  const auto result =
      run_command("systemd-analyze security --offline=true --no-pager " + unit_for_this_build());
  ASSERT_EQ(result.status, 0) << result.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(result.output, m,
                                std::regex(R"(Overall exposure level for \S+: (\d+\.\d+))")))
      << result.output;
  EXPECT_LE(std::stod(m[1].str()), 2.0) << result.output;
}

}  // namespace
}  // namespace smsgw::testing
