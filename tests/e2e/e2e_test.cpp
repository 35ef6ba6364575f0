// End-to-end: the real smsgwd binary as a subprocess, a fake HTTP carrier on loopback speaking
// the generic http carrier protocol, real HTTP requests. Nothing here reaches past 127.0.0.1.

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "common/crypto.hpp"
#include "common/time.hpp"
#include "support/api_client.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_http_carrier.hpp"
#include "support/http_client.hpp"

namespace smsgw::testing {
namespace {

using json = nlohmann::json;
using ApiClient = smsgw::testing::ApiClient;
using namespace std::chrono_literals;

const std::string kAdminToken = "e2e-admin-token";
const std::string kReadToken = "e2e-read-token";
const std::string kCallbackToken = "e2e-carrier-token";

struct Settings {
  unsigned short api_port = 0;
  unsigned short carrier_port = 0;
  std::string retry = "max_attempts = 5\nbase_delay = \"100ms\"\nmax_delay = \"400ms\"\n";
  std::string extra_tokens;
  std::string extra;  // appended verbatim (more tables)
  // More keys of [sms]. Quiet hours are off: tests run at any hour of the day.
  std::string sms;
  std::string carrier_extra;  // more keys of the [[carriers]] table
};

std::string make_config(const Settings& s) {
  return "[daemon]\n"
         "data_dir = \"data\"\n"
         "log_level = \"debug\"\n"
         "shutdown_grace = \"3s\"\n"
         "[api]\n"
         "listen = \"127.0.0.1:" + std::to_string(s.api_port) + "\"\n"
         "[[api.tokens]]\nname = \"admin\"\nsha256 = \"" + sha256_hex(kAdminToken) + "\"\n"
         "scopes = [\"send\", \"read\", \"admin\"]\n"
         "[[api.tokens]]\nname = \"reader\"\nsha256 = \"" + sha256_hex(kReadToken) + "\"\n"
         "scopes = [\"read\"]\n"
         "[[api.tokens]]\nname = \"carrier\"\nsha256 = \"" + sha256_hex(kCallbackToken) + "\"\n"
         "scopes = [\"callback:primary\"]\n" + s.extra_tokens +
         "[[carriers]]\n"
         "name = \"primary\"\n"
         "type = \"http\"\n"
         "url = \"http://127.0.0.1:" + std::to_string(s.carrier_port) + "/send\"\n"
         "rate = 100000\n"
         "timeout = \"900ms\"\n" + s.carrier_extra +
         "[retry]\n" + s.retry +
         "[dispatch]\n"
         "lease = \"2s\"\n"
         "breaker_min_attempts = 5\n"
         "breaker_open_min = \"300ms\"\n"
         "[sms]\nquiet_hours = \"off\"\n" + s.sms + s.extra;
}

class E2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("smsgw-e2e");
    settings_.api_port = free_loopback_port();
  }

  void start_carrier() {
    FakeHttpCarrier::Options options;
    options.port = settings_.carrier_port;
    carrier_ = std::make_unique<FakeHttpCarrier>(options);
    settings_.carrier_port = carrier_->port();
  }

  void start_daemon() {
    if (!daemon_) daemon_ = std::make_unique<DaemonProcess>(SMSGWD_PATH, dir_, make_config(settings_));
    ASSERT_TRUE(daemon_->start(base())) << daemon_->log();
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(settings_.api_port); }

  HttpResult post_messages(const json& body, const std::string& token = kAdminToken,
                           std::vector<std::string> headers = {}) {
    return http_request("POST", base() + "/v1/messages", token, body.dump(), headers);
  }

  json get_message(const std::string& id) {
    auto r = http_request("GET", base() + "/v1/messages/" + id, kAdminToken);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // Polls the message until it reaches `status` (end-to-end over the real API).
  json wait_for_status(const std::string& id, const std::string& status,
                       std::chrono::milliseconds timeout = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    json m;
    while (std::chrono::steady_clock::now() < deadline) {
      m = get_message(id);
      if (m.is_object() && m.value("status", "") == status) return m;
      std::this_thread::sleep_for(25ms);
    }
    ADD_FAILURE() << "message " << id << " never reached " << status << ": " << m.dump()
                  << "\n--- smsgwd log ---\n" << daemon_->log();
    return m;
  }

  // Polls until `done` holds or `timeout` passes; the caller asserts on the result.
  template <typename Predicate>
  bool eventually(Predicate done, std::chrono::milliseconds timeout = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(25ms);
    }
    return true;
  }

  // The carrier's requests, by message id, in the order they arrived.
  std::vector<std::string> received_ids() const {
    std::vector<std::string> ids;
    for (const auto& r : carrier_->received()) ids.push_back(r.json.value("id", ""));
    return ids;
  }

  std::string dir_;
  Settings settings_;
  std::unique_ptr<FakeHttpCarrier> carrier_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(E2E, SendIsSentThenDeliveredByCallback) {
  start_carrier();
  start_daemon();
  auto r = post_messages({{"to", "138 0013 8000"}, {"text", "【区纪委】节日将至，请严守廉洁纪律。"}});
  ASSERT_EQ(r.status, 202) << r.body;
  auto accepted = json::parse(r.body);
  ASSERT_EQ(accepted["count"], 1);
  const std::string id = accepted["messages"][0]["id"];
  EXPECT_EQ(accepted["messages"][0]["to"], "+8613800138000");

  auto sent = wait_for_status(id, "sent");
  ASSERT_TRUE(carrier_->wait_for_count(1, 5s));
  auto request = json::parse(carrier_->received().at(0).body);
  EXPECT_EQ(request["id"], id);
  EXPECT_EQ(request["to"], "+8613800138000");
  EXPECT_EQ(request["text"], "【区纪委】节日将至，请严守廉洁纪律。");
  EXPECT_EQ(request["segments"], 1);
  const std::string carrier_id = sent["carrier_message_id"];
  EXPECT_FALSE(carrier_id.empty());
  EXPECT_EQ(sent["carrier"], "primary");

  // A carrier token may report; a sender token may not.
  json report = {{"message_id", carrier_id}, {"status", "delivered"}};
  EXPECT_EQ(http_request("POST", base() + "/v1/callbacks/primary", kReadToken, report.dump()).status, 403);
  auto cb = http_request("POST", base() + "/v1/callbacks/primary", kCallbackToken, report.dump());
  ASSERT_EQ(cb.status, 200) << cb.body;
  auto delivered = wait_for_status(id, "delivered");
  ASSERT_TRUE(delivered["history"].is_array());
  EXPECT_GE(delivered["history"].size(), 2u);
  // The carrier token is bound to "primary": another carrier's path is refused, an unknown
  // carrier is 404 for a token that could report for it.
  EXPECT_EQ(http_request("POST", base() + "/v1/callbacks/nosuch", kCallbackToken, report.dump()).status, 403);
  EXPECT_EQ(http_request("POST", base() + "/v1/callbacks/nosuch", kAdminToken, report.dump()).status, 404);
}

// The http carrier in batch mode, through the real smsgwd: many messages per request, one
// result each; then a callback carrying an array of reports.
TEST_F(E2E, BatchModeSendsManyPerRequestAndAnArrayOfReportsDeliversThem) {
  settings_.carrier_extra = "batch = 10\n";
  start_carrier();
  carrier_->set_behaviour([](const FakeHttpCarrier::Received& r) {
    json results = json::array();
    for (const auto& m : r.json["messages"]) {
      const std::string id = m["id"];
      results.push_back({{"id", id}, {"status", "accepted"}, {"message_id", "b-" + id}});
    }
    return FakeHttpCarrier::Reply::of(200, json{{"results", results}}.dump());
  });
  start_daemon();
  json to = json::array();
  for (int i = 0; i < 25; ++i) to.push_back("1380013" + std::to_string(8000 + i));
  auto r = post_messages({{"to", to}, {"text", "会议通知：请于周五上午参加学习会。"}});
  ASSERT_EQ(r.status, 202) << r.body;
  const auto accepted = json::parse(r.body);
  ASSERT_EQ(accepted["count"], 25);
  std::vector<std::string> ids;
  for (const auto& m : accepted["messages"]) ids.push_back(m["id"]);
  for (const auto& id : ids) EXPECT_EQ(wait_for_status(id, "sent")["carrier_message_id"], "b-" + id);
  std::size_t in_requests = 0;
  for (const auto& req : carrier_->received()) {
    ASSERT_TRUE(req.json.contains("messages")) << req.body;
    EXPECT_LE(req.json["messages"].size(), 10u);
    in_requests += req.json["messages"].size();
  }
  EXPECT_EQ(in_requests, 25u);
  EXPECT_LT(carrier_->count(), 25u);  // batched, not one request per message

  json reports = json::array();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    reports.push_back({{"message_id", "b-" + ids[i]}, {"status", i == 0 ? "failed" : "delivered"},
                       {"error", "UNDELIV"}});
  }
  auto cb = http_request("POST", base() + "/v1/callbacks/primary", kCallbackToken, reports.dump());
  ASSERT_EQ(cb.status, 200) << cb.body;
  EXPECT_EQ(wait_for_status(ids[0], "failed")["last_error"], "UNDELIV");
  for (std::size_t i = 1; i < ids.size(); ++i) wait_for_status(ids[i], "delivered");
}

