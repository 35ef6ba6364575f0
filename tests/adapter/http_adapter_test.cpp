#include "adapters/http/http_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <optional>

#include "adapters/builtin.hpp"
#include "adapters/core/curl_multi.hpp"
#include "adapters/core/failure.hpp"
#include "adapters/core/registry.hpp"
#include "support/fake_http_carrier.hpp"
#include "support/adapter_calls.hpp"
#include "support/run_until.hpp"

namespace smsgw::adapters::http {
namespace {

using namespace std::chrono_literals;
using adapters::carrier_errc;
using OutboundSms = adapters::Submission;
using smsgw::testing::SendOutcome;
using smsgw::testing::send_async;
using smsgw::testing::text_sms;
using smsgw::testing::FakeHttpCarrier;
using ::testing::HasSubstr;
using ::testing::Not;
using Reply = FakeHttpCarrier::Reply;

constexpr const char* kConfigPath = "/etc/smsgw/smsgw.toml";

using smsgw::testing::run_until;
using smsgw::testing::run_until_out_of_work;

// Options parsed from TOML text so that nodes carry real line numbers.
config::CarrierConfig carrier_config(const std::string& options_toml) {
  config::CarrierConfig carrier;
  carrier.name = "primary";
  carrier.type = "http";
  carrier.source_path = kConfigPath;
  carrier.line = 1;
  carrier.options = toml::parse(options_toml, std::string(kConfigPath));
  return carrier;
}

OutboundSms sms(std::int64_t id = 42) {
  return text_sms(id, "+8613800138000", "【测试】您的验证码是 123456", 1);
}

class HttpAdapterTest : public ::testing::Test {
 protected:
  void make_adapter(const std::string& extra_options = "",
                    std::chrono::milliseconds timeout = 10s) {
    config_ = carrier_config("url = \"" + carrier_.url() + "\"\n" + extra_options);
    config_.timeout = timeout;
    ASSERT_THAT(validate(config_), ::testing::IsEmpty());
    adapter_ = create({io_, curl_, config_});
    adapter_->start();
  }

  SendOutcome send_one(OutboundSms message = sms()) {
    std::optional<SendOutcome> outcome;
    send_async(*adapter_, std::move(message), [&](SendOutcome o) { outcome = std::move(o); });
    EXPECT_TRUE(run_until(io_, [&] { return outcome.has_value(); }));
    return outcome.value_or(SendOutcome{});
  }

