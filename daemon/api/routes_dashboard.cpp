// The console's home page over HTTP: GET /v1/dashboard (docs/api.md "Dashboard"), everything
// the page shows in one call. The dispatcher's carriers are read on the io thread (they live on
// it); the counts and the schedules' next firings on the worker, like other reads that can take
// tens of milliseconds on a large database.

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/dashboard.hpp"
#include "api/http_util.hpp"
#include "api/router_impl.hpp"
#include "api/schedule_json.hpp"
#include "common/time.hpp"

namespace smsgw::api {

using json = nlohmann::json;

namespace {

// Firings listed, across schedules; each schedule's own next this many are enough to find them.
constexpr int kNextFirings = 5;

// What the io thread hands the worker: the request's instant and router state a SIGHUP may
// replace meanwhile.
struct Snapshot {
  UnixMs now = 0;
  TimeZone tz;
  std::shared_ptr<const calendar::Calendar> cal;
  json carriers;
};

// The dispatcher's view (as /readyz shows it) with each carrier's adapter type.
json carriers_json(const Dependencies& deps, const std::map<std::string, std::string>& types) {
  json list = json::array();
  if (!deps.carrier_status) return list;
  for (const auto& c : deps.carrier_status()) {
    auto type = types.find(c.name);
    list.push_back({{"name", c.name},
                    {"type", type != types.end() ? json(type->second) : json(nullptr)},
                    {"priority", c.priority},
                    {"up", c.up},
                    {"breaker", c.breaker},
                    {"in_flight", c.in_flight}});
  }
  return list;
}

json period_json(UnixMs since, const std::map<Status, std::int64_t>& by_status) {
  json statuses = json::object();
  std::int64_t total = 0;
  for (const auto& [status, n] : by_status) {
    statuses[std::string(to_string(status))] = n;
    total += n;
  }
  const auto rate = delivery_rate(by_status);
  return {{"since", format_rfc3339(since)},
          {"messages", total},
          {"by_status", std::move(statuses)},
          {"delivered", by_status.at(Status::delivered)},
          {"failed", by_status.at(Status::failed)},
          {"delivery_rate", rate ? json(*rate) : json(nullptr)}};
}

// "queued" counts everything not yet handed to a carrier: waiting, scheduled for later, and in
// flight now ("sending"); the age is the oldest due message's wait, as the
// smsgw_queue_oldest_due_age_seconds gauge measures it.
json queue_json(const store::QueueSummary& q, UnixMs now) {
  json oldest = nullptr;
  json age = nullptr;
  if (q.oldest_due) {
    oldest = format_rfc3339(*q.oldest_due);
    age = std::max<UnixMs>(0, now - *q.oldest_due) / 1000;
  }
  return {{"queued", q.queued + q.sending},
          {"sending", q.sending},
          {"not_due", q.not_due},
          {"oldest_queued_at", std::move(oldest)},
          {"oldest_queued_age_seconds", std::move(age)}};
}

json firing_json(const Firing& f, const TimeZone& tz) {
  json j = occurrence_json(f.occurrence, tz);
  j["schedule"] = f.schedule;
  j["id"] = std::to_string(f.id);
  return j;
}

json warning_json(const CalendarWarning& w, const TimeZone& tz) {
  json j = {{"code", w.code}, {"year", w.year}, {"message", w.message}};
  if (!w.firings.empty()) {
    json firings = json::array();
    for (const auto& f : w.firings) firings.push_back(firing_json(f, tz));
    j["firings"] = std::move(firings);
  }
  return j;
}

struct Upcoming {
  std::vector<Firing> first;      // the next kNextFirings across schedules
  std::vector<Firing> next_each;  // each enabled schedule's next firing
};

// The occurrences GET /v1/schedules/{id}/next gives, for every enabled schedule.
Upcoming upcoming_firings(store::Store& store, const Snapshot& s) {
  Upcoming out;
  std::vector<Firing> all;
  for (const auto& row : store.list_schedules()) {
    if (!row.enabled) continue;
    std::string error;
    auto when = stored_when(json::parse(row.spec_json, nullptr, false), s.tz, error);
    if (!when) {
      // One broken row must not take the page down; GET /v1/schedules/{id}/next says 500.
      spdlog::warn("schedule {}: the stored timing does not parse: {}", row.id, error);
      continue;
    }
    auto next = schedule::next_occurrences(*when, *s.cal, s.tz, s.now, kNextFirings);
    if (next.empty()) continue;
    out.next_each.push_back({row.name, row.id, next.front()});
    for (auto& o : next) all.push_back({row.name, row.id, std::move(o)});
  }
  out.first = earliest_firings(std::move(all), kNextFirings);
  return out;
}

// Worker thread: every store read of the page.
json dashboard_body(store::Store& store, const Snapshot& s) {
  const UnixMs today = s.tz.start_of_local_day(s.now);
  const UnixMs week = start_of_local_week(s.now, s.tz);  // never after today's start
  const store::CreatedCounts counts = store.count_created_since(week, today);
  const Upcoming upcoming = upcoming_firings(store, s);
  json next = json::array();
  for (const auto& f : upcoming.first) next.push_back(firing_json(f, s.tz));
  const CivilTime local = s.tz.to_local(s.now);
  json warnings = json::array();
  for (const auto& w : calendar_warnings(*s.cal, {local.year, local.month, local.day}, upcoming.next_each)) {
    warnings.push_back(warning_json(w, s.tz));
  }
  return {{"generated_at", format_rfc3339(s.now)},
          {"today", period_json(today, counts.recent)},
          {"week", period_json(week, counts.since)},
          {"queue", queue_json(store.queue_summary(s.now), s.now)},
          {"carriers", s.carriers},
          {"next_firings", std::move(next)},
          {"pending_approvals", store.count_pending_approvals(s.now)},
          {"calendar_warnings", std::move(warnings)}};
}

}  // namespace

void Router::Impl::dashboard(Call& call) {
  Snapshot s{now(), tz, current_calendar(), carriers_json(deps, carrier_types)};
  offload([self = shared_from_this(), call, s = std::move(s)]() mutable {
    Response res = json_response(200, dump(dashboard_body(self->deps.store, s)));
    self->on_io([self, call, res = std::move(res)]() mutable { self->finish(call, std::move(res)); });
  });
}

}  // namespace smsgw::api
