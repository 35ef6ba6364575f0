// parse_cron and next_match on arbitrary text ("expression" or "expression\nYYYY-MM-DD HH:MM"):
// the normalised text parses to the same expression, and successive matches are valid civil
// minutes that satisfy every field, strictly increase, and end within the 8-year horizon.

#include <charconv>

#include "calendar/calendar.hpp"
#include "fuzz_check.hpp"
#include "schedule/cron.hpp"

using namespace smsgw;
using schedule::Cron;
using schedule::LocalMinute;

namespace {

// "YYYY-MM-DD HH:MM" with any numbers (the matcher must cope with odd start points too, as
// long as they are real minutes); nullopt otherwise.
std::optional<LocalMinute> parse_start(std::string_view s) {
  int v[5];
  const char* p = s.data();
  const char* end = s.data() + s.size();
  for (int i = 0; i < 5; ++i) {
    auto [next, ec] = std::from_chars(p, end, v[i]);
    if (ec != std::errc()) return std::nullopt;
    p = next;
    if (i < 4) {
      if (p == end) return std::nullopt;
      ++p;
    }
  }
  LocalMinute m{v[0], v[1], v[2], v[3], v[4]};
  if (m.year < 1 || m.year > 9999 || m.month < 1 || m.month > 12 || m.day < 1 ||
      m.day > calendar::days_in_month(m.year, m.month) || m.hour < 0 || m.hour > 23 ||
      m.minute < 0 || m.minute > 59)
    return std::nullopt;
  return m;
}

bool day_matches(const Cron& c, const LocalMinute& m) {
  const bool dom = c.days.test(static_cast<std::size_t>(m.day));
  const bool dow = c.weekdays.test(
      static_cast<std::size_t>(calendar::weekday({m.year, m.month, m.day})));
  if (c.days_restricted && c.weekdays_restricted) return dom || dow;
  return dom && dow;  // an unrestricted field has every bit set
}

void check_match(const Cron& c, const LocalMinute& m) {
  FUZZ_CHECK(m.month >= 1 && m.month <= 12);
  FUZZ_CHECK(m.day >= 1 && m.day <= calendar::days_in_month(m.year, m.month));
  FUZZ_CHECK(m.hour >= 0 && m.hour <= 23 && m.minute >= 0 && m.minute <= 59);
  FUZZ_CHECK(c.months.test(static_cast<std::size_t>(m.month)));
  FUZZ_CHECK(c.hours.test(static_cast<std::size_t>(m.hour)));
  FUZZ_CHECK(c.minutes.test(static_cast<std::size_t>(m.minute)));
  FUZZ_CHECK(day_matches(c, m));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  const std::string_view expr = fuzz::take_line(input);
  std::string error;
  const auto c = schedule::parse_cron(expr, error);
  if (!c) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  std::string again_error;
  const auto again = schedule::parse_cron(c->text, again_error);
  if (!again) FUZZ_FAIL("normalised \"" + c->text + "\" does not parse: " + again_error);
  FUZZ_CHECK(again->text == c->text);
  FUZZ_CHECK(again->minutes == c->minutes && again->hours == c->hours &&
             again->days == c->days && again->months == c->months &&
             again->weekdays == c->weekdays);
  FUZZ_CHECK(again->days_restricted == c->days_restricted &&
             again->weekdays_restricted == c->weekdays_restricted);
  FUZZ_CHECK(c->minutes.any() && c->hours.any() && c->months.any());

  LocalMinute cur = parse_start(fuzz::take_line(input)).value_or(LocalMinute{2026, 11, 26, 9, 30});
  for (int i = 0; i < 50; ++i) {
    const auto next = schedule::next_match(*c, cur);
    if (!next) break;
    FUZZ_CHECK(*next > cur);
    FUZZ_CHECK(next->year <= cur.year + 8);
    check_match(*c, *next);
    cur = *next;
  }
  return 0;
}