  boost::asio::io_context io_;
  FakeHttpCarrier carrier_;
  adapters::CurlMulti curl_{io_};
  config::CarrierConfig config_;
  std::unique_ptr<adapters::Adapter> adapter_;
};

TEST_F(HttpAdapterTest, PostsTheSpecifiedJsonAndTakesTheCarrierMessageId) {
  make_adapter();
  const auto outcome = send_one(sms(42));
  EXPECT_FALSE(outcome.error) << outcome.error.message();
  EXPECT_EQ(outcome.carrier_message_id, "fake-1");

  const auto received = carrier_.received();
  ASSERT_EQ(received.size(), 1u);
  const auto& request = received[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/send");
  EXPECT_EQ(request.header("Content-Type"), "application/json");
  EXPECT_EQ(request.header("Authorization"), "");
  const nlohmann::json expected = {{"id", "42"},
                                   {"to", "+8613800138000"},
                                   {"text", "【测试】您的验证码是 123456"},
                                   {"segments", 1}};
  EXPECT_EQ(request.json, expected);
  // UTF-8 on the wire, not \u escapes.
  EXPECT_THAT(request.body, HasSubstr("验证码"));
}

TEST_F(HttpAdapterTest, AcceptedWithoutAMessageId) {
  make_adapter();
  for (const std::string body : {"OK", "", "{}", "[1,2]", R"({"message_id":null})"}) {
    carrier_.set_reply(Reply::of(200, body));
    const auto outcome = send_one();
    EXPECT_FALSE(outcome.error) << body;
    EXPECT_EQ(outcome.carrier_message_id, "") << body;
  }
  carrier_.set_reply(Reply::of(202, R"({"message_id":"abc-1","extra":true})"));
  const auto outcome = send_one();
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.carrier_message_id, "abc-1");
  // An id no delivery report could carry (over 128 bytes, or with spaces or control
  // characters) is not stored; the send still counts as accepted.
  for (const std::string& id : {std::string(129, 'a'), std::string("a b"), std::string("a\u001bb")}) {
    carrier_.set_reply(Reply::of(200, "{\"message_id\":\"" + id + "\"}"));
    const auto o = send_one();
    EXPECT_FALSE(o.error);
    EXPECT_EQ(o.carrier_message_id, "") << id;
  }
}

TEST_F(HttpAdapterTest, ClientErrorsArePermanent) {
  make_adapter();
  for (const int status : {400, 401, 403, 404, 422}) {
    carrier_.set_reply(Reply::of(status, "bad number +8613800138000"));
    const auto outcome = send_one();
    EXPECT_EQ(outcome.error, carrier_errc::rejected) << status;
    EXPECT_TRUE(adapters::is_permanent(outcome.error)) << status;
    EXPECT_EQ(outcome.detail, "http " + std::to_string(status));
    EXPECT_THAT(outcome.detail, Not(HasSubstr("13800138000")));
  }
}

TEST_F(HttpAdapterTest, ServerErrorsAreTransient) {
  make_adapter();
  for (const int status : {500, 502, 503}) {
    carrier_.set_reply(Reply::of(status, "oops"));
    const auto outcome = send_one();
    EXPECT_EQ(outcome.error, carrier_errc::server_error) << status;
    EXPECT_TRUE(adapters::is_transient(outcome.error));
    EXPECT_EQ(outcome.detail, "http " + std::to_string(status));
  }
}

TEST_F(HttpAdapterTest, TooManyRequestsIsThrottled) {
  make_adapter();
  carrier_.set_reply(Reply::of(429, ""));
  auto outcome = send_one();
  EXPECT_EQ(outcome.error, carrier_errc::throttled);
  EXPECT_TRUE(adapters::is_throttled(outcome.error));
  EXPECT_FALSE(adapters::is_transient(outcome.error));
  EXPECT_FALSE(outcome.retry_after);  // none given: the dispatcher's default pause
  EXPECT_EQ(outcome.detail, "http 429");

  Reply with_delay = Reply::of(429, "");
  with_delay.headers = {{"Retry-After", "7"}};
  carrier_.set_reply(with_delay);
  outcome = send_one();
  ASSERT_TRUE(outcome.retry_after);
  EXPECT_EQ(*outcome.retry_after, std::chrono::seconds{7});
  // An HTTP-date (or garbage) is not understood: the default pause applies.
  with_delay.headers = {{"Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"}};
  carrier_.set_reply(with_delay);
  EXPECT_FALSE(send_one().retry_after);
}

TEST_F(HttpAdapterTest, SlowCarrierTimesOutTransiently) {
  make_adapter("", 300ms);
  carrier_.set_reply(Reply::delayed(5s));
  const auto outcome = send_one();
  EXPECT_EQ(outcome.error, carrier_errc::timeout);
  EXPECT_TRUE(adapters::is_transient(outcome.error));
  EXPECT_EQ(outcome.detail, "timeout after 300ms");
}

TEST_F(HttpAdapterTest, RefusedConnectionIsTransient) {
  make_adapter();
  carrier_.stop();
  const auto outcome = send_one();
  EXPECT_EQ(outcome.error, carrier_errc::connection_failed);
  EXPECT_TRUE(adapters::is_transient(outcome.error));
  EXPECT_FALSE(outcome.detail.empty());
}

TEST_F(HttpAdapterTest, DroppedConnectionIsTransient) {
  make_adapter();
  carrier_.set_reply(Reply::dropped());
  const auto outcome = send_one();
  EXPECT_TRUE(adapters::is_transient(outcome.error)) << outcome.error.message();
}

TEST_F(HttpAdapterTest, SendsConfiguredHeadersAndBearerToken) {
  make_adapter(
      "auth_token = \"s3cret-token\"\n"
      "[headers]\n"
      "X-Tenant = \"oa\"\n"
      "X-Trace = \"abc def\"\n");
  ASSERT_FALSE(send_one().error);
  const auto received = carrier_.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].header("authorization"), "Bearer s3cret-token");
  EXPECT_EQ(received[0].header("x-tenant"), "oa");
  EXPECT_EQ(received[0].header("x-trace"), "abc def");
}

