// GET /v1/dashboard over real HTTP: a real Store with messages in every status, today, earlier
// this week and last week; schedules of each kind; a pending approval; carriers as the
// dispatcher reports them; the calendar built into smsgwd, on a fixed day in December.

#include <gtest/gtest.h>

#include "calendar/calendar.hpp"
#include "common/time.hpp"
#include "store/store.hpp"
#include "support/console_fixture.hpp"

namespace smsgw::api {
namespace {

using namespace testing_console;
using json = nlohmann::json;
using Reply = testing::ApiReply;
using Client = testing::ApiClient;

// Thursday 10 December 2026, 10:00 in Asia/Shanghai: the week began on Monday the 7th, and
// 2027 has no official calendar yet (smsgwd ships 2024 to 2026) with 1 January 22 days away.
const UnixMs kNow = *parse_rfc3339("2026-12-10T10:00:00+08:00");
constexpr std::int64_t kOwner = 7;

UnixMs at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

class DashboardApiTest : public ConsoleApiTest {
 protected:
  void SetUp() override {
    clock_.advance_wall(std::chrono::milliseconds(kNow - clock_.wall()));
    start_with(
        [](config::Config& cfg) {
          config::CarrierConfig primary;
          primary.name = "primary";
          primary.type = "http";
          config::CarrierConfig backup;
          backup.name = "backup";
          backup.type = "smpp";
          backup.priority = 2;
          cfg.carriers = {primary, backup};
        },
        [](Dependencies& deps) {
          deps.carrier_status = [] {
            return std::vector<dispatch::CarrierStatus>{{"primary", 1, true, "closed", 2},
                                                        {"backup", 2, false, "open", 0}};
          };
          auto cal = std::make_shared<const calendar::Calendar>(calendar::Calendar::builtin());
          deps.calendar = [cal] { return cal; };
        });
  }

  // A batch of `n` messages accepted at `created_at`; their ids.
  std::vector<std::int64_t> enqueue(UnixMs created_at, int n, UnixMs send_at = 0) {
    store::NewBatch b;
    b.id = store_->allocate_batch_id();
    b.source = "api:oa";
    b.created_at = created_at;
    const std::int64_t first = store_->allocate_message_ids(n);
    std::vector<std::int64_t> ids;
    for (int i = 0; i < n; ++i) {
      store::NewMessage m;
      m.id = first + i;
      m.to = "+86139" + std::to_string(10000000 + m.id);
      m.text = "明天上午九点开会。";
      m.send_at = send_at;
      b.messages.push_back(m);
      ids.push_back(m.id);
    }
    std::promise<std::error_code> p;
    store_->async_enqueue(std::move(b), std::nullopt, {},
                          [&p](std::error_code ec, store::EnqueueResult) { p.set_value(ec); });
    EXPECT_FALSE(p.get_future().get());
    return ids;
  }

  std::size_t claim(int limit) {
    std::promise<std::size_t> p;
    store_->async_claim(kNow, kNow + 60'000, limit, kOwner,
                        [&p](std::error_code, std::vector<store::ClaimedMessage> m) { p.set_value(m.size()); });
    return p.get_future().get();
  }

  void record(std::int64_t id, store::AttemptResult::Next next) {
    store::AttemptResult r;
    r.id = id;
    r.owner = kOwner;
    r.next = next;
    r.at = kNow;
    if (next != store::AttemptResult::Next::expired) r.carrier = "primary";
    if (next == store::AttemptResult::Next::sent) r.carrier_message_ids = {"cm-" + std::to_string(id)};
    r.outcome = next == store::AttemptResult::Next::sent ? "sent" : "permanent";
    if (next != store::AttemptResult::Next::sent) r.error = "refused";
    std::promise<std::error_code> p;
    store_->async_record({r}, [&p](std::error_code ec) { p.set_value(ec); });
    EXPECT_FALSE(p.get_future().get());
  }

  void deliver(std::int64_t id) {
    record(id, store::AttemptResult::Next::sent);
    store::DeliveryReport r;
    r.carrier = "primary";
    r.carrier_message_id = "cm-" + std::to_string(id);
    r.at = kNow;
    std::promise<store::ReportResult> p;
    store_->async_delivery_report(r, [&p](std::error_code, store::ReportResult res) { p.set_value(res); });
    EXPECT_EQ(p.get_future().get(), store::ReportResult::applied);
  }