// A carrier template mapping through the real smsgwd: a `file` carrier ahead of the http one
// writes the template call a cloud carrier would get; the message keeps its rendered text.
TEST_F(E2E, ATemplateWithACarrierMappingGoesOutAsTheCarriersTemplate) {
  settings_.extra =
      "[[carriers]]\nname = \"cloud\"\ntype = \"file\"\npath = \"outbox.jsonl\"\npriority = 0\n"
      "timeout = \"900ms\"\n"
      "[carriers.templates.reminder]\ncode = \"SMS_123456789\"\n"
      "params = { who = \"{{who}}\", holiday = \"{{holiday}}\" }\n";
  start_carrier();
  start_daemon();
  json tmpl = {{"name", "reminder"}, {"body", "{{who}}同志：{{holiday}}将至，请严守廉洁纪律。"}};
  ASSERT_EQ(http_request("POST", base() + "/v1/templates", kAdminToken, tmpl.dump()).status, 201);
  auto r = post_messages({{"to", "13800138000"}, {"template", "reminder"},
                          {"params", {{"who", "张三"}, {"holiday", "春节"}}}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["messages"][0]["id"];
  auto sent = wait_for_status(id, "sent");
  EXPECT_EQ(sent["carrier"], "cloud");
  EXPECT_EQ(sent["text"], "张三同志：春节将至，请严守廉洁纪律。");
  std::ifstream in(std::filesystem::path(dir_) / "outbox.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const json written = json::parse(line);
  EXPECT_EQ(written["id"], id);
  EXPECT_FALSE(written.contains("text"));
  EXPECT_EQ(written["template"]["code"], "SMS_123456789");
  EXPECT_EQ(written["template"]["params"], (json{{"who", "张三"}, {"holiday", "春节"}}));
  EXPECT_EQ(carrier_->count(), 0u);

  // The preview shows what each carrier would receive.
  json ask = {{"params", {{"who", "李四"}, {"holiday", "国庆节"}}}};
  auto preview = http_request("POST", base() + "/v1/templates/reminder/preview", kAdminToken, ask.dump());
  ASSERT_EQ(preview.status, 200) << preview.body;
  const json carriers = json::parse(preview.body)["carriers"];
  ASSERT_EQ(carriers.size(), 2u) << preview.body;
  EXPECT_EQ(carriers[0]["carrier"], "primary");
  EXPECT_EQ(carriers[0]["text"], "李四同志：国庆节将至，请严守廉洁纪律。");
  EXPECT_EQ(carriers[1]["carrier"], "cloud");
  EXPECT_EQ(carriers[1]["template"]["code"], "SMS_123456789");
  EXPECT_EQ(carriers[1]["template"]["params"], (json{{"who", "李四"}, {"holiday", "国庆节"}}));
}

TEST_F(E2E, TransientErrorsAreRetriedThenSent) {
  start_carrier();
  std::atomic<int> calls{0};
  carrier_->set_behaviour([&calls](const FakeHttpCarrier::Received&) {
    FakeHttpCarrier::Reply reply;
    const int n = ++calls;
    if (n == 1) reply.status = 503;
    if (n == 2) reply.status = 429;
    return reply;
  });
  start_daemon();
  auto r = post_messages({{"to", "+86 139-0000-0001"}, {"text", "work briefing"}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["messages"][0]["id"];
  auto m = wait_for_status(id, "sent");
  // The 503 was an attempt; the 429 only paused the carrier (throttling burns no attempt).
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(m["attempts"], 2);
  ASSERT_EQ(m["history"].size(), 2u);
  EXPECT_EQ(m["history"][0]["outcome"], "transient");
  EXPECT_EQ(m["history"][1]["outcome"], "sent");
}

TEST_F(E2E, PermanentErrorFailsAfterOneAttempt) {
  start_carrier();
  carrier_->set_behaviour([](const FakeHttpCarrier::Received&) {
    FakeHttpCarrier::Reply reply;
    reply.status = 400;
    reply.body = R"({"error":"invalid number"})";
    return reply;
  });
  start_daemon();
  auto r = post_messages({{"to", "13900000002"}, {"text", "hello"}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["messages"][0]["id"];
  auto m = wait_for_status(id, "failed");
  EXPECT_EQ(m["attempts"], 1);
  EXPECT_FALSE(m["last_error"].get<std::string>().empty());
  // A marker due later than any retry of the first could be (max_delay 400 ms): the dispatcher
  // sends in due order, so had the first been retried, the retry would reach the carrier before
  // the marker does.
  auto marker = post_messages({{"to", "13900000003"}, {"text", "marker"},
                               {"send_at", format_rfc3339(now_ms() + 1000)}});
  ASSERT_EQ(marker.status, 202) << marker.body;
  const std::string marker_id = json::parse(marker.body)["messages"][0]["id"];
  wait_for_status(marker_id, "failed");
  EXPECT_EQ(received_ids(), (std::vector<std::string>{id, marker_id}));
  m = get_message(id);
  EXPECT_EQ(m["attempts"], 1) << m.dump();
  EXPECT_EQ(m["history"].size(), 1u) << m.dump();
}

TEST_F(E2E, BadRequestsGet4xxAndNothingIsSent) {
  start_carrier();
  start_daemon();
  struct Case {
    std::string name, body, token;
    long status;
    std::vector<std::string> headers;
  };
  const std::string big(2 * 1024 * 1024, 'x');
  const std::vector<Case> cases = {
      {"malformed json", R"({"to": "13800138000", "text": )", kAdminToken, 400, {}},
      {"wrong types", R"({"to": 13800138000, "text": ["a"]})", kAdminToken, 422, {}},
      {"invalid phone", R"({"to": "12345", "text": "hi"})", kAdminToken, 422, {}},
      {"missing text", R"({"to": "13800138000"})", kAdminToken, 422, {}},
      {"bad priority", R"({"to": "13800138000", "text": "x", "priority": "high"})", kAdminToken, 422, {}},
      {"bad send_at", R"({"to": "13800138000", "text": "x", "send_at": "tomorrow"})", kAdminToken, 422, {}},
      {"oversized body", R"({"to": "13800138000", "text": ")" + big + R"("})", kAdminToken, 413, {}},
      {"missing token", R"({"to": "13800138000", "text": "x"})", "", 401, {}},
      {"wrong token", R"({"to": "13800138000", "text": "x"})", "not-a-token", 401, {}},
      {"wrong scope", R"({"to": "13800138000", "text": "x"})", kReadToken, 403, {}},
      {"not json", "to=13800138000", kAdminToken, 415, {"Content-Type: application/x-www-form-urlencoded"}},
  };
  for (const auto& c : cases) {
    auto r = http_request("POST", base() + "/v1/messages", c.token, c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_NE(r.content_type.find("application/problem+json"), std::string::npos) << c.name;
    if (c.name == "invalid phone") {
      auto problem = json::parse(r.body, nullptr, false);
      ASSERT_TRUE(problem.contains("errors")) << r.body;
      EXPECT_EQ(problem["errors"][0]["field"], "to") << r.body;
    }
  }
  // The daemon is still up, nothing was queued and nothing reached the carrier: a good
  // request sent after the bad ones is the first and only one the carrier sees (anything they
  // had queued would be due no later, and sent before it).
  auto list = http_request("GET", base() + "/v1/messages", kAdminToken);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(json::parse(list.body)["messages"].empty()) << list.body;
  auto good = post_messages({{"to", "13800138000"}, {"text", "marker"}});
  ASSERT_EQ(good.status, 202) << good.body;
  const std::string good_id = json::parse(good.body)["messages"][0]["id"];
  wait_for_status(good_id, "sent");
  EXPECT_EQ(received_ids(), std::vector<std::string>{good_id});
  EXPECT_EQ(http_request("GET", base() + "/healthz").status, 200);
}

TEST_F(E2E, AcceptedWhileCarrierDownSurvivesKill9AndIsAllDelivered) {
  settings_.carrier_port = free_loopback_port();  // nothing listens there yet: carrier down
  settings_.retry = "max_attempts = 1000\nbase_delay = \"50ms\"\nmax_delay = \"300ms\"\n";
  start_daemon();
  std::set<std::string> ids;
  std::vector<std::string> batches;
  for (int request = 0; request < 20; ++request) {
    json to = json::array();
    for (int i = 0; i < 100; ++i) {
      char number[16];
      std::snprintf(number, sizeof number, "1390%07d", request * 100 + i);
      to.push_back(number);
    }
    auto r = post_messages({{"to", to}, {"text", "integrity reminder"}});
    ASSERT_EQ(r.status, 202) << r.body;
    auto accepted = json::parse(r.body);
    batches.push_back(accepted["batch_id"]);
    for (auto& m : accepted["messages"]) ids.insert(m["id"].get<std::string>());
  }
  ASSERT_EQ(ids.size(), 2000u);
  daemon_->kill9();

  start_carrier();  // the carrier comes up on the port the daemon was configured with
  ASSERT_TRUE(daemon_->start(base())) << daemon_->log();

  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::int64_t sent = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    sent = 0;
    for (const auto& b : batches) {
      auto r = http_request("GET", base() + "/v1/batches/" + b, kAdminToken);
      ASSERT_EQ(r.status, 200) << r.body;
      sent += json::parse(r.body)["by_status"].value("sent", 0);
    }
    if (sent == 2000) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(sent, 2000) << daemon_->log();
  std::set<std::string> seen;
  for (const auto& req : carrier_->received()) seen.insert(json::parse(req.body)["id"].get<std::string>());
  EXPECT_EQ(seen, ids);  // every accepted message reached the carrier (duplicates allowed)
}

TEST_F(E2E, SigtermExitsZero) {
  start_carrier();
  start_daemon();
  ASSERT_EQ(post_messages({{"to", "13800138000"}, {"text", "x"}}).status, 202);
  daemon_->signal(SIGTERM);
  auto status = daemon_->wait_exit(15s);
  ASSERT_TRUE(status.has_value()) << daemon_->log();
  EXPECT_EQ(*status, 0) << daemon_->log();
}

TEST_F(E2E, SighupReloadsTokensAndKeepsTheOldConfigWhenTheNewOneIsBroken) {
  start_carrier();
  start_daemon();
  const std::string new_token = "token-added-by-reload";
  auto denied = post_messages({{"to", "13800138000"}, {"text", "x"}}, new_token);
  EXPECT_EQ(denied.status, 401);

  settings_.extra_tokens = "[[api.tokens]]\nname = \"new\"\nsha256 = \"" + sha256_hex(new_token) +
                           "\"\nscopes = [\"send\"]\n";
  daemon_->rewrite_config(make_config(settings_));
  daemon_->signal(SIGHUP);
  long status = 0;
  for (int i = 0; i < 100 && status != 202; ++i) {
    std::this_thread::sleep_for(50ms);
    status = post_messages({{"to", "13800138000"}, {"text", "x"}}, new_token).status;
  }
  EXPECT_EQ(status, 202) << daemon_->log();

  daemon_->rewrite_config(make_config(settings_) + "\n[nonsense]\nkey = 1\n");
  daemon_->signal(SIGHUP);
  // The reload has been refused (and so is over) once it says so; only then does the token
  // still working show that the running configuration was kept.
  ASSERT_TRUE(eventually([&] {
    return daemon_->log().find("keeping the running configuration") != std::string::npos;
  })) << daemon_->log();
  EXPECT_EQ(post_messages({{"to", "13800138000"}, {"text", "x"}}, new_token).status, 202);
  EXPECT_EQ(http_request("GET", base() + "/healthz").status, 200);
}

TEST(E2ECommandLine, CheckConfigReportsFileLineAndExits78) {
  const std::string dir = make_temp_dir("smsgw-cli");
  {
    std::ofstream out(dir + "/bad.toml");
    out << "[daemon]\ndata_dir = \"data\"\n[api]\nlisten = \"127.0.0.1:1\"\nbogus = 3\n"
           "[[carriers]]\nname = \"c\"\ntype = \"file\"\npath = \"out.jsonl\"\nrate = -1\n";
  }
  auto r = run_command(std::string(SMSGWD_PATH) + " --check-config --config " + dir + "/bad.toml");
  EXPECT_EQ(r.status, 78) << r.output;
  EXPECT_NE(r.output.find("bad.toml:5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bogus"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bad.toml:10"), std::string::npos) << r.output;

  auto ok = run_command(std::string(SMSGWD_PATH) + " --check-config --config " SMSGW_SOURCE_DIR
                        "/config/smsgw.example.toml");
  EXPECT_EQ(ok.status, 0) << ok.output;
  auto dev = run_command(std::string(SMSGWD_PATH) + " --check-config --config " SMSGW_SOURCE_DIR
                         "/config/smsgw.toml");
  EXPECT_EQ(dev.status, 0) << dev.output;

  auto version = run_command(std::string(SMSGWD_PATH) + " --version");
  EXPECT_EQ(version.status, 0);
  EXPECT_NE(version.output.find("smsgwd "), std::string::npos);
  auto help = run_command(std::string(SMSGWD_PATH) + " --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("--check-config"), std::string::npos);
  auto bad = run_command(std::string(SMSGWD_PATH) + " --frobnicate");
  EXPECT_EQ(bad.status, 64);
}

TEST_F(E2E, SmsgwctlSendsAndShowsAMessage) {
  start_carrier();
  start_daemon();
  const std::string ctl = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kAdminToken;
  auto sent = run_command(ctl + " --json send --to 13800138000 --text '会议通知：明天上午九点'");
  ASSERT_EQ(sent.status, 0) << sent.output;
  auto accepted = json::parse(sent.output, nullptr, false);
  ASSERT_TRUE(accepted.is_object()) << sent.output;
  const std::string id = accepted["messages"][0]["id"];
  wait_for_status(id, "sent");
  auto shown = run_command(ctl + " messages show " + id);
  EXPECT_EQ(shown.status, 0) << shown.output;
  EXPECT_NE(shown.output.find("sent"), std::string::npos) << shown.output;
  auto missing = run_command(ctl + " messages show 999999999");
  EXPECT_EQ(missing.status, 1) << missing.output;
  auto unauthorized = run_command(std::string(SMSGWCTL_PATH) + " --url " + base() +
                                  " --token wrong messages show " + id);
  EXPECT_EQ(unauthorized.status, 4) << unauthorized.output;
}

// A client system hands replies in with its callback token; smsgwctl lists them and manages the
// suppression list an opt-out word fed; a read-only token cannot push and cannot unsuppress.
// An SMS poll over the API: created, votes pushed in as replies (as people type them, twice,
// with a code that is no option), the tally exact, the ballots each with its outcome, CSV files.
TEST_F(E2E, APollCountsVotesFromRepliesAndShowsEveryBallot) {
  start_carrier();
  start_daemon();
  const json poll = {{"name", "ten-best-2026"}, {"keyword", "tp"},
                     {"options", {{{"code", "01"}, {"label", "城关镇卫生院"}}, {{"code", "07"}, {"label", "第二中学"}}}},
                     {"opens_at", format_rfc3339(now_ms() - 60'000)}, {"closes_at", format_rfc3339(now_ms() + 3'600'000)}};
  EXPECT_EQ(http_request("POST", base() + "/v1/polls", kReadToken, poll.dump()).status, 403);
  auto created = http_request("POST", base() + "/v1/polls", kAdminToken, poll.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body)["keyword"], "TP");
  EXPECT_EQ(json::parse(created.body)["state"], "open");
  EXPECT_EQ(http_request("POST", base() + "/v1/polls", kAdminToken, poll.dump()).status, 409);
  json bad = poll;
  bad["name"] = "other";
  bad["options"] = {{{"code", "1"}, {"label", "甲"}}, {{"code", "01"}, {"label", "乙"}}};
  bad["counts"] = "most";
  bad["keyword"] = "TP2";
  auto refused = http_request("POST", base() + "/v1/polls", kAdminToken, bad.dump());
  ASSERT_EQ(refused.status, 422) << refused.body;
  std::set<std::string> fields;
  const json problem = json::parse(refused.body);
  for (const auto& e : problem["errors"]) fields.insert(e["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"options[1].code", "counts", "keyword"}));

  const json votes = json::array({{{"id", "v1"}, {"from", "13800138001"}, {"text", "TP 07"}},
                                  {{"id", "v2"}, {"from", "13800138002"}, {"text", "ｔｐ　７"}},
                                  {{"id", "v3"}, {"from", "13800138003"}, {"text", "tp01"}},
                                  {{"id", "v4"}, {"from", "13800138001"}, {"text", "TP 01"}},
                                  {{"id", "v5"}, {"from", "13800138004"}, {"text", "TP 09"}}});
  ASSERT_EQ(http_request("POST", base() + "/v1/inbound/primary", kCallbackToken, votes.dump()).status, 200);
  ASSERT_EQ(http_request("POST", base() + "/v1/inbound/primary", kCallbackToken, votes.dump()).status, 200);  // resent

  auto tally = http_request("GET", base() + "/v1/polls/ten-best-2026/tally", kReadToken);
  ASSERT_EQ(tally.status, 200) << tally.body;
  const json t = json::parse(tally.body);
  EXPECT_EQ(t["name"], "ten-best-2026");
  EXPECT_EQ(t["total"], 3);
  EXPECT_EQ(t["rejected"], 2);
  EXPECT_EQ(t["options"][0]["votes"], 1);
  EXPECT_EQ(t["options"][1]["votes"], 2);
  EXPECT_EQ(t["options"][1]["label"], "第二中学");
  EXPECT_EQ(t["ballots_by_outcome"]["duplicate"], 1);
  EXPECT_EQ(t["ballots_by_outcome"]["unknown_code"], 1);
  auto csv = http_request("GET", base() + "/v1/polls/ten-best-2026/tally?format=csv", kReadToken);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.rfind("\xEF\xBB\xBF" "code,label,votes\r\n01,城关镇卫生院,1\r\n07,第二中学,2\r\n", 0), 0u) << csv.body;

  auto ballots = http_request("GET", base() + "/v1/polls/ten-best-2026/ballots?limit=2", kReadToken);
  ASSERT_EQ(ballots.status, 200) << ballots.body;
  const json b = json::parse(ballots.body);
  ASSERT_EQ(b["ballots"].size(), 2u);
  EXPECT_EQ(b["ballots"][0]["from"], "+8613800138001");
  EXPECT_EQ(b["ballots"][0]["outcome"], "counted");
  auto rest = http_request("GET", base() + "/v1/polls/ten-best-2026/ballots?cursor=" + b["next_cursor"].get<std::string>(),
                           kReadToken);
  EXPECT_EQ(json::parse(rest.body)["ballots"].size(), 3u) << rest.body;
  auto dup = http_request("GET", base() + "/v1/polls/ten-best-2026/ballots?outcome=duplicate&format=csv", kReadToken);
  EXPECT_NE(dup.body.find("+8613800138001,1,"), std::string::npos) << dup.body;
  EXPECT_EQ(http_request("GET", base() + "/v1/polls/ten-best-2026/ballots?outcome=maybe", kReadToken).status, 422);
  EXPECT_EQ(http_request("GET", base() + "/v1/polls/nope/tally", kReadToken).status, 404);
  auto shown = http_request("GET", base() + "/v1/polls/ten-best-2026", kReadToken);
  EXPECT_EQ(json::parse(shown.body)["tally"]["total"], 3) << shown.body;
  auto listed = http_request("GET", base() + "/v1/polls", kReadToken);
  EXPECT_EQ(json::parse(listed.body)["polls"].size(), 1u);
  // The votes are inbound messages of kind "vote".
  auto inbound = http_request("GET", base() + "/v1/inbound?kind=vote", kReadToken);
  EXPECT_EQ(json::parse(inbound.body)["inbound"].size(), 5u) << inbound.body;

  // The same from smsgwctl.
  const std::string ctl = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kAdminToken;
  auto made = run_command(ctl + " polls create hearing --keyword PX --option 1=甲 --option 2=乙 --opens " +
                          format_rfc3339(now_ms() - 1000) + " --closes " + format_rfc3339(now_ms() + 60'000));
  ASSERT_EQ(made.status, 0) << made.output;
  EXPECT_NE(made.output.find("\"PX <code>\""), std::string::npos) << made.output;
  auto shown_tally = run_command(ctl + " polls tally ten-best-2026");
  ASSERT_EQ(shown_tally.status, 0) << shown_tally.output;
  EXPECT_NE(shown_tally.output.find("第二中学"), std::string::npos) << shown_tally.output;
  EXPECT_NE(shown_tally.output.find("Rejected"), std::string::npos) << shown_tally.output;
  auto listed_ctl = run_command(ctl + " polls list");
  EXPECT_NE(listed_ctl.output.find("hearing"), std::string::npos) << listed_ctl.output;
  auto ballots_ctl = run_command(ctl + " polls ballots ten-best-2026 --outcome unknown_code");
  EXPECT_NE(ballots_ctl.output.find("unknown_code"), std::string::npos) << ballots_ctl.output;
  EXPECT_EQ(run_command(ctl + " polls create x --option nolabel").status, 2);
  EXPECT_EQ(run_command(ctl + " polls tally nope").status, 1);
}

TEST_F(E2E, SmsgwctlListsRepliesAndManagesTheSuppressionList) {
  start_carrier();
  start_daemon();
  const std::string ctl = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kAdminToken;
  const json push = json::array({{{"id", "oa-1"}, {"from", "13800138000"}, {"text", "1"}},
                                 {{"id", "oa-2"}, {"from", "13800138001"}, {"text", "退订"}}});
  EXPECT_EQ(http_request("POST", base() + "/v1/inbound/primary", kReadToken, push.dump()).status, 403);
  auto pushed = http_request("POST", base() + "/v1/inbound/primary", kCallbackToken, push.dump());
  ASSERT_EQ(pushed.status, 200) << pushed.body;
  EXPECT_EQ(json::parse(pushed.body)["stored"], 2);

  auto listed = run_command(ctl + " inbound list");
  ASSERT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find("+8613800138001"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("opt_out"), std::string::npos) << listed.output;
  auto only = run_command(ctl + " inbound list --from 13800138000 --kind reply");
  ASSERT_EQ(only.status, 0) << only.output;
  EXPECT_EQ(only.output.find("+8613800138001"), std::string::npos) << only.output;
  EXPECT_NE(only.output.find("+8613800138000"), std::string::npos) << only.output;
  EXPECT_EQ(run_command(ctl + " inbound list --since yesterday").status, 1);

  auto sup = run_command(ctl + " suppressions list");
  ASSERT_EQ(sup.status, 0) << sup.output;
  EXPECT_NE(sup.output.find("+8613800138001"), std::string::npos) << sup.output;
  EXPECT_NE(sup.output.find("keyword"), std::string::npos) << sup.output;
  auto added = run_command(ctl + " suppressions add 13800138002 --note 本人来电");
  EXPECT_EQ(added.status, 0) << added.output;
  EXPECT_EQ(run_command(std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kReadToken +
                        " suppressions remove 13800138001").status, 4);
  auto removed = run_command(ctl + " suppressions remove 13800138001");
  EXPECT_EQ(removed.status, 0) << removed.output;
  auto after = run_command(ctl + " --json suppressions list");
  ASSERT_EQ(after.status, 0) << after.output;
  const json rows = json::parse(after.output)["suppressions"];
  ASSERT_EQ(rows.size(), 1u) << after.output;
  EXPECT_EQ(rows[0]["phone"], "+8613800138002");
  EXPECT_EQ(rows[0]["reason"], "manual");

  // A send asking for a reply, from smsgwctl, then its replies and a reminder nobody needs.
  auto sent = run_command(ctl + " --json send --to 13800138005 --text '周五开会，回复1确认' --confirm-yes 1 "
                          "--confirm-yes 是 --confirm-no 2 --confirm-until " + format_rfc3339(now_ms() + 3600'000));
  ASSERT_EQ(sent.status, 0) << sent.output;
  const json accepted = json::parse(sent.output);
  const std::string batch = accepted["batch_id"];
  wait_for_status(accepted["messages"][0]["id"], "sent");
  ASSERT_EQ(http_request("POST", base() + "/v1/inbound/primary", kCallbackToken,
                         json{{"id", "oa-3"}, {"from", "13800138005"}, {"text", "是"}}.dump()).status, 200);
  auto replies = run_command(ctl + " batches replies " + batch);
  ASSERT_EQ(replies.status, 0) << replies.output;
  EXPECT_NE(replies.output.find("confirmed"), std::string::npos) << replies.output;
  auto shown = run_command(ctl + " batches show " + batch);
  EXPECT_NE(shown.output.find("REPLIES"), std::string::npos) << shown.output;
  auto csv = run_command(ctl + " batches replies " + batch + " --csv");
  ASSERT_EQ(csv.status, 0) << csv.output;
  EXPECT_EQ(csv.output.rfind("\xEF\xBB\xBFto,status,text,at", 0), 0u) << csv.output;
  auto remind = run_command(ctl + " batches remind " + batch + " --text 请回复");
  EXPECT_EQ(remind.status, 1) << remind.output;
  EXPECT_NE(remind.output.find("everyone has replied"), std::string::npos) << remind.output;
  EXPECT_EQ(run_command(ctl + " send --to 13800138005 --text x --confirm-yes 1").status, 2);

  // A draw from smsgwctl prints its seed and who was drawn; batches show prints them again.
  auto drew = run_command(ctl + " send --to 13800138006 --to 13800138007 --to 13800138008 --text 抽签 "
                          "--draw 2 --seed 听证会");
  ASSERT_EQ(drew.status, 0) << drew.output;
  EXPECT_NE(drew.output.find("Drawn 2 of 3 with seed 听证会"), std::string::npos) << drew.output;
  EXPECT_NE(drew.output.find("DRAWN"), std::string::npos) << drew.output;
  auto drew_json = run_command(ctl + " --json send --to 13800138006 --to 13800138007 --to 13800138008 --text 抽签 "
                               "--draw 2 --seed 听证会");
  ASSERT_EQ(drew_json.status, 0) << drew_json.output;
  const json draw = json::parse(drew_json.output);
  EXPECT_EQ(draw["count"], 2);
  auto drew_shown = run_command(ctl + " batches show " + draw["batch_id"].get<std::string>());
  EXPECT_NE(drew_shown.output.find("with seed 听证会"), std::string::npos) << drew_shown.output;
  EXPECT_EQ(run_command(ctl + " send --to 13800138006 --text x --seed s").status, 2);
  EXPECT_EQ(run_command(ctl + " send --to 13800138006 --text x --draw none").status, 2);
}

// A meeting notice asks "回复1确认参会"; replies "1", "否" and "hello" come back; the report
// counts confirmed / declined / unreadable / no reply, a reminder goes to exactly the one who
// did not answer, and that person's reply to the reminder counts for the notice.
TEST_F(E2E, ConfirmationsCountRepliesAndAReminderReachesOnlyTheNonResponders) {
  start_carrier();
  start_daemon();
  const std::string until = format_rfc3339(now_ms() + 24 * 3600'000LL);
  const std::vector<std::string> people{"+8613800138000", "+8613800138001", "+8613800138002", "+8613800138003"};
  auto r = post_messages({{"to", people}, {"text", "请于周五上午九时参加常委会会议，回复1确认参会，回复2请假。"},
                          {"confirm", {{"yes", {"1", "是", "确认"}}, {"no", {"2", "否"}}, {"until", until}}}});
  ASSERT_EQ(r.status, 202) << r.body;
  const json accepted = json::parse(r.body);
  const std::string batch = accepted["batch_id"];
  for (const auto& m : accepted["messages"]) wait_for_status(m["id"], "sent");
  auto batch_doc = [&](const std::string& id) {
    auto g = http_request("GET", base() + "/v1/batches/" + id, kAdminToken);
    EXPECT_EQ(g.status, 200) << g.body;
    return json::parse(g.body, nullptr, false);
  };
  auto reply = [&](const std::string& id, const std::string& from, const std::string& text) {
    auto p = http_request("POST", base() + "/v1/inbound/primary", kCallbackToken,
                          json{{"id", id}, {"from", from}, {"text", text}}.dump());
    ASSERT_EQ(p.status, 200) << p.body;
  };
  reply("r1", "13800138000", "1");
  reply("r2", "13800138001", "否");
  reply("r3", "13800138002", "hello");
  json b = batch_doc(batch);
  EXPECT_EQ(b["confirmations"], (json{{"confirmed", 1}, {"declined", 1}, {"unreadable", 1}, {"no_reply", 1}})) << b.dump();
  EXPECT_EQ(b["confirm"]["yes"], (json{"1", "是", "确认"}));

  auto replies = http_request("GET", base() + "/v1/batches/" + batch + "/replies", kAdminToken);
  ASSERT_EQ(replies.status, 200) << replies.body;
  std::map<std::string, std::string> status_of;
  const json replies_doc = json::parse(replies.body);
  for (const auto& row : replies_doc["replies"]) status_of[row["to"]] = row["status"];
  EXPECT_EQ(status_of, (std::map<std::string, std::string>{{people[0], "confirmed"}, {people[1], "declined"},
                                                            {people[2], "unreadable"}, {people[3], "no_reply"}}));
  auto csv = http_request("GET", base() + "/v1/batches/" + batch + "/replies?format=csv", kAdminToken);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.rfind("\xEF\xBB\xBFto,status,text,at\r\n", 0), 0u) << csv.body;
  EXPECT_NE(csv.body.find("+8613800138001,declined,否,"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find("+8613800138003,no_reply,,\r\n"), std::string::npos) << csv.body;

  // The reminder: to exactly the one with no reply, answered like a send.
  auto remind = http_request("POST", base() + "/v1/batches/" + batch + "/remind", kAdminToken,
                             json{{"text", "请尽快回复1确认是否参会。"}}.dump());
  ASSERT_EQ(remind.status, 202) << remind.body;
  const json reminder = json::parse(remind.body);
  ASSERT_EQ(reminder["count"], 1);
  EXPECT_EQ(reminder["messages"][0]["to"], people[3]);
  wait_for_status(reminder["messages"][0]["id"], "sent");
  EXPECT_EQ(http_request("POST", base() + "/v1/batches/" + batch + "/remind", kAdminToken,
                         json{{"to", {"13800138000"}}, {"text", "x"}}.dump()).status, 422);
  reply("r4", "13800138003", "确认。");
  b = batch_doc(batch);
  EXPECT_EQ(b["confirmations"], (json{{"confirmed", 2}, {"declined", 1}, {"unreadable", 1}, {"no_reply", 0}})) << b.dump();
  auto answered = http_request("GET", base() + "/v1/inbound?from=13800138003", kAdminToken);
  EXPECT_EQ(json::parse(answered.body)["inbound"][0]["batch_id"], reminder["batch_id"]) << answered.body;
  // Everyone has answered: nobody to remind.
  EXPECT_EQ(http_request("POST", base() + "/v1/batches/" + batch + "/remind", kAdminToken,
                         json{{"text", "x"}}.dump()).status, 409);
  // A change of mind counts; an unreadable reply after a readable one does not undo it.
  reply("r5", "13800138001", "1");
  reply("r6", "13800138000", "谢谢通知");
  b = batch_doc(batch);
  EXPECT_EQ(b["confirmations"], (json{{"confirmed", 3}, {"declined", 0}, {"unreadable", 1}, {"no_reply", 0}})) << b.dump();

  // A send without confirm has no replies report; bad confirm objects are refused with the field.
  auto plain = post_messages({{"to", {"13800138000"}}, {"text", "通知"}});
  ASSERT_EQ(plain.status, 202);
  EXPECT_EQ(http_request("GET", base() + "/v1/batches/" + json::parse(plain.body)["batch_id"].get<std::string>() +
                                    "/replies", kAdminToken).status, 409);
  auto bad = post_messages({{"to", {"13800138000"}}, {"text", "x"},
                            {"confirm", {{"yes", json::array()}, {"no", {"1", "１"}}, {"until", "2020-01-01T00:00:00Z"}}}});
  EXPECT_EQ(bad.status, 422);
  for (const char* field : {"confirm.yes", "confirm.no[1]", "confirm.until"}) {
    EXPECT_NE(bad.body.find(field), std::string::npos) << field << ": " << bad.body;
  }
}

// What the server sends is shown, never obeyed: a name holding ESC [2J (stored before the API
// refused control characters, or by another tool) must not clear the operator's terminal, nor a
// right-to-left override reverse the line. New ones are refused by the API.
TEST_F(E2E, SmsgwctlEscapesControlCharactersInWhatTheServerSends) {
  start_carrier();
  start_daemon();
  const std::string ctl = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kAdminToken;
  // The bidi override is not a control character: the API stores it, smsgwctl escapes it.
  auto added = run_command(ctl + " --json recipients add --name 张三 --phone 13800138000" +
                           " --title \"$(printf '\\342\\200\\256')科长\"");
  ASSERT_EQ(added.status, 0) << added.output;
  const std::string id = json::parse(added.output)["id"];
  {
    SQLite::Database db(dir_ + "/data/smsgw.db", SQLite::OPEN_READWRITE, 5000);
    SQLite::Statement update(db, "UPDATE recipients SET name = ? WHERE id = ?");
    update.bind(1, std::string("\x1b[2J张三"));
    update.bind(2, static_cast<std::int64_t>(std::stoll(id)));
    ASSERT_EQ(update.exec(), 1);
  }
  const auto raw_controls = [](const std::string& out) {
    return out.find('\x1b') != std::string::npos || out.find("\u202e") != std::string::npos;
  };
  for (const std::string& command : {std::string("recipients list"), "recipients show " + id}) {
    const CommandResult shown = run_command(ctl + " " + command);
    ASSERT_EQ(shown.status, 0) << command << ": " << shown.output;
    EXPECT_FALSE(raw_controls(shown.output)) << command << ": " << shown.output;
    EXPECT_NE(shown.output.find("\\x1b[2J张三"), std::string::npos) << command << ": " << shown.output;
    EXPECT_NE(shown.output.find("\\u202e科长"), std::string::npos) << command << ": " << shown.output;
  }
  // --json stays the server's JSON (where ESC is \u001b by JSON's own rules).
  const CommandResult as_json = run_command(ctl + " --json recipients show " + id);
  ASSERT_EQ(as_json.status, 0) << as_json.output;
  EXPECT_EQ(json::parse(as_json.output)["name"], "\x1b[2J张三");

  const CommandResult refused = run_command(ctl + " recipients add --phone 13900139000 --name \"$(printf 'x\\033]0;pwned\\007')\"");
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("name: must not contain control characters (found U+001B at character 2)"),
            std::string::npos)
      << refused.output;
  EXPECT_FALSE(raw_controls(refused.output)) << refused.output;
}

// A carrier registered under another signature sends with its own: the stored text keeps the
// [sms] signature, the carrier gets its signature instead, and the preview can show it.
TEST_F(E2E, ACarrierWithItsOwnSignatureSendsWithIt) {
  settings_.sms = "signature = \"【区纪委】\"\n";
  settings_.carrier_extra = "signature = \"【区监委】\"\n";
  start_carrier();
  start_daemon();
  auto r = post_messages({{"to", "13800138000"}, {"text", "会议通知"}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["messages"][0]["id"];
  ASSERT_TRUE(carrier_->wait_for_count(1, 10s));
  EXPECT_EQ(carrier_->received().at(0).json["text"], "【区监委】会议通知");
  EXPECT_EQ(get_message(id)["text"], "【区纪委】会议通知");

  json tmpl = {{"name", "n"}, {"body", "{{topic}}"}};
  ASSERT_EQ(http_request("POST", base() + "/v1/templates", kAdminToken, tmpl.dump()).status, 201);
  json ask = {{"params", {{"topic", "会议通知"}}}, {"carrier", "primary"}};
  auto preview = http_request("POST", base() + "/v1/templates/n/preview", kAdminToken, ask.dump());
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(json::parse(preview.body)["text"], "【区监委】会议通知");
  ask["carrier"] = "nosuch";
  EXPECT_EQ(http_request("POST", base() + "/v1/templates/n/preview", kAdminToken, ask.dump()).status, 422);
}

// The administrator's path of docs/admin-guide.md, with the real smsgwctl against the real
// smsgwd: import the office's list (GBK, with bad rows), load the shipped templates, preview,
// send to two overlapping groups, read the report, deactivate someone, manage tokens.
TEST_F(E2E, AdministratorImportsPreviewsAndSendsToGroupsWithSmsgwctl) {
  settings_.sms = "signature = \"【区纪委】\"\ndaily_cap_per_recipient = 2\n";
  start_carrier();
  start_daemon();
  const std::string src = SMSGW_SOURCE_DIR;
  const std::string ctl = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kAdminToken;

  // Bad rows are reported by line, good rows imported (exit 1 tells a script not all went in).
  auto dry = run_command(ctl + " recipients import " + src + "/tests/fixtures/recipients-gbk.csv --dry-run");
  EXPECT_EQ(dry.status, 1) << dry.output;
  auto listed = run_command(ctl + " --json recipients list");
  ASSERT_EQ(listed.status, 0) << listed.output;
  EXPECT_TRUE(json::parse(listed.output)["recipients"].empty()) << "dry run wrote rows";
  auto imported = run_command(ctl + " recipients import " + src + "/tests/fixtures/recipients-utf8.csv");
  EXPECT_EQ(imported.status, 1) << imported.output;
  EXPECT_NE(imported.output.find("line 4"), std::string::npos) << imported.output;
  EXPECT_NE(imported.output.find("line 7"), std::string::npos) << imported.output;
  // 郑十一's unit spans two lines (Alt+Enter in Excel): refused, with the line it starts on.
  EXPECT_NE(imported.output.find("line 12: unit: must not contain control characters"), std::string::npos)
      << imported.output;
  listed = run_command(ctl + " --json recipients list --group cadres");
  ASSERT_EQ(listed.status, 0) << listed.output;
  EXPECT_EQ(json::parse(listed.output)["recipients"].size(), 2u) << listed.output;
  auto table = run_command(ctl + " recipients list --group cadres");
  EXPECT_NE(table.output.find("张三"), std::string::npos) << table.output;

  // Shipped templates: created once, never overwritten silently.
  const std::string files = src + "/templates/meeting-notice.toml " + src +
                            "/templates/holiday-integrity-reminder.toml";
  auto first = run_command(ctl + " templates import " + files);
  EXPECT_EQ(first.status, 0) << first.output;
  auto again = run_command(ctl + " templates import " + files);
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("not replaced"), std::string::npos) << again.output;

  const std::string params = " --param meeting=廉政教育大会 --param time=12月1日9:00 --param place=三楼会议室";
  auto preview = run_command(ctl + " --json templates preview meeting-notice --recipient-name 张三" + params);
  ASSERT_EQ(preview.status, 0) << preview.output;
  auto p = json::parse(preview.output);
  EXPECT_EQ(p["encoding"], "ucs2");
  EXPECT_EQ(p["text"].get<std::string>().rfind("【区纪委】", 0), 0u) << p.dump();
  EXPECT_NE(p["text"].get<std::string>().find("张三"), std::string::npos) << p.dump();
  EXPECT_GE(p["segments"].get<int>(), 1);
  auto missing = run_command(ctl + " templates preview meeting-notice --param meeting=x");
  EXPECT_EQ(missing.status, 1) << missing.output;
  EXPECT_NE(missing.output.find("place"), std::string::npos) << missing.output;

  // 周九 is in both groups and gets one message; nobody is skipped yet.
  auto sent = run_command(ctl + " --json send --group cadres --group deputies --template meeting-notice" + params);
  ASSERT_EQ(sent.status, 0) << sent.output;
  auto batch = json::parse(sent.output);
  EXPECT_EQ(batch["count"], 3) << sent.output;
  ASSERT_TRUE(carrier_->wait_for_count(3, 10s));
  bool personalised = false;
  for (const auto& r : carrier_->received()) {
    const std::string text = r.json.value("text", "");
    EXPECT_EQ(text.rfind("【区纪委】", 0), 0u) << text;
    if (r.json.value("to", "") == "+8613400134000") personalised = text.find("周九") != std::string::npos;
  }
  EXPECT_TRUE(personalised);

  // Deactivate 周九: kept, never messaged, and the skip shows in the batch report.
  auto zhou = run_command(ctl + " --json recipients list --q 周九");
  const std::string zhou_id = json::parse(zhou.output)["recipients"][0]["id"];
  EXPECT_EQ(run_command(ctl + " recipients deactivate " + zhou_id).status, 0);
  auto second = run_command(ctl + " --json send --group cadres --template meeting-notice" + params);
  ASSERT_EQ(second.status, 0) << second.output;
  auto b2 = json::parse(second.output);
  EXPECT_EQ(b2["count"], 1) << second.output;
  EXPECT_EQ(b2["skipped_by_reason"]["inactive"], 1) << second.output;
  auto report = run_command(ctl + " --json batches show " + b2["batch_id"].get<std::string>());
  ASSERT_EQ(report.status, 0) << report.output;
  EXPECT_EQ(json::parse(report.output)["skipped_by_reason"]["inactive"], 1) << report.output;

  // Daily cap 2: 张三 has had two messages today, so a third is skipped with its reason.
  auto third = run_command(ctl + " --json send --to 13800138000 --text 第三条");
  ASSERT_EQ(third.status, 0) << third.output;
  EXPECT_EQ(json::parse(third.output)["skipped_by_reason"]["daily_cap"], 1) << third.output;

  // A token created with smsgwctl works at once and stops working when revoked.
  const std::string token_file = dir_ + "/oa-reader.token";
  // stdout (the token alone) to a file; the warning on stderr stays in `output`.
  auto created = run_command("{ " + ctl + " tokens create oa-reader --scope read > " + token_file + "; }");
  ASSERT_EQ(created.status, 0) << created.output;
  EXPECT_FALSE(created.output.empty());  // the warning that it is shown only once
  std::string token;
  {
    std::ifstream in(token_file);
    std::getline(in, token);
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  ASSERT_FALSE(token.empty());
  const std::string as_reader = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + token;
  EXPECT_EQ(run_command(as_reader + " messages list").status, 0);
  EXPECT_EQ(run_command(as_reader + " send --to 13800138000 --text x").status, 4);
  EXPECT_EQ(run_command(ctl + " tokens revoke oa-reader").status, 0);
  EXPECT_EQ(run_command(as_reader + " messages list").status, 4);
}

// The people of the console, managed with the real smsgwctl against the real smsgwd: the
// password only ever in a file or on stdin, never on the command line nor in an answer.
TEST_F(E2E, AdministratorManagesConsoleUsersWithSmsgwctl) {
  start_carrier();
  start_daemon();
  const std::string ctl = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kAdminToken;
  const std::string pw = dir_ + "/zhang.pw";
  {
    std::ofstream out(pw);
    out << "节前廉洁提醒2027春\n";  // the newline an editor adds is not part of it
  }
  auto added = run_command(ctl + " users add zhang.wei --role admin --password-file " + pw);
  ASSERT_EQ(added.status, 0) << added.output;
  EXPECT_NE(added.output.find("created user zhang.wei (admin)"), std::string::npos) << added.output;
  auto sender = run_command("printf '%s\\n' 'another long password' | " + ctl +
                            " users add li.na --role sender --password-file -");
  ASSERT_EQ(sender.status, 0) << sender.output;

  auto table = run_command(ctl + " users list");
  ASSERT_EQ(table.status, 0) << table.output;
  EXPECT_NE(table.output.find("zhang.wei"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("sender"), std::string::npos) << table.output;
  auto listed = run_command(ctl + " --json users list");
  ASSERT_EQ(listed.status, 0) << listed.output;
  EXPECT_EQ(json::parse(listed.output)["users"].size(), 2u) << listed.output;
  EXPECT_EQ(listed.output.find("argon2"), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find("廉洁"), std::string::npos) << listed.output;

  EXPECT_EQ(run_command(ctl + " users passwd li.na --password-file " + pw).status, 0);
  auto role = run_command(ctl + " users role li.na viewer");
  EXPECT_EQ(role.status, 0) << role.output;
  EXPECT_NE(role.output.find("(viewer)"), std::string::npos) << role.output;
  auto disabled = run_command(ctl + " users disable li.na");
  EXPECT_EQ(disabled.status, 0) << disabled.output;
  EXPECT_NE(disabled.output.find("disabled"), std::string::npos) << disabled.output;
  EXPECT_NE(run_command(ctl + " users list").output.find("disabled"), std::string::npos);
  EXPECT_EQ(run_command(ctl + " users enable li.na").status, 0);

  // Refusals: a weak password (the API's reason, exit 1), no password file (usage, exit 2), a
  // duplicate name, an unknown person, a token without admin (exit 4).
  {
    std::ofstream out(dir_ + "/weak.pw");
    out << "123456\n";
  }
  auto weak = run_command(ctl + " users add wang --role viewer --password-file " + dir_ + "/weak.pw");
  EXPECT_EQ(weak.status, 1) << weak.output;
  EXPECT_NE(weak.output.find("at least 10 characters"), std::string::npos) << weak.output;
  EXPECT_EQ(run_command(ctl + " users add wang --role viewer").status, 2);
  EXPECT_EQ(run_command(ctl + " users add zhang.wei --role viewer --password-file " + pw).status, 1);
  EXPECT_EQ(run_command(ctl + " users disable nobody").status, 1);
  const std::string as_reader = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kReadToken;
  EXPECT_EQ(run_command(as_reader + " users list").status, 4);

  // Each change is in the audit log, newest first, with who did it from where.
  auto audit = run_command(ctl + " audit list --action user.");
  ASSERT_EQ(audit.status, 0) << audit.output;
  for (const char* line : {"user.create", "user.password", "user.update", "zhang.wei", "li.na", "admin", "127.0.0.1",
                           "role: sender → viewer", "disabled: false → true", "password_changed_at: 20"}) {
    EXPECT_NE(audit.output.find(line), std::string::npos) << line << "\n" << audit.output;
  }
  EXPECT_EQ(audit.output.find("argon2"), std::string::npos) << audit.output;
  auto one = run_command(ctl + " --json audit list --object user:li.na --limit 2");
  ASSERT_EQ(one.status, 0) << one.output;
  const json page = json::parse(one.output);
  EXPECT_EQ(page["entries"].size(), 2u) << one.output;
  EXPECT_TRUE(page["next_cursor"].is_string()) << one.output;
  EXPECT_EQ(run_command(ctl + " audit list --since yesterday").status, 1);
  EXPECT_EQ(run_command(as_reader + " audit list").status, 4);
}

// A person signs in to the real daemon; the session outlives a restart (it is in the database)
// and ends with smsgwctl users logout. Neither the password nor the cookie reaches the log.
TEST_F(E2E, ConsoleSessionsOutliveARestartAndEndWithUsersLogout) {
  start_carrier();
  start_daemon();
  const std::string ctl = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kAdminToken;
  const std::string password = "节前廉洁提醒2027春";
  auto added = run_command("printf '%s\\n' '" + password + "' | " + ctl +
                           " users add zhang.wei --role admin --password-file -");
  ASSERT_EQ(added.status, 0) << added.output;
  std::string cookie;
  {
    ApiClient c(settings_.api_port);
    auto r = c.request("POST", "/console/login", "", json{{"username", "zhang.wei"}, {"password", password}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    cookie = r.header("set-cookie").substr(0, r.header("set-cookie").find(';'));
    EXPECT_EQ(c.request("GET", "/v1/groups", "", "", {"Cookie: " + cookie}).status, 200);
  }
  daemon_->signal(SIGTERM);
  ASSERT_EQ(daemon_->wait_exit(std::chrono::seconds(10)), 0) << daemon_->log();
  start_daemon();
  ApiClient c(settings_.api_port);
  EXPECT_EQ(c.request("GET", "/v1/groups", "", "", {"Cookie: " + cookie}).status, 200);
  auto out = run_command(ctl + " users logout zhang.wei");
  ASSERT_EQ(out.status, 0) << out.output;
  EXPECT_NE(out.output.find("signed out zhang.wei everywhere"), std::string::npos) << out.output;
  EXPECT_EQ(c.request("GET", "/v1/groups", "", "", {"Cookie: " + cookie}).status, 401);
  EXPECT_EQ(run_command(ctl + " users logout nobody").status, 1);
  const std::string log = daemon_->log();
  EXPECT_NE(log.find("zhang.wei signed in"), std::string::npos) << log;
  EXPECT_EQ(log.find(password), std::string::npos);
  EXPECT_EQ(log.find(cookie.substr(14)), std::string::npos);
}

// The two-person rule end to end: a person's send above [console] approval_threshold is held
// (the carrier hears nothing), smsgwctl shows and approves it with the admin token, and only
// then do the messages reach the carrier.
TEST_F(E2E, APersonsLargeSendWaitsUntilSmsgwctlApprovesIt) {
  settings_.extra = "[console]\napproval_threshold = 2\n";
  start_carrier();
  start_daemon();
  const std::string ctl = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kAdminToken;
  const std::string password = "节前廉洁提醒2027春";
  ASSERT_EQ(run_command("printf '%s\\n' '" + password + "' | " + ctl +
                        " users add li.na --role sender --password-file -").status, 0);
  ApiClient c(settings_.api_port);
  auto r = c.request("POST", "/console/login", "", json{{"username", "li.na"}, {"password", password}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string cookie = r.header("set-cookie").substr(0, r.header("set-cookie").find(';'));
  const std::vector<std::string> session{"Cookie: " + cookie, "X-CSRF-Token: " + r.doc()["csrf_token"].get<std::string>()};
  auto held = c.request("POST", "/v1/messages", "",
                        R"({"to":["13800138000","13900139000","13700137000"],"text":"明天九点开会"})", session);
  ASSERT_EQ(held.status, 202) << held.body;
  const std::string id = held.doc()["approval"]["id"];

  auto list = run_command(ctl + " approvals list --status pending");
  ASSERT_EQ(list.status, 0) << list.output;
  EXPECT_NE(list.output.find("li.na"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("3 recipients, 3 SMS"), std::string::npos) << list.output;
  auto show = run_command(ctl + " approvals show " + id);
  ASSERT_EQ(show.status, 0) << show.output;
  EXPECT_NE(show.output.find("+86138****8000"), std::string::npos) << show.output;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(carrier_->received().size(), 0u);  // nothing was queued

  auto approved = run_command(ctl + " approvals approve " + id);
  ASSERT_EQ(approved.status, 0) << approved.output;
  EXPECT_NE(approved.output.find("approved"), std::string::npos) << approved.output;
  EXPECT_NE(approved.output.find("with 3 messages"), std::string::npos) << approved.output;
  ASSERT_TRUE(carrier_->wait_for_count(3, 5s));
  auto again = run_command(ctl + " approvals approve " + id);
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_NE(again.output.find("approved"), std::string::npos) << again.output;
  EXPECT_EQ(run_command(ctl + " approvals reject nope").status, 1);
  EXPECT_EQ(run_command(ctl + " approvals").status, 2);
  auto audit = run_command(ctl + " audit list --action approval.");
  EXPECT_NE(audit.output.find("approval.approve"), std::string::npos) << audit.output;
  EXPECT_NE(audit.output.find("approval.request"), std::string::npos) << audit.output;
}

// smsgwctl calendar against the real daemon with the official years built into it (no
// calendar folder next to its config): the month grid marks the Spring Festival break and its
// make-up Saturday, and one day is explained.
TEST_F(E2E, SmsgwctlShowsTheCalendar) {
  ASSERT_FALSE(std::filesystem::exists(dir_ + "/calendar"));
  start_carrier();
  start_daemon();
  const std::string ctl = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kReadToken;

  auto year = run_command(ctl + " calendar show 2026");
  ASSERT_EQ(year.status, 0) << year.output;
  EXPECT_NE(year.output.find("2026: official calendar"), std::string::npos) << year.output;
  // 14 is the make-up Saturday, 15-22 the first days of the break (Monday-first weeks).
  EXPECT_NE(year.output.find("14班15休"), std::string::npos) << year.output;
  EXPECT_NE(year.output.find("16休17休18休19休20休21休22休"), std::string::npos) << year.output;
  EXPECT_NE(year.output.find("2026-02-15 (Sun) - 2026-02-23 (Mon)"), std::string::npos) << year.output;

  auto estimated = run_command(ctl + " calendar show 2031");
  ASSERT_EQ(estimated.status, 0) << estimated.output;
  EXPECT_NE(estimated.output.find("ESTIMATED"), std::string::npos) << estimated.output;
  EXPECT_NE(estimated.output.find("估"), std::string::npos) << estimated.output;

  auto day = run_command(ctl + " calendar day 2026-02-14");
  ASSERT_EQ(day.status, 0) << day.output;
  EXPECT_EQ(day.output, "2026-02-14 Saturday: workday (make-up workday for 春节)\n");
  auto json_day = run_command(ctl + " --json calendar day 2026-02-16");
  ASSERT_EQ(json_day.status, 0) << json_day.output;
  EXPECT_EQ(json::parse(json_day.output)["holiday"]["name"], "春节") << json_day.output;
  EXPECT_EQ(run_command(ctl + " calendar day 2026-02-30").status, 1);
  EXPECT_EQ(run_command(ctl + " calendar show").status, 2);
}

// The administrator's schedule commands against the real daemon: add (checked by the API),
// list, next, pause, resume, history, delete, and a clear error for a bad `when`.
TEST_F(E2E, SmsgwctlManagesSchedules) {
  const std::string src = SMSGW_SOURCE_DIR;
  ASSERT_EQ(run_command("mkdir -p " + dir_ + "/calendar && cp " + src + "/config/calendar/*.toml " +
                        dir_ + "/calendar/").status, 0);
  start_carrier();
  start_daemon();
  const std::string ctl = std::string(SMSGWCTL_PATH) + " --url " + base() + " --token " + kAdminToken;
  ASSERT_EQ(run_command(ctl + " templates import " + src + "/templates/monthly-work-briefing.toml")
                .status, 0);
  ASSERT_EQ(run_command(ctl + " groups create deputies").status, 0);

  auto bad = run_command(ctl + " schedules add briefing --when \"first workday of every moon\"" +
                         " --group deputies --template monthly-work-briefing --param summary=x");
  EXPECT_NE(bad.status, 0) << bad.output;
  EXPECT_NE(bad.output.find("when"), std::string::npos) << bad.output;

  auto add = run_command(ctl + " schedules add briefing --when \"first workday of every month at 09:30\"" +
                         " --group deputies --template monthly-work-briefing --param summary=本月要点");
  ASSERT_EQ(add.status, 0) << add.output;
  auto list = run_command(ctl + " schedules list");
  ASSERT_EQ(list.status, 0) << list.output;
  EXPECT_NE(list.output.find("first workday of every month at 09:30"), std::string::npos) << list.output;

  auto next = run_command(ctl + " --json schedules next briefing --count 3");
  ASSERT_EQ(next.status, 0) << next.output;
  json doc = json::parse(next.output, nullptr, false);
  ASSERT_TRUE(doc.contains("next")) << next.output;
  ASSERT_EQ(doc["next"].size(), 3u) << next.output;
  for (const auto& n : doc["next"]) {
    EXPECT_EQ(n["at"].get<std::string>().substr(10), "T09:30:00+08:00") << next.output;
    EXPECT_EQ(n["occurrence"].get<std::string>().rfind("month:", 0), 0u) << next.output;
  }

  EXPECT_EQ(run_command(ctl + " schedules pause briefing").status, 0);
  auto shown = run_command(ctl + " --json schedules show briefing");
  ASSERT_EQ(shown.status, 0) << shown.output;
  EXPECT_EQ(json::parse(shown.output)["enabled"], false) << shown.output;
  EXPECT_EQ(run_command(ctl + " schedules resume briefing").status, 0);
  shown = run_command(ctl + " --json schedules show briefing");
  EXPECT_EQ(json::parse(shown.output)["enabled"], true) << shown.output;

  auto history = run_command(ctl + " --json schedules history briefing");
  ASSERT_EQ(history.status, 0) << history.output;
  EXPECT_TRUE(json::parse(history.output)["runs"].empty()) << history.output;

  EXPECT_EQ(run_command(ctl + " schedules delete briefing").status, 0);
  EXPECT_NE(run_command(ctl + " schedules show briefing").status, 0);
}

}  // namespace
}  // namespace smsgw::testing
