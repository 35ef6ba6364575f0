#include "adapters/aliyun/aliyun_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "adapters/aliyun/aliyun_sign.hpp"
#include "adapters/core/curl_multi.hpp"
#include "adapters/core/failure.hpp"
#include "common/time.hpp"
#include "common/crypto.hpp"
#include "support/fake_aliyun.hpp"
#include "support/http_client.hpp"
#include "support/run_until.hpp"

namespace smsgw::adapters::aliyun {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using smsgw::testing::FakeAliyun;
using smsgw::testing::run_until;
using json = nlohmann::json;

// ---- signatures against Aliyun's published examples (reference notes §3.2, §3.3, §11) ----

TEST(AliyunSign, PercentEncodingIsRfc3986AsAliyunSignsIt) {
  EXPECT_EQ(percent_encode("a b*c~d-e_f.g+h/"), "a%20b%2Ac~d-e_f.g%2Bh%2F");
  EXPECT_EQ(percent_encode("阿"), "%E9%98%BF");
}

TEST(AliyunSign, RpcSmsExampleFromTheSendSmsPage) {
  const Params params = {{"AccessKeyId", "testId"},
                         {"Action", "SendSms"},
                         {"Format", "XML"},
                         {"OutId", "123"},
                         {"PhoneNumbers", "15300000001"},
                         {"RegionId", "cn-hangzhou"},
                         {"SignName", "阿里云短信测试专用"},
                         {"SignatureMethod", "HMAC-SHA1"},
                         {"SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"},
                         {"SignatureVersion", "1.0"},
                         {"TemplateCode", "SMS_71390007"},
                         {"TemplateParam", "{\"customer\":\"test\"}"},
                         {"Timestamp", "2017-07-12T02:42:19Z"},
                         {"Version", "2017-05-25"}};
  EXPECT_EQ(rpc_string_to_sign("GET", params),
            "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26"
            "PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9"
            "%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595"
            "%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b"
            "-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26"
            "TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02"
            "%253A42%253A19Z%26Version%3D2017-05-25");
  EXPECT_EQ(rpc_signature("GET", params, "testSecret"), "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
}

TEST(AliyunSign, RpcDescribeRegionsExamples) {
  // The generic signature page's example, and its older copy that spells TimeStamp (§11).
  Params params = {{"AccessKeyId", "testid"},
                   {"Action", "DescribeRegions"},
                   {"Format", "XML"},
                   {"SignatureMethod", "HMAC-SHA1"},
                   {"SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
                   {"SignatureVersion", "1.0"},
                   {"Timestamp", "2016-02-23T12:46:24Z"},
                   {"Version", "2014-05-26"}};
  EXPECT_EQ(rpc_signature("GET", params, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
  params[6].first = "TimeStamp";
  EXPECT_EQ(rpc_signature("GET", params, "testsecret"), "CT9X0VtwR86fNWSnsc6v8YGOjuE=");
}

V3Request runinstances_example() {
  V3Request r;
  r.method = "POST";
  r.path = "/";
  r.query = {{"ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"},
             {"RegionId", "cn-shanghai"}};
  r.headers = {{"host", "ecs.cn-shanghai.aliyuncs.com"},
               {"x-acs-action", "RunInstances"},
               {"x-acs-version", "2014-05-26"},
               {"x-acs-date", "2023-10-26T09:01:01Z"},
               {"x-acs-signature-nonce", "d410180a5abf7fe235dd9b74aca91fc0"},
               {"x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
               {"accept", "application/json"}};  // not signed
  return r;
}

TEST(AliyunSign, V3ExampleFromTheSignaturePage) {
  const auto r = runinstances_example();
  EXPECT_EQ(v3_signed_headers(r),
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version");
  EXPECT_EQ(v3_signature(r, "YourAccessKeySecret"),
            "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804");
  EXPECT_EQ(v3_authorization(r, "YourAccessKeyId", "YourAccessKeySecret"),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;"
            "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
            "Signature=e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804");
}

TEST(AliyunSign, V3SendSmsVectorFromTheNotes) {
  V3Request r;
  r.query = {{"PhoneNumbers", "13800138000"}, {"SignName", "阿里云短信测试"},
             {"TemplateCode", "SMS_154950909"}, {"TemplateParam", "{\"code\":\"1234\"}"}};
  r.headers = {{"host", "dysmsapi.aliyuncs.com"}, {"x-acs-action", "SendSms"},
               {"x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
               {"x-acs-date", "2024-01-01T00:00:00Z"},
               {"x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"},
               {"x-acs-version", "2017-05-25"}};
  EXPECT_EQ(canonical_query(r.query),
            "PhoneNumbers=13800138000&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B"
            "%E8%AF%95&TemplateCode=SMS_154950909&TemplateParam=%7B%22code%22%3A%221234%22%7D");
  EXPECT_EQ(v3_signature(r, "testSecret"), "c86da1f38ae238a6abc5ab9b752be76b029d7cbefd50f07417d919b03375a2f3");
}

TEST(AliyunClassify, EveryClassOfTheErrorTable) {
  EXPECT_FALSE(classify("OK", "OK", 0).error);
  auto minute = classify("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1", 0);
  EXPECT_TRUE(is_throttled(minute.error));
  EXPECT_EQ(minute.retry_after, std::chrono::milliseconds(60'000));
  EXPECT_EQ(classify("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5", 0).retry_after,
            std::chrono::milliseconds(3'600'000));
  // The daily quota lasts until midnight in China: 2026-12-01T15:00:00Z is 23:00 there.
  const auto quota = classify("isv.DAY_LIMIT_CONTROL", "", 1'796'137'200'000);
  EXPECT_TRUE(is_throttled(quota.error));
  EXPECT_EQ(quota.retry_after, std::chrono::milliseconds(3'600'000));
  EXPECT_TRUE(is_throttled(classify("isv.AMOUNT_NOT_ENOUGH", "", 0).error));
  EXPECT_TRUE(is_permanent(classify("isv.MOBILE_NUMBER_ILLEGAL", "", 0).error));
  EXPECT_TRUE(is_permanent(classify("isv.SMS_TEMPLATE_ILLEGAL", "", 0).error));
  EXPECT_TRUE(is_transient(classify("isp.SYSTEM_ERROR", "", 0).error));
  EXPECT_TRUE(is_transient(classify("SignatureNonceUsed", "", 0).error));
  EXPECT_TRUE(is_transient(classify("isv.SOMETHING_NEW", "", 0).error));
}

// ---- the adapter against the fake ----

config::CarrierConfig aliyun_config(const std::string& endpoint, const std::string& extra = "") {
  config::CarrierConfig c;
  c.name = "ali";
  c.type = "aliyun";
  c.source_path = "/etc/smsgw/smsgw.toml";
  c.timeout = 2s;
  c.options = toml::parse("endpoint = \"" + endpoint + "\"\naccess_key_id = \"testId\"\n"
                          "access_key_secret = \"testSecret\"\nsign_name = \"某某区纪委\"\n" + extra,
                          std::string("/etc/smsgw/smsgw.toml"));
  config::TemplateMapping m;
  m.code = "SMS_100001";
  m.named = true;
  m.params = {{"name", "{{name}}"}};
  c.templates["holiday-integrity-reminder"] = m;
  return c;
}

Submission template_to(std::int64_t id, std::string to, std::string code, std::string name) {
  Submission s;
  s.id = id;
  s.to = std::move(to);
  s.template_call = TemplateCall{std::move(code), {{"name", std::move(name)}}, true};
  return s;
}

class AliyunTest : public ::testing::Test {
 protected:
  void make(const std::string& extra = "") {
    config_ = aliyun_config(fake_.endpoint(), extra);
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

  FakeAliyun fake_;
  boost::asio::io_context io_;
  CurlMulti curl_{io_};
  config::CarrierConfig config_;
  std::unique_ptr<Adapter> adapter_;
};

TEST_F(AliyunTest, SameParamsGoAsOneSendSmsAndOutIdIsTheBatchId) {
  make();
  EXPECT_FALSE(adapter_->sends_text());
  EXPECT_TRUE(adapter_->sends_templates());
  EXPECT_EQ(adapter_->max_batch(), 1000u);
  auto results = submit({template_to(7, "+8613800138000", "SMS_100001", "张三"),
                         template_to(8, "+8613800138001", "SMS_100001", "张三")});
  const auto sends = fake_.sends();
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].action, "SendSms");
  EXPECT_EQ(sends[0].signature, "v3");
  EXPECT_THAT(sends[0].numbers, ElementsAre("13800138000", "13800138001"));
  EXPECT_EQ(sends[0].params[0], R"({"name":"张三"})");
  EXPECT_EQ(sends[0].out_id, "7");
  for (auto id : {7, 8}) {
    EXPECT_FALSE(results[id].error) << results[id].detail;
    EXPECT_EQ(results[id].carrier_batch_id, "7");
    EXPECT_TRUE(results[id].carrier_ids.empty());
  }
}

TEST_F(AliyunTest, PerNumberParamsGoAsSendBatchSmsOfAtMost100) {
  make();
  std::vector<Submission> batch;
  for (int i = 0; i < 150; ++i) {
    batch.push_back(template_to(100 + i, "+86138001" + std::to_string(38000 + i), "SMS_100001",
                                "人" + std::to_string(i)));
  }
  auto results = submit(std::move(batch));
  const auto sends = fake_.sends();
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].action, "SendBatchSms");
  EXPECT_EQ(sends[0].numbers.size() + sends[1].numbers.size(), 150u);
  EXPECT_LE(std::max(sends[0].numbers.size(), sends[1].numbers.size()), 100u);
  // The first request holds the first 100 in queue order (the two may arrive in either order).
  const auto& first = sends[0].numbers.size() == 100 ? sends[0] : sends[1];
  EXPECT_EQ(first.params[0], R"({"name":"人0"})");
  EXPECT_EQ(first.numbers[0], "13800138000");
  for (const auto& [id, r] : results) EXPECT_FALSE(r.error) << id << " " << r.detail;
}

TEST_F(AliyunTest, RpcSignatureIsAcceptedToo) {
  make("signature_version = \"rpc\"");
  auto results = submit({template_to(1, "+8613800138000", "SMS_100001", "李四")});
  ASSERT_EQ(fake_.sends().size(), 1u);
  EXPECT_EQ(fake_.sends()[0].signature, "rpc");
  EXPECT_FALSE(results[1].error) << results[1].detail;
}

TEST_F(AliyunTest, AWrongSecretIsRefusedByTheCarrierAndPausesIt) {
  config_ = aliyun_config(fake_.endpoint());
  config_.options.insert_or_assign("access_key_secret", "wrong");
  adapter_ = create({io_, curl_, config_});
  auto results = submit({template_to(1, "+8613800138000", "SMS_100001", "李四")});
  EXPECT_THAT(fake_.refusals(), ElementsAre("SignatureDoesNotMatch"));
  EXPECT_TRUE(is_throttled(results[1].error)) << results[1].detail;
  EXPECT_THAT(results[1].detail, HasSubstr("SignatureDoesNotMatch"));
}

// The fake checks what Aliyun checks: a request signed correctly but 20 minutes old, and one
// sent twice with the same nonce, are refused with Aliyun's own codes.
TEST_F(AliyunTest, TheFakeRefusesStaleTimestampsAndReusedNonces) {
  auto signed_send = [&](const std::string& date, const std::string& nonce) {
    const std::string body = canonical_query({{"OutId", "1"}, {"PhoneNumbers", "13800138000"},
                                              {"SignName", "某某区纪委"}, {"TemplateCode", "SMS_100001"}});
    V3Request v3;
    v3.payload = body;
    v3.headers = {{"host", "127.0.0.1:" + std::to_string(fake_.http().port())},
                  {"content-type", "application/x-www-form-urlencoded"},
                  {"x-acs-action", "SendSms"}, {"x-acs-version", "2017-05-25"},
                  {"x-acs-date", date}, {"x-acs-signature-nonce", nonce},
                  {"x-acs-content-sha256", sha256_hex(body)}};
    std::vector<std::string> headers;
    for (const auto& [name, value] : v3.headers) {
      // "Content-Type" as the test client spells it, or it adds its own.
      if (name != "host") headers.push_back((name == "content-type" ? "Content-Type" : name) + ": " + value);
    }
    headers.push_back("Authorization: " + v3_authorization(v3, "testId", "testSecret"));
    const auto r = smsgw::testing::http_request("POST", fake_.endpoint() + "/", "", body, headers);
    return json::parse(r.body, nullptr, false).value("Code", std::string("?"));
  };
  const UnixMs now = now_ms() / 1000 * 1000;
  EXPECT_EQ(signed_send(format_rfc3339(now), "nonce-1"), "OK");
  EXPECT_EQ(signed_send(format_rfc3339(now), "nonce-1"), "SignatureNonceUsed");
  EXPECT_EQ(signed_send(format_rfc3339(now - 20 * 60'000), "nonce-2"), "InvalidTimeStamp.Expired");
}

TEST_F(AliyunTest, ThrottlingCarriesTheWindowFromTheMessage) {
  make();
  fake_.push_fault({"isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1", {}});
  auto results = submit({template_to(1, "+8613800138000", "SMS_100001", "李四")});
  EXPECT_TRUE(is_throttled(results[1].error));
  EXPECT_EQ(results[1].retry_after, std::chrono::milliseconds(60'000));
}

TEST_F(AliyunTest, AnUnapprovedTemplateIsPermanent) {
  make();
  auto results = submit({template_to(1, "+8613800138000", "SMS_999999", "李四")});
  EXPECT_TRUE(is_permanent(results[1].error));
  EXPECT_THAT(results[1].detail, HasSubstr("isv.SMS_TEMPLATE_ILLEGAL"));
}

TEST_F(AliyunTest, OneIllegalNumberInABatchFailsOnlyThatNumber) {
  make();
  auto results = submit({template_to(1, "+8613800138000", "SMS_100001", "李四"),
                         template_to(2, "+85212", "SMS_100001", "李四"),
                         template_to(3, "+8613800138002", "SMS_100001", "李四")});
  EXPECT_FALSE(results[1].error) << results[1].detail;
  EXPECT_FALSE(results[3].error) << results[3].detail;
  EXPECT_TRUE(is_permanent(results[2].error));
  EXPECT_EQ(results[1].carrier_batch_id, "1");
  EXPECT_EQ(results[3].carrier_batch_id, "3");
  EXPECT_EQ(fake_.sends().size(), 2u);
}

TEST_F(AliyunTest, ALostAnswerIsCheckedWithQuerySendDetailsNotResent) {
  make();
  fake_.push_fault({"", "", 5s});  // taken, but the answer comes after our 2 s timeout
  auto results = submit({template_to(1, "+8613800138000", "SMS_100001", "李四"),
                         template_to(2, "+8613800138001", "SMS_100001", "李四")});
  EXPECT_EQ(fake_.queries(), 1u);
  for (auto id : {1, 2}) {
    EXPECT_FALSE(results[id].error) << results[id].detail;
    EXPECT_EQ(results[id].carrier_batch_id, "1");
    EXPECT_THAT(results[id].detail, HasSubstr("QuerySendDetails"));
  }
  EXPECT_EQ(fake_.sends().size(), 1u);
}

TEST_F(AliyunTest, ASystemErrorThatDidNotSendIsTransientAfterTheCheck) {
  make();
  fake_.push_fault({"isp.SYSTEM_ERROR", "系统错误", {}});
  auto results = submit({template_to(1, "+8613800138000", "SMS_100001", "李四")});
  EXPECT_EQ(fake_.queries(), 1u);
  EXPECT_TRUE(is_transient(results[1].error));
  EXPECT_THAT(results[1].detail, HasSubstr("safe to retry"));
}

TEST_F(AliyunTest, ServerErrorsAndRefusedConnectionsAreTransient) {
  make();
  fake_.http().set_reply(smsgw::testing::FakeHttpCarrier::Reply::of(503, "busy"));
  auto results = submit({template_to(1, "+8613800138000", "SMS_100001", "李四")});
  EXPECT_TRUE(is_transient(results[1].error));
  fake_.http().stop();
  results = submit({template_to(2, "+8613800138000", "SMS_100001", "李四")});
  EXPECT_TRUE(is_transient(results[2].error));
}

TEST_F(AliyunTest, ReportsThatNeverCameAreAskedForWithQuerySendDetails) {
  make("report_poll_after = \"10m\"");
  EXPECT_EQ(adapter_->report_poll_after(), std::chrono::milliseconds(600'000));
  submit({template_to(7, "+8613800138000", "SMS_100001", "张三"),
          template_to(8, "+8613800138001", "SMS_100001", "张三"),
          template_to(9, "+8613800138002", "SMS_100001", "张三")});
  fake_.set_detail("13800138001", 2, "MK:0001");
  fake_.set_detail("13800138002", 1, "");  // still waiting: nothing to report
  const UnixMs sent_at = now_ms();
  std::optional<std::vector<Report>> got;
  adapter_->poll_reports({{7, "+8613800138000", "", "7", sent_at},
                          {8, "+8613800138001", "", "7", sent_at},
                          {9, "+8613800138002", "", "7", sent_at}},
                         [&](std::vector<Report> r) { got = std::move(r); });
  EXPECT_FALSE(got) << "never inside the call";
  ASSERT_TRUE(run_until(io_, [&] { return got.has_value(); }));
  EXPECT_EQ(fake_.queries(), 3u);
  ASSERT_EQ(got->size(), 2u);
  std::map<std::string, Report> by_number;
  for (auto& r : *got) by_number[r.number] = r;
  EXPECT_EQ(by_number["+8613800138000"].state, Report::State::delivered);
  EXPECT_EQ(by_number["+8613800138000"].carrier_batch_id, "7");
  EXPECT_EQ(by_number["+8613800138001"].state, Report::State::failed);
  EXPECT_EQ(by_number["+8613800138001"].error, "MK:0001");
}

TEST_F(AliyunTest, ReportsAndRepliesFromPushes) {
  make();
  CallbackRequest req;
  req.body = R"([{"phone_number":"13800138000","send_time":"2026-12-01 09:00:00","report_time":"2026-12-01 09:00:05",
                  "success":true,"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1","biz_id":"900001^0","out_id":"7"},
                 {"phone_number":"13800138001","send_time":"2026-12-01 09:00:00","report_time":"2026-12-01 09:00:06",
                  "success":false,"err_code":"MK:0001","err_msg":"号码停机","sms_size":"1","biz_id":"900001^0","out_id":"7"},
                 {"phone_number":"13800138002","success":true,"err_code":"DELIVERED","biz_id":"1^0","out_id":""}])";
  auto parsed = adapter_->parse_callback(req);
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.answer.body, R"({"code":0,"msg":"成功"})");
  ASSERT_EQ(parsed.reports.size(), 2u);  // the third is not ours: skipped
  EXPECT_EQ(parsed.reports[0].carrier_batch_id, "7");
  EXPECT_EQ(parsed.reports[0].number, "+8613800138000");
  EXPECT_EQ(parsed.reports[0].state, Report::State::delivered);
  EXPECT_EQ(parsed.reports[0].at, 1'796'086'805'000);  // 2026-12-01T01:00:05Z
  EXPECT_EQ(parsed.reports[1].state, Report::State::failed);
  EXPECT_EQ(parsed.reports[1].error, "MK:0001 号码停机");

  req.body = R"([{"phone_number":"13800138000","send_time":"2026-12-01 09:10:00","content":"1","sign_name":"某某区纪委",
                  "dest_code":"01","sequence_id":1234567}])";
  parsed = adapter_->parse_callback(req);
  ASSERT_EQ(parsed.error, "");
  ASSERT_EQ(parsed.inbound.size(), 1u);
  EXPECT_EQ(parsed.inbound[0].carrier_id, "1234567");
  EXPECT_EQ(parsed.inbound[0].from, "+8613800138000");
  EXPECT_EQ(parsed.inbound[0].to, "01");
  EXPECT_EQ(parsed.inbound[0].text, "1");
}

TEST_F(AliyunTest, MalformedPushesGetAliyunsErrorAnswerAndChangeNothing) {
  make();
  for (const char* body : {"", "{", "[]", R"([{"phone_number":"x","success":true,"out_id":"1"}])",
                           R"([{"phone_number":"13800138000","out_id":"1"}])",
                           R"([{"phone_number":"13800138000","success":true,"out_id":"1"}, 5])"}) {
    CallbackRequest req;
    req.body = body;
    auto parsed = adapter_->parse_callback(req);
    EXPECT_NE(parsed.error, "") << body;
    EXPECT_TRUE(parsed.reports.empty()) << body;
    EXPECT_EQ(parsed.answer.status, 400) << body;
    EXPECT_THAT(parsed.answer.body, HasSubstr("\"code\":-1")) << body;
  }
}

TEST(AliyunConfig, KeysAreCheckedWithFileAndLine) {
  auto c = aliyun_config("ftp://x");
  c.options.insert_or_assign("signature_version", "v2");
  c.options.insert_or_assign("batch", 5000);
  c.options.insert_or_assign("colour", "red");
  const auto problems = validate(c);
  const std::string all = ::testing::PrintToString(problems);
  EXPECT_THAT(all, HasSubstr("endpoint"));
  EXPECT_THAT(all, HasSubstr("signature_version"));
  EXPECT_THAT(all, HasSubstr("batch"));
  EXPECT_THAT(all, HasSubstr("colour"));
  EXPECT_THAT(all, HasSubstr("/etc/smsgw/smsgw.toml"));
  EXPECT_THAT(all, ::testing::Not(HasSubstr("testSecret")));
  c = aliyun_config("https://dysmsapi.aliyuncs.com");
  c.templates.clear();
  EXPECT_THAT(::testing::PrintToString(validate(c)), HasSubstr("approved templates"));
}

}  // namespace
}  // namespace smsgw::adapters::aliyun
