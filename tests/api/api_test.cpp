// The HTTP API end to end inside one process: a real Store on a temp file, a real Server on
// 127.0.0.1:0 driven by an io_context on a background thread, and real libcurl requests.

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "api/server.hpp"
#include "common/crypto.hpp"
#include "common/time.hpp"
#include "support/api_client.hpp"
#include "support/api_server.hpp"
#include "support/daemon_process.hpp"

namespace smsgw::api {
namespace {

using json = nlohmann::json;
using config::Scope;

using Reply = testing::ApiReply;
using Client = testing::ApiClient;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start_with([](config::Config&) {}); }

  void start_with(const std::function<void(config::Config&)>& adjust) {
    dir_ = testing::make_temp_dir("smsgw-api-test");
    store_ = store::Store::open({dir_ + "/queue.db"});
    config_.api.listen = "127.0.0.1:0";
    config_.sms.quiet_hours = {};  // tests run at any hour; quiet hours have their own tests
    config_.api.tokens = {
        {"oa", sha256_hex("send-secret"), {Scope::send}, {}, 0},
        {"oa2", sha256_hex("send2-secret"), {Scope::send}, {}, 0},
        {"viewer", sha256_hex("read-secret"), {Scope::read}, {}, 0},
        {"ops", sha256_hex("admin-secret"), {Scope::admin}, {}, 0},
    };
    config_.limits.max_body_bytes = 4096;
    adjust(config_);
    install_queue_collector(metrics_, *store_);
    Dependencies deps{*store_, metrics_, [this](UnixMs) { ++notified_; }, {}, {}};
    server_ = std::make_unique<testing::ApiServer>(config_, std::move(deps));
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // True if every session is gone within the deadline.
  bool stop_server() { return server_->stop(); }

  std::int64_t rows() {
    store_->flush();
    std::int64_t n = 0;
    for (const auto& [status, count] : store_->count_by_status()) n += count;
    return n;
  }

  static std::set<std::string> fields(const Reply& r) { return testing::error_fields(r); }

  std::string dir_;
  config::Config config_;
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<testing::ApiServer> server_;
  unsigned short port_ = 0;
  std::atomic<int> notified_{0};
};

const std::string kOne = R"({"to":"13800138000","text":"廉政提醒：节日期间严守纪律。"})";

TEST_F(ApiTest, AcceptedMessageIsReadableBack) {
  Client c(port_);
  Reply r = c.request("POST", "/v1/messages", "send-secret", kOne);
  ASSERT_EQ(r.status, 202) << r.error << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  json body = r.doc();
  ASSERT_EQ(body["count"], 1);
  const std::string id = body["messages"][0]["id"];
  EXPECT_EQ(rows(), 1);
  EXPECT_EQ(notified_.load(), 1);

  Reply got = c.request("GET", "/v1/messages/" + id, "read-secret");
  ASSERT_EQ(got.status, 200) << got.body;
  json m = got.doc();
  EXPECT_EQ(m["id"], id);
  EXPECT_EQ(m["to"], "+8613800138000");
  EXPECT_EQ(m["text"], "廉政提醒：节日期间严守纪律。");
  EXPECT_EQ(m["status"], "queued");
  EXPECT_EQ(m["attempts"], 0);
  EXPECT_TRUE(m["history"].is_array());
}

TEST_F(ApiTest, EveryErrorClassLeavesNoRows) {
  Client c(port_);
  Reply r = c.request("POST", "/v1/messages", "send-secret", R"({"to": "13800138000", )");
  EXPECT_EQ(r.status, 400) << r.error << r.body;
  EXPECT_EQ(r.header("content-type"), "application/problem+json");

  r = c.request("POST", "/v1/messages", "send-secret", R"({"to": 13800138000, "text": ["x"]})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields(r), (std::set<std::string>{"to", "text"})) << r.body;

  r = c.request("POST", "/v1/messages", "send-secret", R"({"to": "12345", "text": "hi"})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields(r), (std::set<std::string>{"to"})) << r.body;

  std::string big = R"({"to":"13800138000","text":")" + std::string(5000, 'a') + "\"}";
  r = c.request("POST", "/v1/messages", "send-secret", big);
  EXPECT_EQ(r.status, 413) << r.error << r.body;

  Client c2(port_);
  r = c2.request("POST", "/v1/messages", "", kOne);
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.header("www-authenticate").rfind("Bearer", 0), 0u);
  r = c2.request("POST", "/v1/messages", "not-a-token", kOne);
  EXPECT_EQ(r.status, 401) << r.body;
  r = c2.request("POST", "/v1/messages", "read-secret", kOne);
  EXPECT_EQ(r.status, 403) << r.body;
  r = c2.request("POST", "/v1/messages", "send-secret", kOne, {"Content-Type: text/plain"});
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_EQ(rows(), 0);
}

TEST_F(ApiTest, LargeBodyWithExpectContinueIsAccepted) {
  // ~3 KB: curl sends "Expect: 100-continue" and waits for the interim response.
  json to = json::array();
  for (int i = 0; i < 200; ++i) to.push_back("1380013" + std::to_string(8000 + i));
  Client c(port_);
  Reply r = c.request("POST", "/v1/messages", "send-secret",
                      json{{"to", to}, {"text", "hi"}}.dump());
  ASSERT_EQ(r.status, 202) << r.error << r.body;
  EXPECT_EQ(r.doc()["count"], 200);
  EXPECT_EQ(rows(), 200);
}

TEST_F(ApiTest, IdempotencyReplayAndConflict) {
  Client c(port_);
  Reply first = c.request("POST", "/v1/messages", "send-secret", kOne, {"Idempotency-Key: abc-1"});
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(first.header("idempotent-replayed"), "");
  Reply again = c.request("POST", "/v1/messages", "send-secret", kOne, {"Idempotency-Key: abc-1"});
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(rows(), 1);

  // Keys are per token: another token's identical key is a new request.
  Reply other = c.request("POST", "/v1/messages", "send2-secret", kOne, {"Idempotency-Key: abc-1"});
  ASSERT_EQ(other.status, 202) << other.body;
  EXPECT_NE(other.body, first.body);
  EXPECT_EQ(rows(), 2);

  Reply conflict = c.request("POST", "/v1/messages", "send-secret",
                             R"({"to":"13900139000","text":"other"})", {"Idempotency-Key: abc-1"});
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(rows(), 2);
}

TEST_F(ApiTest, KeepAliveReusesTheConnection) {
  Client c(port_);
  Reply a = c.request("GET", "/healthz", "");
  ASSERT_EQ(a.status, 200) << a.error;
  EXPECT_EQ(a.new_connections, 1);
  Reply b = c.request("POST", "/v1/messages", "send-secret", kOne);
  ASSERT_EQ(b.status, 202) << b.error;
  EXPECT_EQ(b.new_connections, 0);
  Reply d = c.request("GET", "/v1/messages", "read-secret");
  ASSERT_EQ(d.status, 200) << d.error;
  EXPECT_EQ(d.new_connections, 0);

  // Stopping closes the idle keep-alive connection and completes.
  EXPECT_TRUE(stop_server());
}

TEST_F(ApiTest, ListPagesWithCursor) {
  Client c(port_);
  Reply r = c.request("POST", "/v1/messages", "send-secret",
                      R"({"to":["13800138001","13800138002","13800138003","13800138004",)"
                      R"("13800138005"],"text":"hi"})");
  ASSERT_EQ(r.status, 202) << r.body;
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    Reply page = c.request("GET", "/v1/messages?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor),
                           "read-secret");
    ASSERT_EQ(page.status, 200) << page.body;
    json doc = page.doc();
    EXPECT_LE(doc["messages"].size(), 2u);
    for (const auto& m : doc["messages"]) seen.insert(m["id"].get<std::string>());
    cursor = doc["next_cursor"].is_null() ? "" : doc["next_cursor"].get<std::string>();
    ASSERT_LT(++pages, 10);
  } while (!cursor.empty());
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_GE(pages, 3);

