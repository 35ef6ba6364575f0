// The `cmpp` adapter against the fake ISMG on loopback, in CMPP 3.0 and 2.0: login and its
// authenticators, SUBMIT fields, long messages, status reports and MO with DELIVER_RESP after
// the commit, flow control, resends after T, TERMINATE both ways and ACTIVE_TEST.

#include "adapters/cmpp/cmpp_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>

#include "adapters/cmpp/gbk.hpp"
#include "adapters/cmpp/pdu.hpp"
#include "adapters/core/curl_multi.hpp"
#include "adapters/core/failure.hpp"
#include "adapters/core/ucs2_parts.hpp"
#include "support/adapter_calls.hpp"
#include "support/fake_ismg.hpp"
#include "support/run_until.hpp"

namespace smsgw::adapters::cmpp {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using smsgw::testing::FakeIsmg;
using smsgw::testing::run_until;
using smsgw::testing::text_sms;

config::CarrierConfig cmpp_config(unsigned short port, const std::string& extra = "") {
  config::CarrierConfig c;
  c.name = "cmcc";
  c.type = "cmpp";
  c.source_path = "/etc/smsgw/smsgw.toml";
  c.options = toml::parse("host = \"127.0.0.1\"\nport = " + std::to_string(port) +
                              "\nsp_id = \"901234\"\nshared_secret = \"secret\"\nservice_id = \"MJW0010\"\n"
                              "src_id = \"1069000101\"\nreconnect_min = \"50ms\"\nreconnect_max = \"200ms\"\n" + extra,
                          std::string("/etc/smsgw/smsgw.toml"));
  return c;
}

struct RecordingListener final : Listener {
  void on_credit() override {}
  void on_state(bool up, std::string reason) override { states.emplace_back(up, std::move(reason)); }
  std::vector<std::pair<bool, std::string>> states;
};

struct HoldingSink final : ReportSink {
  void deliver(std::vector<Report> r, std::vector<Inbound> in, std::function<void(std::error_code)> ack) override {
    for (auto& x : r) reports.push_back(std::move(x));
    for (auto& x : in) inbound.push_back(std::move(x));
    acks.push_back(std::move(ack));
  }
  std::vector<Report> reports;
  std::vector<Inbound> inbound;
  std::vector<std::function<void(std::error_code)>> acks;
};

class CmppTest : public ::testing::TestWithParam<Version> {
 protected:
  void make(const std::string& extra = "", FakeIsmg::Options options = {}) {
    options.version = GetParam();
    ismg_ = std::make_unique<FakeIsmg>(options);
    config_ = cmpp_config(ismg_->port(), extra + (GetParam() == Version::v20 ? "version = \"2.0\"\n" : ""));
    ASSERT_THAT(validate(config_), IsEmpty());
    adapter_ = create({io_, curl_, config_, {}, &sink_});
    adapter_->set_listener(listener_);
    adapter_->start();
  }
  void connected() { ASSERT_TRUE(run_until(io_, [&] { return adapter_->up() && adapter_->credit() > 0; }, 5s)); }
  std::map<std::int64_t, SubmitResult> submit(std::vector<Submission> batch) {
    const std::size_t n = batch.size();
    std::map<std::int64_t, SubmitResult> out;
    adapter_->submit(std::move(batch), [&](SubmitResult r) { out[r.id] = std::move(r); });
    EXPECT_TRUE(run_until(io_, [&] { return out.size() == n; }, 10s));
    return out;
  }
  SubmitResult send(std::int64_t id, std::string text) { return submit({text_sms(id, "+8613800138000", std::move(text))})[id]; }
  void stop() {
    bool done = false;
    adapter_->async_stop([&] { done = true; });
    ASSERT_TRUE(run_until(io_, [&] { return done; }, 10s));
  }

