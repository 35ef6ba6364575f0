#include "adapters/tencent/tencent_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>

#include "adapters/core/curl_multi.hpp"
#include "adapters/core/failure.hpp"
#include "adapters/tencent/tc3_sign.hpp"
#include "common/crypto.hpp"
#include "common/time.hpp"
#include "support/fake_tencent.hpp"
#include "support/http_client.hpp"
#include "support/run_until.hpp"

namespace smsgw::adapters::tencent {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using smsgw::testing::FakeTencent;
using smsgw::testing::run_until;

// Tencent's published example (Signature v3 page, unmasked ...EXAMPLE keys; notes §11).
TEST(Tc3Sign, TheDocumentationExampleReproduces) {
  Tc3Request r;
  r.service = "cvm";
  r.timestamp = 1551113065;
  r.headers = {{"content-type", "application/json; charset=utf-8"}, {"host", "cvm.tencentcloudapi.com"}};
  r.payload = R"({"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]})";
  EXPECT_EQ(tc3_date(r.timestamp), "2019-02-25");
  EXPECT_EQ(tc3_signature(r, "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"),
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
  EXPECT_EQ(tc3_authorization(r, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
            "SignedHeaders=content-type;host, "
            "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
}

// The notes' computed SendSms vector (§4.2).
TEST(Tc3Sign, TheSmsVectorFromTheNotes) {
  Tc3Request r;
  r.service = "sms";
  r.timestamp = 1700000000;
  r.headers = {{"content-type", "application/json; charset=utf-8"}, {"host", "sms.tencentcloudapi.com"}};
  r.payload = R"({"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"腾讯云","TemplateId":"1234","TemplateParamSet":["12345"]})";
  EXPECT_EQ(sha256_hex(r.payload), "07c459acacaed20fae4909d79c24ceb56bdd73b26a09c58991612f8ce1a5f8c8");
  EXPECT_EQ(sha256_hex(tc3_canonical_request(r)), "aa055dce75eb279c42bf8ed1b90be685cc962ec445b0a99d0994d15b10117440");
  EXPECT_EQ(tc3_signature(r, "testSecretKey"), "013dc67a89cfbc9d47acb824c7904629e9921c407837af9a8bf59d6c3f7637f3");
}

TEST(TencentClassify, PerNumberLimitsWaitTheNumberAccountLimitsPauseTheCarrier) {
  const auto thirty = classify("LimitExceeded.PhoneNumberThirtySecondLimit", 0);
  EXPECT_TRUE(is_transient(thirty.error));
  EXPECT_EQ(thirty.retry_after, std::chrono::milliseconds(30'000));
  EXPECT_TRUE(is_throttled(classify("LimitExceeded.AppDailyLimit", 0).error));
  EXPECT_TRUE(is_throttled(classify("RequestLimitExceeded", 0).error));
  EXPECT_TRUE(is_throttled(classify("FailedOperation.InsufficientBalanceInSmsPackage", 0).error));
  // 2026-12-01T15:00:00Z is 23:00 in China: marketing SMS wait until 08:00, nine hours.
  EXPECT_EQ(classify("FailedOperation.MarketingSendTimeConstraint", 1'796'137'200'000).retry_after,
            std::chrono::milliseconds(9 * 3'600'000));
  EXPECT_TRUE(is_permanent(classify("FailedOperation.TemplateIncorrectOrUnapproved", 0).error));
  EXPECT_TRUE(is_permanent(classify("InvalidParameterValue.IncorrectPhoneNumber", 0).error));
  EXPECT_TRUE(is_transient(classify("InternalError.Timeout", 0).error));
  EXPECT_TRUE(is_transient(classify("Something.New", 0).error));
  EXPECT_FALSE(classify("Ok", 0).error);
}

config::CarrierConfig tencent_config(const std::string& endpoint) {
  config::CarrierConfig c;
  c.name = "tc";
  c.type = "tencent";
  c.source_path = "/etc/smsgw/smsgw.toml";
  c.timeout = 2s;
  c.options = toml::parse("endpoint = \"" + endpoint + "\"\nsecret_id = \"AKIDtestSecretId\"\n"
                          "secret_key = \"testSecretKey\"\nsdk_app_id = \"1400006666\"\n"
                          "sign_name = \"某某区纪委\"\n",
                          std::string("/etc/smsgw/smsgw.toml"));
  config::TemplateMapping m;
  m.code = "100001";
  m.params = {{"", "{{name}}"}};
  c.templates["holiday-integrity-reminder"] = m;
  return c;
}

Submission template_to(std::int64_t id, std::string to, std::string code, std::string name) {
  Submission s;
  s.id = id;
  s.to = std::move(to);
  s.template_call = TemplateCall{std::move(code), {{"", std::move(name)}}, false};
  return s;
}

class TencentTest : public ::testing::Test {
 protected:
  void make() {
    config_ = tencent_config(fake_.endpoint());
    ASSERT_THAT(validate(config_), ::testing::IsEmpty());
    adapter_ = create({io_, curl_, config_});
  }
  std::map<std::int64_t, SubmitResult> submit(std::vector<Submission> batch) {
    const std::size_t n = batch.size();
    std::map<std::int64_t, SubmitResult> out;
    adapter_->submit(std::move(batch), [&](SubmitResult r) { out[r.id] = std::move(r); });
    EXPECT_TRUE(run_until(io_, [&] { return out.size() == n; }, 20s));
    return out;
  }

  FakeTencent fake_;
  boost::asio::io_context io_;
  CurlMulti curl_{io_};
  config::CarrierConfig config_;
  std::unique_ptr<Adapter> adapter_;
};

TEST_F(TencentTest, OneRequestPer200NumbersWithASerialNoEach) {
  make();
  EXPECT_EQ(adapter_->max_batch(), 200u);
  std::vector<Submission> batch;
  for (int i = 0; i < 200; ++i) {
    batch.push_back(template_to(i + 1, "+86138001" + std::to_string(38000 + i), "100001", "张三"));
  }
  auto results = submit(std::move(batch));
  const auto sends = fake_.sends();
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].numbers.size(), 200u);
  EXPECT_THAT(sends[0].params, ElementsAre("张三"));
  EXPECT_EQ(sends[0].session_context, "1");
  std::set<std::string> serials;
  for (const auto& [id, r] : results) {
    EXPECT_FALSE(r.error) << r.detail;
    ASSERT_EQ(r.carrier_ids.size(), 1u);
    serials.insert(r.carrier_ids[0]);
  }
  EXPECT_EQ(serials.size(), 200u);
}

