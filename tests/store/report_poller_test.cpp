// The report poller against a real store: which messages it asks about, how often, and that
// what the carrier says is committed for that carrier only.

#include "reports/report_poller.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <algorithm>
#include <filesystem>
#include <future>

#include "support/run_until.hpp"

namespace smsgw::reports {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using smsgw::testing::run_until;

// A carrier that can be asked: it answers every query as delivered, except numbers it fails.
class AskableCarrier final : public adapters::Adapter {
 public:
  explicit AskableCarrier(boost::asio::io_context& io) : io_(io) {}
  std::chrono::milliseconds report_poll_after() const override { return 10min; }
  void poll_reports(std::vector<adapters::ReportQuery> queries, adapters::PollHandler done) override {
    asked.push_back(queries);
    std::vector<adapters::Report> out;
    for (const auto& q : queries) {
      if (q.number == silent) continue;
      adapters::Report r;
      r.carrier_batch_id = q.carrier_batch_id;
      r.number = q.number;
      r.state = adapters::Report::State::delivered;
      out.push_back(r);
    }
    boost::asio::post(io_, [done = std::move(done), out = std::move(out)]() mutable { done(std::move(out)); });
  }
  void submit(std::vector<adapters::Submission>, adapters::ResultHandler) override {}
  void async_stop(std::function<void()> done) override { done(); }

  std::vector<std::vector<adapters::ReportQuery>> asked;
  std::string silent;  // this number's report never comes, even when asked

 private:
  boost::asio::io_context& io_;
};

class ReportPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "smsgw-poller-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    store_ = store::Store::open({.path = (dir_ / "smsgw.db").string()});
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // Three messages accepted by `carrier` in one batch (id of the first as batch id) at `at`.
  std::vector<std::int64_t> sent_through(const std::string& carrier, UnixMs at) {
    store::NewBatch b;
    b.id = store_->allocate_batch_id();
    b.source = "api:test";
    b.created_at = at - 1000;
    const auto first = store_->allocate_message_ids(3);
    for (int i = 0; i < 3; ++i) {
      store::NewMessage m;
      m.id = first + i;
      m.to = "+86138000" + std::to_string(10000 + i);
      m.text = "message";
      b.messages.push_back(m);
    }
    std::promise<void> enq;
    store_->async_enqueue(b, std::nullopt, {}, [&](std::error_code ec, store::EnqueueResult) {
      EXPECT_FALSE(ec);
      enq.set_value();
    });
    enq.get_future().get();
    std::promise<void> claimed;
    store_->async_claim(at, at + 60'000, 100, 42, [&](std::error_code, std::vector<store::ClaimedMessage>) {
      claimed.set_value();
    });
    claimed.get_future().get();
    std::vector<store::AttemptResult> results;
    std::vector<std::int64_t> ids;
    for (const auto& m : b.messages) {
      store::AttemptResult r;
      r.id = m.id;
      r.owner = 42;
      r.next = store::AttemptResult::Next::sent;
      r.outcome = "sent";
      r.carrier = carrier;
      r.carrier_batch_id = std::to_string(first);
      r.to = m.to;
      r.at = at;
      results.push_back(r);
      ids.push_back(m.id);
    }
    std::promise<void> recorded;
    store_->async_record(results, [&](std::error_code ec) {
      EXPECT_FALSE(ec);
      recorded.set_value();
    });
    recorded.get_future().get();
    return ids;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  boost::asio::io_context io_;
  Metrics metrics_;
};

TEST_F(ReportPollerTest, AsksAboutMessagesWithoutAReportAfterTheDelayAndCommitsTheAnswers) {
  const UnixMs t0 = 1'796'000'000'000;
  UnixMs now = t0;
  Clock clock{.wall = [&now] { return now; }};
  ReportIntake intake{*store_, metrics_, clock};
  AskableCarrier ali(io_), other(io_);
  ali.silent = "+8613800010002";
  const auto ids = sent_through("ali", t0);
  const auto other_ids = sent_through("other", t0);
  ReportPoller poller{io_, *store_, intake, {{"ali", &ali}, {"other", &other}}, clock,
                      PollerOptions{.tick = 5ms, .max_polls = 3, .window = 48h}};
  poller.start();

  // Not yet: sent five minutes ago.
  now = t0 + 5 * 60'000;
  ASSERT_TRUE(run_until(io_, [] { return false; }, 100ms) == false);
  EXPECT_TRUE(ali.asked.empty());

  // After ten minutes: asked once about each, and the answers land on ali's messages only.
  now = t0 + 11 * 60'000;
  auto delivered = [&](std::int64_t id) { return store_->get_message(id)->status == Status::delivered; };
  ASSERT_TRUE(run_until(io_, [&] {
    return delivered(ids[0]) && delivered(ids[1]) &&
           std::all_of(other_ids.begin(), other_ids.end(), delivered);
  }, 10s));
  ASSERT_EQ(ali.asked.size(), 1u);
  EXPECT_EQ(ali.asked[0].size(), 3u);
  EXPECT_EQ(ali.asked[0][0].carrier_batch_id, std::to_string(ids[0]));
  EXPECT_EQ(ali.asked[0][0].sent_at, t0);
  EXPECT_EQ(store_->get_message(ids[2])->status, Status::sent);
  ASSERT_EQ(other.asked.size(), 1u);  // other's own messages, asked of other
  for (auto id : other_ids) EXPECT_EQ(store_->get_message(id)->status, Status::delivered);

  // The silent one is asked again only after twice the delay, and at most three times.
  ASSERT_TRUE(run_until(io_, [] { return false; }, 100ms) == false);
  EXPECT_EQ(ali.asked.size(), 1u);
  for (int k = 2; k <= 5; ++k) {
    now = t0 + k * 10 * 60'000 + 60'000;
    run_until(io_, [&] { return ali.asked.size() >= static_cast<std::size_t>(std::min(k, 3)); }, 2s);
    run_until(io_, [] { return false; }, 50ms);
  }
  ASSERT_EQ(ali.asked.size(), 3u);
  EXPECT_EQ(ali.asked[2].size(), 1u);
  EXPECT_EQ(ali.asked[2][0].id, ids[2]);
  poller.stop();
}

TEST_F(ReportPollerTest, MessagesOlderThanTheWindowAreNotAsked) {
  const UnixMs t0 = 1'796'000'000'000;
  UnixMs now = t0 + 72 * 3'600'000LL;
  Clock clock{.wall = [&now] { return now; }};
  ReportIntake intake{*store_, metrics_, clock};
  AskableCarrier ali(io_);
  sent_through("ali", t0);
  ReportPoller poller{io_, *store_, intake, {{"ali", &ali}}, clock,
                      PollerOptions{.tick = 5ms, .max_polls = 3, .window = 48h}};
  poller.start();
  run_until(io_, [] { return false; }, 100ms);
  EXPECT_TRUE(ali.asked.empty());
}

}  // namespace
}  // namespace smsgw::reports