TEST_F(HttpAdapterTest, EverySendCompletesExactlyOnce) {
  make_adapter("", 2s);
  carrier_.set_behaviour([](const FakeHttpCarrier::Received& r) {
    switch (r.number % 5) {
      case 0: return Reply::of(503);
      case 1: return Reply::of(400);
      case 2: return Reply::dropped();
      default: return Reply{};
    }
  });
  constexpr int kMessages = 300;
  std::map<std::int64_t, int> completions;
  bool synchronous = false;
  std::vector<bool> returned(kMessages + 1, false);
  for (int i = 1; i <= kMessages; ++i) {
    send_async(*adapter_, sms(i), [&, i](SendOutcome) {
      ++completions[i];
      if (!returned[i]) synchronous = true;
    });
    returned[i] = true;
  }
  ASSERT_TRUE(run_until(io_, [&] { return completions.size() == kMessages; }, 30s));
  // A second completion could only come from something still pending (a timer, a transfer):
  // stop the adapter and the multi and run until nothing at all is left.
  bool stopped = false;
  adapter_->async_stop([&] { stopped = true; });
  ASSERT_TRUE(run_until(io_, [&] { return stopped; }));
  curl_.cancel_all();
  EXPECT_TRUE(run_until_out_of_work(io_, 10s)) << "work left after the adapter stopped";
  EXPECT_FALSE(synchronous);
  ASSERT_EQ(completions.size(), static_cast<std::size_t>(kMessages));
  for (const auto& [id, count] : completions) EXPECT_EQ(count, 1) << id;
}

TEST_F(HttpAdapterTest, StopWaitsForInFlightSendsAndRejectsNewOnes) {
  make_adapter();
  carrier_.set_reply(Reply::delayed(300ms));
  int accepted = 0;
  for (int i = 1; i <= 3; ++i) {
    send_async(*adapter_, sms(i), [&](SendOutcome o) {
      if (!o.error) ++accepted;
    });
  }
  ASSERT_TRUE(run_until(io_, [&] { return carrier_.count() == 3; }));
  bool stopped = false;
  adapter_->async_stop([&] {
    stopped = true;
    EXPECT_EQ(accepted, 3);  // the in-flight ones finished first
  });

  std::optional<SendOutcome> late;
  send_async(*adapter_, sms(4), [&](SendOutcome o) { late = std::move(o); });
  EXPECT_FALSE(late.has_value());
  ASSERT_TRUE(run_until(io_, [&] { return stopped && late.has_value(); }));
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(late->error, carrier_errc::unavailable);
  EXPECT_EQ(carrier_.count(), 3u);
}

TEST_F(HttpAdapterTest, StopWithNothingInFlightCompletesPromptlyButNotInline) {
  make_adapter();
  bool stopped = false;
  adapter_->async_stop([&] { stopped = true; });
  EXPECT_FALSE(stopped);
  ASSERT_TRUE(run_until(io_, [&] { return stopped; }, 1s));
}

TEST_F(HttpAdapterTest, CancelledTransfersReportUnavailable) {
  make_adapter();
  carrier_.set_reply(Reply::delayed(10s));
  std::optional<SendOutcome> outcome;
  send_async(*adapter_, sms(), [&](SendOutcome o) { outcome = std::move(o); });
  ASSERT_TRUE(run_until(io_, [&] { return carrier_.count() == 1; }));
  curl_.cancel_all();
  ASSERT_TRUE(run_until(io_, [&] { return outcome.has_value(); }));
  EXPECT_EQ(outcome->error, carrier_errc::unavailable);
}

