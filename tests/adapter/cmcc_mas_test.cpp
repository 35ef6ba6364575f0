#include "adapters/cmcc_mas/cmcc_mas_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>

#include "adapters/core/curl_multi.hpp"
#include "adapters/core/failure.hpp"
#include "support/fake_mas.hpp"
#include "support/run_until.hpp"

namespace smsgw::adapters::cmcc_mas {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using smsgw::testing::FakeMas;
using smsgw::testing::run_until;

// The notes' computed example (reference §2), UTF-8 bytes hashed.
TEST(CmccMas, MacIsTheMd5OfTheFieldsInOrder) {
  EXPECT_EQ(mac({"某某区纪委", "apitest", "pwd123", "13800138000", "节日廉洁提醒：测试", "AbCdEfGhI", ""}),
            "fa21f336b0c84046155c609cea651f50");
}

config::CarrierConfig mas_config(const std::string& endpoint, const std::string& extra = "") {
  config::CarrierConfig c;
  c.name = "mas";
  c.type = "cmcc-mas";
  c.source_path = "/etc/smsgw/smsgw.toml";
  c.timeout = 5s;
  c.options = toml::parse("endpoint = \"" + endpoint + "\"\nec_name = \"某某区纪委\"\n"
                          "ap_id = \"apitest\"\nsecret_key = \"pwd123\"\nsign = \"AbCdEfGhI\"\n" + extra,
                          std::string("/etc/smsgw/smsgw.toml"));
  return c;
}

Submission text_to(std::int64_t id, std::string to, std::string text, std::string unsigned_text) {
  Submission s;
  s.id = id;
  s.to = std::move(to);
  s.text = std::move(text);
  s.unsigned_text = std::move(unsigned_text);
  return s;
}

class CmccMasTest : public ::testing::Test {
 protected:
  void make(const std::string& extra = "") {
    config_ = mas_config(mas_.endpoint(), extra);
    ASSERT_THAT(validate(config_), ::testing::IsEmpty());
    adapter_ = create({io_, curl_, config_});
  }
  std::map<std::int64_t, SubmitResult> submit(std::vector<Submission> batch) {
    const std::size_t n = batch.size();
    std::map<std::int64_t, SubmitResult> out;
    adapter_->submit(std::move(batch), [&](SubmitResult r) { out[r.id] = std::move(r); });
    EXPECT_TRUE(run_until(io_, [&] { return out.size() == n; }, 10s));
    return out;
  }

