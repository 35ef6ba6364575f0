// The `smpp` adapter and, through it, the session engine (adapters/core/pdu_session) against
// the fake SMSC on loopback: bind, window, receipts, inbound, throttling, reconnects,
// heartbeats and the unbind on stop.

#include "adapters/smpp/smpp_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <map>

#include "adapters/core/curl_multi.hpp"
#include "adapters/core/failure.hpp"
#include "adapters/core/ucs2_parts.hpp"
#include "adapters/smpp/pdu.hpp"
#include "support/adapter_calls.hpp"
#include "support/fake_smsc.hpp"
#include "support/run_until.hpp"

namespace smsgw::adapters::smpp {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using smsgw::testing::FakeSmsc;
using smsgw::testing::run_until;
using smsgw::testing::text_sms;

config::CarrierConfig smpp_config(unsigned short port, const std::string& extra = "") {
  config::CarrierConfig c;
  c.name = "smsc";
  c.type = "smpp";
  c.source_path = "/etc/smsgw/smsgw.toml";
  c.timeout = 2s;
  c.options = toml::parse("host = \"127.0.0.1\"\nport = " + std::to_string(port) +
                              "\nsystem_id = \"smsgw\"\npassword = \"secret\"\nsource_addr = \"10690001\"\n"
                              "reconnect_min = \"50ms\"\nreconnect_max = \"200ms\"\n" + extra,
                          std::string("/etc/smsgw/smsgw.toml"));
  return c;
}

struct RecordingListener final : Listener {
  void on_credit() override { ++credits; }
  void on_state(bool up, std::string reason) override { states.emplace_back(up, std::move(reason)); }
  std::size_t credits = 0;
  std::vector<std::pair<bool, std::string>> states;
};

// Commits nothing: keeps what it got and the acks, for the test to call (or fail) them.
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

class SmppTest : public ::testing::Test {
 protected:
  void make(const std::string& extra = "", FakeSmsc::Options options = {}) {
    smsc_ = std::make_unique<FakeSmsc>(options);
    config_ = smpp_config(smsc_->port(), extra);
    ASSERT_THAT(validate(config_), IsEmpty());
    adapter_ = create({io_, curl_, config_, {}, &sink_});
    adapter_->set_listener(listener_);
    adapter_->start();
  }
  void bound() { ASSERT_TRUE(run_until(io_, [&] { return adapter_->up() && adapter_->credit() > 0; }, 5s)); }

  std::map<std::int64_t, SubmitResult> submit(std::vector<Submission> batch) {
    const std::size_t n = batch.size();
    std::map<std::int64_t, SubmitResult> out;
    adapter_->submit(std::move(batch), [&](SubmitResult r) { out[r.id] = std::move(r); });
    EXPECT_TRUE(run_until(io_, [&] { return out.size() == n; }, 10s));
    return out;
  }
  SubmitResult send(std::int64_t id, std::string text) {
    auto r = submit({text_sms(id, "+8613800138000", std::move(text))});
    return r[id];
  }
  void stop() {
    bool done = false;
    adapter_->async_stop([&] { done = true; });
    ASSERT_TRUE(run_until(io_, [&] { return done; }, 10s));
  }

