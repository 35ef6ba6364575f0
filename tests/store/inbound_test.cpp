// Replies through the intake into a real store: deduplication by carrier id (and by the
// carrier's own time where it gives no id), matching to the latest outbound within the reply
// window, opt-out and opt-in keywords changing the suppression list with an audit entry, and
// the filters of the list.

#include "reports/report_intake.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <map>

#include "common/time.hpp"

namespace smsgw::reports {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kOwner = 3;

class InboundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "smsgw-inbound-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    store_ = store::Store::open({.path = (dir_ / "smsgw.db").string()});
    intake_ = std::make_unique<ReportIntake>(*store_, metrics_, Clock{}, config::InboundConfig{});
  }
  void TearDown() override {
    intake_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  // One message to `to`, accepted `ago` ms before now and sent; its id and batch.
  std::pair<std::int64_t, std::int64_t> sent_to(const std::string& to, UnixMs ago,
                                                 std::optional<store::ConfirmSpec> confirm = std::nullopt) {
    store::NewBatch b;
    b.confirm = std::move(confirm);
    b.id = store_->allocate_batch_id();
    b.source = "api:oa";
    b.created_at = now_ms() - ago;
    store::NewMessage m;
    m.id = store_->allocate_message_ids(1);
    m.to = to;
    m.text = "请于明天上午九点到会，回复1确认参会。";
    b.messages.push_back(m);
    std::promise<std::error_code> p;
    store_->async_enqueue(b, std::nullopt, {}, [&p](std::error_code ec, store::EnqueueResult) { p.set_value(ec); });
    EXPECT_FALSE(p.get_future().get());
    std::promise<std::size_t> c;
    store_->async_claim(now_ms(), now_ms() + 60'000, 10, kOwner,
                        [&c](std::error_code, std::vector<store::ClaimedMessage> got) { c.set_value(got.size()); });
    EXPECT_EQ(c.get_future().get(), 1u);
    store::AttemptResult r;
    r.id = m.id;
    r.owner = kOwner;
    r.carrier = "mas";
    r.carrier_message_ids = {"cm-" + std::to_string(m.id)};
    r.outcome = "sent";
    r.at = now_ms();
    std::promise<std::error_code> rec;
    store_->async_record({r}, [&rec](std::error_code ec) { rec.set_value(ec); });
    EXPECT_FALSE(rec.get_future().get());
    return {m.id, b.id};
  }

  IntakeResult push(std::vector<adapters::Inbound> in, const std::string& carrier = "mas") {
    std::promise<std::pair<std::error_code, IntakeResult>> p;
    intake_->submit(carrier, {}, std::move(in),
                    [&p](std::error_code ec, IntakeResult r) { p.set_value({ec, std::move(r)}); });
    auto [ec, r] = p.get_future().get();
    EXPECT_FALSE(ec) << ec.message();
    return r;
  }

  static adapters::Inbound reply(std::string from, std::string text, std::string id = "") {
    adapters::Inbound in;
    in.carrier_id = std::move(id);
    in.from = std::move(from);
    in.to = "1065730012";
    in.text = std::move(text);
    return in;
  }

  static UnixMs now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  }

  std::vector<store::AuditRow> audit_of(const std::string& phone) {
    store::AuditFilter f;
    f.object_kind = "suppression";
    f.object_id = phone;
    return store_->list_audit(f).rows;
  }

  fs::path dir_;
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ReportIntake> intake_;
};

