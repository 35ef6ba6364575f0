// calendar: show YEAR (month grids with days off and make-up workdays), day DATE.

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include "cli.hpp"
#include "display_width.hpp"

namespace smsgw::ctl {
namespace {

constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};
constexpr const char* kWeekdayShort[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm); the CLI has no calendar
// library of its own and needs only weekdays and day stepping.
long days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int weekday_of(long days) { return static_cast<int>(((days % 7) + 11) % 7); }  // 0 = Sunday

bool parse_ymd(const std::string& s, int& y, int& m, int& d) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  return std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &m, &d) == 3 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

int days_in_month(int y, int m) {
  return static_cast<int>(days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - days_from_civil(y, m, 1));
}

std::string with_weekday(const std::string& ymd) {
  int y, m, d;
  if (!parse_ymd(ymd, y, m, d)) return ymd;
  return ymd + " (" + kWeekdayShort[weekday_of(days_from_civil(y, m, d))] + ")";
}

// Each day is four columns: the day right-aligned in two, then a two-column mark (a CJK
// character, or two spaces), so the marks also separate the days: " 1休 2休 3休 4班 5   6  ".
constexpr std::size_t kCell = 4;
constexpr std::size_t kMonthWidth = 7 * kCell;
constexpr const char* kGap = "    ";

std::vector<std::string> month_lines(int year, int month, const std::map<long, std::string>& marks) {
  std::vector<std::string> lines;
  const std::string title = std::to_string(month) + "月 " + kMonthNames[month - 1];
  const std::size_t w = display_width(title);
  lines.push_back(pad_to_width(std::string((kMonthWidth - w) / 2, ' ') + title, kMonthWidth));
  lines.push_back("Mo  Tu  We  Th  Fr  Sa  Su  ");
  const long first = days_from_civil(year, month, 1);
  const int lead = (weekday_of(first) + 6) % 7;  // Monday first
  std::string line(static_cast<std::size_t>(lead) * kCell, ' ');
  int column = lead;
  for (int day = 1; day <= days_in_month(year, month); ++day) {
    std::string num = day < 10 ? " " : "";
    num.append(std::to_string(day));
    auto it = marks.find(first + day - 1);
    line += num;
    line += it == marks.end() ? "  " : it->second;
    if (++column == 7) {
      lines.push_back(line);
      line.clear();
      column = 0;
    }
  }
  if (!line.empty()) lines.push_back(pad_to_width(line, kMonthWidth));
  return lines;
}

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

void print_year(const json& doc, std::ostream& out) {
  const int year = doc.value("year", 0);
  const bool official = doc.value("official", false);
  std::map<long, std::string> marks;
  std::vector<std::vector<std::string>> rows;
  bool any_estimated = false;
  if (const json* hs = find_any(doc, {"holidays"}); hs && hs->is_array()) {
    for (const auto& h : *hs) {
      int y1, m1, d1, y2, m2, d2;
      const std::string start = cell(h, "start"), end = cell(h, "end");
      const bool estimated = h.value("estimated", false);
      any_estimated = any_estimated || estimated;
      if (parse_ymd(start, y1, m1, d1) && parse_ymd(end, y2, m2, d2)) {
        for (long z = days_from_civil(y1, m1, d1); z <= days_from_civil(y2, m2, d2); ++z)
          marks[z] = estimated ? "估" : "休";
      }
      rows.push_back({cell(h, "name"), with_weekday(start) + " - " + with_weekday(end), cell(h, "days"),
                      estimated ? "estimated" : ""});
    }
  }
  std::string makeup;
  if (const json* ms = find_any(doc, {"makeup_workdays"}); ms && ms->is_array()) {
    for (const auto& m : *ms) {
      int y, mo, d;
      if (!m.is_string() || !parse_ymd(m.get<std::string>(), y, mo, d)) continue;
      marks[days_from_civil(y, mo, d)] = "班";
      makeup += (makeup.empty() ? "" : ", ") + with_weekday(m.get<std::string>());
    }
  }

  out << year << (official ? ": official calendar" : ": ESTIMATED calendar (no State Council notice loaded)");
  if (official && doc.contains("source") && doc["source"].is_string()) out << " - " << escape_controls(doc["source"].get<std::string>());
  out << "\n\n";
  for (int m = 1; m <= 12; m += 2) {
    auto left = month_lines(year, m, marks), right = month_lines(year, m + 1, marks);
    const std::size_t rows = std::max(left.size(), right.size());
    left.resize(rows, std::string(kMonthWidth, ' '));
    right.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) out << rtrim(left[i] + kGap + right[i]) << '\n';
    out << '\n';
  }
  out << "休 day off (holiday)   班 make-up workday (调休上班)";
  if (any_estimated || !official) out << "   估 estimated day off";
  out << "\nOther Saturdays and Sundays are days off; other weekdays are workdays.\n\n";
  if (rows.empty()) {
    out << "(no holidays)\n";
  } else {
    out << render_table({"HOLIDAY", "DAYS OFF", "DAYS", "NOTE"}, rows);
  }
  out << "Make-up workdays: " << (makeup.empty() ? "none" : makeup) << '\n';
  if (!official) {
    out << "\nEstimated: festival dates are computed from the lunar calendar and laid out with the\n"
           "holiday rules in force since 2025. Add config/calendar/" << year << ".toml when the\n"
           "State Council publishes the notice.\n";
  }
}

int calendar_show(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "calendar show YEAR");
  const Response r = client.get("/v1/calendar/" + escape(a.positionals[0]));
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  print_year(*j, std::cout);
  return kOk;
}

int calendar_day(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "calendar day YYYY-MM-DD");
  const Response r = client.get("/v1/calendar/day/" + escape(a.positionals[0]));
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  const json& d = *j;
  std::string what;
  const std::string weekday = cell(d, "weekday");
  const bool weekend = weekday == "Saturday" || weekday == "Sunday";
  const json* h = find_any(d, {"holiday"});
  if (d.value("workday", false)) {
    what = "workday";
    if (d.value("makeup_workday", false)) {
      const std::string f = cell(d, "makeup_for");
      what += f == "-" ? " (make-up workday)" : " (make-up workday for " + f + ")";
    }
  } else if (h && h->is_object()) {
    what = "day off (" + cell(*h, "name") + ", " + cell(*h, "start") + " to " + cell(*h, "end") + ", " +
           cell(*h, "days") + " days)";
  } else {
    what = weekend ? "day off (weekend)" : "day off";
  }
  std::cout << cell(d, "date") << ' ' << weekday << ": " << what;
  if (d.value("estimated", false)) std::cout << " [estimated: no official calendar for this year]";
  std::cout << '\n';
  return kOk;
}

}  // namespace

int cmd_calendar(const Client& client, const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError("usage: smsgwctl calendar show YEAR | calendar day YYYY-MM-DD");
  const std::string& sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "show") return calendar_show(client, parse_command_args(rest, {}, "calendar show"));
  if (sub == "day") return calendar_day(client, parse_command_args(rest, {}, "calendar day"));
  throw UsageError("unknown calendar command '" + sub + "' (show, day)");
}

}  // namespace smsgw::ctl