  boost::asio::io_context io_;
  CurlMulti curl_{io_};
  std::unique_ptr<FakeSmsc> smsc_;
  config::CarrierConfig config_;
  HoldingSink sink_;
  std::shared_ptr<RecordingListener> listener_ = std::make_shared<RecordingListener>();
  std::unique_ptr<Adapter> adapter_;
};

TEST_F(SmppTest, BindsSendsUcs2AndTheReceiptIsAnsweredOnlyAfterItsCommit) {
  make();
  bound();
  ASSERT_FALSE(listener_->states.empty());
  EXPECT_TRUE(listener_->states.back().first);
  const auto r = send(1, "【区纪委】节日廉洁提醒");
  ASSERT_FALSE(r.error) << r.error.message() << " " << r.detail;
  const auto submits = smsc_->submits();
  ASSERT_EQ(submits.size(), 1u);
  EXPECT_EQ(submits[0].dest_addr, "8613800138000");
  EXPECT_EQ(submits[0].source_addr, "10690001");
  EXPECT_EQ(submits[0].data_coding, 0x08);
  EXPECT_EQ(submits[0].registered_delivery, 1);
  EXPECT_EQ(submits[0].esm_class, 0);
  EXPECT_EQ(ucs2_to_utf8(submits[0].short_message), "【区纪委】节日廉洁提醒");
  // The fake answers in hex ("10001") and writes the receipt in decimal ("65537").
  ASSERT_EQ(r.carrier_ids.size(), 1u);
  EXPECT_EQ(r.carrier_ids[0], "10001");
  ASSERT_TRUE(run_until(io_, [&] { return !sink_.reports.empty(); }, 5s));
  const Report& report = sink_.reports[0];
  EXPECT_EQ(report.state, Report::State::delivered);
  EXPECT_EQ(report.carrier_id, "65537");
  EXPECT_THAT(report.carrier_id_forms, ::testing::Contains("10001"));
  // Not answered until the sink commits. A barrier, not a wait: the SMSC's enquire_link is
  // answered on the same connection, after any deliver_sm_resp written before it.
  smsc_->send_enquire_link();
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->enquire_link_resps() == 1; }, 5s));
  EXPECT_EQ(smsc_->receipts_acked(), 0u);
  sink_.acks[0]({});
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->receipts_acked() == 1; }, 5s));
  EXPECT_EQ(smsc_->deliver_nacks(), 0u);
  stop();
}

TEST_F(SmppTest, AFailedCommitAnswersTheReceiptWithAnErrorSoTheSmscSendsItAgain) {
  make();
  bound();
  ASSERT_FALSE(send(1, "测试").error);
  ASSERT_TRUE(run_until(io_, [&] { return !sink_.acks.empty(); }, 5s));
  sink_.acks[0](std::make_error_code(std::errc::io_error));
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->deliver_nacks() == 1; }, 5s));
  EXPECT_EQ(smsc_->receipts_acked(), 0u);
}

TEST_F(SmppTest, ALongChineseMessageGoesAsThreePartsWithAUdhAndIsOneResultWithThreeIds) {
  make();
  bound();
  std::string text;
  for (int i = 0; i < 150; ++i) text += "廉";
  auto sms = text_sms(7, "+8613800138000", text, 3);
  auto results = submit({sms});
  const auto& r = results[7];
  ASSERT_FALSE(r.error) << r.detail;
  ASSERT_EQ(r.carrier_ids.size(), 3u);
  EXPECT_NE(r.carrier_ids[0], r.carrier_ids[1]);
  const auto submits = smsc_->submits();
  ASSERT_EQ(submits.size(), 3u);
  std::string joined;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(submits[i].esm_class, 0x40);
    const std::string& sm = submits[i].short_message;
    ASSERT_GE(sm.size(), 6u);
    EXPECT_EQ(sm.substr(0, 3), std::string("\x05\x00\x03", 3));
    EXPECT_EQ(sm[3], submits[0].short_message[3]);  // one reference
    EXPECT_EQ(static_cast<int>(sm[4]), 3);
    EXPECT_EQ(static_cast<int>(sm[5]), static_cast<int>(i + 1));
    joined += ucs2_to_utf8(sm.substr(6));
  }
  EXPECT_EQ(joined, text);
  // A receipt for every part.
  ASSERT_TRUE(run_until(io_, [&] { return sink_.reports.size() == 3; }, 5s));
}

