// The calendar and schedules over real HTTP: a real Store on a temp file, a real Server on
// 127.0.0.1:0, an injected clock and calendar, libcurl requests.

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "api/server.hpp"
#include "calendar/calendar.hpp"
#include "common/crypto.hpp"
#include "common/time.hpp"
#include "support/api_client.hpp"
#include "support/api_server.hpp"
#include "support/daemon_process.hpp"

namespace smsgw::api {
namespace {

using json = nlohmann::json;
using config::Scope;
using Reply = testing::ApiReply;
using Client = testing::ApiClient;

// 2026-01-10 12:00 in Asia/Shanghai: before the Spring Festival break of 2026.
const UnixMs kNow = *parse_rfc3339("2026-01-10T12:00:00+08:00");

calendar::Date d(int y, int m, int day) { return calendar::Date{y, m, day}; }

calendar::Holiday holiday(std::string name, std::vector<std::string> keys, calendar::Date start,
                          calendar::Date end) {
  calendar::Holiday h;
  h.name = std::move(name);
  h.keys = std::move(keys);
  h.start = start;
  h.end = end;
  h.days = static_cast<int>(calendar::to_days(end) - calendar::to_days(start) + 1);
  return h;
}

// The State Council notice for 2026 (reference §7.1), built here so the test does not depend on
// the data file format.
calendar::YearCalendar official_2026() {
  calendar::YearCalendar y;
  y.year = 2026;
  y.official = true;
  y.source = "https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm";
  y.holidays = {holiday("元旦", {"new_year"}, d(2026, 1, 1), d(2026, 1, 3)),
                holiday("春节", {"spring_festival"}, d(2026, 2, 15), d(2026, 2, 23)),
                holiday("清明节", {"qingming"}, d(2026, 4, 4), d(2026, 4, 6)),
                holiday("劳动节", {"labour_day"}, d(2026, 5, 1), d(2026, 5, 5)),
                holiday("端午节", {"dragon_boat"}, d(2026, 6, 19), d(2026, 6, 21)),
                holiday("中秋节", {"mid_autumn"}, d(2026, 9, 25), d(2026, 9, 27)),
                holiday("国庆节", {"national_day"}, d(2026, 10, 1), d(2026, 10, 7))};
  y.makeup_workdays = {d(2026, 1, 4),  d(2026, 2, 14), d(2026, 2, 28), d(2026, 5, 9),
                       d(2026, 9, 20), d(2026, 10, 10)};
  return y;
}

class SchedulesApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start(true); }

  void start(bool with_calendar) {
    dir_ = testing::make_temp_dir("smsgw-schedules-api-test");
    store_ = store::Store::open({dir_ + "/queue.db"});
    config_.api.listen = "127.0.0.1:0";
    config_.api.tokens = {
        {"viewer", sha256_hex("read-secret"), {Scope::read}, {}, 0},
        {"ops", sha256_hex("admin-secret"), {Scope::admin}, {}, 0},
    };
    config_.daemon.timezone = "Asia/Shanghai";
    Dependencies deps{*store_, metrics_, {}, {}, {}, [] { return kNow; }};
    if (with_calendar) {
      auto cal = std::make_shared<const calendar::Calendar>(
          std::vector<calendar::YearCalendar>{official_2026()});
      deps.calendar = [cal] { return cal; };
    }
    deps.on_schedules_changed = [this] { ++changed_; };
    server_ = std::make_unique<testing::ApiServer>(config_, std::move(deps));
    port_ = server_->port();
  }