  boost::asio::io_context io_;
  CurlMulti curl_{io_};
  std::unique_ptr<FakeIsmg> ismg_;
  config::CarrierConfig config_;
  HoldingSink sink_;
  std::shared_ptr<RecordingListener> listener_ = std::make_shared<RecordingListener>();
  std::unique_ptr<Adapter> adapter_;
};

TEST_P(CmppTest, ConnectsSubmitsEveryFieldAndAnswersTheReportOnlyAfterItsCommit) {
  make("fee_user_type = 3\nfee_type = \"02\"\nfee_code = \"000010\"\n");
  connected();
  EXPECT_EQ(ismg_->connects(), 1u);
  const auto r = send(1, "【区纪委】节日廉洁提醒");
  ASSERT_FALSE(r.error) << r.error.message() << " " << r.detail;
  const auto submits = ismg_->submits();
  ASSERT_EQ(submits.size(), 1u);
  const Submit& s = submits[0].pdu;
  EXPECT_EQ(s.msg_src, "901234");
  EXPECT_EQ(s.service_id, "MJW0010");
  EXPECT_EQ(s.src_id, "1069000101");
  EXPECT_EQ(s.dest_terminal_ids, std::vector<std::string>{"13800138000"});
  EXPECT_EQ(s.registered_delivery, 1);
  EXPECT_EQ(s.msg_fmt, 8);
  EXPECT_EQ(s.pk_total, 1);
  EXPECT_EQ(s.pk_number, 1);
  EXPECT_EQ(s.tp_udhi, 0);
  EXPECT_EQ(s.fee_user_type, 3);
  EXPECT_EQ(s.fee_type, "02");
  EXPECT_EQ(s.fee_code, "000010");
  EXPECT_EQ(ucs2_to_utf8(s.msg_content), "【区纪委】节日廉洁提醒");
  // An opaque 64-bit id beyond 2^53, in decimal.
  ASSERT_EQ(r.carrier_ids.size(), 1u);
  EXPECT_EQ(r.carrier_ids[0], std::to_string(submits[0].msg_id));
  EXPECT_GT(submits[0].msg_id, 1ull << 53);
  ASSERT_TRUE(run_until(io_, [&] { return !sink_.reports.empty(); }, 5s));
  EXPECT_EQ(sink_.reports[0].carrier_id, r.carrier_ids[0]);
  EXPECT_EQ(sink_.reports[0].state, Report::State::delivered);
  // A barrier, not a wait: the ISMG's ACTIVE_TEST is answered on the same connection, after
  // any DELIVER_RESP written before it.
  ismg_->send_active_test();
  ASSERT_TRUE(run_until(io_, [&] { return ismg_->active_test_resps() == 1; }, 5s));
  EXPECT_EQ(ismg_->deliver_acks(), 0u);
  sink_.acks[0]({});
  ASSERT_TRUE(run_until(io_, [&] { return ismg_->deliver_acks() == 1; }, 5s));
  stop();
  EXPECT_TRUE(run_until(io_, [&] { return ismg_->terminates() == 1; }, 5s));
}

TEST_P(CmppTest, AFailedCommitAnswersTheDeliverWithFlowControlSoTheIsmgSendsItAgain) {
  FakeIsmg::Options o;
  o.report_stat = "UNDELIV";
  make("", o);
  connected();
  ASSERT_FALSE(send(1, "测试").error);
  ASSERT_TRUE(run_until(io_, [&] { return !sink_.acks.empty(); }, 5s));
  EXPECT_EQ(sink_.reports[0].state, Report::State::failed);
  EXPECT_EQ(sink_.reports[0].error, "UNDELIV");
  sink_.acks[0](std::make_error_code(std::errc::io_error));
  ASSERT_TRUE(run_until(io_, [&] { return ismg_->deliver_nacks() == 1; }, 5s));
}

TEST_P(CmppTest, ALongChineseMessageIsThreeSubmitsWithPkTotalAndAUdhAndThreeReports) {
  make();
  connected();
  std::string text;
  for (int i = 0; i < 150; ++i) text += "廉";
  const auto r = submit({text_sms(5, "+8613800138000", text, 3)})[5];
  ASSERT_FALSE(r.error) << r.detail;
  ASSERT_EQ(r.carrier_ids.size(), 3u);
  const auto submits = ismg_->submits();
  ASSERT_EQ(submits.size(), 3u);
  std::string joined;
  for (std::size_t i = 0; i < 3; ++i) {
    const Submit& s = submits[i].pdu;
    EXPECT_EQ(s.pk_total, 3);
    EXPECT_EQ(s.pk_number, i + 1);
    EXPECT_EQ(s.tp_udhi, 1);
    EXPECT_LE(s.msg_content.size(), 140u);
    EXPECT_EQ(s.msg_content.substr(0, 3), std::string("\x05\x00\x03", 3));
    EXPECT_EQ(static_cast<int>(s.msg_content[5]), static_cast<int>(i + 1));
    joined += ucs2_to_utf8(s.msg_content.substr(6));
    EXPECT_EQ(r.carrier_ids[i], std::to_string(submits[i].msg_id));
  }
  EXPECT_EQ(joined, text);
  ASSERT_TRUE(run_until(io_, [&] { return sink_.reports.size() == 3; }, 5s));
}

TEST_P(CmppTest, GbkAndAsciiFormatsWhenConfigured) {
  make("msg_fmt = \"gbk\"\n");
  connected();
  ASSERT_FALSE(send(1, "会议通知").error);
  auto submits = ismg_->submits();
  ASSERT_EQ(submits.size(), 1u);
  EXPECT_EQ(submits[0].pdu.msg_fmt, 15);
  EXPECT_EQ(submits[0].pdu.msg_content, *utf8_to_gbk("会议通知"));
  EXPECT_EQ(gbk_to_utf8(submits[0].pdu.msg_content), "会议通知");
  stop();
  adapter_.reset();
  make("msg_fmt = \"auto\"\n");
  connected();
  ASSERT_FALSE(send(2, "Reply 1 to confirm").error);
  submits = ismg_->submits();
  ASSERT_EQ(submits.size(), 1u);
  EXPECT_EQ(submits[0].pdu.msg_fmt, 0);
  EXPECT_EQ(submits[0].pdu.msg_content, "Reply 1 to confirm");
}

TEST_P(CmppTest, FlowControlIsThrottledAndPausesTheSession) {
  make("throttle_pause = \"300ms\"\n");
  connected();
  ismg_->push_result(result::flow_control);
  const auto r = send(1, "hi");
  EXPECT_TRUE(is_throttled(r.error)) << r.error.message();
  EXPECT_THAT(r.error.message(), HasSubstr("流量控制错"));
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(adapter_->credit(), 0u);
  ASSERT_TRUE(run_until(io_, [&] { return adapter_->credit() > 0; }, 5s));
  EXPECT_FALSE(send(2, "hi").error);
  ismg_->push_result(13);
  EXPECT_TRUE(is_permanent(send(3, "hi").error));
  ismg_->push_result(42);
  EXPECT_TRUE(is_transient(send(4, "hi").error));
}

TEST_P(CmppTest, AnUnansweredSubmitIsSentAgainAfterTAndGivenUpAfterNSends) {
  make("resend_after = \"100ms\"\nsends = 3\n");
  connected();
  ismg_->set_silent(true);
  const auto start = std::chrono::steady_clock::now();
  const auto r = send(1, "hi");
  EXPECT_EQ(r.error, make_error_code(carrier_errc::timeout));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_EQ(ismg_->resent(), 2u);  // 3 sends of one Sequence_Id
}

TEST_P(CmppTest, AWrongSecretIsRefusedByTheIsmgAndAForgedIsmgByUs) {
  {
    FakeIsmg::Options o;
    o.secret = "another";
    make("", o);
    ASSERT_TRUE(run_until(io_, [&] { return !listener_->states.empty(); }, 5s));
    EXPECT_FALSE(adapter_->up());
    EXPECT_THAT(listener_->states.back().second, HasSubstr("3 认证错"));
    adapter_.reset();
  }
  listener_->states.clear();
  FakeIsmg::Options o;
  o.forged_authenticator = true;
  make("", o);
  ASSERT_TRUE(run_until(io_, [&] { return !listener_->states.empty(); }, 5s));
  EXPECT_FALSE(adapter_->up());
  EXPECT_THAT(listener_->states.back().second, HasSubstr("AuthenticatorISMG"));
}

TEST_P(CmppTest, TheIsmgsTerminateIsAnsweredAndTheSessionComesBack) {
  make();
  connected();
  ismg_->send_terminate();
  ASSERT_TRUE(run_until(io_, [&] { return ismg_->terminate_resps() == 1; }, 5s));
  ASSERT_TRUE(run_until(io_, [&] { return ismg_->connects() == 2 && adapter_->up(); }, 5s));
  EXPECT_FALSE(send(1, "hi").error);
}

TEST_P(CmppTest, StopTerminatesWithinTheDrainTimeoutThoughTAndNWouldWaitMinutes) {
  make();  // T = 60 s, N = 3: an unanswered SUBMIT would keep the session for 3 minutes
  connected();
  ismg_->set_response_delay(120s);
  std::map<std::int64_t, SubmitResult> results;
  adapter_->submit({text_sms(1, "+8613800138000", "hi")}, [&](SubmitResult r) { results[r.id] = std::move(r); });
  ASSERT_TRUE(run_until(io_, [&] { return ismg_->max_outstanding() == 1; }, 5s));
  const auto start = std::chrono::steady_clock::now();
  stop();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 4500ms);
  EXPECT_LT(took, 8s);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[1].error, make_error_code(carrier_errc::connection_failed));
  EXPECT_EQ(ismg_->terminates(), 1u);
}

