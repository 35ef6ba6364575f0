// The dispatcher against a real Store (SQLite file in a temp dir) and a scripted in-process
// adapter standing for the outside world. The io_context runs on the test thread; tests wait
// on conditions (run_until), never on fixed sleeps. A test that asserts something did NOT
// happen first drains the store and the io_context (drain), or holds the dispatcher's clock
// still (ManualClock) so that only what the test does can move it.

#include "dispatch/dispatcher.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <random>

#include "adapters/core/failure.hpp"
#include "common/time.hpp"
#include "support/manual_clock.hpp"
#include "support/run_until.hpp"

namespace smsgw::dispatch {
namespace {

namespace asio = boost::asio;
using adapters::carrier_errc;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;
using smsgw::testing::ManualClock;

// A send's outcome as the tests script it (one message at a time; the dispatcher's batches
// are split here, each message scripted and answered on its own).
struct Outcome {
  std::error_code error;
  std::string carrier_message_id;
  std::string detail;
  std::optional<milliseconds> retry_after = std::nullopt;
};
using Done = std::function<void(Outcome)>;

// One carrier as the test scripts it. Completions are posted, as the adapter contract demands.
class ScriptedAdapter : public adapters::Adapter {
 public:
  struct Sent {
    adapters::Submission sms;
    SteadyClock::time_point at;
  };
  // Returns the outcome of a send; `nth` counts this adapter's sends of the same message id.
  using Script = std::function<Outcome(const adapters::Submission&, int nth)>;

  explicit ScriptedAdapter(asio::io_context& io) : io_(io) {}

  std::size_t max_batch() const override { return batch; }
  bool sends_text() const override { return text; }
  bool sends_templates() const override { return templates; }
  std::size_t credit() const override {
    if (credit_limit == kUnlimited) return kUnlimited;
    return credit_limit > parked.size() ? credit_limit - parked.size() : 0;
  }
  // Completes the parked sends as accepted and tells the listener the window has room again.
  void complete_parked_and_grant() {
    for (auto& done : parked) {
      asio::post(io_, [done = std::move(done)] { done(Outcome{{}, "later", ""}); });
    }
    parked.clear();
    asio::post(io_, [this] { notify_credit(); });
  }

  void submit(std::vector<adapters::Submission> messages, adapters::ResultHandler on_result) override {
    ++submits;
    for (auto& sms : messages) {
      const std::int64_t id = sms.id;
      Done done = [on_result, id](Outcome o) {
        adapters::SubmitResult r;
        r.id = id;
        r.error = o.error;
        if (!o.carrier_message_id.empty()) r.carrier_ids.push_back(o.carrier_message_id);
        r.detail = o.detail;
        r.retry_after = o.retry_after;
        on_result(std::move(r));
      };
      async_send(std::move(sms), std::move(done));
    }
  }

  void async_send(adapters::Submission sms, Done done) {
    const int nth = ++per_message_[sms.id];
    sent.push_back({sms, SteadyClock::now()});
    if (hang) {
      parked.push_back(std::move(done));
      return;
    }
    Outcome outcome;
    if (script) {
      outcome = script(sms, nth);
    } else {
      outcome.carrier_message_id = "cm-" + std::to_string(sms.id);
    }
    asio::post(io_, [done = std::move(done), outcome = std::move(outcome)] { done(outcome); });
  }

  void async_stop(std::function<void()> done) override { asio::post(io_, std::move(done)); }
  bool up() const override { return is_up; }

  // Completes every parked send (as a stopping adapter would: unavailable).
  void fail_parked() {
    for (auto& done : parked) {
      asio::post(io_, [done = std::move(done)] {
        done(Outcome{adapters::make_error_code(carrier_errc::unavailable), "", "stopped"});
      });
    }
    parked.clear();
  }

  std::size_t sends_of(std::int64_t id) const {
    return static_cast<std::size_t>(per_message_.count(id) ? per_message_.at(id) : 0);
  }

  Script script;
  std::size_t batch = 1;    // max_batch()
  bool text = true;         // sends_text()
  bool templates = false;   // sends_templates()
  std::size_t credit_limit = kUnlimited;  // credit(): this minus the parked (hung) sends
  std::size_t submits = 0;  // submit() calls
  bool hang = false;
  bool is_up = true;
  std::vector<Sent> sent;
  std::vector<Done> parked;

 private:
  asio::io_context& io_;
  std::map<std::int64_t, int> per_message_;
};

Outcome fail_with(carrier_errc e, std::string detail = "") {
  return Outcome{adapters::make_error_code(e), "", std::move(detail)};
}

config::CarrierConfig carrier(std::string name, int priority, double rate = 10'000, int burst = 0) {
  config::CarrierConfig c;
  c.name = std::move(name);
  c.type = "scripted";
  c.priority = priority;
  c.rate = rate;
  c.burst = burst;
  return c;
}

// A carrier that takes only the numbers its routing rules name ([[carriers]] operators,
// countries).
config::CarrierConfig carrier_for(std::string name, int priority, std::vector<CnOperator> operators,
                                  std::vector<std::string> countries = {}) {
  auto c = carrier(std::move(name), priority);
  c.rules.operators = std::move(operators);
  c.rules.countries = std::move(countries);
  return c;
}

constexpr const char* kMobile = "+8613800138000";   // China Mobile's 138
constexpr const char* kUnicom = "+8618612345678";   // China Unicom's 186
constexpr const char* kTelecom = "+8618912345678";  // China Telecom's 189
constexpr const char* kHongKong = "+85291234567";
constexpr const char* kUsa = "+14155552671";

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "smsgw-dispatcher-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    store_ = store::Store::open({(std::filesystem::path(dir_) / "queue.db").string()});
    retry_.max_attempts = 5;
    retry_.base_delay = milliseconds{10};
    retry_.max_delay = milliseconds{40};
    // Small numbers so a test sees the breaker open and recover quickly.
    options_.breaker_min_attempts = 3;
    options_.breaker_failure_ratio = 0.5;
    options_.breaker_open_min = milliseconds{100};
    options_.breaker_open_max = milliseconds{400};
  }

