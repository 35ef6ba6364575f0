// The holiday calendar and schedules over HTTP: GET /v1/calendar/{year}, /v1/calendar/day/{date}
// and /v1/schedules CRUD with next firings and firing history (docs/api.md "Calendar",
// "Schedules").

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "api/http_util.hpp"
#include "api/router_impl.hpp"
#include "api/schedule_json.hpp"
#include "calendar/calendar.hpp"
#include "common/time.hpp"
#include "schedule/rule.hpp"

namespace smsgw::api {

namespace http = boost::beast::http;
using json = nlohmann::json;

std::string format_local(UnixMs t, const TimeZone& tz) {
  const CivilTime c = tz.to_local(t);
  int off = c.utc_offset_seconds;
  char buf[40];
  if (off == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day,
                  c.hour, c.minute, c.second);
  } else {
    const char sign = off < 0 ? '-' : '+';
    off = std::abs(off);
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", c.year, c.month,
                  c.day, c.hour, c.minute, c.second, sign, off / 3600, (off % 3600) / 60);
  }
  return buf;
}

json holiday_json(const calendar::Holiday& h) {
  return {{"name", h.name},
          {"keys", h.keys},
          {"start", calendar::to_string(h.start)},
          {"end", calendar::to_string(h.end)},
          {"days", h.days},
          {"estimated", h.estimated}};
}

json occurrence_json(const schedule::Occurrence& o, const TimeZone& tz) {
  json item = {{"at", format_local(o.at, tz)}, {"occurrence", o.key}};
  if (o.holiday) item["holiday"] = holiday_json(*o.holiday);
  return item;
}

std::optional<schedule::When> stored_when(const json& spec, const TimeZone& tz, std::string& error) {
  auto it = spec.is_object() ? spec.find("when") : spec.end();
  if (it == spec.end() || !it->is_string()) {
    error = "the spec has no \"when\"";
    return std::nullopt;
  }
  return schedule::parse_when(it->get_ref<const std::string&>(), tz, error);
}

namespace {

constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};

// Fields of the served document that describe the stored row rather than the schedule: a
// client may PUT back what it got from GET without removing them.
constexpr std::string_view kReadOnlyFields[] = {"id",         "source",  "created_at",
                                                "updated_at", "next_at", "last_run"};

json run_json(const store::ScheduleRun& r, const TimeZone& tz) {
  return {{"id", std::to_string(r.id)},
          {"occurrence", r.occurrence},
          {"due_at", format_local(r.due_at, tz)},
          {"at", time_or_null(r.at)},
          {"outcome", std::string(store::to_string(r.outcome))},
          {"caught_up", r.caught_up},
          {"batch_id", r.batch_id ? json(std::to_string(*r.batch_id)) : json(nullptr)},
          {"count", r.count},
          {"error", string_or_null(r.error)}};
}

std::string errors_detail(std::size_t n) {
  return n == 1 ? "1 field is invalid" : std::to_string(n) + " fields are invalid";
}

// "2026" -> 2026 when the calendar covers it.
std::optional<int> parse_year(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int y = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    y = y * 10 + (c - '0');
  }
  if (y < calendar::kFirstYear || y > calendar::kLastYear) return std::nullopt;
  return y;
}

std::string out_of_range_detail() {
  return "the calendar covers the years " + std::to_string(calendar::kFirstYear) + " to " +
         std::to_string(calendar::kLastYear);
}

}  // namespace

// ---------------------------------------------------------------------------- calendar

std::shared_ptr<const calendar::Calendar> Router::Impl::current_calendar() const {
  if (deps.calendar) {
    if (auto c = deps.calendar()) return c;
  }
  // Built once: estimated years are cached inside it, so later requests are cheap.
  static const auto fallback = std::make_shared<const calendar::Calendar>();
  return fallback;
}