TEST_F(SmppTest, SarModeCarriesThePartsInOptionalParametersWithoutAUdh) {
  make("long_messages = \"sar\"\n");
  bound();
  std::string text(100, 'x');
  text += "中";  // UCS-2, 101 units: two parts
  ASSERT_FALSE(submit({text_sms(1, "+8613800138000", text, 2)})[1].error);
  const auto submits = smsc_->submits();
  ASSERT_EQ(submits.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(submits[i].esm_class, 0);
    std::map<std::uint16_t, std::string> tlvs(submits[i].tlvs.begin(), submits[i].tlvs.end());
    EXPECT_EQ(tlvs[tag::sar_total_segments], std::string(1, '\x02'));
    EXPECT_EQ(tlvs[tag::sar_segment_seqnum], std::string(1, static_cast<char>(i + 1)));
    EXPECT_EQ(tlvs[tag::sar_msg_ref_num].size(), 2u);
  }
  EXPECT_EQ(ucs2_to_utf8(submits[0].short_message) + ucs2_to_utf8(submits[1].short_message), text);
}

TEST_F(SmppTest, TextThatFitsGsm7GoesAsDataCodingZeroUnpackedOrPacked) {
  make();
  bound();
  ASSERT_FALSE(send(1, "Meeting at 9:00 {room 3}").error);
  auto submits = smsc_->submits();
  ASSERT_EQ(submits.size(), 1u);
  EXPECT_EQ(submits[0].data_coding, 0x00);
  EXPECT_EQ(submits[0].short_message, std::string("Meeting at 9:00 \x1b\x28room 3\x1b\x29"));
  stop();
  adapter_.reset();

  make("gsm7_packed = true\n");
  bound();
  ASSERT_FALSE(send(2, "hellohello").error);
  submits = smsc_->submits();
  ASSERT_EQ(submits.size(), 1u);
  EXPECT_EQ(submits[0].short_message.size(), 9u);  // 10 septets in 9 octets
  EXPECT_EQ(static_cast<unsigned char>(submits[0].short_message[0]), 0xE8u);  // 'h' | 'e' << 7
}

TEST_F(SmppTest, UcsTwoCodingCanBeForcedForEveryMessage) {
  make("data_coding = \"ucs2\"\n");
  bound();
  ASSERT_FALSE(send(1, "hello").error);
  EXPECT_EQ(smsc_->submits()[0].data_coding, 0x08);
}

TEST_F(SmppTest, AMessageFromAPhoneReachesTheSinkAsInboundWithItsNumberInE164) {
  make();
  bound();
  smsc_->send_mo("13800138000", "106900011", utf8_to_ucs2("1 收到"));
  ASSERT_TRUE(run_until(io_, [&] { return !sink_.inbound.empty(); }, 5s));
  EXPECT_EQ(sink_.inbound[0].from, "+8613800138000");
  EXPECT_EQ(sink_.inbound[0].to, "106900011");
  EXPECT_EQ(sink_.inbound[0].text, "1 收到");
  sink_.acks[0]({});
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->receipts_acked() == 1; }, 5s));
}

TEST_F(SmppTest, TheWindowIsNeverExceededAndIsFilled) {
  make("window = 4\n");
  bound();
  smsc_->set_response_delay(20ms);
  // Feeds the adapter as the dispatcher does: only while it has credit.
  std::map<std::int64_t, SubmitResult> results;
  std::int64_t next = 1;
  const std::int64_t total = 40;
  auto feed = [&] {
    while (next <= total && adapter_->credit() > 0) {
      const std::size_t n = std::min<std::size_t>(adapter_->credit(), adapter_->max_batch());
      std::vector<Submission> batch;
      for (std::size_t i = 0; i < n && next <= total; ++i) batch.push_back(text_sms(next++, "+8613800138000", "hi"));
      adapter_->submit(std::move(batch), [&](SubmitResult r) { results[r.id] = std::move(r); });
    }
  };
  ASSERT_TRUE(run_until(io_, [&] {
    feed();
    return results.size() == static_cast<std::size_t>(total);
  }, 20s));
  for (const auto& [id, r] : results) EXPECT_FALSE(r.error) << id << " " << r.detail;
  EXPECT_FALSE(smsc_->window_violated());
  EXPECT_EQ(smsc_->max_outstanding(), 4u);
  EXPECT_GT(listener_->credits, 0u);
}

