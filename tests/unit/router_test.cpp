// The router without sockets, over a real Store on a temp file.

#include "api/router.hpp"
#include "api/server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <set>

#include "common/crypto.hpp"
#include "common/time.hpp"
#include "support/daemon_process.hpp"

namespace smsgw::api {
namespace {

namespace http = boost::beast::http;
using json = nlohmann::json;
using config::Scope;

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("smsgw-router-test");
    store_ = store::Store::open({dir_ + "/queue.db"});
    config_.api.tokens = {
        {"oa", sha256_hex("send-secret"), {Scope::send}},
        {"viewer", sha256_hex("read-secret"), {Scope::read}},
        {"ops", sha256_hex("admin-secret"), {Scope::admin}},
    };
    config_.limits.max_text_chars = 20;
    config_.sms.quiet_hours = {};  // tests run at any hour; quiet hours have their own tests
    config_.limits.max_recipients_per_request = 3;
    Dependencies deps{*store_, metrics_, [this](UnixMs due) { due_.push_back(due); }, {}, {}};
    router_ = std::make_unique<Router>(io_, config_, std::move(deps));
  }

  void TearDown() override {
    router_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs the io_context until the router answers (synchronously or after a store commit).
  Response call(Request req) {
    std::optional<Response> out;
    router_->handle(std::move(req), [&](Response r) {
      out = std::move(r);
      io_.stop();
    });
    if (!out) {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run_for(std::chrono::seconds(20));
    }
    io_.restart();
    if (!out) ADD_FAILURE() << "no response";
    return out ? std::move(*out) : Response{};
  }

  static Request request(http::verb verb, std::string target, std::string token,
                         std::string body = "", std::string content_type = "application/json") {
    Request r{verb, target, 11};
    if (!token.empty()) r.set(http::field::authorization, "Bearer " + token);
    if (!body.empty() || verb == http::verb::post) {
      r.set(http::field::content_type, content_type);
      r.body() = std::move(body);
    }
    r.prepare_payload();
    return r;
  }

  Response send(const json& body, std::string token = "send-secret") {
    return call(request(http::verb::post, "/v1/messages", std::move(token), body.dump()));
  }

  std::int64_t rows() {
    std::int64_t n = 0;
    for (const auto& [status, count] : store_->count_by_status()) n += count;
    return n;
  }

  // The field names of a 422 problem's errors.
  static std::set<std::string> fields(const Response& res) {
    std::set<std::string> out;
    json doc = json::parse(res.body(), nullptr, false);
    if (doc.is_object() && doc.contains("errors")) {
      for (const auto& e : doc["errors"]) out.insert(e.value("field", ""));
    }
    return out;
  }

  std::string dir_;
  boost::asio::io_context io_;
  config::Config config_;
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Router> router_;
  std::vector<UnixMs> due_;
};

TEST_F(RouterTest, AcceptedSendIsStoredDeduplicatedAndReadable) {
  Response res = send({{"to", {"13800138000", "+86 138-0013-8000", "13900139000"}},
                       {"text", "会议通知"},
                       {"priority", "urgent"}});
  ASSERT_EQ(res.result_int(), 202) << res.body();
  json body = json::parse(res.body());
  EXPECT_EQ(body["count"], 2);
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["to"], "+8613800138000");
  EXPECT_EQ(body["messages"][1]["to"], "+8613900139000");
  EXPECT_EQ(body["messages"][0]["status"], "queued");
  EXPECT_TRUE(body["batch_id"].is_string());
  EXPECT_EQ(rows(), 2);
  EXPECT_EQ(due_.size(), 1u);
  EXPECT_EQ(metrics_.messages_accepted.value({}), 2);

  const std::string id = body["messages"][0]["id"];
  Response got = call(request(http::verb::get, "/v1/messages/" + id, "read-secret"));
  ASSERT_EQ(got.result_int(), 200) << got.body();
  json m = json::parse(got.body());
  EXPECT_EQ(m["id"], id);
  EXPECT_EQ(m["to"], "+8613800138000");
  EXPECT_EQ(m["text"], "会议通知");
  EXPECT_EQ(m["status"], "queued");
  EXPECT_EQ(m["priority"], "urgent");
  EXPECT_EQ(m["batch_id"], body["batch_id"]);
  EXPECT_TRUE(m["history"].is_array());
  EXPECT_TRUE(m["expires_at"].is_null());
  EXPECT_TRUE(m["created_at"].is_string());