void Router::Impl::calendar_year(Call& call, std::string_view param) {
  auto year = parse_year(param);
  if (!year) {
    return problem(call, ProblemKind::not_found,
                   "no calendar for \"" + std::string(param) + "\"; " + out_of_range_detail());
  }
  auto cal = current_calendar();
  const calendar::YearCalendar& y = cal->year(*year);
  json holidays = json::array();
  for (const auto& h : y.holidays) holidays.push_back(holiday_json(h));
  json makeup = json::array();
  for (const auto& d : y.makeup_workdays) makeup.push_back(calendar::to_string(d));
  json body = {{"year", *year},
               {"official", y.official},
               {"holidays", std::move(holidays)},
               {"makeup_workdays", std::move(makeup)}};
  if (!y.source.empty()) body["source"] = y.source;
  finish(call, json_response(200, dump(body)));
}

void Router::Impl::calendar_day(Call& call, std::string_view param) {
  std::optional<std::string> text{std::string(param)};
  std::optional<calendar::Date> date;
  if (text) date = calendar::parse_date(*text);
  if (!date) {
    return problem(call, ProblemKind::validation, "the date is not valid",
                   {{"date", "must be a date YYYY-MM-DD, e.g. 2026-02-14"}});
  }
  auto cal = current_calendar();
  if (!cal->in_range(date->year)) return problem(call, ProblemKind::not_found, out_of_range_detail());
  const calendar::DayInfo info = cal->day(*date);
  const calendar::YearCalendar& y = cal->year(date->year);
  const bool makeup = std::binary_search(y.makeup_workdays.begin(), y.makeup_workdays.end(), *date);
  json body = {{"date", calendar::to_string(*date)},
               {"weekday", kWeekdays[calendar::weekday(*date)]},
               {"workday", info.workday},
               {"makeup_workday", makeup},
               {"holiday", info.holiday ? holiday_json(*info.holiday) : json(nullptr)},
               {"official", y.official},
               // Whether a day is off is only as sure as its year's data.
               {"estimated", !y.official}};
  // A make-up day belongs to a break: say which, so "workday" on a Saturday is explained.
  if (makeup) {
    const std::vector<calendar::Holiday> around =
        cal->holidays_between(calendar::add_days(*date, -14), calendar::add_days(*date, 14));
    const calendar::Holiday* nearest = nullptr;
    std::int64_t best = 0;
    for (const auto& h : around) {
      const std::int64_t d = std::min(std::llabs(calendar::to_days(h.start) - calendar::to_days(*date)),
                                      std::llabs(calendar::to_days(h.end) - calendar::to_days(*date)));
      if (!nearest || d < best) {
        nearest = &h;
        best = d;
      }
    }
    if (nearest) body["makeup_for"] = nearest->name;
  }
  finish(call, json_response(200, dump(body)));
}

// ---------------------------------------------------------------------------- schedules