  void TearDown() override {
    dispatcher_.reset();
    // Completions the store posted after the dispatcher went away still hold its state.
    io_.restart();
    io_.poll();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void make_dispatcher(std::vector<CarrierSlot> slots, Clock clock = {}) {
    dispatcher_ = std::make_unique<Dispatcher>(io_, *store_, std::move(slots), retry_, options_,
                                               metrics_, std::move(clock));
  }

  store::NewMessage message(std::string to = "+8613800138000", int segments = 1,
                            Priority priority = Priority::normal) {
    store::NewMessage m;
    m.to = std::move(to);
    m.text = "hello";
    m.segments = segments;
    m.priority = priority;
    return m;
  }

  // Commits the messages (blocking on the store's writer) and returns their ids.
  std::vector<std::int64_t> enqueue(std::vector<store::NewMessage> messages) {
    store::NewBatch batch;
    batch.id = store_->allocate_batch_id();
    batch.source = "test";
    batch.created_at = now_ms();
    std::int64_t next = store_->allocate_message_ids(static_cast<std::int64_t>(messages.size()));
    std::vector<std::int64_t> ids;
    for (auto& m : messages) {
      m.id = next++;
      ids.push_back(m.id);
      batch.messages.push_back(std::move(m));
    }
    std::promise<std::error_code> committed;
    store_->async_enqueue(std::move(batch), std::nullopt, {},
                          [&](std::error_code ec, store::EnqueueResult) { committed.set_value(ec); });
    EXPECT_FALSE(committed.get_future().get());
    return ids;
  }

  // Commits one message in a batch of its own, with what the test set on `batch` (its
  // signature, template name); returns the message's id.
  std::int64_t enqueue_in(store::NewBatch batch, store::NewMessage m) {
    batch.id = store_->allocate_batch_id();
    batch.source = "test";
    batch.created_at = now_ms();
    m.id = store_->allocate_message_ids(1);
    batch.messages.push_back(m);
    std::promise<std::error_code> committed;
    store_->async_enqueue(std::move(batch), std::nullopt, {},
                          [&](std::error_code ec, store::EnqueueResult) { committed.set_value(ec); });
    EXPECT_FALSE(committed.get_future().get());
    return m.id;
  }

  // Runs the io_context until `done` holds; false after `limit`.
  bool run_until(const std::function<bool()>& done, milliseconds limit = milliseconds{10'000}) {
    const auto deadline = SteadyClock::now() + limit;
    while (!done()) {
      if (SteadyClock::now() >= deadline) return false;
      if (io_.stopped()) io_.restart();
      io_.run_for(milliseconds{2});
    }
    return true;
  }

  // Runs what the store and the io_context have in hand until neither has anything left:
  // every job submitted is committed and answered, every handler that is ready has run (armed
  // timers are not waited for). After it, whatever the dispatcher was going to do without
  // more time passing has been done. Returns the handlers run; a loop that never goes idle
  // fails here instead of hanging.
  std::size_t drain() {
    auto ran = smsgw::testing::drain(io_, [this] { store_->flush(); });
    if (!ran) ADD_FAILURE() << "the io_context never went idle";
    return ran.value_or(SIZE_MAX);
  }

  // The lease as the store has it (MessageRow does not carry it).
  UnixMs lease_until(std::int64_t id) {
    SQLite::Database db((std::filesystem::path(dir_) / "queue.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement s(db, "SELECT lease_until FROM messages WHERE id = ?");
    s.bind(1, id);
    return s.executeStep() && !s.getColumn(0).isNull() ? s.getColumn(0).getInt64() : 0;
  }

  Status status_of(std::int64_t id) { return store_->get_message(id).value().status; }

  bool all_have(const std::vector<std::int64_t>& ids, Status s) {
    for (auto id : ids) {
      if (status_of(id) != s) return false;
    }
    return true;
  }

  std::string dir_;
  ManualClock manual_;  // for tests that hold time still; outlives the dispatcher
  std::unique_ptr<store::Store> store_;
  asio::io_context io_;
  Metrics metrics_;
  config::RetryConfig retry_;
  config::DispatchConfig options_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, SendsAndRecordsSentWithCarrierMessageId) {
  ScriptedAdapter primary(io_);
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto ids = enqueue({message("+8613800138001"), message("+8613800138002"), message()});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }));
  for (auto id : ids) {
    auto row = store_->get_message(id).value();
    EXPECT_EQ(row.carrier, "primary");
    EXPECT_EQ(row.carrier_message_id, "cm-" + std::to_string(id));
    EXPECT_EQ(row.attempts, 1);
    auto attempts = store_->get_attempts(id);
    ASSERT_EQ(attempts.size(), 1u);
    EXPECT_EQ(attempts[0].outcome, "sent");
    EXPECT_EQ(attempts[0].carrier, "primary");
    EXPECT_EQ(primary.sends_of(id), 1u);
  }
  ASSERT_EQ(primary.sent.size(), 3u);
  EXPECT_EQ(primary.sent[0].sms.text, "hello");
  EXPECT_EQ(metrics_.sends.value({"primary", "sent"}), 3);
  EXPECT_EQ(dispatcher_->in_flight(), 0u);
  auto status = dispatcher_->carrier_status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_TRUE(status[0].up);
  EXPECT_EQ(status[0].breaker, "closed");
}

// A batching carrier gets many messages per submit(), each with its own result.
TEST_F(DispatcherTest, ABatchingCarrierGetsManyMessagesPerSubmit) {
  ScriptedAdapter primary(io_);
  primary.batch = 50;
  options_.claim_batch = 500;
  options_.max_in_flight = 1000;
  make_dispatcher({{carrier("primary", 1), &primary}});
  std::vector<store::NewMessage> messages;
  for (int i = 0; i < 120; ++i) messages.push_back(message("+86138001" + std::to_string(10000 + i)));
  auto ids = enqueue(std::move(messages));
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }));
  for (auto id : ids) EXPECT_EQ(primary.sends_of(id), 1u);
  // 120 messages in batches of at most 50: three submits if all were claimed at once; never
  // one per message.
  EXPECT_GE(primary.submits, 3u);
  EXPECT_LT(primary.submits, 20u);
  EXPECT_EQ(dispatcher_->in_flight(), 0u);
}

// The dispatcher submits only within the adapter's credit, and goes on when the adapter grants
// more: no message fails because a window was full.
TEST_F(DispatcherTest, SubmitsOnlyWithinCreditAndResumesWhenGranted) {
  ScriptedAdapter primary(io_);
  primary.hang = true;
  primary.credit_limit = 2;
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto ids = enqueue({message("+8613800138001"), message("+8613800138002"),
                      message("+8613800138003"), message("+8613800138004"),
                      message("+8613800138005")});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return primary.parked.size() == 2; }));
  drain();
  EXPECT_EQ(primary.sent.size(), 2u);  // the window is full: nothing more was submitted
  primary.complete_parked_and_grant();
  ASSERT_TRUE(run_until([&] { return primary.sent.size() == 4; }));
  drain();
  EXPECT_EQ(primary.sent.size(), 4u);
  primary.complete_parked_and_grant();
  ASSERT_TRUE(run_until([&] { return primary.sent.size() == 5; }));
  primary.complete_parked_and_grant();
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }));
  for (auto id : ids) EXPECT_EQ(store_->get_attempts(id).size(), 1u);
}