  Response batch =
      call(request(http::verb::get, "/v1/batches/" + body["batch_id"].get<std::string>(),
                   "read-secret"));
  ASSERT_EQ(batch.result_int(), 200) << batch.body();
  json b = json::parse(batch.body());
  EXPECT_EQ(b["count"], 2);
  EXPECT_EQ(b["by_status"]["queued"], 2);
  EXPECT_EQ(b["source"], "api:oa");
  EXPECT_EQ(metrics_.http_requests.value({"/v1/messages", "202"}), 1);
  EXPECT_EQ(metrics_.http_requests.value({"/v1/messages/{id}", "200"}), 1);
}

TEST_F(RouterTest, ValidationNamesEveryBadField) {
  Response res = send({{"to", {"13800138000", 5, "12345"}},
                       {"text", ""},
                       {"priority", "high"},
                       {"send_at", "tomorrow"},
                       {"expires_at", "2001-01-01T00:00:00Z"},
                       {"colour", "red"}});
  ASSERT_EQ(res.result_int(), 422) << res.body();
  EXPECT_EQ(res[http::field::content_type], "application/problem+json");
  EXPECT_EQ(fields(res), (std::set<std::string>{"to[1]", "to[2]", "text", "priority", "send_at",
                                                "expires_at", "colour"}))
      << res.body();
  json doc = json::parse(res.body());
  EXPECT_EQ(doc["status"], 422);
  EXPECT_TRUE(doc["title"].is_string());
  EXPECT_TRUE(doc["type"].is_string());
  EXPECT_EQ(rows(), 0);
  EXPECT_TRUE(due_.empty());
}

TEST_F(RouterTest, MissingAndWronglyTypedFields) {
  Response res = send(json::object());
  ASSERT_EQ(res.result_int(), 422);
  EXPECT_EQ(fields(res), (std::set<std::string>{"to", "text"}));

  res = send({{"to", 13800138000}, {"text", 5}});
  ASSERT_EQ(res.result_int(), 422);
  EXPECT_EQ(fields(res), (std::set<std::string>{"to", "text"}));

  res = send({{"to", json::array()}, {"text", "hi"}});
  ASSERT_EQ(res.result_int(), 422);
  EXPECT_EQ(fields(res), (std::set<std::string>{"to"}));

  res = send({{"to", "12345"}, {"text", "hi"}});
  ASSERT_EQ(res.result_int(), 422);
  EXPECT_EQ(fields(res), (std::set<std::string>{"to"}));
  EXPECT_EQ(rows(), 0);
}

TEST_F(RouterTest, LimitsOnTextAndRecipients) {
  Response res = send({{"to", "13800138000"}, {"text", std::string(21 * 3, 'a')}});
  ASSERT_EQ(res.result_int(), 422);
  EXPECT_EQ(fields(res), (std::set<std::string>{"text"}));

  // 20 Chinese characters are 60 bytes but 20 characters: accepted.
  std::string twenty;
  for (int i = 0; i < 20; ++i) twenty += "廉";
  res = send({{"to", "13800138000"}, {"text", twenty}});
  EXPECT_EQ(res.result_int(), 202) << res.body();

  res = send({{"to", {"13800138000", "13800138001", "13800138002", "13800138003"}},
              {"text", "hi"}});
  ASSERT_EQ(res.result_int(), 422);
  EXPECT_EQ(fields(res), (std::set<std::string>{"to"}));
  EXPECT_EQ(rows(), 1);
}

TEST_F(RouterTest, UnknownTemplateAndGroupAreNamed) {
  Response res = send({{"template", "holiday"}, {"groups", {"cadres"}}, {"params", json::object()}});
  ASSERT_EQ(res.result_int(), 422) << res.body();
  auto f = fields(res);
  EXPECT_TRUE(f.count("template") && f.count("groups")) << res.body();
  EXPECT_NE(res.body().find("cadres"), std::string::npos) << res.body();
  res = send({{"to", "13800138000"}, {"text", "hi"}, {"template", "holiday"}});
  ASSERT_EQ(res.result_int(), 422) << res.body();
  EXPECT_EQ(fields(res), (std::set<std::string>{"template"})) << res.body();
  EXPECT_EQ(rows(), 0);
}

TEST_F(RouterTest, ExpiryMustFollowSendAt) {
  Response res = send({{"to", "13800138000"},
                       {"text", "hi"},
                       {"send_at", "2099-01-02T00:00:00+08:00"},
                       {"expires_at", "2099-01-01T00:00:00+08:00"}});
  ASSERT_EQ(res.result_int(), 422);
  EXPECT_EQ(fields(res), (std::set<std::string>{"expires_at"}));

  res = send({{"to", "13800138000"},
              {"text", "hi"},
              {"send_at", "2099-01-01T00:00:00+08:00"},
              {"expires_at", "2099-01-02T00:00:00+08:00"}});
  ASSERT_EQ(res.result_int(), 202) << res.body();
  ASSERT_EQ(due_.size(), 1u);
  EXPECT_EQ(due_[0], *parse_rfc3339("2099-01-01T00:00:00+08:00"));
}