TEST_P(CmppTest, ActiveTestBothWays) {
  make("active_test = \"100ms\"\n");
  connected();
  ASSERT_TRUE(run_until(io_, [&] { return ismg_->active_tests() >= 1; }, 5s));
  ismg_->send_active_test();
  ASSERT_TRUE(run_until(io_, [&] { return ismg_->active_test_resps() == 1; }, 5s));
  // Silent: N unanswered link tests and the session is dropped.
  ismg_->set_silent(true);
  ASSERT_TRUE(run_until(io_, [&] { return !adapter_->up(); }, 10s));
}

TEST_P(CmppTest, AnMoMessageReachesTheSinkWithItsNumberAndTheExtensionItWasSentTo) {
  make();
  connected();
  ismg_->send_mo("13800138000", "106900010123", utf8_to_ucs2("1"));
  ASSERT_TRUE(run_until(io_, [&] { return !sink_.inbound.empty(); }, 5s));
  EXPECT_EQ(sink_.inbound[0].from, "+8613800138000");
  EXPECT_EQ(sink_.inbound[0].to, "106900010123");
  EXPECT_EQ(sink_.inbound[0].text, "1");
  EXPECT_FALSE(sink_.inbound[0].carrier_id.empty());
  sink_.acks[0]({});
  ASSERT_TRUE(run_until(io_, [&] { return ismg_->deliver_acks() == 1; }, 5s));
}

