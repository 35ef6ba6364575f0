#include "calendar/calendar.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <toml++/toml.h>

#include "calendar/builtin_years.hpp"
#include "calendar/lunar.hpp"
#include "config/toml_names.hpp"

namespace smsgw::calendar {

// ---- Dates --------------------------------------------------------------------------------

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian
// calendar, no table and no time zone.
std::int64_t to_days(Date d) noexcept {
  const std::int64_t y = static_cast<std::int64_t>(d.year) - (d.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (d.month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date from_days(std::int64_t days) noexcept {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return Date{year, month, day};
}

Date add_days(Date d, std::int64_t n) noexcept { return from_days(to_days(d) + n); }

int weekday(Date d) noexcept {
  const std::int64_t n = to_days(d);  // 1970-01-01 was a Thursday (4)
  return static_cast<int>(((n + 4) % 7 + 7) % 7);
}

int days_in_month(int year, int month) noexcept {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[static_cast<std::size_t>(month - 1)];
}

std::optional<Date> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto number = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const auto y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) {
    return std::nullopt;
  }
  return Date{*y, *m, *d};
}

std::string to_string(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

// ---- Festivals ----------------------------------------------------------------------------

const std::vector<Festival>& festivals() {
  static const std::vector<Festival> kFestivals = {
      {"new_year", "元旦"},      {"spring_festival", "春节"}, {"qingming", "清明节"},
      {"labour_day", "劳动节"},  {"dragon_boat", "端午节"},   {"mid_autumn", "中秋节"},
      {"national_day", "国庆节"},
  };
  return kFestivals;
}

std::optional<Festival> find_festival(std::string_view key_or_name) {
  constexpr std::string_view kJie = "节";
  for (const Festival& f : festivals()) {
    if (key_or_name == f.key || key_or_name == f.name) return f;
    if (f.name.size() > kJie.size() && f.name.ends_with(kJie) &&
        key_or_name == f.name.substr(0, f.name.size() - kJie.size())) {
      return f;
    }
  }
  return std::nullopt;
}

namespace {

bool is_weekend(Date d) noexcept {
  const int w = weekday(d);
  return w == 0 || w == 6;
}

std::int64_t days_between(Date from, Date to) noexcept { return to_days(to) - to_days(from); }

Holiday make_holiday(std::string name, std::vector<std::string> keys, Date start, Date end,
                     bool estimated) {
  Holiday h;
  h.name = std::move(name);
  h.keys = std::move(keys);
  h.start = start;
  h.end = end;
  h.days = static_cast<int>(days_between(start, end) + 1);
  h.estimated = estimated;
  return h;
}

// The date a festival key stands for in a Gregorian year (used to check that a break covers
// its festival).
std::optional<Date> festival_date(std::string_view key, int year) {
  if (key == "new_year") return Date{year, 1, 1};
  if (key == "labour_day") return Date{year, 5, 1};
  if (key == "national_day") return Date{year, 10, 1};
  const auto f = festival_dates(year);
  if (!f) return std::nullopt;
  if (key == "spring_festival") return f->spring_festival;
  if (key == "qingming") return f->qingming;
  if (key == "dragon_boat") return f->dragon_boat;
  if (key == "mid_autumn") return f->mid_autumn;
  return std::nullopt;
}

// ---- Data files ---------------------------------------------------------------------------

std::size_t line_of(const toml::node* node) noexcept {
  return node != nullptr && node->source().begin ? node->source().begin.line : 0;
}

class FileParser {
 public:
  explicit FileParser(std::string file) : file_(std::move(file)) {}

  YearCalendar parse(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, std::string_view(file_));
    } catch (const toml::parse_error& e) {
      report(e.source().begin ? e.source().begin.line : 0, std::string(e.description()));
      throw_if_problems();
    }
    YearCalendar out;
    out.official = true;
    for (const auto& [key, node] : root) {
      if (key != "year" && key != "source" && key != "holidays") {
        report(line_of(&node), "unknown key \"" + std::string(key.str()) +
                                   "\" (expected year, source, holidays)");
      }
    }
    const toml::node* year = root.get("year");
    if (year == nullptr) {
      report(1, "missing key \"year\"");
    } else if (!year->is_integer()) {
      report(line_of(year), "\"year\" must be an integer");
    } else {
      const std::int64_t y = year->as_integer()->get();
      if (y < kFirstYear || y > kLastYear) {
        report(line_of(year), "year " + std::to_string(y) + " is outside " +
                                  std::to_string(kFirstYear) + "-" + std::to_string(kLastYear));
      } else {
        out.year = static_cast<int>(y);
      }
    }
    if (const toml::node* source = root.get("source")) {
      if (!source->is_string()) {
        report(line_of(source), "\"source\" must be a string (the notice's URL)");
      } else {
        out.source = source->as_string()->get();
      }
    }
    const toml::node* holidays = root.get("holidays");
    if (holidays == nullptr) {
      report(1, "missing [[holidays]]");
    } else if (!holidays->is_array_of_tables()) {
      report(line_of(holidays), "\"holidays\" must be an array of tables ([[holidays]])");
    } else if (out.year != 0) {
      for (const toml::node& h : *holidays->as_array()) read_holiday(*h.as_table(), out);
      check_year(out);
    }
    throw_if_problems();
    return out;
  }

 private:
  void report(std::size_t line, const std::string& message) {
    std::string p = file_;
    if (line > 0) p += ":" + std::to_string(line);
    p += ": " + message;
    problems_.emplace_back(line, config::escape_controls(p));
  }

  // In file order: toml++ tables iterate by key, not by line.
  void throw_if_problems() {
    if (problems_.empty()) return;
    std::stable_sort(problems_.begin(), problems_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string all;
    for (const auto& p : problems_) all += (all.empty() ? "" : "\n") + p.second;
    throw CalendarError(all);
  }

  std::optional<Date> read_date(const toml::node* node, std::string_view what) {
    if (node == nullptr) return std::nullopt;
    if (!node->is_date()) {
      report(line_of(node), std::string(what) + " must be a date like 2026-02-15 (unquoted)");
      return std::nullopt;
    }
    const toml::date d = node->as_date()->get();
    return Date{d.year, d.month, d.day};
  }

  void read_holiday(const toml::table& t, YearCalendar& out) {
    const std::size_t line = line_of(&t);
    for (const auto& [key, node] : t) {
      if (key != "name" && key != "festivals" && key != "start" && key != "end" &&
          key != "makeup_workdays") {
        report(line_of(&node), "unknown key \"" + std::string(key.str()) +
                                   "\" in [[holidays]] (expected name, festivals, start, end, "
                                   "makeup_workdays)");
      }
    }
    Holiday h;
    h.estimated = false;
    bool ok = true;
    const toml::node* name = t.get("name");
    if (name == nullptr || !name->is_string() || name->as_string()->get().empty()) {
      report(name ? line_of(name) : line, "[[holidays]] needs a non-empty \"name\" string");
      ok = false;
    } else {
      h.name = name->as_string()->get();
    }
    const toml::node* fests = t.get("festivals");
    if (fests == nullptr || !fests->is_array() || fests->as_array()->empty()) {
      report(fests ? line_of(fests) : line,
             "[[holidays]] needs \"festivals\", a list of festival keys such as "
             "[\"spring_festival\"]");
      ok = false;
    } else {
      for (const toml::node& f : *fests->as_array()) {
        const auto* s = f.as_string();
        const auto festival = s ? find_festival(s->get()) : std::nullopt;
        if (!festival) {
          report(line_of(&f), "unknown festival " + (s ? "\"" + s->get() + "\"" : "(not a string)") +
                                  " (expected new_year, spring_festival, qingming, labour_day, "
                                  "dragon_boat, mid_autumn, national_day)");
          ok = false;
          continue;
        }
        const std::string key(festival->key);
        if (!festival_lines_.emplace(key, line_of(&f)).second) {
          report(line_of(&f), "festival " + key + " is already covered by another break");
          ok = false;
        }
        h.keys.push_back(key);
      }
    }
    const toml::node* start_node = t.get("start");
    const toml::node* end_node = t.get("end");
    if (start_node == nullptr) report(line, "[[holidays]] needs \"start\"");
    if (end_node == nullptr) report(line, "[[holidays]] needs \"end\"");
    const auto start = read_date(start_node, "\"start\"");
    const auto end = read_date(end_node, "\"end\"");
    if (!start || !end) ok = false;
    if (start && end) {
      if (*start > *end) {
        report(line_of(start_node), "start " + to_string(*start) + " is after end " + to_string(*end));
        ok = false;
      }
      // A break belongs to the year of its festival; only a 元旦 break may begin in the
      // previous December (the 2008 notice: 2007-12-30 to 2008-01-01).
      const bool start_ok = start->year == out.year || (start->year == out.year - 1 && start->month == 12);
      if (!start_ok) {
        report(line_of(start_node), "start " + to_string(*start) + " is not in " +
                                        std::to_string(out.year) + " (or the December before)");
        ok = false;
      }
      if (end->year != out.year) {
        report(line_of(end_node), "end " + to_string(*end) + " is not in " + std::to_string(out.year));
        ok = false;
      }
    }
    if (ok) {
      h.start = *start;
      h.end = *end;
      h.days = static_cast<int>(days_between(h.start, h.end) + 1);
      for (const std::string& key : h.keys) {
        const auto date = festival_date(key, out.year);
        if (date && (*date < h.start || *date > h.end)) {
          report(line_of(start_node), "break \"" + h.name + "\" (" + to_string(h.start) + " to " +
                                          to_string(h.end) + ") does not contain " + key + " (" +
                                          to_string(*date) + ")");
        }
      }
      holiday_lines_.push_back(line_of(start_node));
      out.holidays.push_back(std::move(h));
    }
    if (const toml::node* makeup = t.get("makeup_workdays")) {
      if (!makeup->is_array()) {
        report(line_of(makeup), "\"makeup_workdays\" must be a list of dates");
        return;
      }
      for (const toml::node& m : *makeup->as_array()) {
        const auto d = read_date(&m, "a make-up workday");
        if (!d) continue;
        // 调休 days near New Year may lie in the adjacent December or January.
        const bool year_ok = d->year == out.year || (d->year == out.year - 1 && d->month == 12) ||
                             (d->year == out.year + 1 && d->month == 1);
        if (!year_ok) {
          report(line_of(&m), "make-up workday " + to_string(*d) + " is not in " +
                                  std::to_string(out.year) + " (or the adjacent December/January)");
        } else if (!is_weekend(*d)) {
          report(line_of(&m), "make-up workday " + to_string(*d) +
                                  " is a weekday, a workday anyway (typo?)");
        } else if (!makeup_lines_.emplace(*d, line_of(&m)).second) {
          report(line_of(&m), "make-up workday " + to_string(*d) + " is listed twice");
        } else {
          out.makeup_workdays.push_back(*d);
        }
      }
    }
  }

  void check_year(YearCalendar& out) {
    std::vector<std::size_t> order(out.holidays.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return out.holidays[a].start < out.holidays[b].start; });
    for (std::size_t i = 1; i < order.size(); ++i) {
      const Holiday& prev = out.holidays[order[i - 1]];
      const Holiday& cur = out.holidays[order[i]];
      if (cur.start <= prev.end) {
        report(holiday_lines_[order[i]], "break \"" + cur.name + "\" overlaps \"" + prev.name + "\" (" +
                                             to_string(prev.start) + " to " + to_string(prev.end) + ")");
      }
    }
    for (const auto& [d, line] : makeup_lines_) {
      for (const Holiday& h : out.holidays) {
        if (d >= h.start && d <= h.end) {
          report(line, "make-up workday " + to_string(d) + " is inside the break \"" + h.name + "\"");
        }
      }
    }
    std::vector<Holiday> sorted;
    for (std::size_t i : order) sorted.push_back(std::move(out.holidays[i]));
    out.holidays = std::move(sorted);
    std::sort(out.makeup_workdays.begin(), out.makeup_workdays.end());
  }

  std::string file_;
  std::vector<std::pair<std::size_t, std::string>> problems_;
  std::map<std::string, std::size_t> festival_lines_;
  std::map<Date, std::size_t> makeup_lines_;
  std::vector<std::size_t> holiday_lines_;  // parallel to out.holidays before sorting
};

}  // namespace

// ---- Estimated years ----------------------------------------------------------------------
//
// Layout rules for years without a State Council notice, following the 2025 revision of
// 《全国年节及纪念日放假办法》 and the way the 2025/2026 notices applied it:
// - Statutory days: 元旦 1 (Jan 1), 春节 4 (除夕 to 初三), 清明 1, 劳动节 2 (May 1-2),
//   端午 1, 中秋 1, 国庆 3 (Oct 1-3).
// - 元旦, 清明, 端午, 中秋 get 3-day breaks around the festival date F, by F's weekday:
//   Mon F-2..F, Tue F-2..F (Sun-Tue), Wed F only ("如逢周三则只在当日放假"), Thu F..F+2,
//   Fri F..F+2, Sat F..F+2, Sun F-1..F+1.
// - 春节: 8 days from 除夕. 劳动节: May 1-5. 国庆节: Oct 1-7. If 中秋 falls within Sep 29 -
//   Oct 8, or its 3-day break reaches Sep 30 (中秋 on Thu-Sat Sep 28), the two merge into one
//   8-day break "国庆节、中秋节" from min(中秋, Oct 1).
// - Make-up workdays for a break = days - statutory days - weekend days inside it (if > 0):
//   the weekend days nearest the break, outside it and within 14 days, the earlier one first
//   on a tie, never inside another break or already a make-up day.
// The notices do not follow one mechanical rule (2026's Spring Festival break is 9 days), so
// an estimate may differ from the later notice in the extent of a break and the make-up days;
// the festival days themselves are always inside the estimated breaks.

namespace {

struct PlannedBreak {
  Holiday holiday;
  int statutory = 0;
};

PlannedBreak three_day_break(std::string name, std::string key, Date f) {
  Date start = f, end = f;
  switch (weekday(f)) {
    case 1:  // Mon: Sat-Mon
    case 2:  // Tue: Sun-Tue
      start = add_days(f, -2);
      break;
    case 3:  // Wed: the day alone
      break;
    case 4:
    case 5:
    case 6:
      end = add_days(f, 2);
      break;
    case 0:  // Sun: Sat-Mon
      start = add_days(f, -1);
      end = add_days(f, 1);
      break;
  }
  return {make_holiday(std::move(name), {std::move(key)}, start, end, true), 1};
}

PlannedBreak fixed_break(std::string name, std::vector<std::string> keys, Date start, int days,
                         int statutory) {
  return {make_holiday(std::move(name), std::move(keys), start, add_days(start, days - 1), true),
          statutory};
}

}  // namespace

YearCalendar estimate_year(int year) {
  YearCalendar out;
  out.year = year;
  out.official = false;
  const auto f = festival_dates(year);
  if (!f) return out;

  std::vector<PlannedBreak> breaks;
  breaks.push_back(three_day_break("元旦", "new_year", Date{year, 1, 1}));
  breaks.push_back(fixed_break("春节", {"spring_festival"}, f->new_years_eve, 8, 4));
  breaks.push_back(three_day_break("清明节", "qingming", f->qingming));
  breaks.push_back(fixed_break("劳动节", {"labour_day"}, Date{year, 5, 1}, 5, 2));
  breaks.push_back(three_day_break("端午节", "dragon_boat", f->dragon_boat));
  const Date oct1{year, 10, 1};
  PlannedBreak mid_autumn = three_day_break("中秋节", "mid_autumn", f->mid_autumn);
  // A 中秋 break that reaches Sep 30 touches 国庆: two breaks with no workday between them
  // would give "N workdays before/after" reminders the same instant for both, and the State
  // Council merges such breaks (2023), so the estimate does too.
  if (f->mid_autumn <= Date{year, 10, 8} &&
      (f->mid_autumn >= Date{year, 9, 29} || mid_autumn.holiday.end >= Date{year, 9, 30})) {
    breaks.push_back(fixed_break("国庆节、中秋节", {"national_day", "mid_autumn"},
                                 std::min(f->mid_autumn, oct1), 8, 4));
  } else {
    breaks.push_back(std::move(mid_autumn));
    breaks.push_back(fixed_break("国庆节", {"national_day"}, oct1, 7, 3));
  }
  std::sort(breaks.begin(), breaks.end(),
            [](const PlannedBreak& a, const PlannedBreak& b) { return a.holiday.start < b.holiday.start; });

  auto inside_any = [&](Date d) {
    return std::any_of(breaks.begin(), breaks.end(), [&](const PlannedBreak& b) {
      return d >= b.holiday.start && d <= b.holiday.end;
    });
  };
  std::set<Date> makeup;
  for (const PlannedBreak& b : breaks) {
    int weekend_inside = 0;
    for (Date d = b.holiday.start; d <= b.holiday.end; d = add_days(d, 1)) {
      if (is_weekend(d)) ++weekend_inside;
    }
    int need = b.holiday.days - b.statutory - weekend_inside;
    for (int distance = 1; distance <= 14 && need > 0; ++distance) {
      for (const Date d : {add_days(b.holiday.start, -distance), add_days(b.holiday.end, distance)}) {
        if (need > 0 && is_weekend(d) && !inside_any(d) && makeup.insert(d).second) --need;
      }
    }
  }
  for (PlannedBreak& b : breaks) out.holidays.push_back(std::move(b.holiday));
  out.makeup_workdays.assign(makeup.begin(), makeup.end());
  return out;
}

// ---- Calendar -----------------------------------------------------------------------------

struct Calendar::Cache {
  std::shared_mutex mutex;
  // Nodes of a std::map never move, so references handed out stay valid while the Calendar
  // (which shares this cache) lives.
  std::map<int, std::unique_ptr<const YearCalendar>> years;
};

Calendar::Calendar() : cache_(std::make_shared<Cache>()) {}

Calendar::Calendar(std::vector<YearCalendar> official_years) : cache_(std::make_shared<Cache>()) {
  for (YearCalendar& y : official_years) {
    y.official = true;
    const int key = y.year;
    official_[key] = std::move(y);
  }
}

YearCalendar Calendar::parse_year_file(std::string_view toml_text, const std::string& source_name) {
  return FileParser(source_name).parse(toml_text);
}

namespace {

// Every <year>.toml in `dir`, by file name; each problem of each bad file in the error.
std::vector<YearCalendar> read_year_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw CalendarError(dir + ": calendar directory not found");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    // Only <year>.toml files are data; README.md and editor backups are left alone.
    const bool data = name.size() == 9 && name.ends_with(".toml") &&
                      std::all_of(name.begin(), name.begin() + 4, [](char c) { return c >= '0' && c <= '9'; });
    if (data && entry.is_regular_file()) files.push_back(entry.path());
  }
  if (ec) throw CalendarError(dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<YearCalendar> years;
  std::string errors;
  for (const fs::path& path : files) {
    const std::string file = path.string();
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      errors += (errors.empty() ? "" : "\n") + file + ": cannot read";
      continue;
    }
    try {
      YearCalendar y = Calendar::parse_year_file(text.str(), file);
      const int named = std::stoi(path.filename().string().substr(0, 4));
      if (y.year != named) {
        throw CalendarError(file + ":1: year = " + std::to_string(y.year) +
                            " but the file is named " + std::to_string(named) + ".toml");
      }
      y.file = file;
      years.push_back(std::move(y));
    } catch (const CalendarError& e) {
      errors += (errors.empty() ? "" : "\n") + std::string(e.what());
    }
  }
  if (!errors.empty()) throw CalendarError(errors);
  return years;
}