TEST_F(HttpAdapterTest, ParsesTheGenericCallback) {
  make_adapter();
  auto parse = [&](const std::string& body) {
    return adapter_->parse_callback({"application/json", body, {}});
  };
  auto delivered = parse(R"({"message_id":"fake-7","status":"delivered"})");
  ASSERT_EQ(delivered.reports.size(), 1u) << delivered.error;
  EXPECT_EQ(delivered.reports[0].carrier_id, "fake-7");
  EXPECT_EQ(delivered.reports[0].state, adapters::Report::State::delivered);
  EXPECT_EQ(delivered.reports[0].error, "");
  EXPECT_EQ(delivered.answer.body, "");  // the core's default answer

  auto failed = parse(R"({"message_id":"x","status":"failed","error":"UNDELIV"})");
  ASSERT_EQ(failed.reports.size(), 1u);
  EXPECT_EQ(failed.reports[0].state, adapters::Report::State::failed);
  EXPECT_EQ(failed.reports[0].error, "UNDELIV");

  // An array of reports, as a batching carrier pushes them.
  auto many = parse(R"([{"message_id":"a","status":"delivered"},)"
                    R"({"message_id":"b","status":"failed","error":"EXPIRED"}])");
  ASSERT_EQ(many.reports.size(), 2u) << many.error;
  EXPECT_EQ(many.reports[1].carrier_id, "b");
  EXPECT_EQ(many.reports[1].state, adapters::Report::State::failed);

  std::string too_many = "[";
  for (std::size_t i = 0; i <= adapters::kMaxReportsPerCallback; ++i) {
    too_many += std::string(i ? "," : "") + R"({"message_id":"m","status":"delivered"})";
  }
  too_many += "]";

  const std::map<std::string, std::string> bad = {
      {"not json", "JSON"},
      {"[]", "1 to 1000"},
      {"5", "object"},
      {too_many, "1 to 1000"},
      {R"([{"message_id":"a","status":"delivered"},{"message_id":"b"}])", "report 1: \"status\""},
      {R"({"status":"delivered"})", "message_id"},
      {R"({"message_id":7,"status":"delivered"})", "message_id"},
      {R"({"message_id":"x"})", "status"},
      {R"({"message_id":"x","status":"sent"})", "status"},
      {R"({"message_id":"x","status":"failed","error":5})", "error"},
  };
  for (const auto& [body, mentions] : bad) {
    const auto result = parse(body);
    EXPECT_TRUE(result.reports.empty()) << body.substr(0, 80);
    EXPECT_THAT(result.error, HasSubstr(mentions)) << body.substr(0, 80);
  }
}

// Batch mode: up to `batch` messages per request as {"messages": [...]}; one result per message
// from {"results": [...]}, each classified on its own; a message the answer leaves out is
// transient (we cannot know whether the carrier took it).
TEST_F(HttpAdapterTest, BatchModeSendsManyPerRequestAndClassifiesEachResult) {
  make_adapter("batch = 3\n");
  carrier_.set_behaviour([](const FakeHttpCarrier::Received& r) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& m : r.json["messages"]) {
      const auto id = m["id"].get<std::string>();
      const int n = std::stoi(id);
      if (n == 7) continue;  // left out of the answer
      const char* status = n % 4 == 1 ? "accepted" : n % 4 == 2 ? "rejected"
                           : n % 4 == 3 ? "throttled" : "failed";
      results.push_back({{"id", id}, {"status", status}, {"message_id", "b-" + id},
                         {"error", "why " + id}});
    }
    return Reply::of(200, nlohmann::json{{"results", results}}.dump());
  });
  std::vector<adapters::Submission> batch;
  for (int i = 1; i <= 7; ++i) batch.push_back(sms(i));
  ASSERT_EQ(adapter_->max_batch(), 3u);
  std::map<std::int64_t, adapters::SubmitResult> results;
  adapter_->submit(std::move(batch), [&](adapters::SubmitResult r) {
    EXPECT_FALSE(results.count(r.id)) << "two results for " << r.id;
    results[r.id] = std::move(r);
  });
  EXPECT_TRUE(results.empty());  // never synchronously
  ASSERT_TRUE(run_until(io_, [&] { return results.size() == 7; }));
  const auto received = carrier_.received();
  ASSERT_EQ(received.size(), 3u);  // 3 + 3 + 1
  EXPECT_EQ(received[0].json["messages"].size(), 3u);
  EXPECT_EQ(received[0].json["messages"][0],
            (nlohmann::json{{"id", "1"}, {"to", "+8613800138000"},
                            {"text", "【测试】您的验证码是 123456"}, {"segments", 1}}));
  EXPECT_FALSE(results[1].error);
  EXPECT_EQ(results[1].carrier_ids, std::vector<std::string>{"b-1"});
  EXPECT_EQ(results[2].error, carrier_errc::rejected);
  EXPECT_EQ(results[2].detail, "rejected: why 2");
  EXPECT_TRUE(adapters::is_throttled(results[3].error));
  EXPECT_TRUE(adapters::is_transient(results[4].error));
  EXPECT_FALSE(results[5].error);
  EXPECT_EQ(results[7].error, carrier_errc::bad_response);
  EXPECT_TRUE(adapters::is_transient(results[7].error));
}