TEST_F(InboundTest, AReplyIsStoredOnceAndMatchedToTheLatestMessageSentToItsNumber) {
  sent_to("+8613800138000", 5 * 3600'000);  // older: not the one answered
  const auto [message, batch] = sent_to("+8613800138000", 600'000);
  IntakeResult r = push({reply("13800138000", "1", "mo-1")});
  EXPECT_EQ(r.inbound_stored, 1u);
  ASSERT_EQ(r.inbound_ids.size(), 1u);
  auto row = store_->get_inbound(r.inbound_ids[0]);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->from, "+8613800138000");  // normalised
  EXPECT_EQ(row->carrier, "mas");
  EXPECT_EQ(row->text, "1");
  EXPECT_EQ(row->kind, "reply");
  EXPECT_EQ(row->message_id, message);
  EXPECT_EQ(row->batch_id, batch);
  EXPECT_EQ(row->matched_by, "recent");

  // The carrier sends the same push again: the same row, nothing new.
  IntakeResult again = push({reply("+8613800138000", "1", "mo-1")});
  EXPECT_EQ(again.inbound_stored, 0u);
  EXPECT_EQ(again.inbound_duplicate, 1u);
  EXPECT_EQ(again.inbound_ids[0], r.inbound_ids[0]);
  // The same id from another carrier is another message.
  EXPECT_EQ(push({reply("+8613800138000", "1", "mo-1")}, "ali").inbound_stored, 1u);

  store::InboundFilter f;
  f.batch_id = batch;
  EXPECT_EQ(store_->list_inbound(f).rows.size(), 2u);
  f.carrier = "mas";
  EXPECT_EQ(store_->list_inbound(f).rows.size(), 1u);
}

TEST_F(InboundTest, AReplyOutsideTheWindowOrFromANumberNeverSentToIsUnmatched) {
  sent_to("+8613800138001", 73LL * 3600'000);  // the default window is 72 h
  IntakeResult r = push({reply("+8613800138001", "1"), reply("+8613900139000", "你好")});
  ASSERT_EQ(r.inbound_stored, 2u);
  for (auto id : r.inbound_ids) {
    auto row = store_->get_inbound(id);
    ASSERT_TRUE(row);
    EXPECT_FALSE(row->message_id);
    EXPECT_FALSE(row->batch_id);
    EXPECT_EQ(row->matched_by, "");
  }
}

TEST_F(InboundTest, WithoutAnIdTheCarriersOwnTimeNamesAResentPush) {
  adapters::Inbound a = reply("+8613800138002", "2");
  a.received_at = now_ms() - 60'000;
  EXPECT_EQ(push({a}).inbound_stored, 1u);
  EXPECT_EQ(push({a}).inbound_duplicate, 1u);
  // Without a time (云MAS, SMPP) two pushes are two replies.
  adapters::Inbound b = reply("+8613800138002", "2");
  EXPECT_EQ(push({b}).inbound_stored, 1u);
  EXPECT_EQ(push({b}).inbound_stored, 1u);
}

TEST_F(InboundTest, ASenderThatIsNoMobileNumberIsDroppedAndCounted) {
  IntakeResult r = push({reply("not-a-number", "TD"), reply("+8613800138003", "好的")});
  EXPECT_EQ(r.inbound_invalid, 1u);
  EXPECT_EQ(r.inbound_stored, 1u);
  EXPECT_EQ(r.inbound_ids[0], 0);
  EXPECT_NE(r.inbound_ids[1], 0);
  EXPECT_FALSE(store_->get_suppression("+8613800138003"));
  const std::string metrics = metrics_.render();
  EXPECT_NE(metrics.find("smsgw_inbound_total{carrier=\"mas\",kind=\"invalid\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("smsgw_inbound_total{carrier=\"mas\",kind=\"reply\"} 1"), std::string::npos);
}

TEST_F(InboundTest, OptOutWordsAsPeopleTypeThemSuppressTheNumberAndOptInLiftsIt) {
  const std::string phone = "+8613800138004";
  // Full-width letters, a closing full stop: still "TD".
  IntakeResult r = push({reply(phone, " ｔｄ。")});
  auto row = store_->get_inbound(r.inbound_ids[0]);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->kind, "opt_out");
  auto s = store_->get_suppression(phone);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "keyword");
  EXPECT_EQ(s->source, "inbound:" + std::to_string(r.inbound_ids[0]));
  EXPECT_EQ(s->note, "TD");
  ASSERT_EQ(audit_of(phone).size(), 1u);
  EXPECT_EQ(audit_of(phone)[0].action, "suppression.add");
  EXPECT_EQ(audit_of(phone)[0].actor_kind, "system");

  // A second opt-out changes nothing and is not an event; a question is not an opt-out.
  push({reply(phone, "退订")});
  EXPECT_EQ(audit_of(phone).size(), 1u);
  const std::string other = "+8613800138005";
  push({reply(other, "TD是什么意思")});
  EXPECT_FALSE(store_->get_suppression(other));

  IntakeResult in = push({reply(phone, "start")});
  EXPECT_EQ(store_->get_inbound(in.inbound_ids[0])->kind, "opt_in");
  EXPECT_FALSE(store_->get_suppression(phone));
  const auto entries = audit_of(phone);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "suppression.remove");  // newest first
  EXPECT_TRUE(entries[0].before);
  EXPECT_FALSE(entries[0].after);

  store::InboundFilter f;
  f.from = phone;
  EXPECT_EQ(store_->list_inbound(f).rows.size(), 3u);
  f.kind = "opt_out";
  EXPECT_EQ(store_->list_inbound(f).rows.size(), 2u);
}