bool same_holiday(const Holiday& a, const Holiday& b) {
  return a.name == b.name && a.keys == b.keys && a.start == b.start && a.end == b.end;
}

bool same_data(const YearCalendar& a, const YearCalendar& b) {
  return a.year == b.year && a.source == b.source && a.makeup_workdays == b.makeup_workdays &&
         std::equal(a.holidays.begin(), a.holidays.end(), b.holidays.begin(), b.holidays.end(),
                    same_holiday);
}

// Parsed on first use; a broken built-in file is a build defect that the unit tests catch, but
// it still surfaces as a CalendarError (exit 78 at start-up) rather than a crash.
const std::vector<YearCalendar>& builtin_years() {
  static const std::vector<YearCalendar> kYears = [] {
    std::vector<YearCalendar> years;
    for (const BuiltinYearFile& f : builtin_year_files()) {
      YearCalendar y = Calendar::parse_year_file(f.text, "built-in " + std::string(f.path));
      if (y.year != f.year) {
        throw CalendarError("built-in " + std::string(f.path) + ":1: year = " +
                            std::to_string(y.year) + " but the file is named " +
                            std::to_string(f.year) + ".toml");
      }
      years.push_back(std::move(y));
    }
    return years;
  }();
  return kYears;
}

}  // namespace