// SIGHUP changed [sms] signature after a message was accepted, and later gave the carrier its
// own: the queued message goes out with the one in force, never with two.
TEST_F(DispatcherTest, SendsWithTheSignatureInForceNotTheOneItWasAcceptedWith) {
  ScriptedAdapter primary(io_);
  auto config = carrier("primary", 1);
  config.default_signature = "【区纪委】";
  make_dispatcher({{config, &primary}});
  auto signed_batch = [&](const std::string& text) {
    store::NewBatch batch;
    batch.signature = "【区纪委】";
    auto m = message();
    m.text = text;
    return enqueue_in(std::move(batch), m);
  };
  config.default_signature = "【区监委】";  // the SIGHUP
  dispatcher_->reconfigure({config}, retry_, options_);
  const auto first = signed_batch("【区纪委】会议通知");
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(first) == Status::sent; }));
  ASSERT_EQ(primary.sent.size(), 1u);
  EXPECT_EQ(primary.sent[0].sms.text, "【区监委】会议通知");

  config.signature = "【移动】";
  dispatcher_->reconfigure({config}, retry_, options_);
  const auto second = signed_batch("【区纪委】学习通知");
  dispatcher_->notify(now_ms());
  ASSERT_TRUE(run_until([&] { return status_of(second) == Status::sent; }));
  ASSERT_EQ(primary.sent.size(), 2u);
  EXPECT_EQ(primary.sent[1].sms.text, "【移动】学习通知");
}

// A template carrier gets the template call rendered for it and no text; a message it has no
// mapping for goes to a carrier that sends text; one no carrier can send fails and says why.
TEST_F(DispatcherTest, TemplateCallsGoToTheCarrierThatMapsThemAndTextElsewhere) {
  ScriptedAdapter cloud(io_), texter(io_);
  cloud.text = false;
  cloud.templates = true;
  make_dispatcher({{carrier("cloud", 1), &cloud}, {carrier("texter", 2), &texter}});
  auto enqueue_template = [&](const std::string& template_name, const std::string& calls) {
    store::NewBatch batch;
    batch.template_name = template_name;
    auto m = message();
    m.text = "张三同志：春节将至";
    m.carrier_calls = calls;
    return enqueue_in(std::move(batch), m);
  };
  const auto mapped = enqueue_template(
      "reminder", R"({"cloud":{"code":"SMS_1","params":{"name":"张三"}}})");
  const auto unmapped = enqueue_template("briefing", "");
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(mapped) == Status::sent && status_of(unmapped) == Status::sent; }));
  ASSERT_EQ(cloud.sent.size(), 1u);
  ASSERT_TRUE(cloud.sent[0].sms.template_call);
  EXPECT_EQ(cloud.sent[0].sms.template_call->code, "SMS_1");
  EXPECT_TRUE(cloud.sent[0].sms.template_call->named);
  EXPECT_EQ(cloud.sent[0].sms.template_call->params,
            (std::vector<std::pair<std::string, std::string>>{{"name", "张三"}}));
  EXPECT_EQ(cloud.sent[0].sms.text, "");
  ASSERT_EQ(texter.sent.size(), 1u);
  EXPECT_EQ(texter.sent[0].sms.id, unmapped);
  EXPECT_FALSE(texter.sent[0].sms.template_call);
  EXPECT_EQ(texter.sent[0].sms.text, "张三同志：春节将至");
}

TEST_F(DispatcherTest, AMessageNoCarrierCanSendFailsNamingTheMissingMapping) {
  ScriptedAdapter cloud(io_);
  cloud.text = false;
  cloud.templates = true;
  make_dispatcher({{carrier("cloud", 1), &cloud}});
  store::NewBatch batch;
  batch.template_name = "briefing";
  const auto id = enqueue_in(std::move(batch), message());
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(id) == Status::failed; }));
  const auto row = store_->get_message(id).value();
  EXPECT_THAT(row.last_error, ::testing::HasSubstr("no carrier can send template \"briefing\""));
  EXPECT_THAT(row.last_error, ::testing::HasSubstr("[carriers.templates.briefing]"));
  EXPECT_TRUE(cloud.sent.empty());
}

TEST_F(DispatcherTest, RoutesByOperatorAndCountry) {
  // China Mobile numbers over its own gateway, Hong Kong and Macau through an international
  // carrier, the rest of the mainland through a cloud carrier; the cheapest first.
  ScriptedAdapter cmpp(io_), intl(io_), cloud(io_);
  make_dispatcher({{carrier_for("cmpp", 1, {CnOperator::china_mobile}), &cmpp},
                   {carrier_for("intl", 2, {}, {"HK", "MO"}), &intl},
                   {carrier_for("cloud", 3, {}, {"CN"}), &cloud}});
  const auto ids = enqueue({message(kMobile), message(kUnicom), message(kTelecom),
                            message(kHongKong), message("+8613900139000")});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }));
  EXPECT_EQ(store_->get_message(ids[0])->carrier, "cmpp");
  EXPECT_EQ(store_->get_message(ids[1])->carrier, "cloud");
  EXPECT_EQ(store_->get_message(ids[2])->carrier, "cloud");
  EXPECT_EQ(store_->get_message(ids[3])->carrier, "intl");
  EXPECT_EQ(store_->get_message(ids[4])->carrier, "cmpp");
  EXPECT_EQ(cmpp.sent.size(), 2u);
  EXPECT_EQ(intl.sent.size(), 1u);
  EXPECT_EQ(cloud.sent.size(), 2u);
}

TEST_F(DispatcherTest, ANumberNoCarrierTakesFailsPermanentlyNamingTheRules) {
  ScriptedAdapter cmpp(io_), intl(io_);
  make_dispatcher({{carrier_for("cmpp-mobile", 1, {CnOperator::china_mobile}), &cmpp},
                   {carrier_for("intl", 2, {}, {"HK", "MO"}), &intl}});
  const auto ids = enqueue({message(kUnicom), message(kUsa), message(kMobile)});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] {
    return status_of(ids[0]) == Status::failed && status_of(ids[1]) == Status::failed &&
           status_of(ids[2]) == Status::sent;
  }));
  const auto unicom = store_->get_message(ids[0]).value();
  EXPECT_EQ(unicom.last_error,
            "no carrier takes China Unicom numbers: cmpp-mobile takes only china_mobile; intl "
            "takes only HK, MO");
  EXPECT_EQ(unicom.attempts, 0);  // no carrier was called: nothing to retry
  EXPECT_EQ(store_->get_message(ids[1])->last_error,
            "no carrier takes numbers of US: cmpp-mobile takes only china_mobile; intl takes "
            "only HK, MO");
  ASSERT_EQ(cmpp.sent.size(), 1u);
  EXPECT_EQ(cmpp.sent[0].sms.id, ids[2]);
  EXPECT_TRUE(intl.sent.empty());
}