TEST_F(RouterTest, BodyAndHeaderErrors) {
  Response res = call(request(http::verb::post, "/v1/messages", "send-secret", "{\"to\":"));
  EXPECT_EQ(res.result_int(), 400);
  res = call(request(http::verb::post, "/v1/messages", "send-secret", "[1,2]"));
  EXPECT_EQ(res.result_int(), 422);
  res = call(request(http::verb::post, "/v1/messages", "send-secret",
                     R"({"to":"13800138000","text":"hi"})", "text/plain"));
  EXPECT_EQ(res.result_int(), 415);
  res = call(request(http::verb::post, "/v1/messages", "send-secret",
                     R"({"to":"13800138000","text":"hi"})", "Application/JSON; charset=UTF-8"));
  EXPECT_EQ(res.result_int(), 202) << res.body();

  Request bad_key = request(http::verb::post, "/v1/messages", "send-secret",
                            R"({"to":"13800138000","text":"hi"})");
  bad_key.set("Idempotency-Key", std::string(256, 'k'));
  EXPECT_EQ(call(std::move(bad_key)).result_int(), 400);
  Request ctl_key = request(http::verb::post, "/v1/messages", "send-secret",
                            R"({"to":"13800138000","text":"hi"})");
  ctl_key.set("Idempotency-Key", "a\x01z");
  EXPECT_EQ(call(std::move(ctl_key)).result_int(), 400);
  EXPECT_EQ(rows(), 1);
}

TEST_F(RouterTest, AuthenticationAndScopes) {
  const std::string body = R"({"to":"13800138000","text":"hi"})";
  Response res = call(request(http::verb::post, "/v1/messages", "", body));
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_NE(std::string(res[http::field::www_authenticate]).find("Bearer"), std::string::npos);
  res = call(request(http::verb::post, "/v1/messages", "wrong-secret", body));
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_NE(std::string(res[http::field::www_authenticate]).find("invalid_token"),
            std::string::npos);
  res = call(request(http::verb::post, "/v1/messages", "read-secret", body));
  EXPECT_EQ(res.result_int(), 403);
  res = call(request(http::verb::get, "/v1/messages", "send-secret"));
  EXPECT_EQ(res.result_int(), 403);
  res = call(request(http::verb::get, "/v1/messages", "admin-secret"));
  EXPECT_EQ(res.result_int(), 200);
  res = call(request(http::verb::post, "/v1/messages", "admin-secret", body));
  EXPECT_EQ(res.result_int(), 202);
  EXPECT_EQ(rows(), 1);

  // Reconfigure replaces the tokens for the next request.
  config::Config next = config_;
  next.api.tokens = {{"oa2", sha256_hex("rotated"), {Scope::send}}};
  router_->reconfigure(next);
  EXPECT_EQ(call(request(http::verb::post, "/v1/messages", "send-secret", body)).result_int(), 401);
  EXPECT_EQ(call(request(http::verb::post, "/v1/messages", "rotated", body)).result_int(), 202);
}

TEST_F(RouterTest, RoutingErrors) {
  Response res = call(request(http::verb::get, "/v2/nothing", "admin-secret"));
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res[http::field::content_type], "application/problem+json");
  res = call(request(http::verb::put, "/v1/messages", "admin-secret"));
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[http::field::allow], "GET, POST");
  res = call(request(http::verb::get, "/v1/messages/abc", "admin-secret"));
  EXPECT_EQ(res.result_int(), 404);
  res = call(request(http::verb::get, "/v1/messages/999999", "admin-secret"));
  EXPECT_EQ(res.result_int(), 404);
  res = call(request(http::verb::get, "/v1/batches/0", "admin-secret"));
  EXPECT_EQ(res.result_int(), 404);
  res = call(request(http::verb::post, "/v1/callbacks/nope", "admin-secret", "{}"));
  EXPECT_EQ(res.result_int(), 404);
  res = call(request(http::verb::get, "/healthz", ""));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(metrics_.http_requests.value({"other", "404"}), 1);
  EXPECT_EQ(route_template("/v1/messages/12?x=1"), "/v1/messages/{id}");
  EXPECT_EQ(route_template("/v1/callbacks/aliyun"), "/v1/callbacks/{carrier}");
  EXPECT_EQ(route_template("/v1/messages/1/2"), "other");
}

