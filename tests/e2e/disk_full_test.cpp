// End-to-end: smsgwd's data_dir on a small tmpfs that fills up. POST /v1/messages must answer 503
// problem+json with Retry-After, lose nothing it acknowledged, and accept again as soon as space
// returns, without a restart. Mounting needs root (CAP_SYS_ADMIN): skipped elsewhere; the store
// test FullDatabaseFailsCleanlyAndRecoversWhenSpaceReturns covers the same path with a
// size-capped database on any machine.

#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/crypto.hpp"
#include "common/time.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_http_carrier.hpp"
#include "support/http_client.hpp"

namespace smsgw::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kToken = "disk-full-e2e-token";

std::string config(const std::string& data_dir, unsigned short api_port, unsigned short carrier_port) {
  return "[daemon]\n"
         "data_dir = \"" + data_dir + "\"\n"
         "shutdown_grace = \"3s\"\n"
         "[api]\n"
         "listen = \"127.0.0.1:" + std::to_string(api_port) + "\"\n"
         "[[api.tokens]]\nname = \"admin\"\nsha256 = \"" + sha256_hex(kToken) + "\"\n"
         "scopes = [\"send\", \"read\", \"admin\"]\n"
         "[[carriers]]\nname = \"primary\"\ntype = \"http\"\n"
         "url = \"http://127.0.0.1:" + std::to_string(carrier_port) + "/send\"\n"
         "rate = 100000\n"
         "[sms]\nquiet_hours = \"off\"\n";
}

// Sent far in the future: nothing is dispatched, so every write is the test's own.
std::string send_body(int n, int offset) {
  json to = json::array();
  for (int i = 0; i < n; ++i) to.push_back("+86139" + std::to_string(10000000 + offset + i));
  return json{{"to", to},
              {"text", "disk full test 廉政提醒 " + std::string(200, '.')},
              {"send_at", format_rfc3339(now_ms() + 300LL * 86'400'000)}}
      .dump();
}

// http_request() does not return headers; Retry-After is the point here.
struct Answer {
  long status = 0;
  std::string body, content_type, retry_after;
};

Answer post(const std::string& url, const std::string& body) {
  Answer a;
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + kToken).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, s * n);
    return s * n;
  });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, +[](char* p, size_t s, size_t n, void* out) {
    const std::string line(p, s * n);
    const std::string name = "retry-after:";
    if (line.size() > name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
      std::string v = line.substr(name.size());
      while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
      *static_cast<std::string*>(out) = v;
    }
    return s * n;
  });
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a.retry_after);
  if (const CURLcode rc = curl_easy_perform(curl); rc != CURLE_OK) {
    a.body = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
    char* ct = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
    if (ct) a.content_type = ct;
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return a;
}

// Writes zeros until the file system is full; returns the bytes written.
std::uint64_t fill(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  const std::vector<char> chunk(64 * 1024, 0);
  std::uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n <= 0) break;
    total += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  return total;
}

class DiskFullE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("smsgw-diskfull");
    data_ = dir_ + "/data";
    fs::create_directories(data_);
    if (::mount("tmpfs", data_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=0700") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                   << "); the store test covers the size-capped database instead";
    }
    mounted_ = true;
  }

  void TearDown() override {
    if (daemon_ && daemon_->running()) daemon_->kill9();
    daemon_.reset();
    if (mounted_) ::umount2(data_.c_str(), MNT_DETACH);
    fs::remove_all(dir_);
  }

  std::string dir_, data_;
  bool mounted_ = false;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(DiskFullE2E, FullDiskAnswers503LosesNothingAndRecoversWithoutRestart) {
  FakeHttpCarrier carrier(FakeHttpCarrier::Options{});
  const unsigned short port = free_loopback_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  daemon_ = std::make_unique<DaemonProcess>(SMSGWD_PATH, dir_, config(data_, port, carrier.port()));
  ASSERT_TRUE(daemon_->start(base)) << daemon_->log();
  ASSERT_EQ(http_request("GET", base + "/readyz", kToken).status, 200);

  // Accepted before the disk fills: these must survive everything below.
  std::vector<std::string> acknowledged;
  const auto accept = [&](const Answer& a) {
    const json doc = json::parse(a.body);  // a range-for over a temporary's member would dangle
    for (const auto& m : doc["messages"]) acknowledged.push_back(m["id"].get<std::string>());
  };
  for (int i = 0; i < 5; ++i) {
    const Answer a = post(base + "/v1/messages", send_body(50, i * 50));
    ASSERT_EQ(a.status, 202) << a.body;
    accept(a);
  }

  // Fill the file system; requests are refused as soon as a commit needs new space (the WAL
  // cannot be checkpointed back to its start while the database file cannot grow either).
  const std::string filler = data_ + "/filler";
  ASSERT_GT(fill(filler), 0u);
  Answer refused;
  for (int i = 0; i < 200 && refused.body.empty(); ++i) {
    const Answer a = post(base + "/v1/messages", send_body(50, 1000 + i * 50));
    if (a.status == 202) {
      accept(a);
    } else {
      refused = a;
    }
  }
  ASSERT_EQ(refused.status, 503) << refused.body << "\n" << daemon_->log();
  EXPECT_EQ(refused.content_type, "application/problem+json");
  EXPECT_EQ(refused.retry_after, "5");
  const json problem = json::parse(refused.body);
  EXPECT_EQ(problem["status"], 503);
  EXPECT_EQ(problem["detail"], "storage is unavailable; retry later");
  EXPECT_EQ(problem["type"], "urn:smsgw:problem:unavailable");

  // Still full: refused again, the daemon is alive and every acknowledged message readable.
  EXPECT_EQ(post(base + "/v1/messages", send_body(20, 900000)).status, 503);
  EXPECT_EQ(http_request("GET", base + "/healthz").status, 200);
  for (const auto& id : acknowledged)
    ASSERT_EQ(http_request("GET", base + "/v1/messages/" + id, kToken).status, 200) << id;
  // The metrics show why: no room left on the data_dir's file system.
  const auto metrics = http_request("GET", base + "/metrics", kToken);
  EXPECT_NE(metrics.body.find("smsgw_store_disk_free_bytes"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("smsgw_store_database_bytes"), std::string::npos);

  // Space returns: the very next request is accepted, no restart.
  fs::remove(filler);
  const Answer after = post(base + "/v1/messages", send_body(20, 800000));
  ASSERT_EQ(after.status, 202) << after.body << "\n" << daemon_->log();
  accept(after);
  EXPECT_EQ(http_request("GET", base + "/readyz", kToken).status, 200);
  EXPECT_NE(daemon_->log().find("commits succeed again"), std::string::npos) << daemon_->log();

  // Nothing acknowledged is lost, across a restart too.
  daemon_->signal(SIGTERM);
  ASSERT_EQ(daemon_->wait_exit(10s), 0) << daemon_->log();
  ASSERT_TRUE(daemon_->start(base)) << daemon_->log();
  for (const auto& id : acknowledged)
    ASSERT_EQ(http_request("GET", base + "/v1/messages/" + id, kToken).status, 200) << id;
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(10s), 0);
}

}  // namespace
}  // namespace smsgw::testing
