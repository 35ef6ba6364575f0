// calendar::Calendar::parse_year_file on arbitrary text: it returns a year or throws
// CalendarError, and nothing else; every problem is one printable line "fuzz.toml:LINE: ..."
// inside the text.
// An accepted year has sorted breaks inside the year, each its days long, and a Calendar built
// from it answers every day of the year and adds workdays in both directions.

#include "calendar/calendar.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;
using namespace smsgw::calendar;

namespace {

void check_year(const YearCalendar& y) {
  FUZZ_CHECK(y.official);
  FUZZ_CHECK(y.year >= kFirstYear && y.year <= kLastYear);
  for (std::size_t i = 0; i < y.holidays.size(); ++i) {
    const Holiday& h = y.holidays[i];
    FUZZ_CHECK(h.start <= h.end);
    FUZZ_CHECK(h.days == to_days(h.end) - to_days(h.start) + 1);
    if (i > 0) FUZZ_CHECK(y.holidays[i - 1].start <= h.start);
  }
  for (std::size_t i = 1; i < y.makeup_workdays.size(); ++i)
    FUZZ_CHECK(y.makeup_workdays[i - 1] <= y.makeup_workdays[i]);

  const Calendar cal({y});
  FUZZ_CHECK(cal.official(y.year));
  const Date first{y.year, 1, 1};
  const Date last{y.year, 12, 31};
  for (Date d = first; d <= last; d = add_days(d, 1)) {
    const DayInfo info = cal.day(d);
    FUZZ_CHECK(info.date == d);
    FUZZ_CHECK(info.workday == cal.is_workday(d));
    if (info.holiday) FUZZ_CHECK(info.holiday->start <= d && d <= info.holiday->end);
  }
  for (const Holiday& h : cal.holidays_between(first, last)) FUZZ_CHECK(h.start <= last && h.end >= first);
  const Date mid{y.year, 6, 15};
  for (int n : {-30, -1, 1, 30}) {
    const Date d = cal.add_workdays(mid, n);
    FUZZ_CHECK(n > 0 ? d > mid : d < mid);
    FUZZ_CHECK(cal.is_workday(d));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const std::string source = "fuzz.toml";
  try {
    check_year(Calendar::parse_year_file(text, source));
  } catch (const CalendarError& e) {
    const std::string all = e.what();
    const std::size_t lines = fuzz::count_lines(text);
    std::string_view rest = all;
    while (!rest.empty()) {
      const std::string_view p = fuzz::take_line(rest);
      if (!p.starts_with(source + ":")) FUZZ_FAIL("problem without the file name: " + all);
      if (!fuzz::printable_line(p)) FUZZ_FAIL("control characters in: " + std::string(p));
      if (fuzz::line_of_problem(p, source) > lines)
        FUZZ_FAIL("problem past the last line: " + std::string(p));
    }
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("not a CalendarError: ") + e.what());
  }
  return 0;
}