TEST_F(RouterTest, ListQueryValidation) {
  Response res = call(request(http::verb::get,
                              "/v1/messages?status=bogus&limit=0&to=123&cursor=x&batch_id=-1&foo=1",
                              "read-secret"));
  ASSERT_EQ(res.result_int(), 422) << res.body();
  EXPECT_EQ(fields(res),
            (std::set<std::string>{"status", "limit", "to", "cursor", "batch_id", "foo"}));
  res = call(request(http::verb::get, "/v1/messages?to=%2B8613800138000&status=queued&limit=5",
                     "read-secret"));
  ASSERT_EQ(res.result_int(), 200) << res.body();
  json doc = json::parse(res.body());
  EXPECT_TRUE(doc["messages"].is_array());
  EXPECT_TRUE(doc["next_cursor"].is_null());
}

TEST_F(RouterTest, ReadyzNeedsACarrierAndMetricsNeedsReadScope) {
  Response res = call(request(http::verb::get, "/readyz", "read-secret"));
  EXPECT_EQ(res.result_int(), 503) << res.body();  // no carriers wired
  EXPECT_EQ(call(request(http::verb::get, "/metrics", "")).result_int(), 401);
  res = call(request(http::verb::get, "/metrics", "read-secret"));
  ASSERT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find("smsgw_http_requests_total{route=\"/readyz\",code=\"503\"} 1"),
            std::string::npos)
      << res.body();
}

TEST_F(RouterTest, NotReadyIsProblemJsonWithRetryAfterAndCause) {
  Response res = call(request(http::verb::get, "/readyz", "read-secret"));
  ASSERT_EQ(res.result_int(), 503) << res.body();
  EXPECT_EQ(res[http::field::content_type], "application/problem+json");
  EXPECT_EQ(res[http::field::retry_after], "5");
  const json doc = json::parse(res.body());
  EXPECT_EQ(doc["status"], 503);
  EXPECT_EQ(doc["type"], "urn:smsgw:problem:unavailable");
  EXPECT_EQ(doc["detail"], "not ready: no carrier is configured");
  EXPECT_EQ(doc["store"]["writable"], true);
  EXPECT_TRUE(doc["carriers"].is_array());
}

TEST_F(RouterTest, MetricsSampleTheStoresDisk) {
  install_queue_collector(metrics_, *store_);
  Response res = call(request(http::verb::get, "/metrics", "read-secret"));
  ASSERT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find("\nsmsgw_store_database_bytes "), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("\nsmsgw_store_disk_free_bytes "), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("\nsmsgw_store_writable 1"), std::string::npos) << res.body();
  EXPECT_GT(metrics_.store_database_size.value({}), 0);
  EXPECT_GT(metrics_.store_disk_free.value({}), 0);
  metrics_.collector = nullptr;
}

class NullAdapter : public carriers::Adapter {
 public:
  void async_send(carriers::OutboundSms, carriers::SendHandler) override {}
  void async_stop(std::function<void()> done) override { done(); }
};

TEST_F(RouterTest, DeliveryReportsAndReadiness) {
  NullAdapter adapter;
  config_.api.tokens.push_back({"carrier", sha256_hex("cb-secret"), {Scope::callback}});
  Dependencies deps{*store_, metrics_, {},
                    [&](const std::string& name) -> const carriers::Adapter* {
                      return name == "fake" ? &adapter : nullptr;
                    },
                    [] {
                      return std::vector<dispatch::CarrierStatus>{
                          {"fake", 1, true, "closed", 0}};
                    }};
  router_ = std::make_unique<Router>(io_, config_, std::move(deps));

  Response res = send({{"to", "13800138000"}, {"text", "hi"}});
  ASSERT_EQ(res.result_int(), 202);
  const std::int64_t id = std::stoll(json::parse(res.body())["messages"][0]["id"].get<std::string>());
  // Play the dispatcher: claim and record a send accepted by the carrier as "cm-1".
  std::promise<void> recorded;
  store_->async_claim(now_ms(), now_ms() + 60'000, 10,
                      [&](std::error_code ec, std::vector<store::ClaimedMessage> claimed) {
                        ASSERT_FALSE(ec);
                        ASSERT_EQ(claimed.size(), 1u);
                        store::AttemptResult r;
                        r.id = claimed[0].id;
                        r.next = store::AttemptResult::Next::sent;
                        r.carrier = "fake";
                        r.carrier_message_id = "cm-1";
                        r.outcome = "sent";
                        r.at = now_ms();
                        store_->async_record({r}, [&](std::error_code) { recorded.set_value(); });
                      });
  ASSERT_EQ(recorded.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);

  const std::string report = R"({"message_id":"cm-1","status":"delivered"})";
  EXPECT_EQ(call(request(http::verb::post, "/v1/callbacks/fake", "send-secret", report))
                .result_int(),
            403);
  EXPECT_EQ(call(request(http::verb::post, "/v1/callbacks/other", "cb-secret", report))
                .result_int(),
            404);
  EXPECT_EQ(call(request(http::verb::post, "/v1/callbacks/fake", "cb-secret", "{\"x\":1}"))
                .result_int(),
            400);
  EXPECT_EQ(call(request(http::verb::post, "/v1/callbacks/fake", "cb-secret",
                         R"({"message_id":"cm-404","status":"delivered"})"))
                .result_int(),
            404);
  res = call(request(http::verb::post, "/v1/callbacks/fake", "cb-secret", report));
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(json::parse(res.body())["status"], "ok");
  EXPECT_EQ(store_->get_message(id)->status, Status::delivered);
  EXPECT_EQ(metrics_.delivery_reports.value({"fake", "delivered"}), 1);

  res = call(request(http::verb::get, "/readyz", "read-secret"));
  ASSERT_EQ(res.result_int(), 200) << res.body();
  json ready = json::parse(res.body());
  EXPECT_EQ(ready["carriers"][0]["name"], "fake");
  EXPECT_EQ(ready["carriers"][0]["breaker"], "closed");
}

}  // namespace
}  // namespace smsgw::api