TEST_F(DispatcherTest, AReasonNamesBothTheRulesAndTheMissingMapping) {
  ScriptedAdapter cmpp(io_), cloud(io_);
  cloud.text = false;
  cloud.templates = true;
  make_dispatcher({{carrier_for("cmpp", 1, {CnOperator::china_mobile}), &cmpp},
                   {carrier("cloud", 2), &cloud}});
  store::NewBatch batch;
  batch.template_name = "briefing";
  const auto id = enqueue_in(std::move(batch), message(kTelecom));
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(id) == Status::failed; }));
  EXPECT_EQ(store_->get_message(id)->last_error,
            "no carrier takes China Telecom numbers: cmpp takes only china_mobile; cloud send "
            "only their approved templates and have no mapping for template \"briefing\" "
            "([carriers.templates.briefing])");
}

TEST_F(DispatcherTest, FailoverStaysWithinTheCarriersTheRulesAllow) {
  // Two China Mobile gateways and a carrier for everything else at the lowest priority... but
  // ranked first, so a rule-blind failover would pick it.
  ScriptedAdapter other(io_), first(io_), second(io_);
  first.script = [&](const adapters::Submission&, int) {
    return fail_with(carrier_errc::server_error, "http 503");
  };
  retry_.max_attempts = 20;
  make_dispatcher({{carrier_for("other", 0, {CnOperator::china_unicom, CnOperator::china_telecom}), &other},
                   {carrier_for("cmpp-1", 1, {CnOperator::china_mobile}), &first},
                   {carrier_for("cmpp-2", 2, {CnOperator::china_mobile}), &second}});
  std::vector<store::NewMessage> batch(10, message(kMobile));
  const auto ids = enqueue(batch);
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }));
  for (auto id : ids) EXPECT_EQ(store_->get_message(id)->carrier, "cmpp-2");
  EXPECT_GE(first.sent.size(), 3u);  // until its breaker opened
  EXPECT_TRUE(other.sent.empty());
}

TEST_F(DispatcherTest, AMessageWhoseAllowedCarriersAreAllDownWaitsInsteadOfGoingElsewhere) {
  ScriptedAdapter cmpp(io_), other(io_);
  cmpp.is_up = false;
  make_dispatcher({{carrier_for("cmpp", 1, {CnOperator::china_mobile}), &cmpp},
                   {carrier_for("other", 2, {CnOperator::china_unicom}), &other}});
  const auto ids = enqueue({message(kMobile), message(kUnicom)});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(ids[1]) == Status::sent; }));
  drain();
  EXPECT_EQ(status_of(ids[0]), Status::sending);  // held for cmpp, not failed, not sent
  ASSERT_EQ(other.sent.size(), 1u);
  EXPECT_EQ(other.sent[0].sms.id, ids[1]);
  EXPECT_TRUE(cmpp.sent.empty());
}

TEST_F(DispatcherTest, ReconfigureChangesRoutingRules) {
  ScriptedAdapter primary(io_), secondary(io_);
  make_dispatcher({{carrier("primary", 1), &primary}, {carrier("secondary", 2), &secondary}});
  dispatcher_->start();
  const auto first = enqueue({message(kUnicom)});
  dispatcher_->notify(now_ms());
  ASSERT_TRUE(run_until([&] { return status_of(first[0]) == Status::sent; }));
  EXPECT_EQ(store_->get_message(first[0])->carrier, "primary");

  // SIGHUP: primary becomes the China Mobile gateway; Unicom numbers go to secondary.
  dispatcher_->reconfigure({carrier_for("primary", 1, {CnOperator::china_mobile}),
                            carrier("secondary", 2)},
                           retry_, options_);
  const auto second = enqueue({message(kUnicom), message(kMobile)});
  dispatcher_->notify(now_ms());
  ASSERT_TRUE(run_until([&] { return all_have(second, Status::sent); }));
  EXPECT_EQ(store_->get_message(second[0])->carrier, "secondary");
  EXPECT_EQ(store_->get_message(second[1])->carrier, "primary");

  // And back: the rules are dropped again.
  dispatcher_->reconfigure({carrier("primary", 1), carrier("secondary", 2)}, retry_, options_);
  const auto third = enqueue({message(kUnicom)});
  dispatcher_->notify(now_ms());
  ASSERT_TRUE(run_until([&] { return status_of(third[0]) == Status::sent; }));
  EXPECT_EQ(store_->get_message(third[0])->carrier, "primary");
}

TEST_F(DispatcherTest, UrgentIsClaimedBeforeNormal) {
  ScriptedAdapter primary(io_);
  options_.claim_batch = 2;
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto normal = enqueue({message(), message(), message(), message()});
  auto urgent = enqueue({message("+8613800138009", 1, Priority::urgent)});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return primary.sent.size() == 5; }));
  EXPECT_EQ(primary.sent[0].sms.id, urgent[0]);
  EXPECT_EQ(primary.sent[1].sms.id, normal[0]);
}

TEST_F(DispatcherTest, TransientThenSuccessIsRetried) {
  ScriptedAdapter primary(io_);
  primary.script = [](const adapters::Submission& sms, int nth) {
    if (nth == 1) return fail_with(carrier_errc::server_error, "http 503");
    return Outcome{{}, "cm-" + std::to_string(sms.id), ""};
  };
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto ids = enqueue({message()});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::sent; }));
  auto row = store_->get_message(ids[0]).value();
  EXPECT_EQ(row.attempts, 2);
  EXPECT_EQ(row.carrier_message_id, "cm-" + std::to_string(ids[0]));
  auto attempts = store_->get_attempts(ids[0]);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].outcome, "transient");
  EXPECT_EQ(attempts[0].error, "http 503");
  EXPECT_EQ(attempts[1].outcome, "sent");
  EXPECT_GE(attempts[1].at - attempts[0].at, 5);  // backoff: at least base_delay / 2
  EXPECT_EQ(metrics_.sends.value({"primary", "transient"}), 1);
}