TEST_F(SmppTest, ThrottlingPausesTheSessionAndReportsThrottledWithoutPermanentFailure) {
  make("throttle_pause = \"300ms\"\n");
  bound();
  smsc_->push_status(status::throttled);
  const auto r = send(1, "hi");
  EXPECT_TRUE(is_throttled(r.error)) << r.error.message();
  EXPECT_THAT(r.error.message(), HasSubstr("ESME_RTHROTTLED"));
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(*r.retry_after, 300ms);
  EXPECT_EQ(adapter_->credit(), 0u);  // paused
  EXPECT_TRUE(adapter_->up());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(io_, [&] { return adapter_->credit() > 0; }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_FALSE(send(2, "hi").error);

  smsc_->push_status(status::message_queue_full);
  EXPECT_TRUE(is_throttled(send(3, "hi").error));
}

TEST_F(SmppTest, SubmitStatusesAreClassifiedAndNamed) {
  make();
  bound();
  smsc_->push_status(status::invalid_dest_address);
  auto r = send(1, "hi");
  EXPECT_TRUE(is_permanent(r.error));
  EXPECT_THAT(r.error.message(), HasSubstr("ESME_RINVDSTADR (0x0B)"));
  smsc_->push_status(status::system_error);
  r = send(2, "hi");
  EXPECT_TRUE(is_transient(r.error));
  EXPECT_TRUE(r.carrier_ids.empty());
  smsc_->push_status(0x4242);  // unknown: transient
  EXPECT_TRUE(is_transient(send(3, "hi").error));
}

TEST_F(SmppTest, AWrongPasswordIsReportedAndRetriedWithBackoff) {
  FakeSmsc::Options o;
  o.password = "other";
  make("", o);
  ASSERT_TRUE(run_until(io_, [&] { return !listener_->states.empty(); }, 5s));
  EXPECT_FALSE(listener_->states.back().first);
  EXPECT_THAT(listener_->states.back().second, HasSubstr("ESME_RINVPASWD"));
  EXPECT_FALSE(adapter_->up());
  EXPECT_EQ(adapter_->credit(), 0u);
  const auto r = send(1, "hi");
  EXPECT_EQ(r.error, make_error_code(carrier_errc::unavailable));
}

TEST_F(SmppTest, ALostConnectionFailsWhatWasOutstandingAndIsBoundAgain) {
  make();
  bound();
  smsc_->drop_after(1);
  const auto r = send(1, "hi");  // answered, then the SMSC hangs up
  EXPECT_FALSE(r.error);
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->binds() == 2 && adapter_->up(); }, 5s));
  bool went_down = false;
  for (const auto& [up, reason] : listener_->states) went_down = went_down || !up;
  EXPECT_TRUE(went_down);
  smsc_->drop_after(0);
  EXPECT_FALSE(send(2, "hi").error);
}

TEST_F(SmppTest, AnUnansweredSubmitTimesOut) {
  make();
  bound();
  smsc_->set_response_delay(5s);
  const auto start = std::chrono::steady_clock::now();
  const auto r = send(1, "hi");
  EXPECT_EQ(r.error, make_error_code(carrier_errc::timeout));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST_F(SmppTest, ASilentPeerIsFoundDeadByEnquireLink) {
  make("enquire_link = \"100ms\"\nenquire_link_misses = 2\n");
  bound();
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->enquire_links() >= 1; }, 5s));
  smsc_->set_silent(true);
  ASSERT_TRUE(run_until(io_, [&] { return !adapter_->up(); }, 10s));
  EXPECT_THAT(listener_->states.back().second, HasSubstr("heartbeats unanswered"));
  smsc_->set_silent(false);
  ASSERT_TRUE(run_until(io_, [&] { return adapter_->up(); }, 5s));
}

TEST_F(SmppTest, TheSmscsEnquireLinkIsAnswered) {
  make();
  bound();
  smsc_->send_enquire_link();
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->enquire_link_resps() == 1; }, 5s));
}

