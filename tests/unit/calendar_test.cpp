#include "calendar/calendar.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "calendar/builtin_years.hpp"
#include "calendar/lunar.hpp"

namespace smsgw::calendar {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Date D(int y, int m, int d) { return Date{y, m, d}; }

std::string dates(const std::vector<Date>& ds) {
  std::string out;
  for (const Date& d : ds) out += (out.empty() ? "" : ",") + to_string(d);
  return out;
}

const Calendar& official() {
  static const Calendar cal = Calendar::load_dir(std::string(SMSGW_SOURCE_DIR) + "/config/calendar");
  return cal;
}

std::string parse_error(const std::string& text) {
  try {
    Calendar::parse_year_file(text, "2026.toml");
  } catch (const CalendarError& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- Dates ------------------------------------------------------------------------------------

TEST(CalendarDate, DaysAndWeekdays) {
  EXPECT_EQ(to_days(D(1970, 1, 1)), 0);
  EXPECT_EQ(to_days(D(2000, 3, 1)), 11017);
  EXPECT_EQ(to_days(D(1969, 12, 31)), -1);
  for (std::int64_t n = -30000; n <= 50000; n += 7) EXPECT_EQ(to_days(from_days(n)), n);
  EXPECT_EQ(weekday(D(1970, 1, 1)), 4);
  EXPECT_EQ(weekday(D(1969, 12, 27)), 6);
  EXPECT_EQ(weekday(D(1901, 1, 1)), 2);
  EXPECT_EQ(weekday(D(2026, 2, 14)), 6);
  EXPECT_EQ(weekday(D(2026, 2, 16)), 1);
  EXPECT_EQ(to_string(add_days(D(2024, 2, 28), 1)), "2024-02-29");
  EXPECT_EQ(to_string(add_days(D(2100, 2, 28), 1)), "2100-03-01");
  EXPECT_EQ(days_in_month(2100, 2), 28);
  EXPECT_EQ(days_in_month(2000, 2), 29);
  EXPECT_EQ(days_in_month(2025, 4), 30);
  EXPECT_EQ(days_in_month(2025, 13), 0);
}

TEST(CalendarDate, ParseIsStrict) {
  EXPECT_EQ(parse_date("2026-02-14"), D(2026, 2, 14));
  EXPECT_EQ(parse_date("2024-02-29"), D(2024, 2, 29));
  for (const char* bad : {"2025-02-29", "2026-2-14", "2026-02-14 ", "2026/02/14", "2026-13-01",
                          "2026-00-10", "2026-04-31", "20260214", "", "２026-02-14", "2026-02-1x"}) {
    EXPECT_FALSE(parse_date(bad).has_value()) << bad;
  }
  EXPECT_EQ(to_string(D(987, 3, 4)), "0987-03-04");
}

TEST(CalendarFestival, FindByKeyOrName) {
  ASSERT_EQ(festivals().size(), 7u);
  EXPECT_EQ(festivals().front().key, "new_year");
  EXPECT_EQ(festivals().back().key, "national_day");
  EXPECT_EQ(find_festival("spring_festival")->name, "春节");
  EXPECT_EQ(find_festival("春节")->key, "spring_festival");
  EXPECT_EQ(find_festival("中秋节")->key, "mid_autumn");
  EXPECT_EQ(find_festival("中秋")->key, "mid_autumn");
  EXPECT_EQ(find_festival("清明")->key, "qingming");
  EXPECT_EQ(find_festival("国庆")->key, "national_day");
  EXPECT_EQ(find_festival("元旦")->key, "new_year");
  EXPECT_FALSE(find_festival("元").has_value());
  EXPECT_FALSE(find_festival("christmas").has_value());
  EXPECT_FALSE(find_festival("").has_value());
  EXPECT_FALSE(find_festival("节").has_value());
}

// ---- Official data ----------------------------------------------------------------------------

TEST(CalendarOfficial, ShippedFilesLoad) {
  const Calendar& cal = official();
  EXPECT_THAT(cal.official_years(), ElementsAre(2024, 2025, 2026));
  EXPECT_TRUE(cal.official(2026));
  EXPECT_FALSE(cal.official(2027));
  const YearCalendar& y = cal.year(2026);
  EXPECT_TRUE(y.official);
  EXPECT_EQ(y.source, "https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm");
  ASSERT_EQ(y.holidays.size(), 7u);
  EXPECT_EQ(y.holidays[1].name, "春节");
  EXPECT_EQ(y.holidays[1].days, 9);
  EXPECT_FALSE(y.holidays[1].estimated);
  EXPECT_EQ(dates(y.makeup_workdays), "2026-01-04,2026-02-14,2026-02-28,2026-05-09,2026-09-20,2026-10-10");
  const YearCalendar& y25 = cal.year(2025);
  ASSERT_EQ(y25.holidays.size(), 6u);
  EXPECT_EQ(y25.holidays[5].name, "国庆节、中秋节");
  EXPECT_THAT(y25.holidays[5].keys, ElementsAre("national_day", "mid_autumn"));
  EXPECT_EQ(y25.holidays[5].days, 8);
}

TEST(CalendarOfficial, Workdays) {
  const Calendar& cal = official();
  EXPECT_TRUE(cal.is_workday(D(2026, 2, 14)));   // Sat, 调休
  EXPECT_FALSE(cal.is_workday(D(2026, 2, 16)));  // Mon, 除夕
  EXPECT_FALSE(cal.is_workday(D(2026, 2, 15)));  // Sun inside the break
  EXPECT_FALSE(cal.is_workday(D(2026, 2, 23)));  // Mon, last day
  EXPECT_TRUE(cal.is_workday(D(2026, 2, 24)));
  EXPECT_TRUE(cal.is_workday(D(2026, 2, 28)));   // Sat, 调休
  EXPECT_FALSE(cal.is_workday(D(2026, 3, 1)));   // an ordinary Sunday
  EXPECT_FALSE(cal.is_workday(D(2025, 1, 1)));
  EXPECT_TRUE(cal.is_workday(D(2025, 1, 2)));
  EXPECT_TRUE(cal.is_workday(D(2024, 2, 4)));    // Sun, 调休
  EXPECT_TRUE(cal.is_workday(D(2024, 2, 9)));    // 2024 除夕 was not a statutory day off
  EXPECT_FALSE(cal.is_workday(D(2025, 10, 8)));  // Wed in the merged break
  EXPECT_TRUE(cal.is_workday(D(2025, 9, 28)));
  EXPECT_TRUE(cal.is_workday(D(2026, 1, 4)));
  EXPECT_FALSE(cal.is_workday(D(2026, 1, 2)));

  const DayInfo d = cal.day(D(2025, 10, 6));
  EXPECT_FALSE(d.workday);
  ASSERT_TRUE(d.holiday.has_value());
  EXPECT_EQ(d.holiday->name, "国庆节、中秋节");
  EXPECT_EQ(to_string(d.holiday->start), "2025-10-01");
  const DayInfo w = cal.day(D(2026, 2, 14));
  EXPECT_TRUE(w.workday);
  EXPECT_FALSE(w.holiday.has_value());
  EXPECT_EQ(w.date, D(2026, 2, 14));
}

TEST(CalendarOfficial, AddWorkdaysAcrossBreaks) {
  const Calendar& cal = official();
  EXPECT_EQ(to_string(cal.add_workdays(D(2026, 2, 15), -1)), "2026-02-14");
  EXPECT_EQ(to_string(cal.add_workdays(D(2026, 2, 17), -1)), "2026-02-14");
  EXPECT_EQ(to_string(cal.add_workdays(D(2026, 2, 15), -2)), "2026-02-13");
  EXPECT_EQ(to_string(cal.add_workdays(D(2026, 2, 14), 1)), "2026-02-24");
  EXPECT_EQ(to_string(cal.add_workdays(D(2026, 2, 13), 1)), "2026-02-14");
  EXPECT_EQ(to_string(cal.add_workdays(D(2025, 9, 30), 1)), "2025-10-09");
  EXPECT_EQ(to_string(cal.add_workdays(D(2025, 10, 1), -1)), "2025-09-30");
  EXPECT_EQ(to_string(cal.add_workdays(D(2024, 12, 31), 1)), "2025-01-02");  // across New Year
  EXPECT_EQ(to_string(cal.add_workdays(D(2026, 2, 15), 0)), "2026-02-15");
  // First workday of each month: the day before the 1st, plus one workday.
  EXPECT_EQ(to_string(cal.add_workdays(D(2025, 9, 30), 1)), "2025-10-09");
  EXPECT_EQ(to_string(cal.add_workdays(D(2026, 4, 30), 1)), "2026-05-06");
}

TEST(CalendarOfficial, HolidaysBetween) {
  const Calendar& cal = official();
  const auto hs = cal.holidays_between(D(2025, 12, 1), D(2026, 2, 28));
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[0].name, "元旦");
  EXPECT_EQ(to_string(hs[0].start), "2026-01-01");
  EXPECT_EQ(hs[1].name, "春节");
  // A break that only overlaps the window's edge is included.
  const auto edge = cal.holidays_between(D(2026, 2, 23), D(2026, 2, 23));
  ASSERT_EQ(edge.size(), 1u);
  EXPECT_EQ(edge[0].name, "春节");
  EXPECT_TRUE(cal.holidays_between(D(2026, 3, 1), D(2026, 3, 31)).empty());
  EXPECT_TRUE(cal.holidays_between(D(2026, 3, 1), D(2026, 2, 1)).empty());
  // Official 2026 and estimated 2027 together; the estimate is marked.
  const auto span = cal.holidays_between(D(2026, 12, 1), D(2027, 2, 28));
  ASSERT_EQ(span.size(), 2u);
  EXPECT_TRUE(span[0].estimated);
  EXPECT_EQ(span[0].name, "元旦");
  EXPECT_EQ(span[1].name, "春节");
}

// ---- Estimated years --------------------------------------------------------------------------

TEST(CalendarEstimate, YearsWithoutFilesAreEstimated) {
  const Calendar& cal = official();
  const YearCalendar& y = cal.year(2027);
  EXPECT_EQ(y.year, 2027);
  EXPECT_FALSE(y.official);
  EXPECT_TRUE(y.source.empty());
  ASSERT_EQ(y.holidays.size(), 7u);
  for (const Holiday& h : y.holidays) EXPECT_TRUE(h.estimated) << h.name;
  const DayInfo d = cal.day(D(2027, 2, 6));  // 春节 2027
  ASSERT_TRUE(d.holiday.has_value());
  EXPECT_TRUE(d.holiday->estimated);
  EXPECT_FALSE(d.workday);
  // Same object on the second call: cached.
  EXPECT_EQ(&cal.year(2027), &y);

  const Calendar none;
  EXPECT_TRUE(none.official_years().empty());
  EXPECT_FALSE(none.year(2026).official);
  EXPECT_FALSE(none.is_workday(D(2026, 2, 17)));
  EXPECT_TRUE(none.is_workday(D(2026, 3, 2)));

  const YearCalendar& out = cal.year(2101);
  EXPECT_FALSE(out.official);
  EXPECT_TRUE(out.holidays.empty());
  EXPECT_FALSE(cal.in_range(1900));
  EXPECT_TRUE(cal.is_workday(D(2101, 1, 3)));  // a Monday, no data: plain weekday rule
}

TEST(CalendarEstimate, KnownLayout2027) {
  const YearCalendar y = estimate_year(2027);
  std::vector<std::string> got;
  for (const Holiday& h : y.holidays) got.push_back(h.name + " " + to_string(h.start) + "/" + to_string(h.end));
  EXPECT_THAT(got, ElementsAre("元旦 2027-01-01/2027-01-03", "春节 2027-02-05/2027-02-12",
                               "清明节 2027-04-03/2027-04-05", "劳动节 2027-05-01/2027-05-05",
                               "端午节 2027-06-09/2027-06-09", "中秋节 2027-09-15/2027-09-15",
                               "国庆节 2027-10-01/2027-10-07"));
  EXPECT_EQ(dates(y.makeup_workdays), "2027-02-13,2027-02-14,2027-05-08,2027-10-09,2027-10-10");
}

TEST(CalendarEstimate, NewYearOnTuesdayStartsInDecember) {
  // 2030-01-01 is a Tuesday: Sun 2029-12-30 to Tue 2030-01-01, make up Sat 2029-12-29.
  const Calendar cal;
  const YearCalendar& y = cal.year(2030);
  ASSERT_FALSE(y.holidays.empty());
  EXPECT_EQ(to_string(y.holidays[0].start), "2029-12-30");
  EXPECT_EQ(to_string(y.holidays[0].end), "2030-01-01");
  const DayInfo d = cal.day(D(2029, 12, 31));
  EXPECT_FALSE(d.workday);
  ASSERT_TRUE(d.holiday.has_value());
  EXPECT_EQ(d.holiday->name, "元旦");
  EXPECT_TRUE(cal.is_workday(D(2029, 12, 29)));
  EXPECT_EQ(to_string(cal.add_workdays(D(2029, 12, 28), 1)), "2029-12-29");
}

TEST(CalendarEstimate, MergedNationalDayAndMidAutumn) {
  const YearCalendar y = estimate_year(2028);  // 中秋 2028-10-03
  const auto it = std::find_if(y.holidays.begin(), y.holidays.end(),
                               [](const Holiday& h) { return h.name == "国庆节、中秋节"; });
  ASSERT_NE(it, y.holidays.end());
  EXPECT_THAT(it->keys, ElementsAre("national_day", "mid_autumn"));
  EXPECT_EQ(to_string(it->start), "2028-10-01");
  EXPECT_EQ(it->days, 8);
  const YearCalendar y31 = estimate_year(2031);  // 中秋 2031-10-01
  EXPECT_TRUE(std::any_of(y31.holidays.begin(), y31.holidays.end(),
                          [](const Holiday& h) { return h.name == "国庆节、中秋节"; }));
}

TEST(CalendarEstimate, EveryYearIsConsistent) {
  for (int year = kFirstYear; year <= kLastYear; ++year) {
    SCOPED_TRACE(year);
    const YearCalendar y = estimate_year(year);
    const FestivalDates f = *festival_dates(year);
    ASSERT_GE(y.holidays.size(), 6u);
    for (std::size_t i = 0; i < y.holidays.size(); ++i) {
      const Holiday& h = y.holidays[i];
      EXPECT_EQ(h.days, to_days(h.end) - to_days(h.start) + 1);
      if (i > 0) {
        EXPECT_LT(y.holidays[i - 1].end, h.start);
        // At least one workday between two breaks, or "N workdays before every holiday"
        // fires for both at the same minute (中秋 on Thu-Sat Sep 28, as in 1925).
        bool workday_between = false;
        for (Date d = add_days(y.holidays[i - 1].end, 1); d < h.start; d = add_days(d, 1)) {
          const bool makeup = std::find(y.makeup_workdays.begin(), y.makeup_workdays.end(), d) !=
                              y.makeup_workdays.end();
          if ((weekday(d) != 0 && weekday(d) != 6) || makeup) workday_between = true;
        }
        EXPECT_TRUE(workday_between) << to_string(y.holidays[i - 1].end) << " " << to_string(h.start);
      }
      for (const std::string& key : h.keys) {
        std::optional<Date> fd;
        if (key == "new_year") fd = D(year, 1, 1);
        if (key == "spring_festival") fd = f.spring_festival;
        if (key == "qingming") fd = f.qingming;
        if (key == "labour_day") fd = D(year, 5, 1);
        if (key == "dragon_boat") fd = f.dragon_boat;
        if (key == "mid_autumn") fd = f.mid_autumn;
        if (key == "national_day") fd = D(year, 10, 1);
        ASSERT_TRUE(fd.has_value()) << key;
        EXPECT_LE(h.start, *fd) << key;
        EXPECT_GE(h.end, *fd) << key;
      }
      if (h.keys[0] == "spring_festival") {
        EXPECT_EQ(h.start, f.new_years_eve);
        EXPECT_EQ(h.days, 8);
      }
    }
    for (const Date& m : y.makeup_workdays) {
      EXPECT_TRUE(weekday(m) == 0 || weekday(m) == 6) << to_string(m);
      for (const Holiday& h : y.holidays) EXPECT_TRUE(m < h.start || m > h.end) << to_string(m);
    }
  }
}

// The 2025 and 2026 notices against the estimate: same breaks, festival days inside both; the
// known differences (extent, or the make-up days within 14 days of the break) are pinned so a
// change to the rules shows up here:
//   2025 春节  make-up official 01-26, 02-08; estimated 01-25, 01-26
//   2026 春节  official 02-15..02-23 (9 days), make-up 02-14, 02-28; estimated 02-16..02-23,
//              make-up 02-14, 02-15
//   2026 中秋节/国庆节  make-up official 09-20, 10-10; estimated 10-10, 10-11
TEST(CalendarEstimate, ComparedWithOfficial2025And2026) {
  const Calendar& cal = official();
  std::vector<std::string> differ;
  for (int year : {2025, 2026}) {
    const YearCalendar& off = cal.year(year);
    const YearCalendar est = estimate_year(year);
    ASSERT_EQ(off.holidays.size(), est.holidays.size());
    for (std::size_t i = 0; i < off.holidays.size(); ++i) {
      const Holiday& o = off.holidays[i];
      const Holiday& e = est.holidays[i];
      EXPECT_EQ(o.name, e.name);
      EXPECT_EQ(o.keys, e.keys);
      auto makeup_near = [](const YearCalendar& y, const Holiday& h) {
        std::vector<Date> out;
        for (const Date& m : y.makeup_workdays) {
          if (to_days(m) >= to_days(h.start) - 14 && to_days(m) <= to_days(h.end) + 14) out.push_back(m);
        }
        return dates(out);
      };
      if (o.start != e.start || o.end != e.end || makeup_near(off, o) != makeup_near(est, e)) {
        differ.push_back(std::to_string(year) + " " + o.name + ": official " + to_string(o.start) + "/" +
                         to_string(o.end) + " [" + makeup_near(off, o) + "], estimated " +
                         to_string(e.start) + "/" + to_string(e.end) + " [" + makeup_near(est, e) + "]");
      }
    }
  }
  for (const std::string& d : differ) std::printf("estimate differs: %s\n", d.c_str());
  EXPECT_THAT(differ,
              ElementsAre(HasSubstr("2025 春节"), HasSubstr("2026 春节"), HasSubstr("2026 中秋节"),
                          HasSubstr("2026 国庆节")));
}

TEST(CalendarEstimate, ConcurrentReadersShareOneEstimate) {
  const Calendar cal;
  std::vector<const YearCalendar*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int y = 1901; y <= 2100; ++y) {
        const YearCalendar& yc = cal.year(y);
        if (y == 2050) seen[t] = &yc;
        (void)cal.is_workday(D(y, 6, 1));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const YearCalendar* p : seen) EXPECT_EQ(p, seen[0]);
  EXPECT_EQ(seen[0]->year, 2050);
}

// ---- Parse errors -----------------------------------------------------------------------------

const char* kGood = R"(year = 2026
source = "https://example.invalid/notice"

[[holidays]]
name = "春节"
festivals = ["spring_festival"]
start = 2026-02-15
end = 2026-02-23
makeup_workdays = [2026-02-14, 2026-02-28]
)";