  void TearDown() override {
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static std::set<std::string> fields(const Reply& r) { return testing::error_fields(r); }

  static std::string message_for(const Reply& r, const std::string& field) {
    json doc = r.doc();
    if (doc.is_object() && doc.contains("errors")) {
      for (const auto& e : doc["errors"]) {
        if (e.value("field", "") == field) return e.value("message", "");
      }
    }
    return "";
  }

  // A template and two groups the schedules can name.
  void directory(Client& c) {
    ASSERT_EQ(c.request("POST", "/v1/templates", "admin-secret",
                        json{{"name", "reminder"}, {"body", "节日将至，请严守纪律。"}}.dump())
                  .status,
              201);
    for (const char* g : {"cadres", "deputies"}) {
      ASSERT_EQ(c.request("POST", "/v1/groups", "admin-secret", json{{"name", g}}.dump()).status,
                201);
    }
  }

  static json reminder() {
    return {{"name", "spring-reminder"},
            {"description", "廉洁提醒"},
            {"when", "1 workday before spring_festival at 09:00"},
            {"groups", {"cadres"}},
            {"template", "reminder"},
            {"expires", "holiday_end"}};
  }

  std::string dir_;
  config::Config config_;
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<testing::ApiServer> server_;
  unsigned short port_ = 0;
  std::atomic<int> changed_{0};
};

// A 1 MiB body naming 100,000 groups: every unknown one is reported in one answer. This used
// to scan the error list and query the store once per group (quadratic, and 100,000 statements
// on the io thread); now fields in error are hashed and the groups looked up 256 per statement.
// The statements are counted; the time bound only has to catch the minutes it used to take.
TEST_F(SchedulesApiTest, AMegabyteOfGroupsIsCheckedInBatches) {
  Client c(port_);
  directory(c);
  json doc = reminder();
  json groups = {"cadres", "", 7, "deputies"};
  constexpr int kUnknown = 100'000;
  for (int i = 0; i < kUnknown; ++i) groups.push_back("g" + std::to_string(i));
  groups.push_back("cadres");
  doc["groups"] = groups;
  const std::string body = doc.dump();
  ASSERT_LT(body.size(), config_.limits.max_body_bytes);
  const auto reads_before = store_->stats().read_statements;
  const auto start = std::chrono::steady_clock::now();
  Reply r = c.request("POST", "/v1/schedules", "admin-secret", body);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const auto reads = store_->stats().read_statements - reads_before;
  ASSERT_EQ(r.status, 422) << r.body.substr(0, 500);
  const json errors = r.doc()["errors"];
  ASSERT_EQ(errors.size(), kUnknown + 2u);
  EXPECT_EQ(errors[0], (json{{"field", "groups[1]"}, {"message", "must not be empty"}}));
  EXPECT_EQ(errors[1], (json{{"field", "groups[2]"}, {"message", "must be a string"}}));
  EXPECT_EQ(errors[2], (json{{"field", "groups[4]"}, {"message", "no group named \"g0\""}}));
  EXPECT_EQ(errors.back(),
            (json{{"field", "groups[100003]"}, {"message", "no group named \"g99999\""}}));
  // The template, then the 100,002 distinct names 256 at a time (391).
  EXPECT_LE(reads, 1u + 391u) << "read statements";
  EXPECT_LT(elapsed, std::chrono::seconds(120));  // a hang guard: speed is bench/'s job
  std::printf("[timing] schedule naming 100,000 unknown groups (%zu bytes): %.0f ms, %llu reads\n",
              body.size(), std::chrono::duration<double, std::milli>(elapsed).count(),
              static_cast<unsigned long long>(reads));

  // The same groups over and over are one group each.
  json repeated = reminder();
  repeated["groups"] = json::array();
  for (int i = 0; i < 50'000; ++i)
    for (const char* g : {"cadres", "deputies"}) repeated["groups"].push_back(g);
  const std::string repeated_body = repeated.dump();
  ASSERT_LT(repeated_body.size(), config_.limits.max_body_bytes);
  Reply created = c.request("POST", "/v1/schedules", "admin-secret", repeated_body);
  ASSERT_EQ(created.status, 201) << created.body.substr(0, 500);
  EXPECT_EQ(created.doc()["groups"], json({"cadres", "deputies"}));
}

TEST_F(SchedulesApiTest, CalendarYearOfficialAndEstimated) {
  Client c(port_);
  Reply y = c.request("GET", "/v1/calendar/2026", "read-secret");
  ASSERT_EQ(y.status, 200) << y.body;
  json doc = y.doc();
  EXPECT_EQ(doc["year"], 2026);
  EXPECT_EQ(doc["official"], true);
  EXPECT_EQ(doc["source"], official_2026().source);
  ASSERT_EQ(doc["holidays"].size(), 7u) << y.body;
  const json& spring = doc["holidays"][1];
  EXPECT_EQ(spring["name"], "春节");
  EXPECT_EQ(spring["keys"], json({"spring_festival"}));
  EXPECT_EQ(spring["start"], "2026-02-15");
  EXPECT_EQ(spring["end"], "2026-02-23");
  EXPECT_EQ(spring["days"], 9);
  EXPECT_EQ(spring["estimated"], false);
  EXPECT_EQ(doc["makeup_workdays"][1], "2026-02-14");

  Reply est = c.request("GET", "/v1/calendar/2031", "read-secret");
  ASSERT_EQ(est.status, 200) << est.body;
  doc = est.doc();
  EXPECT_EQ(doc["official"], false);
  EXPECT_FALSE(doc.contains("source"));
  ASSERT_GE(doc["holidays"].size(), 6u) << est.body;
  for (const auto& h : doc["holidays"]) EXPECT_EQ(h["estimated"], true) << h.dump();

  EXPECT_EQ(c.request("GET", "/v1/calendar/1900", "read-secret").status, 404);
  EXPECT_EQ(c.request("GET", "/v1/calendar/2101", "read-secret").status, 404);
  Reply word = c.request("GET", "/v1/calendar/next", "read-secret");
  EXPECT_EQ(word.status, 404);
  EXPECT_EQ(word.header("content-type"), "application/problem+json");
  EXPECT_EQ(c.request("GET", "/v1/calendar/2026", "").status, 401);
  EXPECT_EQ(c.request("POST", "/v1/calendar/2026", "admin-secret", "{}").status, 405);
}

TEST_F(SchedulesApiTest, CalendarDays) {
  Client c(port_);
  Reply sat = c.request("GET", "/v1/calendar/day/2026-02-14", "read-secret");
  ASSERT_EQ(sat.status, 200) << sat.body;
  json doc = sat.doc();
  EXPECT_EQ(doc["date"], "2026-02-14");
  EXPECT_EQ(doc["weekday"], "Saturday");
  EXPECT_EQ(doc["workday"], true);
  EXPECT_EQ(doc["makeup_workday"], true);
  EXPECT_TRUE(doc["holiday"].is_null());
  EXPECT_EQ(doc["estimated"], false);
  EXPECT_EQ(doc["makeup_for"], "春节");

  Reply mon = c.request("GET", "/v1/calendar/day/2026-02-16", "read-secret");
  ASSERT_EQ(mon.status, 200) << mon.body;
  doc = mon.doc();
  EXPECT_EQ(doc["weekday"], "Monday");
  EXPECT_EQ(doc["workday"], false);
  EXPECT_EQ(doc["makeup_workday"], false);
  EXPECT_EQ(doc["holiday"]["name"], "春节");
  EXPECT_EQ(doc["holiday"]["days"], 9);

  Reply plain = c.request("GET", "/v1/calendar/day/2026-03-03", "read-secret");
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.doc()["workday"], true);
  EXPECT_EQ(plain.doc()["weekday"], "Tuesday");

  Reply bad = c.request("GET", "/v1/calendar/day/2026-02-30", "read-secret");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(fields(bad), std::set<std::string>{"date"});
  EXPECT_EQ(c.request("GET", "/v1/calendar/day/tomorrow", "read-secret").status, 422);
  EXPECT_EQ(c.request("GET", "/v1/calendar/day/2026-2-14", "read-secret").status, 422);
  EXPECT_EQ(c.request("GET", "/v1/calendar/day/1800-01-01", "read-secret").status, 404);
}

class SchedulesApiNoCalendarTest : public SchedulesApiTest {
 protected:
  void SetUp() override { start(false); }
};

TEST_F(SchedulesApiNoCalendarTest, EveryYearIsEstimated) {
  Client c(port_);
  Reply y = c.request("GET", "/v1/calendar/2026", "read-secret");
  ASSERT_EQ(y.status, 200) << y.body;
  const auto doc = y.doc();  // a range-for over a temporary's member would dangle
  EXPECT_EQ(doc["official"], false);
  ASSERT_FALSE(doc["holidays"].empty());
  for (const auto& h : doc["holidays"]) EXPECT_EQ(h["estimated"], true);
  Reply day = c.request("GET", "/v1/calendar/day/2026-02-17", "read-secret");
  ASSERT_EQ(day.status, 200);
  EXPECT_EQ(day.doc()["estimated"], true);
  EXPECT_EQ(day.doc()["workday"], false);  // 正月初一 is off in any layout
}

TEST_F(SchedulesApiTest, CreateListGetPutPatchDelete) {
  Client c(port_);
  directory(c);
  Reply created = c.request("POST", "/v1/schedules", "admin-secret", reminder().dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(changed_.load(), 1);
  json s = created.doc();
  const std::string id = s.value("id", "");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(created.header("location"), "/v1/schedules/" + id);
  EXPECT_EQ(s["name"], "spring-reminder");
  EXPECT_EQ(s["enabled"], true);
  EXPECT_EQ(s["source"], "api:ops");
  EXPECT_EQ(s["template"], "reminder");
  EXPECT_EQ(s["groups"], json({"cadres"}));
  EXPECT_EQ(s["next_at"], "2026-02-14T09:00:00+08:00");
  EXPECT_TRUE(s["last_run"].is_null());
  EXPECT_TRUE(s["created_at"].is_string());

  Reply list = c.request("GET", "/v1/schedules", "read-secret");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.doc()["schedules"].size(), 1u);
  EXPECT_EQ(list.doc()["schedules"][0]["id"], id);
  EXPECT_EQ(list.doc()["schedules"][0]["next_at"], "2026-02-14T09:00:00+08:00");

  // By id and by name.
  EXPECT_EQ(c.request("GET", "/v1/schedules/" + id, "read-secret").doc()["name"], "spring-reminder");
  EXPECT_EQ(c.request("GET", "/v1/schedules/spring-reminder", "read-secret").doc()["id"], id);
  EXPECT_EQ(c.request("GET", "/v1/schedules/nope", "read-secret").status, 404);
  EXPECT_EQ(c.request("GET", "/v1/schedules/999", "read-secret").status, 404);

  // Pause, then PUT without "enabled": stays paused.
  Reply paused = c.request("PATCH", "/v1/schedules/spring-reminder", "admin-secret",
                           json{{"enabled", false}}.dump());
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(paused.doc()["enabled"], false);
  EXPECT_TRUE(paused.doc()["next_at"].is_null());
  EXPECT_EQ(changed_.load(), 2);

  json replaced = reminder();
  replaced.erase("name");
  replaced["when"] = "first workday of every month at 09:30";
  replaced["groups"] = {"cadres", "deputies"};
  replaced.erase("expires");
  Reply put = c.request("PUT", "/v1/schedules/" + id, "admin-secret", replaced.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.doc()["name"], "spring-reminder");
  EXPECT_EQ(put.doc()["enabled"], false);
  EXPECT_EQ(put.doc()["groups"], json({"cadres", "deputies"}));
  EXPECT_EQ(changed_.load(), 3);

  // PUT accepts the served document back, read-only fields and all.
  json served = put.doc();
  served["description"] = "月度通报";
  Reply round_trip = c.request("PUT", "/v1/schedules/" + id, "admin-secret", served.dump());
  ASSERT_EQ(round_trip.status, 200) << round_trip.body;
  EXPECT_EQ(round_trip.doc()["description"], "月度通报");

  Reply resumed = c.request("PATCH", "/v1/schedules/" + id, "admin-secret",
                            json{{"enabled", true}}.dump());
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  // First workday of February 2026 is Monday the 2nd.
  EXPECT_EQ(resumed.doc()["next_at"], "2026-02-02T09:30:00+08:00");

  // PATCH with other fields merges them and validates the whole.
  Reply merged = c.request("PATCH", "/v1/schedules/" + id, "admin-secret",
                           json{{"description", "改"}}.dump());
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(merged.doc()["description"], "改");
  EXPECT_EQ(merged.doc()["groups"], json({"cadres", "deputies"}));
  Reply bad_patch = c.request("PATCH", "/v1/schedules/" + id, "admin-secret",
                              json{{"enabled", "yes"}}.dump());
  EXPECT_EQ(bad_patch.status, 422);
  EXPECT_EQ(fields(bad_patch), std::set<std::string>{"enabled"});

  const int before_delete = changed_.load();
  EXPECT_EQ(c.request("DELETE", "/v1/schedules/spring-reminder", "admin-secret").status, 204);
  EXPECT_EQ(changed_.load(), before_delete + 1);
  EXPECT_EQ(c.request("GET", "/v1/schedules/" + id, "read-secret").status, 404);
  EXPECT_EQ(c.request("DELETE", "/v1/schedules/" + id, "admin-secret").status, 404);
  EXPECT_EQ(c.request("GET", "/v1/schedules", "read-secret").doc()["schedules"].size(), 0u);
}

// A `when` line previewed before it is saved: the same firings as the saved schedule's.
TEST_F(SchedulesApiTest, PreviewOfAnUnsavedWhenLine) {
  Client c(port_);
  directory(c);
  ASSERT_EQ(c.request("POST", "/v1/schedules", "admin-secret", reminder().dump()).status, 201);
  const json saved = c.request("GET", "/v1/schedules/spring-reminder/next?count=3", "read-secret").doc();
  Reply preview = c.request("POST", "/v1/schedules/preview", "read-secret",
                            json{{"when", saved["when"]}, {"count", 3}}.dump());
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.doc()["when"], saved["when"]);
  EXPECT_EQ(preview.doc()["next"], saved["next"]);
  EXPECT_EQ(c.request("POST", "/v1/schedules/preview", "read-secret", json{{"when", "cron 0 9 * * 1"}}.dump())
                .doc()["next"].size(), 5u);

