// The real smsgwd against a hostile client on the office network (issue 9): requests that once
// killed it, half-open connections, slow clients, and credentials checked before the body.
// Raw sockets on loopback; every wait is for a condition with a deadline.

#include <algorithm>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"

namespace smsgw::testing {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kAdmin = "hardening-admin-token";

std::string config(unsigned short port, const std::string& extra_api = "",
                   const std::string& extra = "") {
  return "[daemon]\ndata_dir = \"data\"\nlog_level = \"info\"\ncalendar_dir = \"\"\n"
         "[api]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n" + extra_api +
         "[[api.tokens]]\nname = \"admin\"\nsha256 = \"" + sha256_hex(kAdmin) +
         "\"\nscopes = [\"send\", \"read\", \"admin\"]\n"
         "[[carriers]]\nname = \"outbox\"\ntype = \"file\"\npath = \"outbox.jsonl\"\n"
         "[sms]\nquiet_hours = \"off\"\n" + extra;
}

// A blocking TCP connection from a chosen loopback source address.
class Conn {
 public:
  Conn(unsigned short port, const char* source = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    if (source != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &local.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        close();
        return;
      }
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      close();
      return;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Conn() { close(); }
  Conn(Conn&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Conn(const Conn&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool send(std::string_view data) {
    return fd_ >= 0 && ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) ==
                           static_cast<ssize_t>(data.size());
  }
  // Reads until `want` appears, the peer closes, or the deadline; returns what was read.
  std::string read_until(std::string_view want, milliseconds within, bool* closed = nullptr) {
    std::string got;
    const auto deadline = Clock::now() + within;
    while (fd_ >= 0 && got.find(want) == std::string::npos) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (closed != nullptr) *closed = true;
        break;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

class HardeningE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("smsgw-hardening");
    port_ = free_loopback_port();
  }
  void TearDown() override {
    daemon_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void start(const std::string& cfg) {
    daemon_ = std::make_unique<DaemonProcess>(SMSGWD_PATH, dir_, cfg);
    ASSERT_TRUE(daemon_->start(base())) << daemon_->log();
  }
  bool alive() { return daemon_->running() && ::kill(daemon_->pid(), 0) == 0; }

  std::string dir_;
  unsigned short port_ = 0;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(HardeningE2E, RequestsThatOnceKilledTheDaemonGetAnswersAndItStaysUp) {
  start(config(port_));
  // No token, a path the old route matcher cut out of range (std::out_of_range, terminate).
  EXPECT_EQ(http_request("GET", base() + "/v1/templates/preview").status, 401);
  EXPECT_EQ(http_request("POST", base() + "/v1/templates/preview", "", "{}").status, 405);
  // One extra field nested 200,000 arrays deep (a recursive copy overflowed the stack).
  std::string deep = R"({"name": "x", "when": "at 2027-01-01T09:00:00+08:00", "extra": )";
  deep.append(200'000, '[').append(200'000, ']').append("}");
  auto r = http_request("POST", base() + "/v1/schedules", kAdmin, deep);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("json_max_depth"), std::string::npos) << r.body;
  // A send centuries ahead (the dispatcher's timer arithmetic overflowed and spun).
  r = http_request("POST", base() + "/v1/messages", kAdmin,
                   R"({"to": "13800138000", "text": "x", "send_at": "2400-01-01T00:00:00Z"})");
  EXPECT_EQ(r.status, 422) << r.body;
  ASSERT_TRUE(alive()) << daemon_->log();
  EXPECT_EQ(http_request("GET", base() + "/healthz").status, 200);
  // And real work still goes through.
  r = http_request("POST", base() + "/v1/messages", kAdmin, R"({"to": "13800138000", "text": "x"})");
  EXPECT_EQ(r.status, 202) << r.body;
}

TEST_F(HardeningE2E, CredentialsAreCheckedFromTheHeaderBeforeTheBodyIsRead) {
  start(config(port_));
  // Without a token: 401 at once, no 100 Continue, though the announced body never comes.
  Conn anon(port_);
  ASSERT_TRUE(anon.ok());
  const auto t0 = Clock::now();
  ASSERT_TRUE(anon.send("POST /v1/recipients/import HTTP/1.1\r\nHost: x\r\n"
                        "Content-Type: text/csv\r\nContent-Length: 1000000\r\n"
                        "Expect: 100-continue\r\n\r\n"));
  std::string got = anon.read_until("\r\n\r\n", milliseconds{5000});
  EXPECT_LT(Clock::now() - t0, milliseconds{2000});
  EXPECT_EQ(got.rfind("HTTP/1.1 401", 0), 0u) << got;
  EXPECT_EQ(got.find("100 Continue"), std::string::npos) << got;
  // A read-only token: 403, likewise before the body.
  Conn reader(port_);
  ASSERT_TRUE(reader.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n"
                          "Content-Type: application/json\r\nContent-Length: 500000\r\n\r\n"));
  got = reader.read_until("\r\n\r\n", milliseconds{5000});
  EXPECT_EQ(got.rfind("HTTP/1.1 401", 0), 0u) << got;
  // With the admin token the server asks for the body.
  Conn admin(port_);
  ASSERT_TRUE(admin.send(std::string("POST /v1/recipients/import HTTP/1.1\r\nHost: x\r\n"
                                     "Authorization: Bearer ") + kAdmin +
                         "\r\nContent-Type: text/csv\r\nContent-Length: 40\r\n"
                         "Expect: 100-continue\r\n\r\n"));
  got = admin.read_until("\r\n\r\n", milliseconds{5000});
  EXPECT_EQ(got.rfind("HTTP/1.1 100 Continue", 0), 0u) << got;
}

TEST_F(HardeningE2E, OneDeadlineCoversHeaderAndBody) {
  start(config(port_, "request_timeout = \"1500ms\"\n"));
  // The header takes 0.8 s and the body 1 s: each within the timeout, together well past it.
  // A deadline per phase (the old session) let this request through with a 202.
  const std::string body = R"({"to": "13800138000", "text": "a slow client, one byte at a time"})";
  Conn slow(port_);
  ASSERT_TRUE(slow.ok());
  const auto t0 = Clock::now();
  const std::string header = std::string("POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") +
                             kAdmin + "\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n";
  bool closed = false;
  std::string got;
  ASSERT_TRUE(slow.send(header.substr(0, 10)));
  got += slow.read_until("HTTP/1.1", milliseconds{800}, &closed);  // paces the client
  ASSERT_TRUE(slow.send(header.substr(10)));
  const auto per_byte = milliseconds{1000} / static_cast<int>(body.size());
  for (char c : body) {
    if (closed || !slow.send(std::string(1, c))) break;
    got += slow.read_until("HTTP/1.1", per_byte, &closed);
  }
  got += slow.read_until("\r\n\r\n", milliseconds{3000}, &closed);
  EXPECT_TRUE(closed) << got;
  EXPECT_EQ(got.find("202"), std::string::npos) << got;
  EXPECT_LT(Clock::now() - t0, milliseconds{4500});
  EXPECT_EQ(http_request("GET", base() + "/healthz").status, 200);
}

TEST_F(HardeningE2E, HalfOpenConnectionsFromOneAddressDoNotStopAnotherClient) {
  // 5,000 connections from 127.0.0.1 that never send a byte, against a per-client cap of 256:
  // a client on 127.0.0.2 still gets /healthz at once.
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur < 6000 && lim.rlim_max >= 6000) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 20000);
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur < 6000) GTEST_SKIP() << "needs 6,000 file descriptors, the limit is " << lim.rlim_cur;
  start(config(port_, "max_connections_per_client = 256\nrequest_timeout = \"30s\"\n"));
  std::vector<Conn> idle;
  idle.reserve(5000);
  for (int i = 0; i < 5000; ++i) {
    idle.emplace_back(port_, "127.0.0.1");
    ASSERT_TRUE(idle.back().ok()) << "connection " << i;
  }
  // The connections over the cap were answered 503 and closed; wait until the daemon is past
  // them (the last one's answer has arrived), so the probe measures its steady state.
  bool closed = false;
  const std::string last = idle.back().read_until("\r\n\r\n", milliseconds{10'000}, &closed);
  EXPECT_EQ(last.rfind("HTTP/1.1 503", 0), 0u) << last;
  // A daemon stalled by the idle connections would answer only when they time out (30 s): each
  // answer within 1 s, and the median within the issue's 100 ms (one slow answer on a loaded
  // sanitizer build is scheduling, not a stall).
  std::vector<milliseconds> took_all;
  for (int attempt = 0; attempt < 5; ++attempt) {
    Conn other(port_, "127.0.0.2");
    ASSERT_TRUE(other.ok());
    const auto t0 = Clock::now();
    ASSERT_TRUE(other.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const std::string got = other.read_until("\"ok\"", milliseconds{5000});
    const auto took = Clock::now() - t0;
    EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
    EXPECT_LT(took, milliseconds{1000}) << "attempt " << attempt;
    took_all.push_back(std::chrono::duration_cast<milliseconds>(took));
  }
  std::sort(took_all.begin(), took_all.end());
  EXPECT_LT(took_all[took_all.size() / 2], milliseconds{100});
  ASSERT_TRUE(alive());
}

TEST_F(HardeningE2E, ConfigAndApiTokensCannotShareANameAndTheApiOneCanAlwaysBeRevoked) {
  start(config(port_));
  auto r = http_request("POST", base() + "/v1/tokens", kAdmin, R"({"name": "oa", "scopes": ["send"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  // A config that now names a token "oa" too: refused on SIGHUP, the running one kept.
  const std::string clash = "[[api.tokens]]\nname = \"oa\"\nsha256 = \"" + sha256_hex("other") +
                            "\"\nscopes = [\"read\"]\n";
  daemon_->rewrite_config(config(port_, "", "") + clash);
  daemon_->signal(SIGHUP);
  const auto deadline = Clock::now() + milliseconds{10'000};
  while (daemon_->log().find("reload: keeping the running configuration") == std::string::npos &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds{20});
  }
  EXPECT_NE(daemon_->log().find("api.tokens[oa].name: a token created with smsgwctl/the API has this name"),
            std::string::npos) << daemon_->log();
  // The API token is still the one that counts, and can be revoked.
  r = http_request("DELETE", base() + "/v1/tokens/oa", kAdmin);
  EXPECT_EQ(r.status, 204) << r.body;
  // At start-up the same clash is a config error (exit 78), naming file and line.
  r = http_request("POST", base() + "/v1/tokens", kAdmin, R"({"name": "oa2", "scopes": ["send"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  daemon_->signal(SIGTERM);
  ASSERT_EQ(daemon_->wait_exit(milliseconds{15'000}), 0);
  const std::string clash2 = "[[api.tokens]]\nname = \"oa2\"\nsha256 = \"" + sha256_hex("other") +
                             "\"\nscopes = [\"read\"]\n";
  daemon_->rewrite_config(config(port_, "", "") + clash2);
  daemon_->spawn();
  EXPECT_EQ(daemon_->wait_exit(milliseconds{15'000}), 78) << daemon_->log();
  EXPECT_NE(daemon_->log().find("smsgw.toml:"), std::string::npos);
  EXPECT_NE(daemon_->log().find("api.tokens[oa2].name"), std::string::npos) << daemon_->log();
}

}  // namespace
}  // namespace smsgw::testing