Calendar Calendar::load_dir(const std::string& dir) { return Calendar(read_year_files(dir)); }

Calendar Calendar::builtin() { return Calendar(builtin_years()); }

Calendar Calendar::load(const std::string& dir) {
  const std::vector<YearCalendar>& builtin = builtin_years();
  if (dir.empty()) return Calendar(builtin);
  std::vector<YearCalendar> files = read_year_files(dir);
  std::vector<BuiltinOverride> overrides;
  for (const YearCalendar& f : files) {
    const auto it = std::find_if(builtin.begin(), builtin.end(),
                                 [&](const YearCalendar& b) { return b.year == f.year; });
    if (it != builtin.end()) overrides.push_back({f.year, f.file, same_data(*it, f)});
  }
  std::vector<YearCalendar> all = builtin;
  for (YearCalendar& f : files) all.push_back(std::move(f));  // later entries win
  Calendar cal(std::move(all));
  cal.overrides_ = std::move(overrides);
  return cal;
}

bool Calendar::official(int year) const { return official_.count(year) != 0; }

std::vector<int> Calendar::official_years() const {
  std::vector<int> out;
  for (const auto& [y, _] : official_) out.push_back(y);
  return out;
}

const YearCalendar& Calendar::year(int year) const {
  if (const auto it = official_.find(year); it != official_.end()) return it->second;
  // Out of range: one shared empty calendar (year 0) rather than caching per asked year, so
  // an API client walking years cannot grow the cache.
  static const YearCalendar kEmpty{};
  if (!in_range(year)) return kEmpty;
  {
    std::shared_lock lock(cache_->mutex);
    if (const auto it = cache_->years.find(year); it != cache_->years.end()) return *it->second;
  }
  // Computed outside the lock: two threads may both compute a year, the first insert wins.
  auto estimated = std::make_unique<const YearCalendar>(estimate_year(year));
  std::unique_lock lock(cache_->mutex);
  const auto [it, inserted] = cache_->years.emplace(year, std::move(estimated));
  (void)inserted;
  return *it->second;
}