  Reply bad = c.request("POST", "/v1/schedules/preview", "read-secret", json{{"when", "every blue moon"}}.dump());
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.doc()["errors"][0]["field"], "when");
  EXPECT_EQ(c.request("POST", "/v1/schedules/preview", "read-secret", json{{"count", 3}}.dump()).status, 422);
  EXPECT_EQ(c.request("POST", "/v1/schedules/preview", "read-secret",
                      json{{"when", "cron 0 9 * * 1"}, {"count", 101}}.dump()).status, 422);
  EXPECT_EQ(c.request("POST", "/v1/schedules/preview", "read-secret",
                      json{{"when", "cron 0 9 * * 1"}, {"colour", "red"}}.dump()).status, 422);
  EXPECT_EQ(c.request("GET", "/v1/schedules", "read-secret").doc()["schedules"].size(), 1u) << "nothing saved";
}

TEST_F(SchedulesApiTest, NextFirings) {
  Client c(port_);
  directory(c);
  ASSERT_EQ(c.request("POST", "/v1/schedules", "admin-secret", reminder().dump()).status, 201);
  Reply next = c.request("GET", "/v1/schedules/spring-reminder/next?count=3", "read-secret");
  ASSERT_EQ(next.status, 200) << next.body;
  json doc = next.doc();
  EXPECT_EQ(doc["schedule"], "spring-reminder");
  ASSERT_EQ(doc["next"].size(), 3u) << next.body;
  EXPECT_EQ(doc["next"][0]["at"], "2026-02-14T09:00:00+08:00");
  EXPECT_EQ(doc["next"][0]["holiday"]["name"], "春节");
  EXPECT_EQ(doc["next"][0]["holiday"]["start"], "2026-02-15");
  EXPECT_FALSE(doc["next"][0]["occurrence"].get<std::string>().empty());
  // The following years come from the estimated layout.
  EXPECT_EQ(doc["next"][1]["holiday"]["estimated"], true);
  EXPECT_LT(doc["next"][0]["at"].get<std::string>(), doc["next"][1]["at"].get<std::string>());

  EXPECT_EQ(c.request("GET", "/v1/schedules/spring-reminder/next", "read-secret").doc()["next"].size(),
            5u);
  EXPECT_EQ(c.request("GET", "/v1/schedules/spring-reminder/next?count=0", "read-secret").status, 422);
  EXPECT_EQ(c.request("GET", "/v1/schedules/spring-reminder/next?count=101", "read-secret").status,
            422);
  EXPECT_EQ(c.request("GET", "/v1/schedules/spring-reminder/next?colour=red", "read-secret").status,
            422);
  EXPECT_EQ(c.request("GET", "/v1/schedules/nope/next", "read-secret").status, 404);
  EXPECT_EQ(c.request("GET", "/v1/schedules/spring-reminder/other", "read-secret").status, 404);
}

