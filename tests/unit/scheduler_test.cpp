// The Scheduler over a real store with an injected clock: on-time firing with the holiday
// variables, catch-up and missed decisions at start-up, failures recorded, and exactly once
// when passes overlap or the process restarts.

#include "schedule/scheduler.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>

#include "support/run_until.hpp"

namespace smsgw::schedule {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using smsgw::testing::run_until;

TEST(Decide, OnTimeLateCaughtUpAndMissed) {
  const std::chrono::milliseconds six_hours{6 * 3600'000};
  const UnixMs at = 1'000'000'000'000;
  EXPECT_EQ(decide(at, at, six_hours, false), Decision::fire);
  EXPECT_EQ(decide(at, at + 59'000, six_hours, false), Decision::fire);
  EXPECT_EQ(decide(at, at + 61'000, six_hours, false), Decision::catch_up);
  EXPECT_EQ(decide(at, at + 6 * 3600'000, six_hours, false), Decision::catch_up);
  EXPECT_EQ(decide(at, at + 6 * 3600'000 + 1, six_hours, false), Decision::miss);
  // At start-up every overdue occurrence is either caught up or missed, never "on time".
  EXPECT_EQ(decide(at, at + 1, six_hours, true), Decision::catch_up);
  EXPECT_EQ(decide(at, at + 7 * 3600'000, six_hours, true), Decision::miss);
  EXPECT_EQ(decide(at, at + 1, std::chrono::milliseconds(0), true), Decision::miss);
}

// 2026 as the State Council published it (enough for Spring Festival).
calendar::YearCalendar official_2026() {
  calendar::YearCalendar y;
  y.year = 2026;
  y.official = true;
  auto d = [](int m, int day) { return calendar::Date{2026, m, day}; };
  y.holidays.push_back({"元旦", {"new_year"}, d(1, 1), d(1, 3), 3, false});
  y.holidays.push_back({"春节", {"spring_festival"}, d(2, 15), d(2, 23), 9, false});
  y.holidays.push_back({"清明节", {"qingming"}, d(4, 4), d(4, 6), 3, false});
  y.holidays.push_back({"劳动节", {"labour_day"}, d(5, 1), d(5, 5), 5, false});
  y.holidays.push_back({"端午节", {"dragon_boat"}, d(6, 19), d(6, 21), 3, false});
  y.holidays.push_back({"中秋节", {"mid_autumn"}, d(9, 25), d(9, 27), 3, false});
  y.holidays.push_back({"国庆节", {"national_day"}, d(10, 1), d(10, 7), 7, false});
  y.makeup_workdays = {d(1, 4), d(2, 14), d(2, 28), d(5, 9), d(9, 20), d(10, 10)};
  return y;
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "smsgw-sched-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    open_store();
    tz_ = *TimeZone::load("Asia/Shanghai");
    calendar_ = std::make_shared<const calendar::Calendar>(
        std::vector<calendar::YearCalendar>{official_2026()});

    store::TemplateRow t;
    t.name = "reminder";
    t.body = "{{name}}同志：{{holiday.name}}（{{holiday.start}}至{{holiday.end}}，{{holiday.days}}天）";
    t.params = {"holiday.name", "holiday.start", "holiday.end", "holiday.days"};
    wait([&](auto done) {
      store_->async_put_template(t, true, [done](std::error_code ec, store::WriteResult) { done(ec); });
    });
    std::vector<store::RecipientUpsert> people(2);
    people[0].name = "张伟";
    people[0].phone = "+8613800138001";
    people[0].groups = std::vector<std::string>{"cadres"};
    people[1].name = "王芳";
    people[1].phone = "+8613800138002";
    people[1].groups = std::vector<std::string>{"cadres"};
    wait([&](auto done) {
      store_->async_upsert_recipients(people,
                                      [done](std::error_code ec, store::UpsertCounts) { done(ec); });
    });
  }
  void TearDown() override {
    scheduler_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  void open_store() {
    store_.reset();
    store_ = store::Store::open({.path = (dir_ / "smsgw.db").string()});
  }

  template <class Fn>
  void wait(Fn submit) {
    std::promise<std::error_code> p;
    submit([&p](std::error_code ec) { p.set_value(ec); });
    ASSERT_FALSE(p.get_future().get());
  }

  UnixMs local(int y, int mo, int d, int h, int mi, int s = 0) const {
    return tz_.from_local(y, mo, d, h, mi, s);
  }

  std::int64_t add_schedule(const std::string& when, const std::string& tmpl, UnixMs updated_at,
                            const std::string& name = "reminder",
                            const std::string& expires = "holiday_end") {
    json doc = {{"name", name}, {"when", when}, {"groups", {"cadres"}}, {"template", tmpl},
                {"expires", expires}};
    std::vector<FieldError> errors;
    auto spec = parse_spec(doc, tz_, errors);
    if (!spec) {
      ADD_FAILURE() << (errors.empty() ? "" : errors[0].field + ": " + errors[0].message);
      return 0;
    }
    store::ScheduleRow row;
    row.name = name;
    row.spec_json = to_json(*spec, tz_).dump();
    row.enabled = true;
    row.source = "test";
    row.created_at = row.updated_at = updated_at;
    std::promise<std::int64_t> id;
    store_->async_create_schedule(row, [&id](std::error_code, store::WriteResult, std::int64_t i) {
      id.set_value(i);
    });
    return id.get_future().get();
  }

  void make_scheduler(std::chrono::milliseconds catch_up = std::chrono::hours(6)) {
    scheduler_.reset();
    SchedulerOptions options;
    options.tz = tz_;
    options.catch_up = catch_up;
    options.sms.quiet_hours = {};
    scheduler_ = std::make_unique<Scheduler>(
        io_, options,
        SchedulerDeps{.store = *store_,
                      .metrics = metrics_,
                      .clock = Clock{.wall = [this] { return now_.load(); }},
                      .calendar = [this] { return calendar_; },
                      .on_enqueued = [this](UnixMs) { ++enqueued_; }});
  }

  // Everything the scheduler has in hand, done: its store writes committed and answered, the
  // handlers they posted run (its timer is not waited for). Only then may a test say that
  // something did not happen.
  void drain() { ASSERT_TRUE(smsgw::testing::drain(io_, [this] { store_->flush(); }).has_value()); }

  std::vector<store::ScheduleRun> runs(std::int64_t id) {
    return store_->list_runs(id, 100, std::nullopt).runs;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  TimeZone tz_ = TimeZone::utc();
  std::shared_ptr<const calendar::Calendar> calendar_;
  boost::asio::io_context io_;
  Metrics metrics_;
  std::atomic<UnixMs> now_{0};
  std::atomic<int> enqueued_{0};
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, FiresOnTheMakeupSaturdayWithTheHolidayVariables) {
  const UnixMs fire_at = local(2026, 2, 14, 9, 0);
  now_ = fire_at - 150;  // the timer sleeps 150 ms of real time
  const auto id = add_schedule("1 workday before spring_festival at 09:00", "reminder", now_);
  make_scheduler();
  scheduler_->start();
  now_ = fire_at + 10;  // the timer wakes on the real clock; the test clock has moved on
  ASSERT_TRUE(run_until(io_, [&] { return enqueued_ > 0; }, std::chrono::seconds(5)));
  store_->flush();

  auto r = runs(id);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].outcome, store::RunOutcome::fired);
  EXPECT_FALSE(r[0].caught_up);
  EXPECT_EQ(r[0].occurrence, "holiday:2026-02-15");
  EXPECT_EQ(r[0].due_at, fire_at);
  EXPECT_EQ(r[0].count, 2);
  ASSERT_TRUE(r[0].batch_id);
  auto batch = store_->get_batch(*r[0].batch_id);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->source, "schedule:reminder");
  store::MessageFilter filter;
  filter.batch_id = *r[0].batch_id;
  auto page = store_->list_messages(filter);
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_THAT(page.messages[0].text, HasSubstr("春节（2026-02-15至2026-02-23，9天）"));
  // Reminders expire when the holiday ends: local midnight after its last day.
  ASSERT_TRUE(page.messages[0].expires_at);
  EXPECT_EQ(*page.messages[0].expires_at, local(2026, 2, 24, 0, 0));
  EXPECT_EQ(metrics_.schedule_runs.value({"fired"}), 1);
}

TEST_F(SchedulerTest, AFiringOfAScheduleAskingForRepliesCountsThemWithinItsWindow) {
  const UnixMs fire_at = local(2026, 3, 2, 9, 0);
  now_ = fire_at - 150;
  json doc = {{"name", "meeting"}, {"when", "at 2026-03-02 09:00"}, {"groups", {"cadres"}},
              {"template", "reminder"}, {"params", {{"holiday.name", "x"}, {"holiday.start", "x"},
                                                    {"holiday.end", "x"}, {"holiday.days", "x"}}},
              {"confirm", {{"yes", {"1"}}, {"no", {"2"}}, {"within", "48h"}}}};
  std::vector<FieldError> errors;
  auto spec = parse_spec(doc, tz_, errors);
  ASSERT_TRUE(spec) << (errors.empty() ? "" : errors[0].field + ": " + errors[0].message);
  store::ScheduleRow row;
  row.name = "meeting";
  row.spec_json = to_json(*spec, tz_).dump();
  row.enabled = true;
  row.source = "test";
  row.created_at = row.updated_at = now_;
  std::promise<std::int64_t> id;
  store_->async_create_schedule(row, [&id](std::error_code, store::WriteResult, std::int64_t i) { id.set_value(i); });
  const auto schedule = id.get_future().get();
  make_scheduler();
  scheduler_->start();
  now_ = fire_at + 10;
  ASSERT_TRUE(run_until(io_, [&] { return enqueued_ > 0; }, std::chrono::seconds(5)));
  store_->flush();
  auto r = runs(schedule);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].batch_id);
  auto batch = store_->get_batch(*r[0].batch_id);
  ASSERT_TRUE(batch && batch->confirm);
  EXPECT_THAT(batch->confirm->yes, ElementsAre("1"));
  EXPECT_GE(batch->confirm->until, fire_at + 48LL * 3600'000);
  EXPECT_LE(batch->confirm->until, fire_at + 48LL * 3600'000 + 60'000);
  EXPECT_EQ(batch->confirmations["no_reply"], 2);
}

TEST_F(SchedulerTest, OverlappingPassesAndARestartNeverSendTwice) {
  const UnixMs fire_at = local(2026, 2, 14, 9, 0);
  const auto id = add_schedule("1 workday before spring_festival at 09:00", "reminder",
                               fire_at - 3600'000);
  now_ = fire_at + 1000;
  make_scheduler();
  scheduler_->start();
  scheduler_->reload();
  scheduler_->reload();
  drain();
  ASSERT_EQ(enqueued_, 1);

  // A new process whose start-up pass looks at the same window.
  make_scheduler();
  scheduler_->start();
  drain();
  EXPECT_EQ(enqueued_, 1);

  auto r = runs(id);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].count, 2);
  store::MessageFilter filter;
  filter.limit = 1000;
  EXPECT_EQ(store_->list_messages(filter).messages.size(), 2u);
}

TEST_F(SchedulerTest, StartUpCatchesUpWithinTheWindowAndRecordsOlderOnesAsMissed) {
  const auto catch_up_id = add_schedule("at 2026-03-02 09:00", "reminder",
                                        local(2026, 3, 1, 12, 0), "late", "2h");
  const auto missed_id = add_schedule("at 2026-03-02 02:00", "reminder",
                                      local(2026, 3, 1, 12, 0), "too-late", "none");
  now_ = local(2026, 3, 2, 10, 0);
  make_scheduler(std::chrono::hours(6));
  scheduler_->start();
  drain();

  auto late = runs(catch_up_id);
  ASSERT_EQ(late.size(), 1u);
  // An "at" schedule has no holiday, so the template's holiday variables are missing: nothing
  // can be sent, and the run says why.
  EXPECT_EQ(late[0].outcome, store::RunOutcome::failed);
  EXPECT_THAT(late[0].error, HasSubstr("holiday.name"));

  auto missed = runs(missed_id);
  ASSERT_EQ(missed.size(), 1u);
  EXPECT_EQ(missed[0].outcome, store::RunOutcome::missed);
  EXPECT_FALSE(missed[0].batch_id);
  EXPECT_EQ(metrics_.schedule_runs.value({"missed"}), 1);
  EXPECT_EQ(metrics_.schedule_runs.value({"failed"}), 1);
}

TEST_F(SchedulerTest, CaughtUpFiringIsMarked) {
  const auto id = add_schedule("1 workday before spring_festival at 09:00", "reminder",
                               local(2026, 2, 13, 12, 0));
  now_ = local(2026, 2, 14, 11, 0);  // two hours late: within catch_up
  make_scheduler(std::chrono::hours(6));
  scheduler_->start();
  ASSERT_TRUE(run_until(io_, [&] { return enqueued_ > 0; }, std::chrono::seconds(5)));
  store_->flush();
  auto r = runs(id);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].outcome, store::RunOutcome::fired);
  EXPECT_TRUE(r[0].caught_up);
  EXPECT_EQ(metrics_.schedule_runs.value({"caught_up"}), 1);
}

TEST_F(SchedulerTest, PausedSchedulesDoNotFireAndResumingDoesNotReplayThePause) {
  const UnixMs fire_at = local(2026, 2, 14, 9, 0);
  const auto id = add_schedule("1 workday before spring_festival at 09:00", "reminder",
                               fire_at - 3600'000);
  // The same schedule, never paused: the passes that skip the paused one fire this one, so
  // they did reach the occurrence.
  const auto control = add_schedule("1 workday before spring_festival at 09:00", "reminder",
                                    fire_at - 3600'000, "control");
  wait([&](auto done) {
    store_->async_set_schedule_enabled(id, false, [done](std::error_code ec, store::WriteResult) {
      done(ec);
    });
  });
  now_ = fire_at - 60'000;
  make_scheduler();
  scheduler_->start();
  now_ = fire_at + 60'000;
  scheduler_->reload();
  wait([&](auto done) {
    store_->async_set_schedule_enabled(id, true, [done](std::error_code ec, store::WriteResult) {
      done(ec);
    });
  });
  scheduler_->reload();
  drain();
  EXPECT_TRUE(runs(id).empty());
  ASSERT_EQ(runs(control).size(), 1u);
  EXPECT_EQ(runs(control)[0].outcome, store::RunOutcome::fired);
  EXPECT_EQ(enqueued_, 1);  // the control's batch only
}

}  // namespace
}  // namespace smsgw::schedule
