#pragma once
// What a schedule is and when it fires. Every schedule's timing is one line of text, the same
// in the API, the CLI and the config file (docs/scheduling.md):
//
//   at 2026-12-01 09:00                      one-shot, local time (or RFC 3339 with offset)
//   cron 30 9 * * 1-5                        five-field cron, local time
//   1 workday before spring_festival, national_day at 09:00
//   1 workday before every holiday at 09:00  (every = each of the seven public holidays)
//   2 days after the end of 春节 at 10:00
//   first workday of every month at 09:30    (also: last workday; "each month" works too)
//
// Holiday-relative grammar: N (0..30) workday(s)|day(s) before|after [the start|end of]
// <holidays> at HH:MM. "before" counts from the first day of the break, "after" from the last
// unless "the start of"/"the end of" says otherwise. Holidays are festival keys or Chinese
// names (calendar::find_festival). A merged break (国庆节、中秋节) fires once.
//
// All of this is pure: the clock and the calendar are parameters, so tests need no daemon.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/field_error.hpp"
#include "calendar/calendar.hpp"
#include "common/timezone.hpp"
#include "common/types.hpp"
#include "schedule/cron.hpp"

namespace smsgw::schedule {

enum class Kind { at, cron, holiday, workday_of_month };
std::string_view to_string(Kind k) noexcept;  // "at", "cron", "holiday", "workday_of_month"

struct HolidayRule {
  std::vector<std::string> festivals;  // keys; empty = every holiday
  int offset = 1;                      // 0..30
  bool workdays = true;                // false: calendar days
  bool before = true;
  bool from_start = true;              // anchor: first day (true) or last day of the break
  int hour = 9, minute = 0;
};

struct WorkdayOfMonthRule {
  bool first = true;  // false: last workday of the month
  int hour = 9, minute = 30;
};

struct When {
  Kind kind = Kind::at;
  UnixMs at = 0;  // Kind::at
  Cron cron;      // Kind::cron
  HolidayRule holiday;
  WorkdayOfMonthRule workday_of_month;
  std::string text;  // canonical form of the line (to_text of the parsed rule)
};

// Parses one line. nullopt with `error` set, e.g. "unknown holiday \"spring\"; use one of
// new_year, spring_festival, ...". `tz` is needed to resolve "at" with a local time.
std::optional<When> parse_when(std::string_view text, const TimeZone& tz, std::string& error);
std::string to_text(const When& w, const TimeZone& tz);  // canonical line

enum class Expiry {
  none,         // messages never expire
  holiday_end,  // holiday schedules: end of the holiday's last day (local midnight after it)
  after,        // `expires_after` after the firing
};

// A schedule as stored (the JSON document in the store) and served by the API.
struct Spec {
  std::string name;         // [a-z0-9_-]{1,64}
  std::string description;
  When when;
  std::vector<std::string> groups;
  std::vector<std::string> to;  // E.164 after normalisation
  std::string template_name;
  std::vector<std::pair<std::string, std::string>> params;  // like sending::Params
  Priority priority = Priority::normal;
  bool mandatory = false;  // sent to numbers on the suppression list too (official notices)
  // Each firing asks for a reply (docs/two-way.md): replies in `confirm_yes` / `confirm_no`
  // (normal form) count until `confirm_within_ms` after the firing. Empty yes: no confirm.
  std::vector<std::string> confirm_yes, confirm_no;
  std::int64_t confirm_within_ms = 0;
  Expiry expiry = Expiry::none;
  std::int64_t expires_after_ms = 0;  // Expiry::after
  bool enabled = true;
};

// Validates a JSON object (API body or stored document) into a Spec; field errors name the
// JSON field ("when", "groups[1]", "to[0]", "params.summary", "expires"). Shape:
//   {"name", "description"?, "when": "<line>", "groups"?: [...], "to"?: [...],
//    "template": "name", "params"?: {...}, "priority"?: "normal"|"urgent", "mandatory"?: false,
//    "confirm"?: {"yes": [...], "no"?: [...], "within": "<duration, e.g. 48h>"},
//    "expires"?: "none" | "holiday_end" | "<duration, e.g. 12h>", "enabled"?: true}
// At least one of groups/to. Does not check that groups and template exist (the caller does).
std::optional<Spec> parse_spec(const nlohmann::json& j, const TimeZone& tz,
                               std::vector<FieldError>& errors);
nlohmann::json to_json(const Spec& s, const TimeZone& tz);

// For a new definition (API body, config file), on top of parse_spec: the free texts
// ("description", the "params" names and values) must not hold control characters
// (common/text_check.hpp). Not part of parse_spec, which also reads stored definitions: one
// saved before this rule existed must keep firing.
void reject_control_characters_in_spec(const nlohmann::json& j, std::vector<FieldError>& errors);

// One firing of a schedule.
struct Occurrence {
  std::string key;  // stable identity: "at:<ms>", "cron:2026-12-01T09:30",
                    // "holiday:<break start YYYY-MM-DD>", "month:2026-12"
  UnixMs at = 0;    // when it fires
  std::optional<calendar::Holiday> holiday;  // the break, for holiday schedules
};

// Occurrences with at > after, in order, at most `count` (count <= 1000). Searches at most
// 10 years ahead.
std::vector<Occurrence> next_occurrences(const When& w, const calendar::Calendar& cal,
                                         const TimeZone& tz, UnixMs after, int count);
// Occurrences with from < at <= to, in order, at most `max` (the newest `max` if more).
std::vector<Occurrence> occurrences_between(const When& w, const calendar::Calendar& cal,
                                            const TimeZone& tz, UnixMs from, UnixMs to,
                                            int max);

// The template variables a holiday occurrence adds: holiday.name, holiday.start and
// holiday.end (YYYY-MM-DD, for the date_cn filter), holiday.days.
std::vector<std::pair<std::string, std::string>> holiday_params(const calendar::Holiday& h);

// When messages of an occurrence expire (nullopt = never).
std::optional<UnixMs> expiry_of(const Spec& s, const Occurrence& o, const TimeZone& tz);

}  // namespace smsgw::schedule