  FakeMas mas_;
  boost::asio::io_context io_;
  CurlMulti curl_{io_};
  config::CarrierConfig config_;
  std::unique_ptr<Adapter> adapter_;
};

TEST_F(CmccMasTest, SameTextToManyNumbersIsOneSignedRequestAndMsgGroupIsTheBatchId) {
  make();
  EXPECT_TRUE(adapter_->signs_itself());
  auto results = submit({text_to(1, "+8613800138000", "【区纪委】节日廉洁提醒", "节日廉洁提醒"),
                         text_to(2, "+8613800138001", "【区纪委】节日廉洁提醒", "节日廉洁提醒"),
                         text_to(3, "+8613800138002", "【区纪委】会议通知", "会议通知")});
  const auto submits = mas_.submits();
  ASSERT_EQ(submits.size(), 2u);  // two contents
  for (const auto& s : submits) {
    EXPECT_TRUE(s.mac_ok) << s.body.dump();
    EXPECT_EQ(s.path, "/sms/norsubmit");
  }
  const auto& first = submits[0].body["content"] == "节日廉洁提醒" ? submits[0] : submits[1];
  EXPECT_EQ(first.body["mobiles"], "13800138000,13800138001");
  EXPECT_EQ(first.body["sign"], "AbCdEfGhI");
  EXPECT_EQ(first.body["addSerial"], "");
  EXPECT_FALSE(results[1].error);
  EXPECT_EQ(results[1].carrier_batch_id, first.msg_group);
  EXPECT_EQ(results[2].carrier_batch_id, first.msg_group);
  EXPECT_TRUE(results[1].carrier_ids.empty());
  EXPECT_FALSE(results[3].error);
  EXPECT_NE(results[3].carrier_batch_id, first.msg_group);
}

TEST_F(CmccMasTest, ATemplateCallIsATmpsubmitWithItsParamsAsAJsonArray) {
  make("add_serial = \"01\"\n");
  Submission s;
  s.id = 9;
  s.to = "+8613800138000";
  s.template_call = TemplateCall{"TPL-7", {{"", "张三"}, {"", "春节"}}, false};
  auto results = submit({s});
  ASSERT_EQ(mas_.submits().size(), 1u);
  const auto sub = mas_.submits()[0];
  EXPECT_TRUE(sub.mac_ok);
  EXPECT_EQ(sub.path, "/sms/tmpsubmit");
  EXPECT_EQ(sub.body["templateId"], "TPL-7");
  EXPECT_EQ(sub.body["params"], R"(["张三","春节"])");
  EXPECT_EQ(sub.body["addSerial"], "01");
  EXPECT_FALSE(sub.body.contains("content"));
  EXPECT_FALSE(results[9].error);
}

TEST_F(CmccMasTest, RspcodsAreClassifiedAndUnknownOnesRetried) {
  make("throttle_codes = [\"OverFlow\"]\n");
  auto one = [&](const std::string& code) {
    mas_.push_rspcod(code);
    return submit({text_to(1, "+8613800138000", "x", "x")})[1];
  };
  EXPECT_TRUE(is_permanent(one("InvalidMessage").error));
  EXPECT_EQ(one("InvalidUsrOrPwd").error, carrier_errc::unauthorized);
  EXPECT_TRUE(is_throttled(one("OverFlow").error));
  const auto unknown = one("SomethingNew");
  EXPECT_TRUE(is_transient(unknown.error));
  EXPECT_EQ(unknown.detail, "rspcod SomethingNew");
  // A wrong secret: the platform's own refusal.
  config_ = mas_config(mas_.endpoint(), "");
  config_.options.insert_or_assign("secret_key", "wrong");
  adapter_ = create({io_, curl_, config_});
  const auto bad = submit({text_to(2, "+8613800138000", "x", "x")})[2];
  EXPECT_EQ(bad.error, carrier_errc::unauthorized);
  EXPECT_EQ(bad.detail, "rspcod IllegalMac");
  EXPECT_THAT(bad.detail, ::testing::Not(HasSubstr("wrong")));
}

TEST_F(CmccMasTest, NumbersOutsideChinaArePermanentWithoutARequest) {
  make();
  auto results = submit({text_to(1, "+14155550100", "x", "x")});
  EXPECT_EQ(results[1].error, carrier_errc::invalid_number);
  EXPECT_TRUE(mas_.submits().empty());
}

TEST_F(CmccMasTest, StatusReportsAndUplinksAreParsed) {
  make();
  auto p = adapter_->parse_callback(
      {"application/json",
       R"([{"reportStatus":"CM:0000","mobile":"13800138000","errorCode":"DELIVRD","msgGroup":"G1"},)"
       R"({"reportStatus":"UNDELIV","mobile":"13800138001","errorCode":"DB:0140","mgsGroup":"G1"},)"
       R"({"mobile":"13800138002","smsContent":"1","addSerial":"7"}])",
       {}});
  ASSERT_TRUE(p.error.empty()) << p.error;
  ASSERT_EQ(p.reports.size(), 2u);
  EXPECT_EQ(p.reports[0].carrier_batch_id, "G1");
  EXPECT_EQ(p.reports[0].number, "+8613800138000");
  EXPECT_EQ(p.reports[0].state, Report::State::delivered);
  EXPECT_EQ(p.reports[1].state, Report::State::failed);
  EXPECT_EQ(p.reports[1].error, "DB:0140");
  ASSERT_EQ(p.inbound.size(), 1u);
  EXPECT_EQ(p.inbound[0].from, "+8613800138002");
  EXPECT_EQ(p.inbound[0].text, "1");
  for (const std::string bad : {"nope", R"({"mobile":"x","msgGroup":"G"})", R"({"mobile":"13800138000"})"}) {
    auto r = adapter_->parse_callback({"application/json", bad, {}});
    EXPECT_FALSE(r.error.empty()) << bad;
    EXPECT_TRUE(r.reports.empty());
  }
}

TEST(CmccMasOptions, ProblemsNameTheKey) {
  config::CarrierConfig c;
  c.name = "mas";
  c.type = "cmcc-mas";
  c.source_path = "/etc/smsgw/smsgw.toml";
  c.options = toml::parse("endpoint = \"ftp://x\"\nadd_serial = \"12a\"\ncolour = 1\n",
                          std::string("/etc/smsgw/smsgw.toml"));
  const auto problems = validate(c);
  auto mentions = [&](const std::string& t) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const std::string& p) { return p.find(t) != std::string::npos; });
  };
  EXPECT_TRUE(mentions("smsgw.toml:1: carriers[mas].endpoint: must start with http://"));
  EXPECT_TRUE(mentions("carriers[mas].ec_name: is required"));
  EXPECT_TRUE(mentions("carriers[mas].secret_key: is required (or secret_key_file"));
  EXPECT_TRUE(mentions("smsgw.toml:2: carriers[mas].add_serial: must be up to 20 digits"));
  EXPECT_TRUE(mentions("smsgw.toml:3: carriers[mas].colour: unknown key for a cmcc-mas carrier"));
}

}  // namespace
}  // namespace smsgw::adapters::cmcc_mas