TEST(CalendarParse, GoodFile) {
  const YearCalendar y = Calendar::parse_year_file(kGood, "2026.toml");
  EXPECT_EQ(y.year, 2026);
  EXPECT_TRUE(y.official);
  ASSERT_EQ(y.holidays.size(), 1u);
  EXPECT_EQ(y.holidays[0].days, 9);
  EXPECT_EQ(dates(y.makeup_workdays), "2026-02-14,2026-02-28");
  // Festival names work as well as keys.
  std::string by_name = kGood;
  by_name.replace(by_name.find("\"spring_festival\""), 17, "\"春节\"");
  EXPECT_EQ(Calendar::parse_year_file(by_name, "2026.toml").holidays[0].keys[0], "spring_festival");
}

TEST(CalendarParse, ErrorsNameFileAndLine) {
  EXPECT_EQ(parse_error(std::string(kGood) + "colour = 1\n"),
            "2026.toml:10: unknown key \"colour\" in [[holidays]] (expected name, festivals, start, end, "
            "makeup_workdays)");
  EXPECT_THAT(parse_error("year = 2026\nholiday = []\n[[holidays]]\nname=\"x\"\n"),
              HasSubstr("2026.toml:2: unknown key \"holiday\""));
  EXPECT_THAT(parse_error("year = 2026\nsource = \"x\n"), HasSubstr("2026.toml:2: "));
  EXPECT_THAT(parse_error("year = 2026\n[[holidays]]\nname = \"春节\"\nfestivals = [\"spring_festival\"]\n"
                          "start = 2026-02-23\nend = 2026-02-15\n"),
              HasSubstr("2026.toml:5: start 2026-02-23 is after end 2026-02-15"));
  EXPECT_THAT(parse_error("year = 2026\n[[holidays]]\nname = \"x\"\nfestivals = [\"christmas\"]\n"
                          "start = 2026-12-25\nend = 2026-12-25\n"),
              HasSubstr("2026.toml:4: unknown festival \"christmas\""));
  EXPECT_THAT(parse_error("year = 2026\n[[holidays]]\nname = \"春节\"\nfestivals = [\"spring_festival\"]\n"
                          "start = \"2026-02-15\"\nend = 2026-02-23\n"),
              HasSubstr("2026.toml:5: \"start\" must be a date"));
  EXPECT_THAT(parse_error(std::string(kGood) + "\n[[holidays]]\nname = \"元宵\"\nfestivals = [\"qingming\"]\n"
                                               "start = 2026-02-20\nend = 2026-04-06\n"),
              HasSubstr("2026.toml:14: break \"元宵\" overlaps \"春节\""));
  EXPECT_THAT(parse_error("year = 2026\n[[holidays]]\nname = \"春节\"\nfestivals = [\"spring_festival\"]\n"
                          "start = 2026-02-15\nend = 2026-02-23\nmakeup_workdays = [2026-02-21]\n"),
              HasSubstr("2026.toml:7: make-up workday 2026-02-21 is inside the break \"春节\""));
  EXPECT_THAT(parse_error("year = 2026\n[[holidays]]\nname = \"春节\"\nfestivals = [\"spring_festival\"]\n"
                          "start = 2026-02-15\nend = 2026-02-23\nmakeup_workdays = [2026-02-24]\n"),
              HasSubstr("2026.toml:7: make-up workday 2026-02-24 is a weekday"));
  EXPECT_THAT(parse_error("year = 2026\n[[holidays]]\nname = \"春节\"\nfestivals = [\"spring_festival\"]\n"
                          "start = 2027-02-15\nend = 2027-02-23\n"),
              HasSubstr("2026.toml:5: start 2027-02-15 is not in 2026"));
  // 调休 in the adjacent December/January is fine, further away is not.
  EXPECT_NO_THROW(Calendar::parse_year_file(
      "year = 2026\n[[holidays]]\nname = \"元旦\"\nfestivals = [\"new_year\"]\n"
      "start = 2025-12-30\nend = 2026-01-01\nmakeup_workdays = [2025-12-27]\n",
      "2026.toml"));
  EXPECT_THAT(parse_error("year = 2026\n[[holidays]]\nname = \"元旦\"\nfestivals = [\"new_year\"]\n"
                          "start = 2026-01-01\nend = 2026-01-01\nmakeup_workdays = [2025-11-29]\n"),
              HasSubstr("2026.toml:7: make-up workday 2025-11-29 is not in 2026"));
  // A typo'd date that misses the festival.
  EXPECT_THAT(parse_error("year = 2026\n[[holidays]]\nname = \"清明节\"\nfestivals = [\"qingming\"]\n"
                          "start = 2026-04-14\nend = 2026-04-16\n"),
              HasSubstr("2026.toml:5: break \"清明节\" (2026-04-14 to 2026-04-16) does not contain qingming "
                        "(2026-04-05)"));
  EXPECT_THAT(parse_error("source = \"x\"\n[[holidays]]\n"), HasSubstr("2026.toml:1: missing key \"year\""));
  // Every problem is reported, one per line.
  const std::string two = parse_error("year = 2026\nfoo = 1\nbar = 2\n[[holidays]]\nname = \"x\"\n"
                                      "festivals = [\"qingming\"]\nstart = 2026-04-04\nend = 2026-04-06\n");
  EXPECT_THAT(two, HasSubstr("2026.toml:2: unknown key \"foo\""));
  EXPECT_THAT(two, HasSubstr("\n2026.toml:3: unknown key \"bar\""));
}

class CalendarDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("smsgw-calendar-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(CalendarDir, YearMustMatchFileName) {
  write("2027.toml", kGood);
  write("README.md", "not data");
  try {
    Calendar::load_dir(dir_.string());
    FAIL() << "expected an error";
  } catch (const CalendarError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir_ / "2027.toml").string() + ":1: year = 2026 but the file is named 2027.toml");
  }
}

TEST_F(CalendarDir, ErrorsFromEveryBadFile) {
  write("2025.toml", "year = 2025\n[[holidays]]\nnope = 1\n");
  write("2026.toml", kGood);
  write("2027.toml", "year = 2027\n[[holidays]\n");
  try {
    Calendar::load_dir(dir_.string());
    FAIL() << "expected an error";
  } catch (const CalendarError& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr((dir_ / "2025.toml").string() + ":3: unknown key \"nope\""));
    EXPECT_THAT(what, HasSubstr((dir_ / "2027.toml").string() + ":2: "));
    EXPECT_THAT(what, ::testing::Not(HasSubstr("2026.toml")));
  }
}

TEST_F(CalendarDir, LoadsGoodFilesAndIgnoresOthers) {
  write("2026.toml", kGood);
  write("2026.toml~", "garbage");
  write("notes.toml", "garbage");
  const Calendar cal = Calendar::load_dir(dir_.string());
  EXPECT_THAT(cal.official_years(), ElementsAre(2026));
  EXPECT_TRUE(cal.is_workday(D(2026, 2, 14)));
  // Breaks the file does not list are simply not there: an official year is taken as given.
  EXPECT_TRUE(cal.is_workday(D(2026, 10, 2)));
  EXPECT_THROW(Calendar::load_dir((dir_ / "missing").string()), CalendarError);
}