namespace {

using Impl = Router::Impl;

// The row as served: the stored spec plus the row's own fields, the next firing and the last run.
json schedule_json(Impl& r, const store::ScheduleRow& row, const calendar::Calendar& cal) {
  json j = json::parse(row.spec_json, nullptr, false);
  if (!j.is_object()) j = json::object();
  json next_at = nullptr;
  if (row.enabled) {
    std::string error;
    if (auto when = stored_when(j, r.tz, error)) {
      auto next = schedule::next_occurrences(*when, cal, r.tz, r.now(), 1);
      if (!next.empty()) next_at = format_local(next.front().at, r.tz);
    }
  }
  j["id"] = std::to_string(row.id);
  j["name"] = row.name;
  j["enabled"] = row.enabled;
  j["source"] = row.source;
  j["created_at"] = time_or_null(row.created_at);
  j["updated_at"] = time_or_null(row.updated_at);
  j["next_at"] = std::move(next_at);
  auto last = r.deps.store.last_run(row.id);
  j["last_run"] = last ? run_json(*last, r.tz) : json(nullptr);
  return j;
}

// The numeric id or the name.
std::optional<store::ScheduleRow> find_schedule(Impl& r, std::string_view param) {
  if (auto id = parse_id(param)) {
    if (auto row = r.deps.store.get_schedule(*id)) return row;
  }
  std::optional<std::string> name{std::string(param)};
  if (!name || name->empty()) return std::nullopt;
  return r.deps.store.find_schedule(*name);
}

// parse_spec plus what only the store knows: the template and the groups exist. nullopt when
// `errors` holds anything.
std::optional<schedule::Spec> validate_schedule(Impl& r, json doc,
                                                std::vector<FieldError>& errors) {
  for (auto f : kReadOnlyFields) doc.erase(std::string(f));
  auto spec = schedule::parse_spec(doc, r.tz, errors);
  schedule::reject_control_characters_in_spec(doc, errors);
  // The existence checks run on the document even when parse_spec found other mistakes, so
  // the client learns about every field in one round trip. Fields already in error are looked
  // up in a set and the groups in one batched read: a 1 MiB body lists ~100,000 groups, and a
  // scan of the errors plus a query per group was quadratic.
  std::unordered_set<std::string> flagged;
  for (const auto& e : errors) flagged.insert(e.field);
  if (auto t = doc.find("template"); t != doc.end() && t->is_string() && flagged.count("template") == 0 &&
                                      !r.deps.store.get_template(t->get<std::string>())) {
    errors.push_back({"template", "no template named \"" + t->get<std::string>() + "\""});
  }
  if (auto g = doc.find("groups"); g != doc.end() && g->is_array()) {
    std::vector<std::pair<std::string, std::size_t>> named;  // name, index
    for (std::size_t i = 0; i < g->size(); ++i) {
      if (!(*g)[i].is_string() || flagged.count("groups[" + std::to_string(i) + "]") != 0) continue;
      named.emplace_back((*g)[i].get<std::string>(), i);
    }
    std::vector<std::string> names;
    names.reserve(named.size());
    for (const auto& n : named) names.push_back(n.first);
    const std::unordered_set<std::string> known = r.deps.store.existing_groups(names);
    for (const auto& [name, i] : named) {
      if (known.count(name) == 0)
        errors.push_back({"groups[" + std::to_string(i) + "]", "no group named \"" + name + "\""});
    }
  }
  if (!spec && errors.empty()) errors.push_back({"", "the schedule is invalid"});
  if (!errors.empty()) return std::nullopt;
  return spec;
}

const char* kNoSchedule = "no schedule with this id or name";
const char* kNameTaken = "a schedule with this name exists";

// After a schedule write succeeded: answer with the stored row (status 200 or 201).
void answer_with_row(const std::shared_ptr<Impl>& self, Call& call, std::int64_t id,
                     unsigned status) {
  self->schedules_changed();
  auto row = self->deps.store.get_schedule(id);
  if (!row) return self->problem(call, ProblemKind::not_found, kNoSchedule);
  Response res = json_response(status, dump(schedule_json(*self, *row, *self->current_calendar())));
  if (status == 201) res.set(http::field::location, "/v1/schedules/" + std::to_string(id));
  self->finish(call, std::move(res));
}

void store_update(const std::shared_ptr<Impl>& self, Call& call, store::ScheduleRow row, bool was_enabled) {
  const std::int64_t id = row.id;
  // Switching it on by a person waits for a second administrator: saved off, and a request filed.
  const bool held = row.enabled && !was_enabled && self->schedule_needs_approval(call);
  if (held) row.enabled = false;
  const std::string name = row.name;
  row.updated_at = self->now();
  auto entry = self->audit(call, "schedule.update", "schedule", std::to_string(row.id));
  self->deps.store.async_update_schedule(
      std::move(row), [self, call = std::move(call), id, held, name](std::error_code ec,
                                                                     store::WriteResult r) mutable {
        self->on_io([self, call = std::move(call), ec, r, id, held, name]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, kNoSchedule, kNameTaken);
          }
          if (held) return self->request_schedule_enable(call, id, name);
          answer_with_row(self, call, id, 200);
        });
      }, std::move(entry));
}

}  // namespace

void Router::Impl::schedules_changed() {
  if (!deps.on_schedules_changed) return;
  try {
    deps.on_schedules_changed();
  } catch (const std::exception& e) {
    // The write is committed; the client must hear so even if re-arming failed.
    spdlog::error("re-arming schedules failed: {}", e.what());
  }
}

void Router::Impl::list_schedules(Call& call) {
  auto cal = current_calendar();
  json list = json::array();
  for (const auto& row : deps.store.list_schedules()) list.push_back(schedule_json(*this, row, *cal));
  finish(call, json_response(200, dump(json{{"schedules", std::move(list)}})));
}

