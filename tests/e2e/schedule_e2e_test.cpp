// The real smsgwd with a shifted clock (--fake-now): a holiday schedule fires on the last
// workday before Spring Festival 2026 (Saturday 2026-02-14, a make-up workday) with the holiday
// variables filled in, and fires once and only once across a restart that lives through the
// same moment again.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.hpp"
#include "common/time.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"

namespace smsgw::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kToken = "schedule-e2e-token";

std::string make_config(unsigned short port,
                        const std::string& calendar_dir = SMSGW_SOURCE_DIR "/config/calendar") {
  const std::string src = SMSGW_SOURCE_DIR;
  return "[daemon]\n"
         "data_dir = \"data\"\n"
         "timezone = \"Asia/Shanghai\"\n"
         "log_level = \"debug\"\n"
         "shutdown_grace = \"2s\"\n"
         "templates_dir = \"" + src + "/templates\"\n"
         "calendar_dir = \"" + calendar_dir + "\"\n"
         "[api]\n"
         "listen = \"127.0.0.1:" + std::to_string(port) + "\"\n"
         "[[api.tokens]]\nname = \"admin\"\nsha256 = \"" + sha256_hex(kToken) + "\"\n"
         "scopes = [\"send\", \"read\", \"admin\"]\n"
         "[[carriers]]\nname = \"outbox\"\ntype = \"file\"\npath = \"outbox.jsonl\"\nrate = 1000\n"
         "[sms]\nsignature = \"【区纪委】\"\n"
         "[schedule]\ncatch_up = \"6h\"\n"
         "[[schedules]]\n"
         "name = \"sf-reminder\"\n"
         "when = \"1 workday before spring_festival at 09:00\"\n"
         "groups = [\"cadres\"]\n"
         "template = \"holiday-integrity-reminder\"\n"
         "expires = \"holiday_end\"\n";
}

std::vector<json> outbox_lines(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line, nullptr, false));
  }
  return out;
}