// ---- Built-in years ---------------------------------------------------------------------------

// Next year's notice, abridged: enough for an official file that passes the checks.
const char* k2027 = R"(year = 2027
[[holidays]]
name = "春节"
festivals = ["spring_festival"]
start = 2027-02-05
end = 2027-02-13
makeup_workdays = [2027-02-20]
)";

void expect_official_spring_festival_2026(const Calendar& cal) {
  ASSERT_TRUE(cal.official(2026));
  const YearCalendar& y = cal.year(2026);
  EXPECT_TRUE(y.official);
  EXPECT_EQ(y.source, "https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm");
  const auto sf = std::find_if(y.holidays.begin(), y.holidays.end(),
                               [](const Holiday& h) { return h.name == "春节"; });
  ASSERT_NE(sf, y.holidays.end());
  EXPECT_EQ(to_string(sf->start), "2026-02-15");
  EXPECT_EQ(to_string(sf->end), "2026-02-23");
  EXPECT_FALSE(sf->estimated);
  EXPECT_TRUE(cal.is_workday(D(2026, 2, 14)));   // Sat, 调休
  EXPECT_TRUE(cal.is_workday(D(2026, 2, 28)));   // Sat, 调休
  EXPECT_FALSE(cal.is_workday(D(2026, 2, 15)));  // the estimate would start on the 16th
  EXPECT_EQ(dates(y.makeup_workdays), "2026-01-04,2026-02-14,2026-02-28,2026-05-09,2026-09-20,2026-10-10");
}