  Reply filtered = c.request("GET", "/v1/messages?to=13800138003", "read-secret");
  ASSERT_EQ(filtered.status, 200);
  ASSERT_EQ(filtered.doc()["messages"].size(), 1u);
  EXPECT_EQ(filtered.doc()["messages"][0]["to"], "+8613800138003");
}

TEST_F(ApiTest, CancelOnceThenConflict) {
  Client c(port_);
  Reply r = c.request("POST", "/v1/messages", "send-secret",
                      "{\"to\":\"13800138000\",\"text\":\"hi\",\"send_at\":\"" +
                          format_rfc3339(now_ms() + 30LL * 86'400'000) + "\"}");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.doc()["messages"][0]["id"];

  Reply foreign = c.request("DELETE", "/v1/messages/" + id, "send2-secret");
  EXPECT_EQ(foreign.status, 403) << foreign.body;
  Reply cancelled = c.request("DELETE", "/v1/messages/" + id, "send-secret");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.doc()["status"], "cancelled");
  Reply twice = c.request("DELETE", "/v1/messages/" + id, "admin-secret");
  EXPECT_EQ(twice.status, 409) << twice.body;
  EXPECT_EQ(twice.doc()["message_status"], "cancelled");
  EXPECT_EQ(c.request("DELETE", "/v1/messages/987654321", "admin-secret").status, 404);
  EXPECT_EQ(c.request("GET", "/v1/messages/" + id, "read-secret").doc()["status"], "cancelled");
}