class ScheduleE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("smsgw-sched-e2e");
    port_ = free_loopback_port();
    daemon_ = std::make_unique<DaemonProcess>(SMSGWD_PATH, dir_, make_config(port_));
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void start_at(const std::string& fake_now) {
    daemon_->set_extra_args({"--fake-now", fake_now});
    ASSERT_TRUE(daemon_->start(base())) << daemon_->log();
  }

  void stop() {
    daemon_->signal(SIGTERM);
    const auto status = daemon_->wait_exit(15s);
    ASSERT_TRUE(status.has_value()) << daemon_->log();
    EXPECT_EQ(*status, 0) << daemon_->log();
  }

  json get(const std::string& path) {
    auto r = http_request("GET", base() + path, kToken);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  std::vector<json> wait_for_outbox(std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<json> lines;
    while (std::chrono::steady_clock::now() < deadline) {
      lines = outbox_lines(dir_ + "/outbox.jsonl");
      if (lines.size() >= n) return lines;
      std::this_thread::sleep_for(50ms);
    }
    return lines;
  }

  // Outbox lines whose text contains `part`.
  static std::size_t count_text(const std::vector<json>& lines, const std::string& part) {
    std::size_t n = 0;
    for (const auto& line : lines) n += line.value("text", "").find(part) != std::string::npos;
    return n;
  }

  // Polls the outbox until `n` lines contain `part`; returns all lines as last read.
  std::vector<json> wait_for_text(const std::string& part, std::size_t n,
                                  std::chrono::milliseconds timeout = 30s) {
    std::vector<json> lines;
    eventually([&] {
      lines = outbox_lines(dir_ + "/outbox.jsonl");
      return count_text(lines, part) >= n;
    }, timeout);
    return lines;
  }

  json post(const std::string& path, const json& body) {
    auto r = http_request("POST", base() + path, kToken, body.dump(),
                          {"Content-Type: application/json"});
    EXPECT_TRUE(r.status == 201 || r.status == 202) << path << ": " << r.status << " " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // Polls until `done` holds or `timeout` passes; the caller asserts on the result.
  template <typename Predicate>
  bool eventually(Predicate done, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }

  std::string metrics() { return http_request("GET", base() + "/metrics", kToken).body; }
  bool metric_is(const std::string& line) {
    return ("\n" + metrics()).find("\n" + line + "\n") != std::string::npos;
  }
  bool logged(const std::string& text) const { return daemon_->log().find(text) != std::string::npos; }

  void write_2027(const std::string& folder) {
    std::filesystem::create_directories(folder);
    std::ofstream(folder + "/2027.toml") << "year = 2027\n"
                                            "[[holidays]]\n"
                                            "name = \"春节\"\n"
                                            "festivals = [\"spring_festival\"]\n"
                                            "start = 2027-02-05\n"
                                            "end = 2027-02-13\n"
                                            "makeup_workdays = [2027-02-20]\n";
  }

  std::string dir_;
  unsigned short port_ = 0;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(ScheduleE2E, HolidayReminderFiresOnceAcrossARestart) {
  // Eight seconds before the firing, in the daemon's eyes.
  start_at("2026-02-14T08:59:52+08:00");
  for (const auto& [name, phone] :
       std::vector<std::pair<std::string, std::string>>{{"张伟", "13800138001"}, {"王芳", "13800138002"}}) {
    json body = {{"name", name}, {"phone", phone}, {"groups", {"cadres"}}};
    auto r = http_request("POST", base() + "/v1/recipients", kToken, body.dump(),
                          {"Content-Type: application/json"});
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // The next firing as the API reports it: the Saturday make-up workday.
  json next = get("/v1/schedules/sf-reminder/next?count=1");
  ASSERT_TRUE(next.contains("next")) << next.dump();
  ASSERT_FALSE(next["next"].empty()) << next.dump();
  EXPECT_EQ(next["next"][0]["at"], "2026-02-14T09:00:00+08:00") << next.dump();

  auto lines = wait_for_outbox(2, 30s);
  ASSERT_EQ(lines.size(), 2u) << daemon_->log();
  for (const auto& line : lines) {
    const std::string text = line.value("text", "");
    EXPECT_NE(text.find("春节假期（2026年2月15日至2026年2月23日）"), std::string::npos) << text;
    EXPECT_EQ(text.rfind("【区纪委】", 0), 0u) << text;
  }
  json history = get("/v1/schedules/sf-reminder/history");
  ASSERT_EQ(history["runs"].size(), 1u) << history.dump();
  EXPECT_EQ(history["runs"][0]["outcome"], "fired");
  EXPECT_EQ(history["runs"][0]["count"], 2);
  EXPECT_EQ(history["runs"][0]["occurrence"], "holiday:2026-02-15");
  const std::string batch_id = history["runs"][0]["batch_id"].is_string()
                                   ? history["runs"][0]["batch_id"].get<std::string>()
                                   : history["runs"][0]["batch_id"].dump();
  json batch = get("/v1/batches/" + batch_id);
  EXPECT_EQ(batch.value("count", 0), 2) << batch.dump();
  EXPECT_EQ(batch["source"], "schedule:sf-reminder");
  stop();

  // The same moment again (as after a clock step back, or a restart racing the firing): the
  // occurrence is in the store, so nothing is sent twice. A second schedule due at the same
  // 09:00 is the proof that the daemon lived through it: the scheduler handles both in one
  // pass, sf-reminder first (by id), and plans and commits firings in that order, and the
  // dispatcher sends in due order. Once the marker's run is recorded and its messages are in
  // the outbox, a second firing of sf-reminder would be too.
  start_at("2026-02-14T08:59:56+08:00");
  post("/v1/schedules", {{"name", "marker"},
                         {"when", "at 2026-02-14 09:00"},
                         {"groups", {"cadres"}},
                         {"template", "meeting-notice"},
                         {"params", {{"meeting", "标记会议"}, {"time", "9:30"}, {"place", "三楼"}}}});
  lines = wait_for_text("标记会议", 2);
  ASSERT_EQ(count_text(lines, "标记会议"), 2u) << daemon_->log();
  EXPECT_EQ(count_text(lines, "春节假期"), 2u) << daemon_->log();
  EXPECT_EQ(lines.size(), 4u);
  history = get("/v1/schedules/sf-reminder/history");
  EXPECT_EQ(history["runs"].size(), 1u) << history.dump();
  EXPECT_EQ(get("/v1/schedules/marker/history")["runs"].size(), 1u);
  stop();

  // Restarted within catch_up after the firing: still nothing new. The start-up pass hands
  // any catch-up firing to the worker thread before the API answers a request; a message sent
  // through the API is planned on that thread after it and committed after it, and sent after
  // it (due later).
  start_at("2026-02-14T10:30:00+08:00");
  post("/v1/messages", {{"to", "13800138009"}, {"text", "标记短信"}});
  history = get("/v1/schedules/sf-reminder/history");
  EXPECT_EQ(history["runs"].size(), 1u) << history.dump();
  lines = wait_for_text("标记短信", 1);
  ASSERT_EQ(count_text(lines, "标记短信"), 1u) << daemon_->log();
  EXPECT_EQ(count_text(lines, "春节假期"), 2u) << daemon_->log();
  EXPECT_EQ(lines.size(), 5u);
  stop();
}

// --fake-now is the daemon's one clock: the API's, the dispatcher's, the store's and the file
// carrier's timestamps are all on it, none on the real clock.
TEST_F(ScheduleE2E, FakeNowIsTheClockOfEveryTimestamp) {
  const std::string fake = "2030-03-04T10:00:00+08:00";
  const UnixMs fake_start = *parse_rfc3339(fake);
  const UnixMs real_start = now_ms();
  // Far from the real clock, so no timestamp can be on the wrong one by accident.
  ASSERT_GT(std::llabs(real_start - fake_start), 30LL * 86'400'000);
  start_at(fake);

  // One message sent (API: created_at; dispatcher: the attempt and updated_at; file carrier:
  // the outbox line), one cancelled before it is due (the store's own clock: updated_at).
  json sent = post("/v1/messages", {{"to", "13800138001"}, {"text", "时钟"}});
  const std::string id = sent["messages"][0]["id"];
  json later = post("/v1/messages", {{"to", "13800138002"},
                                     {"text", "取消"},
                                     {"send_at", "2030-03-04T12:00:00+08:00"}});
  const std::string later_id = later["messages"][0]["id"];
  ASSERT_EQ(http_request("DELETE", base() + "/v1/messages/" + later_id, kToken).status, 200);
  json m;
  ASSERT_TRUE(eventually([&] {
    m = get("/v1/messages/" + id);
    return m.value("status", "") == "sent";
  })) << m.dump() << daemon_->log();
  const auto lines = wait_for_text("时钟", 1);
  ASSERT_EQ(count_text(lines, "时钟"), 1u) << daemon_->log();

  // The daemon's clock as of now: the fake start plus the real time gone by since.
  const UnixMs fake_end = fake_start + (now_ms() - real_start);
  const auto on_fake_clock = [&](const json& t) {
    const auto at = t.is_string() ? parse_rfc3339(t.get<std::string>()) : std::nullopt;
    return at && *at >= fake_start && *at <= fake_end;
  };
  EXPECT_TRUE(on_fake_clock(m["created_at"])) << m.dump();
  EXPECT_TRUE(on_fake_clock(m["updated_at"])) << m.dump();
  ASSERT_EQ(m["history"].size(), 1u) << m.dump();
  EXPECT_TRUE(on_fake_clock(m["history"][0]["at"])) << m.dump();
  EXPECT_TRUE(on_fake_clock(lines[0]["at"])) << lines[0].dump();
  const json batch = get("/v1/batches/" + sent["batch_id"].get<std::string>());
  EXPECT_TRUE(on_fake_clock(batch["created_at"])) << batch.dump();

  const json cancelled = get("/v1/messages/" + later_id);
  EXPECT_EQ(cancelled["status"], "cancelled") << cancelled.dump();
  EXPECT_TRUE(on_fake_clock(cancelled["created_at"])) << cancelled.dump();
  EXPECT_TRUE(on_fake_clock(cancelled["updated_at"])) << cancelled.dump();
  stop();
}

TEST_F(ScheduleE2E, AFiringMissedWhileDownIsCaughtUpWithinTheWindow) {
  // Up before the firing: the schedule exists; then down across 09:00 and back at 11:00,
  // within catch_up = 6h: the occurrence is sent late and marked caught up.
  start_at("2026-02-14T08:00:00+08:00");
  json body = {{"name", "张伟"}, {"phone", "13800138001"}, {"groups", {"cadres"}}};
  auto r = http_request("POST", base() + "/v1/recipients", kToken, body.dump(),
                        {"Content-Type: application/json"});
  ASSERT_EQ(r.status, 201) << r.body;
  stop();
  EXPECT_TRUE(outbox_lines(dir_ + "/outbox.jsonl").empty());

  start_at("2026-02-14T11:00:00+08:00");
  auto lines = wait_for_outbox(1, 30s);
  ASSERT_EQ(lines.size(), 1u) << daemon_->log();
  json history = get("/v1/schedules/sf-reminder/history");
  ASSERT_EQ(history["runs"].size(), 1u) << history.dump();
  EXPECT_EQ(history["runs"][0]["outcome"], "fired");
  EXPECT_EQ(history["runs"][0]["caught_up"], true);
  stop();
}

TEST_F(ScheduleE2E, AFiringMissedBeyondCatchUpIsRecordedAsMissed) {
  start_at("2026-02-14T08:00:00+08:00");
  json body = {{"name", "张伟"}, {"phone", "13800138001"}, {"groups", {"cadres"}}};
  auto r = http_request("POST", base() + "/v1/recipients", kToken, body.dump(),
                        {"Content-Type: application/json"});
  ASSERT_EQ(r.status, 201) << r.body;
  stop();

  start_at("2026-02-14T16:00:00+08:00");  // 7 h late, catch_up is 6 h
  json history;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    history = get("/v1/schedules/sf-reminder/history");
    if (history.contains("runs") && !history["runs"].empty()) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(history["runs"].size(), 1u) << history.dump();
  EXPECT_EQ(history["runs"][0]["outcome"], "missed");
  EXPECT_TRUE(outbox_lines(dir_ + "/outbox.jsonl").empty());
  auto metrics = http_request("GET", base() + "/metrics", kToken);
  EXPECT_NE(metrics.body.find("smsgw_schedule_runs_total{outcome=\"missed\"} 1"), std::string::npos)
      << metrics.body;
  stop();
}

// Ops add next year's file when the State Council publishes it, then reload: the new year is
// official at once; a broken file is reported and the calendar in use is kept; --check-config
// names the file and line.
TEST_F(ScheduleE2E, SighupLoadsNextYearsCalendarAndKeepsTheOldOneOnErrors) {
  const std::string calendar = dir_ + "/calendar";
  std::filesystem::create_directories(calendar);
  std::filesystem::copy_file(SMSGW_SOURCE_DIR "/config/calendar/2026.toml", calendar + "/2026.toml");
  daemon_->rewrite_config(make_config(port_, calendar));
  ASSERT_TRUE(daemon_->start(base())) << daemon_->log();

  json y = get("/v1/calendar/2027");
  EXPECT_EQ(y["official"], false) << y.dump();

  std::ofstream(calendar + "/2027.toml") << "year = 2027\n"
                                           "[[holidays]]\n"
                                           "name = \"春节\"\n"
                                           "festivals = [\"spring_festival\"]\n"
                                           "start = 2027-02-05\n"
                                           "end = 2027-02-13\n"
                                           "makeup_workdays = [2027-02-20]\n";
  daemon_->signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline && y.value("official", false) != true) {
    std::this_thread::sleep_for(50ms);
    y = get("/v1/calendar/2027");
  }
  ASSERT_EQ(y["official"], true) << y.dump() << daemon_->log();
  bool found = false;
  for (const auto& h : y["holidays"]) {
    if (h["name"] == "春节") {
      found = true;
      EXPECT_EQ(h["start"], "2027-02-05");
      EXPECT_EQ(h["end"], "2027-02-13");
      EXPECT_EQ(h["estimated"], false);
    }
  }
  EXPECT_TRUE(found) << y.dump();
  json day = get("/v1/calendar/day/2027-02-20");
  EXPECT_EQ(day["workday"], true) << day.dump();  // a Saturday, made a workday by the file

  // A broken file: start after end.
  std::ofstream(calendar + "/2028.toml") << "year = 2028\n"
                                           "[[holidays]]\n"
                                           "name = \"春节\"\n"
                                           "festivals = [\"spring_festival\"]\n"
                                           "start = 2028-01-30\n"
                                           "end = 2028-01-25\n";
  daemon_->signal(SIGHUP);
  const auto logged = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < logged &&
         daemon_->log().find("reload: keeping the running configuration") == std::string::npos) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(daemon_->log().find("2028.toml:"), std::string::npos) << daemon_->log();
  y = get("/v1/calendar/2027");
  EXPECT_EQ(y["official"], true) << y.dump();
  stop();

  auto check = run_command(std::string(SMSGWD_PATH) + " --check-config --config " +
                           daemon_->config_path() + " 2>&1");
  EXPECT_EQ(check.status, 78) << check.output;
  EXPECT_NE(check.output.find("2028.toml:5:"), std::string::npos) << check.output;
}

// From 1 December the daemon needs next year's official calendar: without one it says so in
// the log and in a gauge (readiness is unaffected); a calendar_dir holding 2027.toml clears it.
TEST_F(ScheduleE2E, WarnsInDecemberWhileNextYearsCalendarIsMissing) {
  daemon_->rewrite_config(make_config(port_, ""));  // the built-in years only: 2024-2026
  start_at("2026-12-02T10:00:00+08:00");
  EXPECT_TRUE(eventually([&] { return metric_is("smsgw_calendar_next_year_missing 1"); }))
      << metrics();
  EXPECT_TRUE(metric_is("smsgw_calendar_last_official_year 2026")) << metrics();
  EXPECT_TRUE(eventually([&] { return logged("no official calendar for 2027 is loaded"); }))
      << daemon_->log();
  EXPECT_TRUE(logged("add 2027.toml to")) << daemon_->log();
  EXPECT_TRUE(logged("docs/calendar.md")) << daemon_->log();
  EXPECT_TRUE(logged("calendar: official years 2024, 2025, 2026 built in; no calendar_dir"))
      << daemon_->log();
  EXPECT_EQ(http_request("GET", base() + "/readyz", kToken).status, 200);
  json y = get("/v1/calendar/2026");
  EXPECT_EQ(y["official"], true) << y.dump();

  // Ops add next year's file and reload.
  const std::string calendar = dir_ + "/calendar";
  write_2027(calendar);
  daemon_->rewrite_config(make_config(port_, calendar));
  daemon_->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return metric_is("smsgw_calendar_next_year_missing 0"); }))
      << metrics() << daemon_->log();
  EXPECT_TRUE(metric_is("smsgw_calendar_last_official_year 2027")) << metrics();
  EXPECT_TRUE(logged("reload: calendar: official years 2024, 2025, 2026 built in; 2027 from " +
                     calendar))
      << daemon_->log();
  stop();

  // And from the start: no warning at all.
  const std::string before = daemon_->log();
  start_at("2026-12-02T10:00:00+08:00");
  EXPECT_TRUE(eventually([&] { return metric_is("smsgw_calendar_last_official_year 2027"); }))
      << metrics();
  EXPECT_TRUE(metric_is("smsgw_calendar_next_year_missing 0")) << metrics();
  const std::string log = daemon_->log();
  EXPECT_EQ(log.find("no official calendar", before.size()), std::string::npos) << log;
  stop();
}