TEST(CalendarBuiltin, ShippedYearsNeedNoFolder) {
  const Calendar cal = Calendar::builtin();
  EXPECT_THAT(cal.official_years(), ElementsAre(2024, 2025, 2026));
  expect_official_spring_festival_2026(cal);
  EXPECT_EQ(cal.year(2026).file, "");  // built in
  EXPECT_FALSE(cal.official(2027));
  EXPECT_TRUE(cal.overrides().empty());
  // calendar_dir = "": what smsgwd runs with.
  const Calendar none = Calendar::load("");
  EXPECT_THAT(none.official_years(), ElementsAre(2024, 2025, 2026));
  expect_official_spring_festival_2026(none);
}

// A year added to config/calendar/ but not to SMSGW_CALENDAR_YEARS would be installed yet not
// built in; and the built-in text must be the file's, not a stale copy.
TEST(CalendarBuiltin, EveryShippedFileIsBuiltInVerbatim) {
  std::vector<int> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(SMSGW_SOURCE_DIR "/config/calendar")) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 9 && name.ends_with(".toml")) on_disk.push_back(std::stoi(name.substr(0, 4)));
  }
  std::sort(on_disk.begin(), on_disk.end());
  std::vector<int> built_in;
  for (const BuiltinYearFile& f : builtin_year_files()) {
    built_in.push_back(f.year);
    std::ifstream in(std::string(SMSGW_SOURCE_DIR) + "/" + std::string(f.path), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), f.text) << f.path;
  }
  EXPECT_EQ(built_in, on_disk);
}

