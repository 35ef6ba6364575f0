#pragma once
// Fires schedules. One timer on the io_context sleeps until the earliest next occurrence of any
// enabled schedule (capped at an hour, so a wall-clock step is noticed without polling); each
// firing builds its batch with sending::plan_send, exactly like POST /v1/messages, and commits it
// together with the occurrence's run row (Store::async_record_run), so a restart, a SIGHUP or
// two overlapping passes never send an occurrence twice.
//
// At start-up, occurrences that fell while the daemon was down (after the schedule's last run
// or last change) are sent late if at most `catch_up` old, otherwise recorded as missed.
// Threading: every member runs on the io thread.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "calendar/calendar.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/timezone.hpp"
#include "config/config.hpp"
#include "schedule/rule.hpp"
#include "sending/mappings.hpp"
#include "store/store.hpp"

namespace smsgw::schedule {

struct SchedulerOptions {
  config::LimitsConfig limits;
  config::SmsConfig sms;
  TimeZone tz = TimeZone::utc();
  std::chrono::milliseconds catch_up{6 * 3600'000};
  std::shared_ptr<const sending::TemplateMappings> mappings = nullptr;  // carriers' mappings
};

struct SchedulerDeps {
  store::Store& store;
  Metrics& metrics;
  Clock clock;  // its wall clock decides; timers stay real (smsgwd --clock-offset shifts it)
  std::function<std::shared_ptr<const calendar::Calendar>()> calendar;
  std::function<void(UnixMs due_at)> on_enqueued;  // wakes the dispatcher
  // Runs a firing's planning off the io thread (exactly once, any thread); empty = inline.
  std::function<void(std::function<void()>)> offload = nullptr;
};

// What to do with an occurrence found due at `now`: pure, for tests.
enum class Decision { fire, catch_up, miss };
Decision decide(UnixMs occurrence_at, UnixMs now, std::chrono::milliseconds catch_up,
                bool at_startup);

class Scheduler {
 public:
  Scheduler(boost::asio::io_context& io, SchedulerOptions options, SchedulerDeps deps);
  ~Scheduler();

  void start();  // the start-up pass (catch-up or missed), then arm the timer
  // Schedules were created, changed or deleted (API), or the calendar changed: re-read, re-arm.
  void reload();
  void reconfigure(SchedulerOptions options);  // SIGHUP; keeps what has been handled
  void stop();  // cancel the timer; firings already submitted still commit

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace smsgw::schedule