TEST_F(ApiTest, MetricsExposeSeries) {
  Client c(port_);
  ASSERT_EQ(c.request("POST", "/v1/messages", "send-secret", kOne).status, 202);
  EXPECT_EQ(c.request("GET", "/metrics", "").status, 401);
  Reply m = c.request("GET", "/metrics", "read-secret");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find(R"(smsgw_http_requests_total{route="/v1/messages",code="202"} 1)"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find(R"(smsgw_http_requests_total{route="/metrics",code="401"} 1)"),
            std::string::npos);
  EXPECT_NE(m.body.find(R"(smsgw_http_request_duration_seconds_bucket{route="/v1/messages",le="+Inf"} 1)"),
            std::string::npos);
  EXPECT_NE(m.body.find(R"(smsgw_messages{status="queued"} 1)"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("smsgw_messages_accepted_total 1"), std::string::npos);
  EXPECT_NE(m.body.find("smsgw_queue_oldest_due_age_seconds "), std::string::npos);
}

TEST_F(ApiTest, HealthzNeedsNoTokenAndUnknownPathsAre404) {
  Client c(port_);
  Reply h = c.request("GET", "/healthz", "");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.doc()["status"], "ok");
  Reply n = c.request("GET", "/nope", "admin-secret");
  EXPECT_EQ(n.status, 404);
  Reply m = c.request("DELETE", "/v1/batches/1", "admin-secret");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.header("allow"), "GET");
}

TEST_F(ApiTest, BindingATakenPortThrows) {
  config::Config other = config_;
  other.api.listen = "127.0.0.1:" + std::to_string(port_);
  Dependencies deps{*store_, metrics_, {}, {}, {}};
  boost::asio::io_context io;
  Server second(io, other, deps);
  EXPECT_THROW(second.start(), std::runtime_error);
  other.api.listen = "not-an-address:80";
  Server third(io, other, deps);
  EXPECT_THROW(third.start(), std::runtime_error);
}

class ApiLimitTest : public ApiTest {
 protected:
  void SetUp() override {
    start_with([](config::Config& c) { c.api.max_connections = 1; });
  }
};

TEST_F(ApiLimitTest, ConnectionsBeyondTheLimitGet503) {
  Client first(port_);
  ASSERT_EQ(first.request("GET", "/healthz", "").status, 200);  // stays open (keep-alive)
  Client second(port_);
  Reply r = second.request("GET", "/healthz", "");
  EXPECT_EQ(r.status, 503) << r.error;
  EXPECT_EQ(first.request("GET", "/healthz", "").status, 200);
}

}  // namespace
}  // namespace smsgw::api