TEST_F(CalendarDir, FilesAddYearsAndOverrideBuiltInOnes) {
  std::filesystem::copy_file(SMSGW_SOURCE_DIR "/config/calendar/2025.toml", dir_ / "2025.toml");
  // A corrected 2026 that moves 春节 (kGood has only that break).
  write("2026.toml", kGood);
  write("2027.toml", k2027);
  const Calendar cal = Calendar::load(dir_.string());
  EXPECT_THAT(cal.official_years(), ElementsAre(2024, 2025, 2026, 2027));
  EXPECT_EQ(cal.year(2024).file, "");
  EXPECT_EQ(cal.year(2026).file, (dir_ / "2026.toml").string());
  EXPECT_EQ(cal.year(2026).source, "https://example.invalid/notice");
  EXPECT_EQ(cal.year(2026).holidays.size(), 1u);  // the file's, not the built-in's
  EXPECT_TRUE(cal.is_workday(D(2026, 10, 2)));
  EXPECT_EQ(cal.year(2027).file, (dir_ / "2027.toml").string());
  EXPECT_TRUE(cal.is_workday(D(2027, 2, 20)));
  ASSERT_EQ(cal.overrides().size(), 2u);
  EXPECT_EQ(cal.overrides()[0].year, 2025);
  EXPECT_EQ(cal.overrides()[0].file, (dir_ / "2025.toml").string());
  EXPECT_TRUE(cal.overrides()[0].same_data);
  EXPECT_EQ(cal.overrides()[1].year, 2026);
  EXPECT_FALSE(cal.overrides()[1].same_data);

  EXPECT_THROW(Calendar::load((dir_ / "missing").string()), CalendarError);
  write("2028.toml", "year = 2028\n");
  try {
    Calendar::load(dir_.string());
    FAIL() << "expected an error";
  } catch (const CalendarError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr((dir_ / "2028.toml").string() + ":1: missing [[holidays]]"));
  }
}

// Found by fuzz_calendar_file: toml++'s "saw 't<newline>'" split one problem over two lines of
// the CalendarError. Control characters are escaped, so each line is one whole problem.
TEST(CalendarParse, ProblemsAreOnePrintableLine) {
  try {
    Calendar::parse_year_file("6=t\n4=4", "2026.toml");
    ADD_FAILURE() << "parsed";
  } catch (const CalendarError& e) {
    EXPECT_STREQ(e.what(), "2026.toml:1: Error while parsing boolean: expected 'true', saw 't\\n'");
  }
  try {
    Calendar::parse_year_file("year = 2026\n\"a\\u001bb\" = 1\n[[holidays]]\n", "2026.toml");
    ADD_FAILURE() << "parsed";
  } catch (const CalendarError& e) {
    EXPECT_THAT(e.what(), HasSubstr("2026.toml:2: unknown key \"a\\x1bb\""));
  }
}

}  // namespace
}  // namespace smsgw::calendar