TEST_F(HttpAdapterTest, BatchModeWithoutResultsIsTransientAndAStatusAppliesToAll) {
  make_adapter("batch = 10\n");
  auto send_two = [&] {
    std::vector<adapters::Submission> batch{sms(1), sms(2)};
    std::vector<adapters::SubmitResult> results;
    adapter_->submit(std::move(batch), [&](adapters::SubmitResult r) { results.push_back(std::move(r)); });
    EXPECT_TRUE(run_until(io_, [&] { return results.size() == 2; }));
    return results;
  };
  carrier_.set_reply(Reply::of(200, "OK"));
  for (const auto& r : send_two()) EXPECT_EQ(r.error, carrier_errc::bad_response);
  carrier_.set_reply(Reply::of(503));
  for (const auto& r : send_two()) EXPECT_EQ(r.error, carrier_errc::server_error);
  carrier_.set_reply(Reply::of(400));
  for (const auto& r : send_two()) EXPECT_TRUE(adapters::is_permanent(r.error));
}

// The window: credit() counts free request slots; a completion that frees a full window tells
// the listener.
TEST_F(HttpAdapterTest, CreditFollowsRequestsInFlightAndACompletionGrantsMore) {
  struct Counting : adapters::Listener {
    int credits = 0;
    void on_credit() override { ++credits; }
    void on_state(bool, std::string) override {}
  };
  auto shared = std::make_shared<Counting>();
  Counting& listener = *shared;
  make_adapter("max_requests = 2\nbatch = 1\n");
  adapter_->set_listener(shared);
  carrier_.set_reply(Reply::delayed(200ms));
  EXPECT_EQ(adapter_->credit(), 2u);
  int done = 0;
  for (int i = 1; i <= 2; ++i) send_async(*adapter_, sms(i), [&](SendOutcome) { ++done; });
  EXPECT_EQ(adapter_->credit(), 0u);
  ASSERT_TRUE(run_until(io_, [&] { return done == 2; }));
  EXPECT_EQ(adapter_->credit(), 2u);
  EXPECT_GE(listener.credits, 1);
}

TEST_F(HttpAdapterTest, TemplateCallsAreRejectedByTheGenericCarrier) {
  make_adapter();
  auto s = sms(1);
  s.text.clear();
  s.template_call = adapters::TemplateCall{"SMS_1", {}, false};
  std::optional<SendOutcome> outcome;
  send_async(*adapter_, std::move(s), [&](SendOutcome o) { outcome = std::move(o); });
  ASSERT_TRUE(run_until(io_, [&] { return outcome.has_value(); }));
  EXPECT_TRUE(adapters::is_permanent(outcome->error));
  EXPECT_EQ(carrier_.count(), 0u);
}

TEST(HttpAdapterOptions, ValidOptionsPass) {
  EXPECT_THAT(validate(carrier_config("url = \"https://sms.example.com/send\"\n"
                                      "batch = 100\nmax_requests = 8\n"
                                      "auth_token = \"t\"\n"
                                      "headers = { X-A = \"1\" }\n")),
              ::testing::IsEmpty());
}