DayInfo Calendar::day(Date d) const {
  DayInfo info;
  info.date = d;
  bool makeup = false;
  // A break may start in the previous December and a make-up day may sit in the adjacent
  // December/January, so the neighbouring years are consulted too.
  for (int y = d.year - 1; y <= d.year + 1; ++y) {
    const YearCalendar& yc = year(y);
    if (std::binary_search(yc.makeup_workdays.begin(), yc.makeup_workdays.end(), d)) makeup = true;
    if (!info.holiday) {
      for (const Holiday& h : yc.holidays) {
        if (d >= h.start && d <= h.end) {
          info.holiday = h;
          break;
        }
      }
    }
  }
  info.workday = makeup || (!is_weekend(d) && !info.holiday);
  return info;
}

bool Calendar::is_workday(Date d) const {
  bool in_break = false;
  for (int y = d.year - 1; y <= d.year + 1; ++y) {
    const YearCalendar& yc = year(y);
    if (std::binary_search(yc.makeup_workdays.begin(), yc.makeup_workdays.end(), d)) return true;
    for (const Holiday& h : yc.holidays) in_break = in_break || (d >= h.start && d <= h.end);
  }
  return !in_break && !is_weekend(d);
}

std::vector<Holiday> Calendar::holidays_between(Date from, Date to) const {
  std::vector<Holiday> out;
  if (to < from) return out;
  for (int y = from.year - 1; y <= to.year + 1; ++y) {
    for (const Holiday& h : year(y).holidays) {
      if (h.end < from || h.start > to) continue;
      const bool seen = std::any_of(out.begin(), out.end(), [&](const Holiday& o) {
        return o.start == h.start && o.end == h.end && o.name == h.name;
      });
      if (!seen) out.push_back(h);
    }
  }
  std::sort(out.begin(), out.end(), [](const Holiday& a, const Holiday& b) { return a.start < b.start; });
  return out;
}

Date Calendar::add_workdays(Date d, int n) const {
  const int step = n > 0 ? 1 : -1;
  for (int left = n > 0 ? n : -n; left > 0;) {
    d = add_days(d, step);
    if (is_workday(d)) --left;
  }
  return d;
}

}  // namespace smsgw::calendar