TEST_F(TencentTest, DifferentParamsAndInternationalNumbersSplitRequests) {
  make();
  auto results = submit({template_to(1, "+8613800138000", "100001", "张三"),
                         template_to(2, "+8613800138001", "100001", "李四"),
                         template_to(3, "+85291234567", "100001", "张三")});
  EXPECT_EQ(fake_.sends().size(), 3u);
  for (const auto& [id, r] : results) EXPECT_FALSE(r.error) << r.detail;
}

TEST_F(TencentTest, PerNumberCodesFailOnlyTheirNumbers) {
  make();
  fake_.set_number_code("+8613800138001", "LimitExceeded.PhoneNumberThirtySecondLimit");
  fake_.set_number_code("+8613800138002", "FailedOperation.PhoneNumberInBlacklist");
  auto results = submit({template_to(1, "+8613800138000", "100001", "张三"),
                         template_to(2, "+8613800138001", "100001", "张三"),
                         template_to(3, "+8613800138002", "100001", "张三")});
  EXPECT_FALSE(results[1].error);
  EXPECT_TRUE(is_transient(results[2].error));
  EXPECT_EQ(results[2].retry_after, std::chrono::milliseconds(30'000));
  EXPECT_TRUE(is_permanent(results[3].error));
  EXPECT_THAT(results[3].detail, HasSubstr("PhoneNumberInBlacklist"));
}

TEST_F(TencentTest, WholeCallErrorsApplyToEveryNumber) {
  make();
  fake_.push_error("RequestLimitExceeded");
  auto results = submit({template_to(1, "+8613800138000", "100001", "张三"),
                         template_to(2, "+8613800138001", "100001", "张三")});
  EXPECT_TRUE(is_throttled(results[1].error));
  EXPECT_TRUE(is_throttled(results[2].error));
  results = submit({template_to(3, "+8613800138000", "100009", "张三")});
  EXPECT_TRUE(is_permanent(results[3].error));
  EXPECT_THAT(fake_.refusals(), ElementsAre("RequestLimitExceeded", "FailedOperation.TemplateIncorrectOrUnapproved"));
}

TEST_F(TencentTest, AWrongKeyIsRefusedAsTencentDoes) {
  config_ = tencent_config(fake_.endpoint());
  config_.options.insert_or_assign("secret_key", "wrong");
  adapter_ = create({io_, curl_, config_});
  auto results = submit({template_to(1, "+8613800138000", "100001", "张三")});
  EXPECT_THAT(fake_.refusals(), ElementsAre("AuthFailure.SignatureFailure"));
  EXPECT_TRUE(is_throttled(results[1].error));
}

TEST_F(TencentTest, PullSmsSendStatusIsTheFallbackForMissingCallbacks) {
  make();
  EXPECT_EQ(adapter_->report_poll_after(), std::chrono::milliseconds(30 * 60'000));
  auto sent = submit({template_to(1, "+8613800138000", "100001", "张三"),
                      template_to(2, "+8613800138001", "100001", "张三")});
  fake_.set_pull_failure("+8613800138001", "空号");
  std::optional<std::vector<Report>> got;
  adapter_->poll_reports({{1, "+8613800138000", sent[1].carrier_ids[0], "", 0}},
                         [&](std::vector<Report> r) { got = std::move(r); });
  ASSERT_TRUE(run_until(io_, [&] { return got.has_value(); }));
  EXPECT_EQ(fake_.pulls(), 1u);
  ASSERT_EQ(got->size(), 2u);  // the queue holds both, whatever was asked
  EXPECT_EQ((*got)[0].carrier_id, sent[1].carrier_ids[0]);
  EXPECT_EQ((*got)[0].state, Report::State::delivered);
  EXPECT_EQ((*got)[1].carrier_id, sent[2].carrier_ids[0]);
  EXPECT_EQ((*got)[1].state, Report::State::failed);
  EXPECT_EQ((*got)[1].error, "空号");
}

// The fake checks what Tencent checks: a correctly signed request more than 5 minutes old is
// refused with AuthFailure.SignatureExpire.
TEST_F(TencentTest, TheFakeRefusesAStaleTimestamp) {
  auto send_at = [&](std::int64_t timestamp) {
    const std::string body =
        R"({"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"某某区纪委","TemplateId":"100001","TemplateParamSet":["张三"]})";
    Tc3Request tc3;
    tc3.timestamp = timestamp;
    tc3.headers = {{"content-type", "application/json; charset=utf-8"},
                   {"host", "127.0.0.1:" + std::to_string(fake_.http().port())}};
    tc3.payload = body;
    const auto r = smsgw::testing::http_request(
        "POST", fake_.endpoint() + "/", "", body,
        {"Content-Type: application/json; charset=utf-8", "X-TC-Action: SendSms", "X-TC-Version: 2021-01-11",
         "X-TC-Region: ap-guangzhou", "X-TC-Timestamp: " + std::to_string(timestamp),
         "Authorization: " + tc3_authorization(tc3, "AKIDtestSecretId", "testSecretKey")});
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.contains("Response") && j["Response"].contains("Error")) return j["Response"]["Error"]["Code"].get<std::string>();
    return std::string("Ok");
  };
  const std::int64_t now = now_ms() / 1000;
  EXPECT_EQ(send_at(now), "Ok");
  EXPECT_EQ(send_at(now - 6 * 60), "AuthFailure.SignatureExpire");
}

TEST_F(TencentTest, StatusAndReplyCallbacks) {
  make();
  CallbackRequest req;
  req.body = R"([{"user_receive_time":"2026-12-01 09:00:05","nationcode":"86","mobile":"13800138000",
                  "report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功","sid":"2433:100001"},
                 {"user_receive_time":"2026-12-01 09:00:06","nationcode":"86","mobile":"13800138001",
                  "report_status":"FAIL","errmsg":"MK:0005","description":"空号","sid":"2433:100002"}])";
  auto parsed = adapter_->parse_callback(req);
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.answer.body, R"({"result":0,"errmsg":"OK"})");
  ASSERT_EQ(parsed.reports.size(), 2u);
  EXPECT_EQ(parsed.reports[0].carrier_id, "2433:100001");
  EXPECT_EQ(parsed.reports[0].state, Report::State::delivered);
  EXPECT_EQ(parsed.reports[0].at, 1'796'086'805'000);
  EXPECT_EQ(parsed.reports[1].state, Report::State::failed);
  EXPECT_EQ(parsed.reports[1].error, "MK:0005 空号");

  req.body = R"([{"extend":"01","mobile":"13800138000","nationcode":"86","sign":"某某区纪委","text":"1","time":1796087000}])";
  parsed = adapter_->parse_callback(req);
  ASSERT_EQ(parsed.error, "");
  ASSERT_EQ(parsed.inbound.size(), 1u);
  EXPECT_EQ(parsed.inbound[0].from, "+8613800138000");
  EXPECT_EQ(parsed.inbound[0].text, "1");
  EXPECT_EQ(parsed.inbound[0].received_at, 1'796'087'000'000);

  for (const char* bad : {"", "[]", R"([{"mobile":"13800138000","report_status":"SUCCESS"}])",
                          R"([{"mobile":"13800138000","report_status":"MAYBE","sid":"1"}])"}) {
    req.body = bad;
    parsed = adapter_->parse_callback(req);
    EXPECT_NE(parsed.error, "") << bad;
    EXPECT_TRUE(parsed.reports.empty());
    EXPECT_EQ(parsed.answer.status, 400);
    EXPECT_THAT(parsed.answer.body, HasSubstr("\"result\":1"));
  }
}

TEST(TencentConfig, ListParamsOnlyAndRequiredKeys) {
  auto c = tencent_config("http://127.0.0.1:1");
  c.templates["holiday-integrity-reminder"].named = true;
  c.options.erase("sdk_app_id");
  const std::string all = ::testing::PrintToString(validate(c));
  EXPECT_THAT(all, HasSubstr("ordered list"));
  EXPECT_THAT(all, HasSubstr("sdk_app_id"));
  EXPECT_THAT(all, ::testing::Not(HasSubstr("testSecretKey")));
}

}  // namespace
}  // namespace smsgw::adapters::tencent