// A per-number limit (Tencent's PhoneNumberThirtySecondLimit): the message waits at least as
// long as the carrier said, though the carrier works and backoff alone would retry at once.
TEST_F(DispatcherTest, ATransientErrorWithRetryAfterWaitsAtLeastThatLong) {
  ScriptedAdapter primary(io_);
  primary.script = [](const adapters::Submission& sms, int nth) {
    if (nth == 1) {
      auto o = fail_with(carrier_errc::server_error, "LimitExceeded.PhoneNumberThirtySecondLimit");
      o.retry_after = milliseconds{400};
      return o;
    }
    return Outcome{{}, "cm-" + std::to_string(sms.id), ""};
  };
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto ids = enqueue({message()});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::sent; }));
  auto attempts = store_->get_attempts(ids[0]);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_GE(attempts[1].at - attempts[0].at, 400);
}

TEST_F(DispatcherTest, ARetryAfterBeyondExpiryExpiresTheMessage) {
  ScriptedAdapter primary(io_);
  primary.script = [](const adapters::Submission&, int) {
    auto o = fail_with(carrier_errc::server_error, "LimitExceeded.PhoneNumberDailyLimit");
    o.retry_after = milliseconds{3'600'000};
    return o;
  };
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto m = message();
  m.expires_at = now_ms() + 60'000;
  auto ids = enqueue({m});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::expired; }));
  EXPECT_EQ(primary.sends_of(ids[0]), 1u);
}

TEST_F(DispatcherTest, PermanentFailsAfterExactlyOneAttempt) {
  ScriptedAdapter primary(io_);
  primary.script = [](const adapters::Submission&, int) {
    return fail_with(carrier_errc::invalid_number, "invalid number");
  };
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto ids = enqueue({message()});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::failed; }));
  auto row = store_->get_message(ids[0]).value();
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.last_error, "invalid number");
  auto attempts = store_->get_attempts(ids[0]);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].outcome, "permanent");
  EXPECT_EQ(primary.sends_of(ids[0]), 1u);
  // Permanent errors say nothing about the carrier: its breaker stays closed.
  EXPECT_EQ(dispatcher_->carrier_status()[0].breaker, "closed");
}

TEST_F(DispatcherTest, AttemptsExhaustedFails) {
  ScriptedAdapter primary(io_);
  primary.script = [](const adapters::Submission&, int) {
    return fail_with(carrier_errc::timeout, "timeout after 10s");
  };
  retry_.max_attempts = 3;
  options_.breaker_min_attempts = 100;
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto ids = enqueue({message()});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::failed; }));
  auto row = store_->get_message(ids[0]).value();
  EXPECT_EQ(row.attempts, 3);
  EXPECT_EQ(row.last_error, "attempts exhausted: timeout after 10s");
  auto attempts = store_->get_attempts(ids[0]);
  ASSERT_EQ(attempts.size(), 3u);
  for (const auto& a : attempts) EXPECT_EQ(a.outcome, "transient");
  EXPECT_EQ(primary.sends_of(ids[0]), 3u);
}

TEST_F(DispatcherTest, ExpiredMessageIsNeverSent) {
  ScriptedAdapter primary(io_);
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto expired = message();
  expired.expires_at = now_ms() - 1000;
  auto live = message();
  live.expires_at = now_ms() + 3'600'000;
  auto ids = enqueue({expired, live});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] {
    return status_of(ids[0]) == Status::expired && status_of(ids[1]) == Status::sent;
  }));
  EXPECT_EQ(primary.sends_of(ids[0]), 0u);
  EXPECT_TRUE(store_->get_attempts(ids[0]).empty());
  EXPECT_EQ(store_->get_message(ids[0])->attempts, 0);
}

TEST_F(DispatcherTest, InjectedClockDecidesExpiry) {
  ScriptedAdapter primary(io_);
  // The dispatcher lives two hours ahead: a message expiring in one hour is already expired.
  make_dispatcher({{carrier("primary", 1), &primary}},
                  Clock{.wall = [] { return now_ms() + 7'200'000; }});
  auto m = message();
  m.expires_at = now_ms() + 3'600'000;
  auto ids = enqueue({m});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::expired; }));
  EXPECT_TRUE(primary.sent.empty());
}

TEST_F(DispatcherTest, TransientFailureNearExpiryExpires) {
  ScriptedAdapter primary(io_);
  primary.script = [](const adapters::Submission&, int) {
    return fail_with(carrier_errc::server_error, "http 500");
  };
  retry_.base_delay = milliseconds{60'000};
  retry_.max_delay = milliseconds{60'000};
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto m = message();
  m.expires_at = now_ms() + 10'000;  // the next attempt (>= 30 s) would be too late
  auto ids = enqueue({m});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::expired; }));
  EXPECT_EQ(primary.sends_of(ids[0]), 1u);
  auto attempts = store_->get_attempts(ids[0]);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].outcome, "transient");
}

TEST_F(DispatcherTest, FailsOverWhenBreakerOpensAndReturnsAfterCooldown) {
  ScriptedAdapter primary(io_), secondary(io_);
  bool primary_broken = true;
  primary.script = [&](const adapters::Submission& sms, int) {
    if (primary_broken) return fail_with(carrier_errc::server_error, "http 503");
    return Outcome{{}, "p-" + std::to_string(sms.id), ""};
  };
  retry_.max_attempts = 20;
  // Listed secondary first: priority, not order, decides.
  make_dispatcher({{carrier("secondary", 2), &secondary}, {carrier("primary", 1), &primary}});
  std::vector<store::NewMessage> batch(10, message());
  auto ids = enqueue(batch);
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }));
  for (auto id : ids) EXPECT_EQ(store_->get_message(id)->carrier, "secondary");
  EXPECT_GE(primary.sent.size(), 3u);
  EXPECT_EQ(secondary.sent.size(), 10u);
  EXPECT_GE(metrics_.sends.value({"primary", "transient"}), 3);

  // The primary recovers; after the cooldown a probe goes to it and closes the breaker.
  primary_broken = false;
  auto primary_state = [&] {
    for (const auto& s : dispatcher_->carrier_status()) {
      if (s.name == "primary") return s.breaker;
    }
    return std::string{};
  };
  ASSERT_TRUE(run_until([&] { return primary_state() != "open"; }, milliseconds{2000}));
  auto probe = enqueue({message()});
  dispatcher_->notify(now_ms());
  ASSERT_TRUE(run_until([&] { return status_of(probe[0]) == Status::sent; }));
  EXPECT_EQ(store_->get_message(probe[0])->carrier, "primary");
  EXPECT_EQ(primary_state(), "closed");

  auto after = enqueue({message(), message(), message()});
  dispatcher_->notify(now_ms());
  ASSERT_TRUE(run_until([&] { return all_have(after, Status::sent); }));
  for (auto id : after) EXPECT_EQ(store_->get_message(id)->carrier, "primary");
  EXPECT_EQ(secondary.sent.size(), 10u);
}