TEST_F(SchedulesApiTest, HistoryListsRecordedRunsNewestFirst) {
  Client c(port_);
  directory(c);
  Reply created = c.request("POST", "/v1/schedules", "admin-secret", reminder().dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::int64_t id = std::stoll(created.doc()["id"].get<std::string>());

  auto record = [&](std::string occurrence, store::RunOutcome outcome, UnixMs due,
                    std::optional<std::int64_t> batch) {
    store::ScheduleRun run;
    run.schedule_id = id;
    run.occurrence = std::move(occurrence);
    run.due_at = due;
    run.at = due + 1000;
    run.outcome = outcome;
    run.batch_id = batch;
    run.count = batch ? 3 : 0;
    if (outcome == store::RunOutcome::missed) run.error = "the daemon was down";
    std::promise<store::RecordRunResult> p;
    auto f = p.get_future();
    store_->async_record_run(run, std::nullopt,
                             [&p](std::error_code ec, store::RecordRunResult r) {
                               EXPECT_FALSE(ec) << ec.message();
                               p.set_value(r);
                             });
    return f.get();
  };
  const UnixMs due1 = *parse_rfc3339("2025-01-27T09:00:00+08:00");
  const UnixMs due2 = *parse_rfc3339("2026-02-14T09:00:00+08:00");
  EXPECT_EQ(record("holiday:2025-01-28", store::RunOutcome::missed, due1, std::nullopt),
            store::RecordRunResult::recorded);
  EXPECT_EQ(record("holiday:2026-02-15", store::RunOutcome::fired, due2, 42),
            store::RecordRunResult::recorded);

  Reply h = c.request("GET", "/v1/schedules/spring-reminder/history", "read-secret");
  ASSERT_EQ(h.status, 200) << h.body;
  json runs = h.doc()["runs"];
  ASSERT_EQ(runs.size(), 2u) << h.body;
  EXPECT_EQ(runs[0]["occurrence"], "holiday:2026-02-15");
  EXPECT_EQ(runs[0]["outcome"], "fired");
  EXPECT_EQ(runs[0]["batch_id"], "42");
  EXPECT_EQ(runs[0]["count"], 3);
  EXPECT_EQ(runs[0]["due_at"], "2026-02-14T09:00:00+08:00");
  EXPECT_EQ(runs[0]["caught_up"], false);
  EXPECT_TRUE(runs[0]["error"].is_null());
  EXPECT_EQ(runs[1]["outcome"], "missed");
  EXPECT_TRUE(runs[1]["batch_id"].is_null());
  EXPECT_EQ(runs[1]["error"], "the daemon was down");
  EXPECT_TRUE(h.doc()["next_cursor"].is_null());

  // Paging.
  Reply p1 = c.request("GET", "/v1/schedules/" + std::to_string(id) + "/history?limit=1", "read-secret");
  ASSERT_EQ(p1.status, 200) << p1.body;
  ASSERT_EQ(p1.doc()["runs"].size(), 1u);
  ASSERT_TRUE(p1.doc()["next_cursor"].is_string()) << p1.body;
  Reply p2 = c.request("GET", "/v1/schedules/" + std::to_string(id) + "/history?limit=1&cursor=" +
                                  p1.doc()["next_cursor"].get<std::string>(),
                       "read-secret");
  ASSERT_EQ(p2.status, 200) << p2.body;
  ASSERT_EQ(p2.doc()["runs"].size(), 1u);
  EXPECT_EQ(p2.doc()["runs"][0]["outcome"], "missed");

  // The schedule shows its last run.
  EXPECT_EQ(c.request("GET", "/v1/schedules/spring-reminder", "read-secret").doc()["last_run"]["batch_id"],
            "42");
  EXPECT_EQ(c.request("GET", "/v1/schedules/spring-reminder/history?limit=0", "read-secret").status,
            422);
}

TEST_F(SchedulesApiTest, ValidationErrors) {
  Client c(port_);
  directory(c);
  json bad_when = reminder();
  bad_when["when"] = "1 workday before spring at 09:00";
  Reply r = c.request("POST", "/v1/schedules", "admin-secret", bad_when.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields(r), std::set<std::string>{"when"});
  EXPECT_FALSE(message_for(r, "when").empty());

  json no_template = reminder();
  no_template["template"] = "missing";
  r = c.request("POST", "/v1/schedules", "admin-secret", no_template.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields(r), std::set<std::string>{"template"});

  json no_group = reminder();
  no_group["groups"] = {"cadres", "ghosts"};
  r = c.request("POST", "/v1/schedules", "admin-secret", no_group.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields(r), std::set<std::string>{"groups[1]"});
  EXPECT_NE(message_for(r, "groups[1]").find("ghosts"), std::string::npos);

  json no_targets = reminder();
  no_targets.erase("groups");
  r = c.request("POST", "/v1/schedules", "admin-secret", no_targets.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_FALSE(fields(r).empty());

  json past = reminder();
  past["when"] = "at 2025-12-01 09:00";
  past.erase("expires");
  r = c.request("POST", "/v1/schedules", "admin-secret", past.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields(r), std::set<std::string>{"when"});

  // Every mistake at once: the timing and the missing template and group.
  json several = reminder();
  several["when"] = "sometimes";
  several["template"] = "missing";
  several["groups"] = {"ghosts"};
  r = c.request("POST", "/v1/schedules", "admin-secret", several.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields(r), (std::set<std::string>{"when", "template", "groups[0]"})) << r.body;

  json with_id = reminder();
  with_id["id"] = "7";
  r = c.request("POST", "/v1/schedules", "admin-secret", with_id.dump());
  EXPECT_EQ(r.status, 422) << r.body;

  EXPECT_EQ(c.request("POST", "/v1/schedules", "admin-secret", "{not json").status, 400);
  EXPECT_EQ(c.request("POST", "/v1/schedules", "admin-secret", "[]").status, 422);
  EXPECT_EQ(c.request("GET", "/v1/schedules", "read-secret").doc()["schedules"].size(), 0u);
  EXPECT_EQ(changed_.load(), 0);

  // A PUT with a bad when changes nothing.
  ASSERT_EQ(c.request("POST", "/v1/schedules", "admin-secret", reminder().dump()).status, 201);
  const json before = c.request("GET", "/v1/schedules/spring-reminder", "read-secret").doc();
  json put = reminder();
  put["when"] = "cron 61 9 * * *";
  r = c.request("PUT", "/v1/schedules/spring-reminder", "admin-secret", put.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields(r), std::set<std::string>{"when"});
  EXPECT_EQ(c.request("GET", "/v1/schedules/spring-reminder", "read-secret").doc(), before);
}

TEST_F(SchedulesApiTest, ControlCharactersInDescriptionAndParamsAreRejected) {
  Client c(port_);
  directory(c);
  json bad = reminder();
  bad["description"] = "廉洁\x1b[2J提醒";
  bad["params"] = {{"x", std::string("a\0b", 3)}};
  Reply r = c.request("POST", "/v1/schedules", "admin-secret", bad.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields(r), (std::set<std::string>{"description", "params.x"})) << r.body;
  EXPECT_EQ(message_for(r, "description"),
            "must not contain control characters (found U+001B at character 3)");
  EXPECT_EQ(message_for(r, "params.x"),
            "must not contain control characters (found U+0000 at character 2)");

  // The same through PATCH of a stored schedule; the stored one is unchanged.
  ASSERT_EQ(c.request("POST", "/v1/schedules", "admin-secret", reminder().dump()).status, 201);
  const json before = c.request("GET", "/v1/schedules/spring-reminder", "read-secret").doc();
  r = c.request("PATCH", "/v1/schedules/spring-reminder", "admin-secret",
                json{{"description", "a\tb"}}.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields(r), std::set<std::string>{"description"});
  EXPECT_EQ(c.request("GET", "/v1/schedules/spring-reminder", "read-secret").doc(), before);
}

TEST_F(SchedulesApiTest, DuplicateNamesConflictAndScopesApply) {
  Client c(port_);
  directory(c);
  ASSERT_EQ(c.request("POST", "/v1/schedules", "admin-secret", reminder().dump()).status, 201);
  Reply dup = c.request("POST", "/v1/schedules", "admin-secret", reminder().dump());
  EXPECT_EQ(dup.status, 409) << dup.body;

  json other = reminder();
  other["name"] = "briefing";
  other["when"] = "first workday of every month at 09:30";
  other.erase("expires");
  Reply second = c.request("POST", "/v1/schedules", "admin-secret", other.dump());
  ASSERT_EQ(second.status, 201) << second.body;
  // Renaming onto a taken name.
  other["name"] = "spring-reminder";
  EXPECT_EQ(c.request("PUT", "/v1/schedules/briefing", "admin-secret", other.dump()).status, 409);
  EXPECT_EQ(changed_.load(), 2);

  Reply forbidden = c.request("POST", "/v1/schedules", "read-secret", reminder().dump());
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(c.request("PATCH", "/v1/schedules/briefing", "read-secret",
                      json{{"enabled", false}}.dump()).status, 403);
  EXPECT_EQ(c.request("DELETE", "/v1/schedules/briefing", "read-secret").status, 403);
  EXPECT_EQ(c.request("GET", "/v1/schedules", "").status, 401);
  EXPECT_EQ(c.request("POST", "/v1/schedules/briefing/next", "admin-secret", "{}").status, 405);
  EXPECT_EQ(changed_.load(), 2);
}

}  // namespace
}  // namespace smsgw::api