// The daily check runs at local midnight: a daemon up on 30 November starts warning at 00:00
// on 1 December (Asia/Shanghai), without a reload or restart.
TEST_F(ScheduleE2E, TheWarningStartsAtMidnightOnTheFirstOfDecember) {
  daemon_->rewrite_config(make_config(port_, ""));
  start_at("2026-11-30T23:59:50+08:00");
  EXPECT_TRUE(metric_is("smsgw_calendar_next_year_missing 0")) << metrics();
  EXPECT_FALSE(logged("no official calendar")) << daemon_->log();
  EXPECT_TRUE(eventually([&] { return metric_is("smsgw_calendar_next_year_missing 1"); }, 30s))
      << metrics() << daemon_->log();
  EXPECT_TRUE(eventually([&] { return logged("no official calendar for 2027 is loaded"); }))
      << daemon_->log();
  stop();
}

// A calendar_dir that does not exist is a configuration error, not "estimate everything":
// --check-config and start-up exit 78 naming file and line; a reload to it is refused and the
// calendar in use stays.
TEST_F(ScheduleE2E, AMissingCalendarDirIsAConfigError) {
  const std::string missing = dir_ + "/calender";  // the typo this catches
  daemon_->rewrite_config(make_config(port_, missing));
  auto check = run_command(std::string(SMSGWD_PATH) + " --check-config --config " +
                           daemon_->config_path() + " 2>&1");
  EXPECT_EQ(check.status, 78) << check.output;
  EXPECT_NE(check.output.find("smsgw.toml:7: daemon.calendar_dir: folder \"" + missing +
                              "\" does not exist"),
            std::string::npos)
      << check.output;
  daemon_->spawn();
  EXPECT_EQ(daemon_->wait_exit(15s), std::optional<int>(78)) << daemon_->log();
  EXPECT_TRUE(logged("daemon.calendar_dir: folder")) << daemon_->log();

  const std::string calendar = dir_ + "/calendar";
  write_2027(calendar);
  daemon_->rewrite_config(make_config(port_, calendar));
  start_at("2026-12-02T10:00:00+08:00");
  EXPECT_EQ(get("/v1/calendar/2027")["official"], true);
  daemon_->rewrite_config(make_config(port_, missing));
  daemon_->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return logged("reload: keeping the running configuration"); }))
      << daemon_->log();
  EXPECT_TRUE(logged("reload: " + daemon_->config_path() + ":7: daemon.calendar_dir: folder"))
      << daemon_->log();
  EXPECT_EQ(get("/v1/calendar/2027")["official"], true);
  EXPECT_TRUE(metric_is("smsgw_calendar_next_year_missing 0")) << metrics();
  stop();
}

}  // namespace
}  // namespace smsgw::testing