void Router::Impl::create_schedule(Call& call, const Principal& who, Request& req) {
  auto doc = json_body(call, req);
  if (!doc) return;
  std::vector<FieldError> errors;
  for (auto f : kReadOnlyFields) {
    if (doc->contains(f)) errors.push_back({std::string(f), "is set by the server"});
  }
  auto spec = validate_schedule(*this, *doc, errors);
  // A one-shot in the past would never fire: almost certainly a typo in the date.
  if (spec && errors.empty() && spec->when.kind == schedule::Kind::at && spec->when.at <= now()) {
    errors.push_back({"when", "is in the past (" + format_local(spec->when.at, tz) + ")"});
  }
  if (!errors.empty()) {
    return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  }
  store::ScheduleRow row;
  row.name = spec->name;
  row.spec_json = dump(schedule::to_json(*spec, tz));
  row.enabled = spec->enabled;
  row.source = source_of(who);
  // A person's schedule is created switched off and waits for a second administrator.
  const bool held = row.enabled && schedule_needs_approval(call);
  if (held) row.enabled = false;
  // The daemon's clock, which the scheduler compares these with (see Store).
  row.created_at = row.updated_at = now();
  auto entry = audit(call, "schedule.create", "schedule", "");
  deps.store.async_create_schedule(
      std::move(row), [self = shared_from_this(), call = std::move(call), held, name = spec->name](
                          std::error_code ec, store::WriteResult r, std::int64_t id) mutable {
        self->on_io([self, call = std::move(call), ec, r, id, held, name]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, kNoSchedule,
                                      "a schedule with this name exists; use PUT to replace it");
          }
          if (held) return self->request_schedule_enable(call, id, name);
          answer_with_row(self, call, id, 201);
        });
      }, std::move(entry));
}

void Router::Impl::get_schedule(Call& call, std::string_view param) {
  auto row = find_schedule(*this, param);
  if (!row) return problem(call, ProblemKind::not_found, kNoSchedule);
  finish(call, json_response(200, dump(schedule_json(*this, *row, *current_calendar()))));
}

void Router::Impl::put_schedule(Call& call, std::string_view param, Request& req) {
  auto existing = find_schedule(*this, param);
  if (!existing) return problem(call, ProblemKind::not_found, kNoSchedule);
  auto doc = json_body(call, req);
  if (!doc) return;
  // PUT replaces the schedule, but a paused schedule stays paused and keeps its name unless the
  // body says otherwise: editing the wording must not resume it by accident.
  if (!doc->contains("name")) (*doc)["name"] = existing->name;
  if (!doc->contains("enabled")) (*doc)["enabled"] = existing->enabled;
  std::vector<FieldError> errors;
  auto spec = validate_schedule(*this, *doc, errors);
  if (!spec) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  store::ScheduleRow row = *existing;
  row.name = spec->name;
  row.spec_json = dump(schedule::to_json(*spec, tz));
  row.enabled = spec->enabled;
  store_update(shared_from_this(), call, std::move(row), existing->enabled);
}

void Router::Impl::patch_schedule(Call& call, std::string_view param, Request& req) {
  auto existing = find_schedule(*this, param);
  if (!existing) return problem(call, ProblemKind::not_found, kNoSchedule);
  auto doc = json_body(call, req);
  if (!doc) return;
  auto enabled_it = doc->find("enabled");
  if (enabled_it != doc->end() && !enabled_it->is_boolean()) {
    return problem(call, ProblemKind::validation, "1 field is invalid",
                   {{"enabled", "must be true or false"}});
  }
  // Pause/resume only touches the flag, so it works even when the template or a group has
  // since been deleted (pausing such a schedule is exactly what an operator wants then).
  if (enabled_it != doc->end() && doc->size() == 1) {
    const std::int64_t id = existing->id;
    if (enabled_it->get<bool>() && !existing->enabled && schedule_needs_approval(call)) {
      return request_schedule_enable(call, id, existing->name);
    }
    auto entry = audit(call, enabled_it->get<bool>() ? "schedule.resume" : "schedule.pause", "schedule",
                       std::to_string(id));
    deps.store.async_set_schedule_enabled(
        id, enabled_it->get<bool>(),
        [self = shared_from_this(), call = std::move(call), id](std::error_code ec,
                                                               store::WriteResult r) mutable {
          self->on_io([self, call = std::move(call), ec, r, id]() mutable {
            if (ec || r != store::WriteResult::ok) {
              return self->write_failed(call, ec, r, kNoSchedule, "conflict");
            }
            answer_with_row(self, call, id, 200);
          });
        },
        now(), std::move(entry));
    return;
  }
  // Any other field: a JSON merge patch (RFC 7396) over the stored schedule, validated whole.
  json merged = json::parse(existing->spec_json, nullptr, false);
  if (!merged.is_object()) merged = json::object();
  merged["name"] = existing->name;
  merged["enabled"] = existing->enabled;
  for (auto f : kReadOnlyFields) doc->erase(std::string(f));
  merged.merge_patch(*doc);
  std::vector<FieldError> errors;
  auto spec = validate_schedule(*this, merged, errors);
  if (!spec) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  store::ScheduleRow row = *existing;
  row.name = spec->name;
  row.spec_json = dump(schedule::to_json(*spec, tz));
  row.enabled = spec->enabled;
  store_update(shared_from_this(), call, std::move(row), existing->enabled);
}