  void cancel(std::int64_t id) {
    std::promise<store::CancelResult> p;
    store_->async_cancel(id, [&p](std::error_code, store::CancelResult r) { p.set_value(r); });
    EXPECT_EQ(p.get_future().get(), store::CancelResult::cancelled);
  }

  void schedule(Client& c, const std::string& name, const std::string& when, bool enabled = true) {
    json spec = {{"name", name}, {"when", when}, {"groups", {"deputies"}}, {"template", "notice"}, {"enabled", enabled}};
    Reply r = c.request("POST", "/v1/schedules", "admin-secret", spec.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }
};

TEST_F(DashboardApiTest, OneCallGivesTodayTheWeekTheQueueCarriersFiringsApprovalsAndWarnings) {
  using Next = store::AttemptResult::Next;
  // Last week (Sunday 23:00) does not count; this week's Tuesday and today do.
  const auto last_week = enqueue(at("2026-12-06T23:00:00+08:00"), 2);
  const auto tuesday = enqueue(at("2026-12-08T10:00:00+08:00"), 3);
  const auto today = enqueue(at("2026-12-10T08:00:00+08:00"), 6);
  enqueue(at("2026-12-10T09:30:00+08:00"), 1);                                    // waiting, due
  enqueue(at("2026-12-10T09:30:00+08:00"), 1, at("2026-12-11T09:00:00+08:00"));  // not due yet
  cancel(today[4]);
  ASSERT_EQ(claim(10), 10u);  // all but the two of 09:30: today[5] stays sending
  for (auto id : last_week) deliver(id);
  deliver(tuesday[0]);
  record(tuesday[1], Next::failed);
  record(tuesday[2], Next::expired);
  deliver(today[0]);
  deliver(today[1]);
  record(today[2], Next::failed);
  record(today[3], Next::sent);

  Client c(port_);
  ASSERT_EQ(c.request("POST", "/v1/groups", "admin-secret", R"({"name":"deputies"})").status, 201);
  ASSERT_EQ(c.request("POST", "/v1/templates", "admin-secret", R"({"name":"notice","body":"请按时参会。"})").status, 201);
  schedule(c, "daily", "cron 30 10 * * *");
  schedule(c, "once", "at 2026-12-11 08:00");
  schedule(c, "spring", "1 workday before spring_festival at 09:00");
  schedule(c, "paused", "cron 45 10 * * *", false);
  Session li = sign_in(c, "li.admin");
  // A person switching it on files a request; it stays off, so it has no firings.
  ASSERT_EQ(c.request("PATCH", "/v1/schedules/paused", "", R"({"enabled":true})", li.headers()).status, 202);

  Reply r = c.request("GET", "/v1/dashboard", "", "", sign_in(c, "zhao.view").headers(false));
  ASSERT_EQ(r.status, 200) << r.body;
  const json d = r.doc();
  EXPECT_EQ(d["generated_at"], "2026-12-10T02:00:00Z");

  const json& t = d["today"];
  EXPECT_EQ(t["since"], "2026-12-09T16:00:00Z");
  EXPECT_EQ(t["messages"], 8);
  EXPECT_EQ(t["by_status"], (json{{"queued", 2}, {"sending", 1}, {"sent", 1}, {"delivered", 2},
                                  {"failed", 1}, {"expired", 0}, {"cancelled", 1}}));
  EXPECT_EQ(t["delivered"], 2);
  EXPECT_EQ(t["failed"], 1);
  EXPECT_NEAR(t["delivery_rate"].get<double>(), 2.0 / 3.0, 1e-9);  // the sent one has no outcome yet

  const json& w = d["week"];
  EXPECT_EQ(w["since"], "2026-12-06T16:00:00Z");  // Monday 00:00 in Beijing
  EXPECT_EQ(w["messages"], 11);
  EXPECT_EQ(w["delivered"], 3);
  EXPECT_EQ(w["failed"], 2);
  EXPECT_EQ(w["by_status"]["expired"], 1);
  EXPECT_NEAR(w["delivery_rate"].get<double>(), 0.5, 1e-9);  // 3 of 3 + 2 failed + 1 expired

  EXPECT_EQ(d["queue"], (json{{"queued", 3},
                              {"sending", 1},
                              {"not_due", 1},
                              {"oldest_queued_at", "2026-12-10T01:30:00Z"},
                              {"oldest_queued_age_seconds", 1800}}));

  ASSERT_EQ(d["carriers"].size(), 2u);
  EXPECT_EQ(d["carriers"][0], (json{{"name", "primary"}, {"type", "http"}, {"priority", 1}, {"up", true},
                                    {"breaker", "closed"}, {"in_flight", 2}}));
  EXPECT_EQ(d["carriers"][1]["type"], "smpp");
  EXPECT_EQ(d["carriers"][1]["up"], false);

  const json& next = d["next_firings"];
  ASSERT_EQ(next.size(), 5u) << next;
  std::vector<std::string> order;
  for (const auto& f : next) order.push_back(f["schedule"].get<std::string>() + " " + f["at"].get<std::string>());
  EXPECT_EQ(order, (std::vector<std::string>{"daily 2026-12-10T10:30:00+08:00", "once 2026-12-11T08:00:00+08:00",
                                             "daily 2026-12-11T10:30:00+08:00", "daily 2026-12-12T10:30:00+08:00",
                                             "daily 2026-12-13T10:30:00+08:00"}));
  EXPECT_EQ(next[0]["id"], std::to_string(store_->find_schedule("daily")->id));
  EXPECT_EQ(next[0]["occurrence"], "cron:2026-12-10T10:30");
  EXPECT_FALSE(next[0].contains("holiday"));

  EXPECT_EQ(d["pending_approvals"], 1);

  const json& warnings = d["calendar_warnings"];
  ASSERT_EQ(warnings.size(), 2u) << warnings;
  EXPECT_EQ(warnings[0]["code"], "no_official_calendar");
  EXPECT_EQ(warnings[0]["year"], 2027);
  EXPECT_NE(warnings[0]["message"].get<std::string>().find("2027"), std::string::npos);
  EXPECT_EQ(warnings[1]["code"], "estimated_holiday");
  EXPECT_EQ(warnings[1]["year"], 2027);
  ASSERT_EQ(warnings[1]["firings"].size(), 1u);
  const json& spring = warnings[1]["firings"][0];
  EXPECT_EQ(spring["schedule"], "spring");
  EXPECT_TRUE(spring["at"].get<std::string>().starts_with("2027-0")) << spring;
  EXPECT_EQ(spring["holiday"]["name"], "春节");
  EXPECT_EQ(spring["holiday"]["estimated"], true);
}

TEST_F(DashboardApiTest, TokensAndEveryRoleMayReadItAndNobodyElse) {
  Client c(port_);
  EXPECT_EQ(c.request("GET", "/v1/dashboard", "admin-secret").status, 200);
  EXPECT_EQ(c.request("GET", "/v1/dashboard", "").status, 401);
  EXPECT_EQ(c.request("GET", "/v1/dashboard", "send-secret").status, 403);  // a send-only token
  for (const char* name : {"li.admin", "wang.send", "zhao.view"}) {
    EXPECT_EQ(c.request("GET", "/v1/dashboard", "", "", sign_in(c, name).headers(false)).status, 200) << name;
  }
}

TEST_F(DashboardApiTest, WithNothingSentTheRatesAndTheQueueAgeAreNull) {
  Client c(port_);
  Reply r = c.request("GET", "/v1/dashboard", "admin-secret");
  ASSERT_EQ(r.status, 200) << r.body;
  const json d = r.doc();
  for (const char* period : {"today", "week"}) {
    EXPECT_EQ(d[period]["messages"], 0) << period;
    EXPECT_TRUE(d[period]["delivery_rate"].is_null()) << period;
  }
  EXPECT_EQ(d["queue"]["queued"], 0);
  EXPECT_TRUE(d["queue"]["oldest_queued_at"].is_null());
  EXPECT_TRUE(d["queue"]["oldest_queued_age_seconds"].is_null());
  EXPECT_EQ(d["next_firings"], json::array());
  EXPECT_EQ(d["pending_approvals"], 0);
  // Only next year's notice is missing: 2026, the current year, is official.
  ASSERT_EQ(d["calendar_warnings"].size(), 1u);
  EXPECT_EQ(d["calendar_warnings"][0]["year"], 2027);
  EXPECT_FALSE(d["calendar_warnings"][0].contains("firings"));
}

TEST_F(DashboardApiTest, MessagesOnlyScheduledForLaterDoNotAgeTheQueue) {
  enqueue(kNow - 60'000, 2, kNow + 3'600'000);
  Client c(port_);
  const json q = c.request("GET", "/v1/dashboard", "admin-secret").doc()["queue"];
  EXPECT_EQ(q["queued"], 2);
  EXPECT_EQ(q["not_due"], 2);
  EXPECT_TRUE(q["oldest_queued_at"].is_null()) << q;
}

}  // namespace
}  // namespace smsgw::api