TEST_F(DispatcherTest, DisabledOrDownCarrierIsSkipped) {
  ScriptedAdapter primary(io_), secondary(io_), third(io_);
  primary.is_up = false;
  auto disabled = carrier("secondary", 2);
  disabled.enabled = false;
  make_dispatcher({{carrier("primary", 1), &primary}, {disabled, &secondary},
                   {carrier("third", 3), &third}});
  auto ids = enqueue({message(), message()});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }));
  EXPECT_TRUE(primary.sent.empty());
  EXPECT_TRUE(secondary.sent.empty());
  EXPECT_EQ(third.sent.size(), 2u);
  auto status = dispatcher_->carrier_status();
  ASSERT_EQ(status.size(), 3u);
  EXPECT_EQ(status[0].name, "primary");
  EXPECT_FALSE(status[0].up);
  EXPECT_FALSE(status[1].up);
  EXPECT_TRUE(status[2].up);
}

TEST_F(DispatcherTest, RateLimitPacesSegments) {
  ScriptedAdapter primary(io_), secondary(io_);
  // 60 messages x 3 segments = 180 segments at 100/s with a burst of 3: at least 1.77 s.
  make_dispatcher({{carrier("primary", 1, 100, 3), &primary}, {carrier("secondary", 2), &secondary}});
  std::vector<store::NewMessage> batch(60, message("+8613800138000", 3));
  auto ids = enqueue(batch);
  const auto started = SteadyClock::now();
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return primary.sent.size() == 60; }, milliseconds{20'000}));
  const auto elapsed = SteadyClock::now() - started;
  EXPECT_GE(elapsed, milliseconds{1500});
  EXPECT_TRUE(secondary.sent.empty()) << "rate limits must not spill to a lower priority";
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }));
}

TEST_F(DispatcherTest, StopReleasesHeldMessagesAndCallsDoneOnce) {
  ScriptedAdapter primary(io_);
  // One segment per second: the first message goes out, the others wait for tokens.
  make_dispatcher({{carrier("primary", 1, 1, 1), &primary}});
  auto ids = enqueue({message(), message(), message(), message()});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::sent; }));
  EXPECT_EQ(status_of(ids[1]), Status::sending);  // claimed and held
  int done_calls = 0;
  dispatcher_->async_stop(milliseconds{1000}, [&] { ++done_calls; });
  ASSERT_TRUE(run_until([&] { return done_calls > 0; }));
  EXPECT_EQ(primary.sent.size(), 1u);
  for (std::size_t i = 1; i < ids.size(); ++i) {
    auto row = store_->get_message(ids[i]).value();
    EXPECT_EQ(row.status, Status::queued);
    EXPECT_EQ(row.attempts, 0);
  }
  // Ignored once stopping. The released messages are due, so a claim would find them; once
  // the store and the io_context have run dry, such a claim would have been committed and its
  // messages sent.
  drain();
  const auto jobs = store_->stats().jobs;
  dispatcher_->notify(now_ms());
  drain();
  EXPECT_EQ(store_->stats().jobs, jobs) << "the store was asked to do something after the stop";
  EXPECT_EQ(done_calls, 1);
  EXPECT_EQ(primary.sent.size(), 1u);
}

TEST_F(DispatcherTest, StopRecordsSendsFinishingWithinGrace) {
  ScriptedAdapter primary(io_);
  primary.hang = true;
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto ids = enqueue({message(), message()});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return primary.parked.size() == 2; }));
  int done_calls = 0;
  dispatcher_->async_stop(milliseconds{5000}, [&] { ++done_calls; });
  drain();  // all the stop can do before the sends finish (the grace is far off)
  EXPECT_EQ(done_calls, 0);  // still waiting for the sends
  for (auto& done : primary.parked) {
    asio::post(io_, [done = std::move(done)] { done(Outcome{{}, "late", ""}); });
  }
  primary.parked.clear();
  ASSERT_TRUE(run_until([&] { return done_calls > 0; }, milliseconds{2000}));
  EXPECT_TRUE(all_have(ids, Status::sent));
  EXPECT_EQ(done_calls, 1);
}

TEST_F(DispatcherTest, StopLeavesSendsBeyondGraceLeased) {
  ScriptedAdapter primary(io_);
  primary.hang = true;
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto ids = enqueue({message()});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return primary.parked.size() == 1; }));
  int done_calls = 0;
  const auto asked = SteadyClock::now();
  dispatcher_->async_stop(milliseconds{100}, [&] { ++done_calls; });
  ASSERT_TRUE(run_until([&] { return done_calls > 0; }));
  EXPECT_GE(SteadyClock::now() - asked, milliseconds{100});
  EXPECT_EQ(dispatcher_->in_flight(), 1u);
  // The adapter gives up after the dispatcher finished: nothing is recorded, the lease stands.
  drain();
  const auto jobs = store_->stats().jobs;
  primary.fail_parked();
  ASSERT_TRUE(run_until([&] { return dispatcher_->in_flight() == 0; }));  // the completion came
  drain();
  EXPECT_EQ(store_->stats().jobs, jobs) << "a result recorded after the stop";
  EXPECT_EQ(status_of(ids[0]), Status::sending);
  EXPECT_EQ(done_calls, 1);
}

TEST_F(DispatcherTest, NotifyWakesASleepingDispatcher) {
  ScriptedAdapter primary(io_);
  // Time stands still: the safety tick never comes due, so only notify can start a claim.
  make_dispatcher({{carrier("primary", 1), &primary}}, manual_.clock());
  dispatcher_->start();
  drain();  // the first claim finds the queue empty; the dispatcher goes to sleep
  auto m = message();
  m.send_at = manual_.wall();
  auto ids = enqueue({m});
  drain();
  EXPECT_TRUE(primary.sent.empty()) << "claimed without being told";
  dispatcher_->notify(manual_.wall());
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::sent; }));
  EXPECT_EQ(primary.sent.size(), 1u);
}

TEST_F(DispatcherTest, NotifyWithFutureDueTimeWakesThen) {
  ScriptedAdapter primary(io_);
  make_dispatcher({{carrier("primary", 1), &primary}}, manual_.clock());
  dispatcher_->start();
  drain();
  auto m = message();
  m.send_at = manual_.wall() + 300;
  auto ids = enqueue({m});
  dispatcher_->notify(m.send_at);
  drain();
  EXPECT_TRUE(primary.sent.empty()) << "sent before it was due";
  // Due now on the dispatcher's clock; 300 ms is short of the safety tick, so what claims it
  // is the wake-up armed for its due time (no second notify).
  manual_.advance(milliseconds{300});
  ASSERT_TRUE(run_until([&] { return primary.sent.size() == 1; }));
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::sent; }));
}