void Router::Impl::delete_schedule(Call& call, std::string_view param) {
  auto existing = find_schedule(*this, param);
  if (!existing) return problem(call, ProblemKind::not_found, kNoSchedule);
  auto entry = audit(call, "schedule.delete", "schedule", std::to_string(existing->id));
  deps.store.async_delete_schedule(
      existing->id, [self = shared_from_this(), call = std::move(call)](
                        std::error_code ec, store::WriteResult r) mutable {
        self->on_io([self, call = std::move(call), ec, r]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, kNoSchedule, "conflict");
          }
          self->schedules_changed();
          self->finish(call, Response{http::status::no_content, 11});
        });
      }, std::move(entry));
}

void Router::Impl::schedule_next(Call& call, std::string_view param, std::string_view target) {
  int count = 5;
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (key == "count") {
      auto n = parse_id(value);
      if (!n || *n > 100) errors.push_back({"count", "must be an integer from 1 to 100"});
      else count = static_cast<int>(*n);
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  auto row = find_schedule(*this, param);
  if (!row) return problem(call, ProblemKind::not_found, kNoSchedule);
  json spec = json::parse(row->spec_json, nullptr, false);
  std::string error;
  std::optional<schedule::When> when = stored_when(spec, tz, error);
  if (!when) {
    spdlog::error("schedule {}: the stored timing does not parse: {}", row->id, error);
    return problem(call, ProblemKind::internal, "the stored schedule cannot be read");
  }
  auto cal = current_calendar();
  json next = json::array();
  for (const auto& o : schedule::next_occurrences(*when, *cal, tz, now(), count)) {
    next.push_back(occurrence_json(o, tz));
  }
  json body = {{"schedule", row->name},
               {"id", std::to_string(row->id)},
               {"enabled", row->enabled},
               {"when", spec["when"]},
               {"next", std::move(next)}};
  finish(call, json_response(200, dump(body)));
}

void Router::Impl::schedule_history(Call& call, std::string_view param, std::string_view target) {
  int limit = 50;
  std::optional<std::int64_t> cursor;
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    if (key == "limit") {
      auto n = parse_id(value);
      if (!n || *n > 1000) errors.push_back({"limit", "must be an integer from 1 to 1000"});
      else limit = static_cast<int>(*n);
    } else if (key == "cursor") {
      cursor = parse_id(value);
      if (!cursor) errors.push_back({"cursor", "is not a cursor from next_cursor"});
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  auto row = find_schedule(*this, param);
  if (!row) return problem(call, ProblemKind::not_found, kNoSchedule);
  store::RunPage page = deps.store.list_runs(row->id, limit, cursor);
  json runs = json::array();
  for (const auto& r : page.runs) runs.push_back(run_json(r, tz));
  json body = {{"schedule", row->name},
               {"id", std::to_string(row->id)},
               {"runs", std::move(runs)},
               {"next_cursor", page.next_cursor ? json(std::to_string(*page.next_cursor))
                                                : json(nullptr)}};
  finish(call, json_response(200, dump(body)));
}

}  // namespace smsgw::api