TEST_F(InboundTest, KeywordsComeFromTheConfigAndAReloadChangesThem) {
  config::InboundConfig c;
  c.opt_out_keywords = {"QX"};
  c.opt_in_keywords = {};
  intake_->reconfigure(c);
  push({reply("+8613800138006", "TD")});
  EXPECT_FALSE(store_->get_suppression("+8613800138006"));
  push({reply("+8613800138006", "qx")});
  EXPECT_TRUE(store_->get_suppression("+8613800138006"));
}

TEST_F(InboundTest, TextIsBoundedAndControlCharactersNeverReachTheStore) {
  std::string text = "好\x1b[2J";
  text += std::string(5000, 'a');
  IntakeResult r = push({reply("+8613800138007", text)});
  auto row = store_->get_inbound(r.inbound_ids[0]);
  ASSERT_TRUE(row);
  EXPECT_LE(row->text.size(), twoway::kMaxReplyText);
  EXPECT_EQ(row->text.find('\x1b'), std::string::npos);
  EXPECT_EQ(row->text.rfind("好 [2J", 0), 0u);
}

TEST_F(InboundTest, AYesWordAnswersTheLatestSendAskingForOneEvenAfterALaterSendAskedNothing) {
  const std::string phone = "+8613800138009";
  store::ConfirmSpec c{{"1", "是"}, {"2"}, now_ms() + 3600'000, 0};
  const auto [notice, notice_batch] = sent_to(phone, 2 * 3600'000, c);
  const auto [greeting, greeting_batch] = sent_to(phone, 600'000);
  // "hello" answers the latest send; "1" the notice that asked for it.
  auto hello = store_->get_inbound(push({reply(phone, "hello")}).inbound_ids[0]);
  EXPECT_EQ(hello->batch_id, greeting_batch);
  EXPECT_EQ(hello->matched_by, "recent");
  IntakeResult yes = push({reply(phone, "１")});
  auto row = store_->get_inbound(yes.inbound_ids[0]);
  EXPECT_EQ(row->batch_id, notice_batch);
  EXPECT_EQ(row->message_id, notice);
  EXPECT_EQ(row->matched_by, "confirm");
  auto b = store_->get_batch(notice_batch, false);
  ASSERT_TRUE(b && b->confirm);
  EXPECT_EQ(b->confirmations["confirmed"], 1);
  EXPECT_EQ(b->confirmations["no_reply"], 0);
  EXPECT_FALSE(store_->get_batch(greeting_batch, false)->confirm);
  const auto page = store_->list_replies(notice_batch, "", "", 10);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].status, "confirmed");
  EXPECT_EQ(page.rows[0].text, "１");
}

TEST_F(InboundTest, RepliesAfterTheDeadlineAreStoredButNotCounted) {
  const std::string phone = "+8613800138010";
  store::ConfirmSpec c{{"1"}, {"2"}, now_ms() - 60'000, 0};
  const auto [m, batch] = sent_to(phone, 3600'000, c);
  (void)m;
  IntakeResult late = push({reply(phone, "1")});
  EXPECT_EQ(late.inbound_stored, 1u);
  EXPECT_EQ(store_->get_inbound(late.inbound_ids[0])->batch_id, batch);
  EXPECT_EQ(store_->get_batch(batch, false)->confirmations["confirmed"], 0);
  EXPECT_EQ(store_->get_batch(batch, false)->confirmations["no_reply"], 1);
}

TEST_F(InboundTest, PagingListsNewestFirst) {
  for (int i = 0; i < 5; ++i) push({reply("+8613800138008", "回复" + std::to_string(i))});
  store::InboundFilter f;
  f.limit = 2;
  auto page = store_->list_inbound(f);
  ASSERT_EQ(page.rows.size(), 2u);
  EXPECT_EQ(page.rows[0].text, "回复4");
  ASSERT_NE(page.next_before, 0);
  f.before_id = page.next_before;
  page = store_->list_inbound(f);
  EXPECT_EQ(page.rows[0].text, "回复2");
}

// A poll "TP <code>": votes as people type them, one per phone (first counts), a vote sent
// twice by the carrier counted once, late and early votes, codes that are no option and
// non-members rejected, every ballot kept with its outcome.
class PollTest : public InboundTest {
 protected:
  void create_poll(store::PollRow poll) {
    std::promise<store::WriteResult> p;
    store_->async_create_poll(std::move(poll), [&p](std::error_code ec, store::WriteResult r, std::int64_t) {
      EXPECT_FALSE(ec) << ec.message();
      p.set_value(r);
    });
    ASSERT_EQ(p.get_future().get(), store::WriteResult::ok);
  }
  store::PollRow poll(std::string name, std::string counts, UnixMs opens, UnixMs closes) {
    store::PollRow p;
    p.name = std::move(name);
    p.keyword = "TP";
    p.options = {{"01", "城关镇卫生院", 0}, {"07", "第二中学", 0}, {"12", "便民服务中心", 0}};
    p.opens_at = opens;
    p.closes_at = closes;
    p.counts = std::move(counts);
    p.created_by = "li.admin";
    return p;
  }
  std::map<std::string, std::int64_t> votes(const std::string& name) {
    std::map<std::string, std::int64_t> out;
    const auto tally = store_->poll_tally(name);
    for (const auto& o : tally->poll.options) out[o.code] = o.votes;
    return out;
  }
};

TEST_F(PollTest, OneVotePerPhoneDuplicatesOnceAndEveryBallotKeptWithItsOutcome) {
  const UnixMs now = now_ms();
  create_poll(poll("ten-best", "first", now - 60'000, now + 3'600'000));
  push({reply("13800138001", "TP 07", "m1"), reply("13800138002", "ｔｐ０７。", "m2"),
        reply("13800138003", "tp1", "m3"), reply("13800138001", "TP 12", "m4"),  // a second vote: the first counts
        reply("13800138004", "TP 99", "m5"), reply("13800138002", "ＴＰ０７", "m2"),  // resent by the carrier
        reply("13800138005", "你好", "m6")});
  EXPECT_EQ(votes("ten-best"), (std::map<std::string, std::int64_t>{{"01", 1}, {"07", 2}, {"12", 0}}));
  auto t = store_->poll_tally("ten-best");
  EXPECT_EQ(t->total, 3);
  EXPECT_EQ(t->rejected, 2);
  EXPECT_EQ(t->by_outcome, (std::map<std::string, std::int64_t>{{"counted", 3}, {"duplicate", 1}, {"unknown_code", 1}}));
  const auto page = store_->list_ballots(t->poll.id, "", 0, 100);
  ASSERT_EQ(page.rows.size(), 5u) << "the carrier's resend is no ballot; 你好 is no vote";
  EXPECT_EQ(page.rows[0].from, "+8613800138001");
  EXPECT_EQ(page.rows[0].code, "7");
  EXPECT_EQ(page.rows[3].outcome, "duplicate");
  EXPECT_EQ(store_->list_ballots(t->poll.id, "unknown_code", 0, 100).rows.size(), 1u);
  // A vote is stored as an inbound of kind "vote"; other replies stay replies.
  store::InboundFilter f;
  f.kind = "vote";
  EXPECT_EQ(store_->list_inbound(f).rows.size(), 5u);
  f.kind = "reply";
  EXPECT_EQ(store_->list_inbound(f).rows.size(), 1u);
}

TEST_F(PollTest, LastVoteCountsWhenAskedAndVotesOutsideTheWindowAreRejected) {
  const UnixMs now = now_ms();
  create_poll(poll("changing", "last", now - 60'000, now + 3'600'000));
  push({reply("13800138001", "TP 07", "a1"), reply("13800138001", "TP 12", "a2")});
  EXPECT_EQ(votes("changing"), (std::map<std::string, std::int64_t>{{"01", 0}, {"07", 0}, {"12", 1}}));
  EXPECT_EQ(store_->poll_tally("changing")->by_outcome["changed"], 1);

  store::PollRow later = poll("later", "first", now + 7'200'000, now + 9'000'000);
  later.keyword = "XP";
  create_poll(later);
  store::PollRow over = poll("over", "first", now - 9'000'000, now - 7'200'000);
  over.keyword = "ZP";
  create_poll(over);
  push({reply("13800138002", "XP 01", "b1"), reply("13800138002", "ZP 01", "b2")});
  EXPECT_EQ(store_->poll_tally("later")->by_outcome, (std::map<std::string, std::int64_t>{{"early", 1}}));
  EXPECT_EQ(store_->poll_tally("over")->by_outcome, (std::map<std::string, std::int64_t>{{"late", 1}}));
  EXPECT_EQ(store_->poll_tally("over")->total, 0);

  // Two polls cannot read one keyword at the same time; one after the other they can.
  std::promise<store::WriteResult> p;
  store_->async_create_poll(poll("clash", "first", now, now + 60'000),
                            [&p](std::error_code, store::WriteResult r, std::int64_t) { p.set_value(r); });
  EXPECT_EQ(p.get_future().get(), store::WriteResult::conflict);
  create_poll(poll("next", "first", now + 3'600'000, now + 7'200'000));
}

TEST_F(PollTest, AGroupPollCountsOnlyItsActiveMembers) {
  std::promise<std::error_code> g;
  store_->async_create_group("deputies", "", [&g](std::error_code ec, store::WriteResult) { g.set_value(ec); });
  ASSERT_FALSE(g.get_future().get());
  std::vector<store::RecipientUpsert> people(2);
  people[0].name = "代表甲";
  people[0].phone = "+8613800138001";
  people[0].groups = std::vector<std::string>{"deputies"};
  people[1].name = "代表乙";
  people[1].phone = "+8613800138002";
  people[1].groups = std::vector<std::string>{"deputies"};
  people[1].active = false;
  std::promise<std::error_code> u;
  store_->async_upsert_recipients(people, [&u](std::error_code ec, store::UpsertCounts) { u.set_value(ec); });
  ASSERT_FALSE(u.get_future().get());
  const UnixMs now = now_ms();
  store::PollRow p = poll("members", "first", now - 60'000, now + 3'600'000);
  p.groups = {"deputies"};
  create_poll(p);
  push({reply("13800138001", "TP 01", "c1"), reply("13800138002", "TP 01", "c2"), reply("13800138003", "TP 01", "c3")});
  auto t = store_->poll_tally("members");
  EXPECT_EQ(t->total, 1);
  EXPECT_EQ(t->by_outcome, (std::map<std::string, std::int64_t>{{"counted", 1}, {"not_member", 2}}));
  EXPECT_EQ(store_->get_poll("members")->groups, std::vector<std::string>{"deputies"});
}

}  // namespace
}  // namespace smsgw::reports