TEST_F(SmppTest, StopWaitsForOutstandingAnswersThenUnbinds) {
  make();
  bound();
  smsc_->set_response_delay(300ms);
  std::map<std::int64_t, SubmitResult> results;
  std::vector<Submission> batch;
  for (int i = 1; i <= 3; ++i) batch.push_back(text_sms(i, "+8613800138000", "hi"));
  adapter_->submit(std::move(batch), [&](SubmitResult r) { results[r.id] = std::move(r); });
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->max_outstanding() == 3; }, 5s));  // all at the SMSC
  stop();
  ASSERT_EQ(results.size(), 3u);
  for (const auto& [id, r] : results) EXPECT_FALSE(r.error) << r.detail;
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->unbinds() == 1; }, 5s));
  EXPECT_EQ(adapter_->credit(), 0u);
}

TEST_F(SmppTest, StopUnbindsWithinTheDrainTimeoutEvenWhenAnAnswerNeverComes) {
  make();
  bound();
  smsc_->set_response_delay(60s);  // config timeout is 2 s: the engine would time out first
  std::map<std::int64_t, SubmitResult> results;
  adapter_->submit({text_sms(1, "+8613800138000", "hi")}, [&](SubmitResult r) { results[r.id] = std::move(r); });
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->max_outstanding() == 1; }, 5s));
  const auto start = std::chrono::steady_clock::now();
  stop();
  // The 2 s response deadline ends the wait before the 5 s drain bound; either way the stop
  // ends with an unbind and every message has its result.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 6s);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(is_transient(results[1].error));
  EXPECT_TRUE(run_until(io_, [&] { return smsc_->unbinds() == 1; }, 5s));
}

TEST_F(SmppTest, SeveralSessionsBindAndShareTheWork) {
  make("sessions = 3\nwindow = 2\n");
  ASSERT_TRUE(run_until(io_, [&] { return smsc_->binds() == 3 && adapter_->credit() == 6; }, 5s));
  EXPECT_EQ(adapter_->max_batch(), 6u);
  smsc_->set_response_delay(50ms);
  std::vector<Submission> batch;
  for (int i = 1; i <= 6; ++i) batch.push_back(text_sms(i, "+8613800138000", "hi"));
  const auto results = submit(std::move(batch));
  for (const auto& [id, r] : results) EXPECT_FALSE(r.error);
  EXPECT_FALSE(smsc_->window_violated());  // per session: 2
}

TEST(SmppConfig, ValidationNamesEveryBadKey) {
  auto c = smpp_config(2775, "data_coding = \"latin1\"\nlong_messages = \"payload\"\nwindow = 0\nbogus = 1\n");
  c.options.insert_or_assign("system_id", "a-system-id-too-long");
  const auto problems = validate(c);
  const std::string all = ::testing::PrintToString(problems);
  EXPECT_THAT(all, HasSubstr("data_coding"));
  EXPECT_THAT(all, HasSubstr("long_messages"));
  EXPECT_THAT(all, HasSubstr("window"));
  EXPECT_THAT(all, HasSubstr("bogus"));
  EXPECT_THAT(all, HasSubstr("system_id"));
  EXPECT_THAT(all, HasSubstr("/etc/smsgw/smsgw.toml"));

  config::CarrierConfig missing;
  missing.name = "s";
  missing.type = "smpp";
  const std::string none = ::testing::PrintToString(validate(missing));
  for (const char* key : {"host", "system_id", "password", "source_addr"}) EXPECT_THAT(none, HasSubstr(key));
}

TEST(SmppStatus, EachCodeIsOneCondition) {
  EXPECT_TRUE(is_throttled(make_status_error(0x58)));
  EXPECT_TRUE(is_throttled(make_status_error(0x14)));
  EXPECT_TRUE(is_permanent(make_status_error(0x0B)));
  EXPECT_TRUE(is_transient(make_status_error(0x08)));
  EXPECT_TRUE(is_transient(make_status_error(0x64)));
  EXPECT_EQ(status_name(0x58), "ESME_RTHROTTLED (0x58)");
  EXPECT_EQ(status_name(0x1234), "status 0x1234");
}

}  // namespace
}  // namespace smsgw::adapters::smpp