TEST(HttpAdapterOptions, ProblemsNameFileLineAndKey) {
  const auto problems = validate(carrier_config(
      "url = \"ftp://example.com\"\n"    // line 1
      "colour = \"red\"\n"               // line 2
      "auth_token = 5\n"                 // line 3
      "headers = { X-A = 1 }\n"));       // line 4
  ASSERT_EQ(problems.size(), 4u) << ::testing::PrintToString(problems);
  auto mentions = [&](const std::string& text) {
    for (const auto& p : problems) {
      if (p.find(text) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(mentions("/etc/smsgw/smsgw.toml:1: carriers[primary].url:"));
  EXPECT_TRUE(mentions("/etc/smsgw/smsgw.toml:2: carriers[primary].colour: unknown key"));
  EXPECT_TRUE(mentions("/etc/smsgw/smsgw.toml:3: carriers[primary].auth_token:"));
  EXPECT_TRUE(mentions("/etc/smsgw/smsgw.toml:4: carriers[primary].headers.X-A:"));
}

TEST(HttpAdapterOptions, BatchAndMaxRequestsAreBounded) {
  for (const std::string bad : {"batch = 0", "batch = 1001", "batch = \"2\"", "max_requests = 0",
                                "max_requests = 10001"}) {
    const auto problems = validate(carrier_config("url = \"http://127.0.0.1:1/x\"\n" + bad + "\n"));
    ASSERT_EQ(problems.size(), 1u) << bad;
    EXPECT_THAT(problems[0], HasSubstr("must be an integer from 1 to")) << bad;
    EXPECT_THAT(problems[0], HasSubstr("smsgw.toml:2:")) << bad;
  }
}

TEST(HttpAdapterOptions, MissingUrlAndBadHeaders) {
  const auto missing = validate(carrier_config("headers = \"x\"\n"));
  ASSERT_EQ(missing.size(), 2u) << ::testing::PrintToString(missing);
  EXPECT_THAT(missing, ::testing::Contains(HasSubstr("carriers[primary].url: ")));
  EXPECT_THAT(missing, ::testing::Contains(
                           HasSubstr("smsgw.toml:1: carriers[primary].headers: must be a table")));
  const auto injected = validate(carrier_config(
      "url = \"http://127.0.0.1/\"\nheaders = { X-A = \"a\\r\\nX-Evil: 1\" }\n"));
  EXPECT_THAT(injected, ::testing::ElementsAre(HasSubstr("line breaks")));
}

TEST(Registry, BuiltinTypesAndUnknownTypeMessage) {
  adapters::Registry registry;
  register_builtin_adapters(registry);
  EXPECT_EQ(registry.types(), (std::vector<std::string>{"aliyun", "cmcc-mas", "cmpp", "file", "http", "smpp", "tencent"}));
  EXPECT_NE(registry.find("http"), nullptr);
  EXPECT_EQ(registry.find("smoke-signal"), nullptr);
  EXPECT_THROW(registry.add("http", factory()), std::logic_error);

  config::Config config;
  auto good = carrier_config("url = \"http://127.0.0.1:1/send\"\n");
  auto unknown = carrier_config("");
  unknown.name = "backup";
  unknown.type = "smoke-signal";
  unknown.line = 7;
  auto bad = carrier_config("url = \"nope\"\n");
  bad.name = "third";
  config.carriers = {good, unknown, bad};
  try {
    adapters::validate_carriers(registry, config);
    FAIL() << "expected ConfigError";
  } catch (const config::ConfigError& error) {
    EXPECT_THAT(error.problems(),
                ::testing::ElementsAre(
                    "/etc/smsgw/smsgw.toml:7: carriers[backup].type: unknown carrier type "
                    "\"smoke-signal\" (known: aliyun, cmcc-mas, cmpp, file, http, smpp, tencent)",
                    HasSubstr("smsgw.toml:1: carriers[third].url: must start with http://")));
  }
}

}  // namespace
}  // namespace smsgw::adapters::http
