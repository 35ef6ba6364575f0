#pragma once
// Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in local
// civil time. Syntax: numbers, `*`, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`;
// month names jan..dec and weekday names sun..sat (case-insensitive); day-of-week 0 or 7 =
// Sunday. Like Vixie cron, when both day-of-month and day-of-week are restricted a day
// matches if either does.

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

namespace smsgw::schedule {

struct LocalMinute {  // a local civil minute
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0;
  auto operator<=>(const LocalMinute&) const = default;
};

struct Cron {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;      // 1..31
  std::bitset<13> months;    // 1..12
  std::bitset<7> weekdays;   // 0 = Sunday
  bool days_restricted = false;
  bool weekdays_restricted = false;
  std::string text;  // normalised: single spaces between the five fields
};

// nullopt with `error` set ("field 2 (hour): 24 is out of range 0-23") if invalid.
std::optional<Cron> parse_cron(std::string_view text, std::string& error);

// The first matching local minute strictly after `after`; nullopt if none within 8 years
// (e.g. "0 0 30 2 *").
std::optional<LocalMinute> next_match(const Cron& cron, const LocalMinute& after);

}  // namespace smsgw::schedule