TEST_F(DispatcherTest, ReconfigureDisablesACarrier) {
  ScriptedAdapter primary(io_), secondary(io_);
  make_dispatcher({{carrier("primary", 1), &primary}, {carrier("secondary", 2), &secondary}});
  dispatcher_->start();
  auto first = enqueue({message()});
  dispatcher_->notify(now_ms());
  ASSERT_TRUE(run_until([&] { return status_of(first[0]) == Status::sent; }));
  EXPECT_EQ(primary.sent.size(), 1u);

  auto off = carrier("primary", 1);
  off.enabled = false;
  dispatcher_->reconfigure({off, carrier("secondary", 2)}, retry_, options_);
  auto second = enqueue({message()});
  dispatcher_->notify(now_ms());
  ASSERT_TRUE(run_until([&] { return status_of(second[0]) == Status::sent; }));
  EXPECT_EQ(store_->get_message(second[0])->carrier, "secondary");
  EXPECT_EQ(primary.sent.size(), 1u);
}

TEST_F(DispatcherTest, NoCarrierAvailableHoldsUntilOneIsBack) {
  ScriptedAdapter primary(io_);
  primary.is_up = false;
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto ids = enqueue({message()});
  const auto jobs = store_->stats().jobs;
  dispatcher_->start();
  drain();
  EXPECT_TRUE(primary.sent.empty());
  EXPECT_EQ(status_of(ids[0]), Status::queued);  // never claimed while nothing can send
  EXPECT_EQ(store_->stats().jobs, jobs) << "a claim while no carrier could send";
  primary.is_up = true;  // noticed at the next safety tick
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::sent; }, milliseconds{3000}));
}

TEST_F(DispatcherTest, SingleCarrierResumesAfterBreakerCooldown) {
  ScriptedAdapter primary(io_);
  int calls = 0;
  primary.script = [&](const adapters::Submission& sms, int) {
    if (++calls <= 3) return fail_with(carrier_errc::connection_failed, "connection refused");
    return Outcome{{}, "cm-" + std::to_string(sms.id), ""};
  };
  retry_.max_attempts = 10;
  make_dispatcher({{carrier("primary", 1), &primary}});
  std::vector<store::NewMessage> batch(6, message());
  auto ids = enqueue(batch);
  const auto started = SteadyClock::now();
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }));
  // The breaker opened after the 3 failures; nothing else could send until its cooldown.
  EXPECT_GE(SteadyClock::now() - started, options_.breaker_open_min);
  std::size_t rows = 0;
  for (auto id : ids) rows += store_->get_attempts(id).size();
  EXPECT_EQ(rows, 6u + 3u);
  EXPECT_EQ(metrics_.carrier_up.value({"primary"}), 1);
}

}  // namespace
}  // namespace smsgw::dispatch

namespace smsgw::dispatch {
namespace {

// A transient failure at 23:00 local: the normal message's retry waits for the end of the
// quiet hours; the urgent one's does not.
TEST_F(DispatcherTest, RetriesOfNormalMessagesWaitForTheEndOfQuietHours) {
  const TimeZone tz = TimeZone::utc();
  const UnixMs real = now_ms();
  const UnixMs day = 86'400'000;
  const UnixMs eleven_pm = (real / day) * day + 23 * 3'600'000 + (real % day >= 23 * 3'600'000 ? day : 0);
  const UnixMs offset = eleven_pm - real;
  ScriptedAdapter primary(io_);
  primary.script = [](const adapters::Submission&, int) {
    return fail_with(carrier_errc::server_error, "http 503");
  };
  make_dispatcher({{carrier("primary", 1), &primary}},
                  Clock{.wall = [offset] { return now_ms() + offset; }});
  dispatcher_->set_quiet_hours({22 * 60, 8 * 60}, tz);
  auto ids = enqueue({message("+8613800138000"), message("+8613800138001", 1, Priority::urgent)});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] {
    return store_->get_message(ids[0])->attempts == 1 && store_->get_message(ids[1])->attempts >= 1;
  }));
  const UnixMs eight_am = (eleven_pm / day + 1) * day + 8 * 3'600'000;
  EXPECT_EQ(store_->get_message(ids[0])->next_attempt_at, eight_am);
  EXPECT_LT(store_->get_message(ids[1])->next_attempt_at, eleven_pm + 3'600'000);
}

TEST_F(DispatcherTest, ThrottlingPausesTheCarrierWithoutBurningAnAttempt) {
  ScriptedAdapter primary(io_);
  primary.script = [](const adapters::Submission& sms, int nth) {
    if (nth == 1) {
      Outcome o = fail_with(carrier_errc::throttled, "http 429");
      o.retry_after = milliseconds{300};
      return o;
    }
    return Outcome{{}, "cm-" + std::to_string(sms.id), ""};
  };
  options_.breaker_min_attempts = 1;  // a breaker that counted throttling would open at once
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto ids = enqueue({message()});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::sent; }));
  ASSERT_EQ(primary.sent.size(), 2u);
  // The carrier rested for its Retry-After before the message went again.
  EXPECT_GE(primary.sent[1].at - primary.sent[0].at, milliseconds{300});
  auto row = store_->get_message(ids[0]).value();
  EXPECT_EQ(row.attempts, 1);                       // only the send that went through
  EXPECT_EQ(store_->get_attempts(ids[0]).size(), 1u);
  EXPECT_EQ(metrics_.sends.value({"primary", "throttled"}), 1);
  EXPECT_EQ(metrics_.breaker_opened.value({"primary"}), 0);
}

TEST_F(DispatcherTest, AThrottledCarrierPassesTrafficToTheNext) {
  ScriptedAdapter primary(io_), secondary(io_);
  primary.script = [](const adapters::Submission&, int) {
    Outcome o = fail_with(carrier_errc::throttled, "http 429");
    o.retry_after = milliseconds{60'000};
    return o;
  };
  make_dispatcher({{carrier("primary", 1), &primary}, {carrier("secondary", 2), &secondary}});
  std::vector<store::NewMessage> batch(5, message());
  auto ids = enqueue(batch);
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }));
  for (auto id : ids) EXPECT_EQ(store_->get_message(id)->attempts, 1);
  EXPECT_EQ(secondary.sent.size(), 5u);
  EXPECT_LE(primary.sent.size(), 5u);  // paused after the first throttle of each in flight
}