namespace smsgw::api {
namespace {

// Quiet hours at the door: at 23:00 Beijing time a normal message is accepted with
// send_at = 08:00 the next morning; an urgent one keeps "now".
TEST_F(RouterTest, QuietHoursMoveNormalMessagesToTheMorning) {
  const TimeZone tz = *TimeZone::load("Asia/Shanghai");
  const UnixMs late_evening = tz.from_local(2026, 11, 26, 23, 0);
  router_.reset();
  config_.sms.quiet_hours = {22 * 60, 8 * 60};
  Dependencies deps{*store_, metrics_, [this](UnixMs due) { due_.push_back(due); }, {}, {}};
  deps.clock = [late_evening] { return late_evening; };
  router_ = std::make_unique<Router>(io_, config_, std::move(deps));

  Response normal = send({{"to", "13800138000"}, {"text", "hi"}});
  ASSERT_EQ(normal.result_int(), 202) << normal.body();
  json body = json::parse(normal.body());
  EXPECT_EQ(body.value("send_at", ""), "2026-11-27T00:00:00Z");  // 08:00 +08:00
  auto m = store_->get_message(std::stoll(body["messages"][0]["id"].get<std::string>()));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->send_at, tz.from_local(2026, 11, 27, 8, 0));
  EXPECT_EQ(m->next_attempt_at, tz.from_local(2026, 11, 27, 8, 0));
  ASSERT_FALSE(due_.empty());
  EXPECT_EQ(due_.back(), tz.from_local(2026, 11, 27, 8, 0));

  Response urgent = send({{"to", "13800138001"}, {"text", "hi"}, {"priority", "urgent"}});
  ASSERT_EQ(urgent.result_int(), 202) << urgent.body();
  body = json::parse(urgent.body());
  EXPECT_FALSE(body.contains("send_at"));
  m = store_->get_message(std::stoll(body["messages"][0]["id"].get<std::string>()));
  EXPECT_EQ(m->send_at, late_evening);
}

}  // namespace
}  // namespace smsgw::api

namespace smsgw::api {
namespace {

// Found by fuzz_route: "/v1/templates/preview" made the matcher take a substring past the end,
// and the exception left handle() before any try block, which would end smsgwd's io thread.
// It is the template named "preview"; an empty name before "/preview" matches nothing.
TEST_F(RouterTest, PreviewSuffixWithoutANameIsNotAPreview) {
  EXPECT_EQ(route_template("/v1/templates/preview"), "/v1/templates/{name}");
  EXPECT_EQ(route_template("/v1/templates/x/preview"), "/v1/templates/{name}/preview");
  EXPECT_EQ(route_template("/v1/templates//preview"), "other");
  EXPECT_EQ(route_template("/v1/templates/preview?x=1"), "/v1/templates/{name}");

  EXPECT_EQ(call(request(http::verb::get, "/v1/templates/preview", "")).result_int(), 401);
  Response res = call(request(http::verb::get, "/v1/templates/preview", "read-secret"));
  EXPECT_EQ(res.result_int(), 404) << res.body();
  res = call(request(http::verb::post, "/v1/templates/preview", "read-secret", "{}"));
  EXPECT_EQ(res.result_int(), 405) << res.body();
}

}  // namespace
}  // namespace smsgw::api