TEST_P(CmppTest, TheWindowIsNeverExceeded) {
  make("window = 3\n");
  connected();
  ismg_->set_response_delay(20ms);
  std::map<std::int64_t, SubmitResult> results;
  std::int64_t next = 1;
  ASSERT_TRUE(run_until(io_, [&] {
    while (next <= 30 && adapter_->credit() > 0) {
      std::vector<Submission> batch{text_sms(next++, "+8613800138000", "hi")};
      adapter_->submit(std::move(batch), [&](SubmitResult r) { results[r.id] = std::move(r); });
    }
    return results.size() == 30;
  }, 20s));
  EXPECT_FALSE(ismg_->window_violated());
  EXPECT_EQ(ismg_->max_outstanding(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Versions, CmppTest, ::testing::Values(Version::v30, Version::v20),
                         [](const auto& info) { return info.param == Version::v30 ? "v30" : "v20"; });

TEST(CmppConfig, ValidationNamesEveryBadKey) {
  auto c = cmpp_config(7890, "version = \"4.0\"\nmsg_fmt = \"utf8\"\nbogus = 1\nfee_code = \"12345678\"\n");
  c.options.insert_or_assign("src_id", "10690001abc");
  const std::string all = ::testing::PrintToString(validate(c));
  for (const char* key : {"version", "msg_fmt", "bogus", "fee_code", "src_id"}) EXPECT_THAT(all, HasSubstr(key));
  config::CarrierConfig missing;
  missing.name = "m";
  missing.type = "cmpp";
  const std::string none = ::testing::PrintToString(validate(missing));
  for (const char* key : {"host", "sp_id", "shared_secret", "service_id", "src_id"}) EXPECT_THAT(none, HasSubstr(key));
}

TEST(CmppGbk, SplitsWithoutBreakingACharacter) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += i % 3 == 0 ? "a" : "廉";  // 34 ASCII + 66 double-byte = 166 octets
  const auto gbk = *utf8_to_gbk(text);
  ASSERT_EQ(gbk.size(), 166u);
  const auto parts = split_gbk(gbk);
  ASSERT_EQ(parts.size(), 2u);
  std::string joined;
  for (const auto& p : parts) {
    EXPECT_LE(p.size(), 134u);
    joined += gbk_to_utf8(p);
  }
  EXPECT_EQ(joined, text);
  EXPECT_FALSE(utf8_to_gbk("😀").has_value());
}

}  // namespace
}  // namespace smsgw::adapters::cmpp