TEST_F(DispatcherTest, ThirtyPercentTransientErrorsDeliverEverythingWithoutOpeningTheBreaker) {
  ScriptedAdapter primary(io_);
  std::mt19937 rng(11);
  std::bernoulli_distribution fails(0.3);
  primary.script = [&](const adapters::Submission& sms, int) {
    if (fails(rng)) return fail_with(carrier_errc::server_error, "http 503");
    return Outcome{{}, "cm-" + std::to_string(sms.id), ""};
  };
  retry_.max_attempts = 20;
  retry_.base_delay = milliseconds{1};
  retry_.max_delay = milliseconds{5};
  options_.breaker_min_attempts = 20;
  make_dispatcher({{carrier("primary", 1), &primary}});
  std::vector<store::NewMessage> batch(300, message());
  auto ids = enqueue(batch);
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return all_have(ids, Status::sent); }, milliseconds{30'000}));
  EXPECT_EQ(metrics_.breaker_opened.value({"primary"}), 0);
  EXPECT_GT(metrics_.sends.value({"primary", "transient"}), 50);
}

TEST_F(DispatcherTest, ACarrierFailingEverythingIsTakenOutQuicklyAndOnlyProbed) {
  ScriptedAdapter primary(io_);
  primary.script = [](const adapters::Submission&, int) {
    return fail_with(carrier_errc::server_error, "http 503");
  };
  retry_.max_attempts = 1000;
  retry_.base_delay = milliseconds{1};
  retry_.max_delay = milliseconds{2};
  options_.breaker_min_attempts = 20;
  options_.breaker_open_min = milliseconds{200};
  options_.breaker_open_max = milliseconds{800};
  // The test moves time itself: retries come due and breakers time out only when it says so.
  make_dispatcher({{carrier("primary", 1), &primary}}, manual_.clock());
  std::vector<store::NewMessage> batch(200, message("+8613800138000", 1, Priority::urgent));
  for (auto& m : batch) m.send_at = manual_.wall();
  auto ids = enqueue(batch);
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return metrics_.breaker_opened.value({"primary"}) >= 1; }));
  drain();
  // Opened by the first wave of failures: no message was tried twice to get there.
  ASSERT_EQ(primary.sent.size(), ids.size());
  for (auto id : ids) EXPECT_EQ(primary.sends_of(id), 1u);

  // While open only probes go out: one per open period, which doubles (200, 400, 800, 800 ms).
  // Just short of each period's end nothing goes, however the dispatcher is woken; at its end
  // one probe goes, fails, and opens the breaker again.
  std::size_t sent = primary.sent.size();
  for (const milliseconds open : {milliseconds{200}, milliseconds{400}, milliseconds{800},
                                  milliseconds{800}}) {
    // The retries are due by now, and no carrier can take them: the dispatcher must sleep
    // until the breaker's retry time, not spin on the due time (drain() would never end).
    manual_.advance(open - milliseconds{1});
    dispatcher_->notify(manual_.wall());
    EXPECT_LT(drain(), 50u);
    EXPECT_EQ(primary.sent.size(), sent) << "a send while the breaker was open (" << open.count()
                                         << " ms period)";
    manual_.advance(milliseconds{1});
    dispatcher_->notify(manual_.wall());
    ASSERT_TRUE(run_until([&] { return primary.sent.size() > sent; }))
        << "no probe after the " << open.count() << " ms period";
    drain();
    EXPECT_EQ(primary.sent.size(), sent + 1) << "more than one probe (" << open.count()
                                             << " ms period)";
    sent = primary.sent.size();
    EXPECT_EQ(dispatcher_->carrier_status()[0].breaker, "open");
  }
}

TEST_F(DispatcherTest, ASendSlowerThanItsLeaseIsNeverSentTwice) {
  // The adapter holds each send longer than the lease. The lease is renewed while the send is
  // in flight, and the dispatcher's own claims never take its messages back, so the message
  // goes to the carrier once.
  ScriptedAdapter primary(io_);
  primary.hang = true;
  options_.lease = milliseconds{300};
  // The wall clock (leases) moves only when the test moves it; the steady clock stands still,
  // so no safety tick claims behind the test's back.
  make_dispatcher({{carrier("primary", 1), &primary}}, manual_.clock());
  auto m = message();
  m.send_at = manual_.wall();
  auto ids = enqueue({m});
  dispatcher_->start();
  ASSERT_TRUE(run_until([&] { return primary.parked.size() == 1; }));
  for (int step = 0; step < 4; ++step) {
    // Past the lease as last renewed: the store would hand the message to any claim but its
    // owner's. The dispatcher's own claim, made now, must leave it alone.
    manual_.advance_wall(milliseconds{400});
    const UnixMs wall = manual_.wall();
    dispatcher_->notify(wall);
    drain();
    EXPECT_EQ(primary.sends_of(ids[0]), 1u) << "step " << step;
    // And the lease is renewed on the dispatcher's clock, so other processes cannot either.
    ASSERT_TRUE(run_until([&] { return lease_until(ids[0]) >= wall + 300; })) << "step " << step;
  }
  EXPECT_EQ(status_of(ids[0]), Status::sending);
  for (auto& done : primary.parked) {
    asio::post(io_, [done = std::move(done)] { done(Outcome{{}, "slow-1", ""}); });
  }
  primary.parked.clear();
  ASSERT_TRUE(run_until([&] { return status_of(ids[0]) == Status::sent; }));
  EXPECT_EQ(primary.sends_of(ids[0]), 1u);
  EXPECT_EQ(store_->get_message(ids[0])->carrier_message_id, "slow-1");
}

TEST_F(DispatcherTest, AMessageCenturiesAheadDoesNotSpinTheLoop) {
  ScriptedAdapter primary(io_);
  make_dispatcher({{carrier("primary", 1), &primary}});
  auto far = message();
  far.send_at = 13'569'465'600'000;  // 2400-01-01: steady_clock nanoseconds would overflow
  enqueue({far});
  dispatcher_->start();
  dispatcher_->notify(far.send_at);
  // A loop whose timer overflowed into the past is always ready to run: it never goes idle,
  // and drain() fails on its limit. One that sleeps until a sane wake-up goes idle at once.
  const std::size_t handlers = drain();
  EXPECT_LT(handlers, 50u);
  EXPECT_TRUE(primary.sent.empty());
  // Still alive: work due now goes out.
  auto now_ids = enqueue({message()});
  dispatcher_->notify(now_ms());
  ASSERT_TRUE(run_until([&] { return status_of(now_ids[0]) == Status::sent; }));
  EXPECT_EQ(primary.sent.size(), 1u);
}

}  // namespace
}  // namespace smsgw::dispatch

