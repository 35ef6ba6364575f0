#include "schedule/rule.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_set>

#include "common/duration.hpp"
#include "common/phone.hpp"
#include "common/text_check.hpp"
#include "common/time.hpp"
#include "twoway/keywords.hpp"

namespace smsgw::schedule {

using calendar::Date;
using nlohmann::json;

std::string_view to_string(Kind k) noexcept {
  switch (k) {
    case Kind::at:
      return "at";
    case Kind::cron:
      return "cron";
    case Kind::holiday:
      return "holiday";
    case Kind::workday_of_month:
      return "workday_of_month";
  }
  return "at";
}

namespace {

constexpr std::string_view kExamples =
    "e.g. \"at 2026-12-01 09:00\", \"cron 30 9 * * 1-5\", "
    "\"1 workday before spring_festival at 09:00\" or \"first workday of every month at 09:30\"";

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Splits on whitespace; commas (ASCII, full-width "，" and the enumeration comma "、") become
// tokens of their own so "a,b", "a, b" and "a 、b" all read the same.
std::vector<std::string> tokenize(std::string_view text) {
  std::string spaced;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',') {
      spaced += " , ";
    } else if (text.substr(i, 3) == "，" || text.substr(i, 3) == "、") {
      spaced += " , ";
      i += 2;
    } else {
      spaced += text[i];
    }
  }
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < spaced.size()) {
    while (i < spaced.size() && is_space(spaced[i])) ++i;
    const std::size_t start = i;
    while (i < spaced.size() && !is_space(spaced[i])) ++i;
    if (i > start) out.push_back(spaced.substr(start, i - start));
  }
  return out;
}

std::string join(const std::vector<std::string>& v, std::size_t from, std::size_t to,
                 std::string_view sep) {
  std::string out;
  for (std::size_t i = from; i < to && i < v.size(); ++i) {
    if (i > from) out += sep;
    out += v[i];
  }
  return out;
}

std::string two(int v) {
  return {static_cast<char>('0' + (v / 10) % 10), static_cast<char>('0' + v % 10)};
}

std::string hhmm(int h, int m) { return two(h) + ":" + two(m); }

std::string date_text(int y, int mo, int d) {
  return std::to_string(y) + "-" + two(mo) + "-" + two(d);
}

// "9:00" or "09:00", 24-hour.
bool parse_time(std::string_view s, int& hour, int& minute) {
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3) {
    return false;
  }
  int h = 0;
  for (std::size_t i = 0; i < colon; ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) return false;
    h = h * 10 + (s[i] - '0');
  }
  for (std::size_t i = colon + 1; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) return false;
  }
  const int m = (s[colon + 1] - '0') * 10 + (s[colon + 2] - '0');
  if (h > 23 || m > 59) return false;
  hour = h;
  minute = m;
  return true;
}

std::string festival_list() {
  std::string keys;
  std::string names;
  for (const auto& f : calendar::festivals()) {
    if (!keys.empty()) {
      keys += ", ";
      names += ", ";
    }
    keys += f.key;
    names += f.name;
  }
  return keys + " (or " + names + ")";
}

// Friendly spellings of the festival keys beyond what find_festival knows.
std::optional<calendar::Festival> lookup_festival(const std::string& word) {
  if (auto f = calendar::find_festival(word)) return f;
  static const std::map<std::string, std::string_view> kAliases = {
      {"new_years_day", "new_year"},
      {"new_year's_day", "new_year"},
      {"chinese_new_year", "spring_festival"},
      {"labor_day", "labour_day"},
      {"may_day", "labour_day"},
      {"tomb_sweeping", "qingming"},
      {"tomb_sweeping_day", "qingming"},
      {"qingming_festival", "qingming"},
      {"dragon_boat_festival", "dragon_boat"},
      {"mid_autumn_festival", "mid_autumn"},
      {"mid-autumn", "mid_autumn"},
      {"mid-autumn_festival", "mid_autumn"},
      {"dragon-boat", "dragon_boat"},
  };
  if (const auto it = kAliases.find(word); it != kAliases.end()) {
    return calendar::find_festival(it->second);
  }
  return std::nullopt;
}

// "every holiday", "every major holiday", "all holidays", "each public holiday" ...
bool is_every(const std::vector<std::string>& t, std::size_t from, std::size_t to) {
  if (to <= from) return false;
  if (t[from] != "every" && t[from] != "each" && t[from] != "all") return false;
  bool holiday = false;
  for (std::size_t i = from + 1; i < to; ++i) {
    if (t[i] == "holiday" || t[i] == "holidays") {
      holiday = true;
    } else if (t[i] != "major" && t[i] != "public" && t[i] != "the") {
      return false;
    }
  }
  return holiday;
}

std::optional<When> parse_at(std::string_view rest, const TimeZone& tz, std::string& error) {
  const auto bad = [&] {
    error =
        "\"at\" needs a local date and time \"YYYY-MM-DD HH:MM\" or an RFC 3339 time "
        "with an offset (\"2026-12-01T09:00:00+08:00\"), got \"" +
        std::string(rest) + "\"";
    return std::nullopt;
  };
  // Local "YYYY-MM-DD HH:MM" (or with a 'T' between date and time).
  if (rest.size() == 16 && (rest[10] == ' ' || rest[10] == 'T' || rest[10] == 't')) {
    const auto date = calendar::parse_date(rest.substr(0, 10));
    int h = 0;
    int m = 0;
    if (!date || !parse_time(rest.substr(11), h, m)) return bad();
    When w;
    w.kind = Kind::at;
    w.at = tz.from_local(date->year, date->month, date->day, h, m);
    return w;
  }
  std::string upper(rest);
  for (char& c : upper) {
    if (c == 't' || c == 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (auto t = parse_rfc3339(upper)) {
    When w;
    w.kind = Kind::at;
    w.at = *t;
    return w;
  }
  return bad();
}

std::optional<When> parse_monthly(const std::vector<std::string>& t, std::string& error) {
  // first|last workday|working day of every|each|the month at HH:MM
  std::size_t i = 1;
  if (t.size() > 1 && t[1] == "workday") {
    i = 2;
  } else if (t.size() > 2 && t[1] == "working" && t[2] == "day") {
    i = 3;
  }
  if (i == 1 || t.size() != i + 5 || t[i] != "of" ||
      (t[i + 1] != "every" && t[i + 1] != "each" && t[i + 1] != "the") || t[i + 2] != "month" ||
      t[i + 3] != "at") {
    error = "write a monthly schedule as \"" + t[0] +
            " workday of every month at HH:MM\", e.g. \"first workday of every month at 09:30\"";
    return std::nullopt;
  }
  When w;
  w.kind = Kind::workday_of_month;
  w.workday_of_month.first = t[0] == "first";
  if (!parse_time(t.back(), w.workday_of_month.hour, w.workday_of_month.minute)) {
    error = "\"" + t.back() + "\" is not a time; use HH:MM in 24-hour local time, e.g. 09:30";
    return std::nullopt;
  }
  return w;
}

std::optional<When> parse_holiday(const std::vector<std::string>& t, std::string& error) {
  HolidayRule r;
  // N
  const std::string& n = t[0];
  int offset = -1;
  if (!n.empty() && n.size() <= 2 && std::all_of(n.begin(), n.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    offset = std::stoi(n);
  }
  if (offset < 0 || offset > 30) {
    error = "the number of days must be a whole number from 0 to 30, got \"" + n + "\"";
    return std::nullopt;
  }
  r.offset = offset;
  std::size_t i = 1;
  // workday(s) | working day(s) | day(s)
  if (i < t.size() && (t[i] == "workday" || t[i] == "workdays")) {
    r.workdays = true;
    ++i;
  } else if (i + 1 < t.size() && t[i] == "working" && (t[i + 1] == "day" || t[i + 1] == "days")) {
    r.workdays = true;
    i += 2;
  } else if (i < t.size() && (t[i] == "day" || t[i] == "days")) {
    r.workdays = false;
    ++i;
  } else {
    error = "after the number write \"workdays\" or \"days\", got \"" +
            (i < t.size() ? t[i] : std::string()) + "\"";
    return std::nullopt;
  }
  if (i < t.size() && (t[i] == "before" || t[i] == "after")) {
    r.before = t[i] == "before";
    ++i;
  } else {
    error = "expected \"before\" or \"after\" after \"" + join(t, 0, i, " ") + "\", got \"" +
            (i < t.size() ? t[i] : std::string()) + "\"";
    return std::nullopt;
  }
  r.from_start = r.before;
  {
    std::size_t j = i;
    if (j < t.size() && t[j] == "the") ++j;
    if (j + 1 < t.size() && (t[j] == "start" || t[j] == "beginning" || t[j] == "end") &&
        t[j + 1] == "of") {
      r.from_start = t[j] != "end";
      i = j + 2;
    }
  }
  // ... at HH:MM
  if (t.size() < i + 3 || t[t.size() - 2] != "at") {
    error = "end the line with the time of day, \"at HH:MM\" (e.g. \"at 09:00\")";
    return std::nullopt;
  }
  if (!parse_time(t.back(), r.hour, r.minute)) {
    error = "\"" + t.back() + "\" is not a time; use HH:MM in 24-hour local time, e.g. 09:00";
    return std::nullopt;
  }
  const std::size_t end = t.size() - 2;
  if (!is_every(t, i, end)) {
    // Items separated by commas or "and"; an item of several words ("spring festival")
    // reads as its key ("spring_festival").
    std::vector<bool> chosen(calendar::festivals().size(), false);
    std::size_t k = i;
    while (k <= end) {
      std::size_t e = k;
      while (e < end && t[e] != "," && t[e] != "and") ++e;
      if (e == k) {
        if (k == end) break;
        ++k;  // a stray separator
        continue;
      }
      std::size_t from = k;
      if (t[from] == "the" && e - from > 1) ++from;
      const std::string word = join(t, from, e, "_");
      const auto f = lookup_festival(word);
      if (!f) {
        error = "unknown holiday \"" + join(t, from, e, " ") + "\"; use one of " + festival_list() +
                ", or \"every holiday\"";
        return std::nullopt;
      }
      const auto& all = calendar::festivals();
      for (std::size_t x = 0; x < all.size(); ++x) {
        if (all[x].key == f->key) chosen[x] = true;
      }
      k = e + 1;
    }
    for (std::size_t x = 0; x < chosen.size(); ++x) {
      if (chosen[x]) r.festivals.emplace_back(calendar::festivals()[x].key);
    }
    if (r.festivals.empty()) {
      error =
          "name the holidays, e.g. \"spring_festival, national_day\", or write "
          "\"every holiday\"";
      return std::nullopt;
    }
  }
  When w;
  w.kind = Kind::holiday;
  w.holiday = r;
  return w;
}

}  // namespace

std::optional<When> parse_when(std::string_view text, const TimeZone& tz, std::string& error) {
  // Collapse whitespace but keep the original case for the RFC 3339 path.
  std::string collapsed;
  for (char c : text) {
    if (is_space(c)) {
      if (!collapsed.empty() && collapsed.back() != ' ') collapsed += ' ';
    } else {
      collapsed += c;
    }
  }
  if (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  if (collapsed.empty()) {
    error = "the schedule's \"when\" is empty; write " + std::string(kExamples);
    return std::nullopt;
  }
  const std::string lower = lower_ascii(collapsed);
  std::optional<When> w;
  if (lower.rfind("at ", 0) == 0) {
    w = parse_at(std::string_view(collapsed).substr(3), tz, error);
  } else if (lower.rfind("cron ", 0) == 0) {
    std::string cron_error;
    if (auto c = parse_cron(std::string_view(collapsed).substr(5), cron_error)) {
      w = When{};
      w->kind = Kind::cron;
      w->cron = *c;
    } else {
      error = "cron: " + cron_error;
    }
  } else {
    const std::vector<std::string> t = tokenize(lower);
    if (t[0] == "first" || t[0] == "last") {
      w = parse_monthly(t, error);
    } else if (std::isdigit(static_cast<unsigned char>(t[0][0])) != 0) {
      w = parse_holiday(t, error);
    } else {
      error = "cannot read \"" + collapsed + "\": start with \"at\", \"cron\", a number of " +
              "workdays or days, or \"first\"/\"last\"; " + std::string(kExamples);
    }
  }
  if (w) w->text = to_text(*w, tz);
  return w;
}

std::string to_text(const When& w, const TimeZone& tz) {
  switch (w.kind) {
    case Kind::at: {
      const CivilTime c = tz.to_local(w.at);
      // The local form only if it names exactly this instant (whole minute, not ambiguous).
      if (c.second == 0 && w.at % 60'000 == 0 &&
          tz.from_local(c.year, c.month, c.day, c.hour, c.minute) == w.at) {
        return "at " + date_text(c.year, c.month, c.day) + " " + hhmm(c.hour, c.minute);
      }
      return "at " + format_rfc3339(w.at);
    }
    case Kind::cron:
      return "cron " + w.cron.text;
    case Kind::holiday: {
      const HolidayRule& r = w.holiday;
      std::string out = std::to_string(r.offset) + " " + (r.workdays ? "workday" : "day");
      if (r.offset != 1) out += "s";
      out += r.before ? " before " : " after ";
      if (r.from_start != r.before) out += r.from_start ? "the start of " : "the end of ";
      if (r.festivals.empty()) {
        out += "every holiday";
      } else {
        out += join(r.festivals, 0, r.festivals.size(), ", ");
      }
      return out + " at " + hhmm(r.hour, r.minute);
    }
    case Kind::workday_of_month: {
      const WorkdayOfMonthRule& r = w.workday_of_month;
      return std::string(r.first ? "first" : "last") + " workday of every month at " +
             hhmm(r.hour, r.minute);
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Occurrences

namespace {

constexpr int kHorizonYears = 10;

Date date_of(const TimeZone& tz, UnixMs t) {
  const CivilTime c = tz.to_local(t);
  return Date{c.year, c.month, c.day};
}

UnixMs at_local(const TimeZone& tz, Date d, int hour, int minute) {
  return tz.from_local(d.year, d.month, d.day, hour, minute);
}

bool selected(const HolidayRule& r, const calendar::Holiday& h) {
  if (r.festivals.empty()) return true;
  for (const auto& k : h.keys) {
    if (std::find(r.festivals.begin(), r.festivals.end(), k) != r.festivals.end()) return true;
  }
  return false;
}

// Holiday and monthly occurrences belonging to one calendar year (a holiday's year is the
// year its break overlaps; a break over New Year may show up in two years: callers dedupe by
// key).
void year_occurrences(const When& w, const calendar::Calendar& cal, const TimeZone& tz, int year,
                      std::vector<Occurrence>& out) {
  if (!cal.in_range(year)) return;
  if (w.kind == Kind::holiday) {
    const HolidayRule& r = w.holiday;
    for (const auto& h : cal.holidays_between(Date{year, 1, 1}, Date{year, 12, 31})) {
      if (!selected(r, h)) continue;
      const Date anchor = r.from_start ? h.start : h.end;
      const int n = r.before ? -r.offset : r.offset;
      const Date day = r.workdays ? cal.add_workdays(anchor, n) : calendar::add_days(anchor, n);
      out.push_back(
          {"holiday:" + calendar::to_string(h.start), at_local(tz, day, r.hour, r.minute), h});
    }
  } else if (w.kind == Kind::workday_of_month) {
    const WorkdayOfMonthRule& r = w.workday_of_month;
    for (int m = 1; m <= 12; ++m) {
      const int last = calendar::days_in_month(year, m);
      std::optional<Date> found;
      for (int i = 0; i < last && !found; ++i) {
        const Date d{year, m, r.first ? 1 + i : last - i};
        if (cal.is_workday(d)) found = d;
      }
      if (!found) continue;
      out.push_back({"month:" + std::to_string(year) + "-" + two(m),
                     at_local(tz, *found, r.hour, r.minute), std::nullopt});
    }
  }
}

// Sorted by time, one per key and one per instant: two breaks with no workday between them
// (only a calendar file can list such) land "N workdays before/after" on the same minute, and
// the people would get two reminders at once; the earlier break's occurrence is kept (keys
// hold the break's start date, so they sort by it).
void sort_unique(std::vector<Occurrence>& v) {
  std::stable_sort(v.begin(), v.end(), [](const Occurrence& a, const Occurrence& b) {
    return a.at != b.at ? a.at < b.at : a.key < b.key;
  });
  std::vector<Occurrence> out;
  std::set<std::string> seen;
  for (auto& o : v) {
    if (!seen.insert(o.key).second) continue;
    if (!out.empty() && out.back().at == o.at) continue;
    out.push_back(std::move(o));
  }
  v = std::move(out);
}

LocalMinute local_minute(const TimeZone& tz, UnixMs t) {
  const CivilTime c = tz.to_local(t);
  return LocalMinute{c.year, c.month, c.day, c.hour, c.minute};
}

Occurrence cron_occurrence(const TimeZone& tz, const LocalMinute& m) {
  return {"cron:" + date_text(m.year, m.month, m.day) + "T" + hhmm(m.hour, m.minute),
          tz.from_local(m.year, m.month, m.day, m.hour, m.minute), std::nullopt};
}

// Calls `f` for cron occurrences with at > after, in order, until f returns false or the
// horizon (`until_year` local) is passed.
template <typename F>
void each_cron(const Cron& c, const TimeZone& tz, UnixMs after, int until_year, F&& f) {
  // Start a minute early so a local minute repeated by a DST fall-back is not skipped; the
  // at > after filter drops what is not after.
  LocalMinute cur = local_minute(tz, after - 60'000);
  std::string last_key;
  while (true) {
    const auto m = next_match(c, cur);
    if (!m || m->year > until_year) return;
    cur = *m;
    Occurrence o = cron_occurrence(tz, *m);
    if (o.at <= after || o.key == last_key) continue;
    last_key = o.key;
    if (!f(std::move(o))) return;
  }
}

}  // namespace

std::vector<Occurrence> next_occurrences(const When& w, const calendar::Calendar& cal,
                                         const TimeZone& tz, UnixMs after, int count) {
  std::vector<Occurrence> out;
  count = std::clamp(count, 0, 1000);
  if (count == 0) return out;
  const int first_year = date_of(tz, after).year;
  switch (w.kind) {
    case Kind::at:
      if (w.at > after) out.push_back({"at:" + std::to_string(w.at), w.at, std::nullopt});
      return out;
    case Kind::cron:
      each_cron(w.cron, tz, after, first_year + kHorizonYears, [&](Occurrence o) {
        out.push_back(std::move(o));
        return static_cast<int>(out.size()) < count;
      });
      return out;
    case Kind::holiday:
    case Kind::workday_of_month:
      break;
  }
  // A break's firing lands within about two months of the break (30 workdays at most), so a
  // year's breaks fire no earlier than October of the year before. Once every later year is
  // known to fire after what we have, stop.
  std::vector<Occurrence> all;
  for (int y = first_year - 1; y <= first_year + kHorizonYears; ++y) {
    year_occurrences(w, cal, tz, y, all);
    sort_unique(all);
    const UnixMs settled = tz.from_local(y, 9, 1, 0, 0);
    int ready = 0;
    for (const auto& o : all) {
      if (o.at > after && o.at < settled) ++ready;
    }
    if (ready >= count) break;
  }
  for (auto& o : all) {
    if (o.at > after && static_cast<int>(out.size()) < count) out.push_back(std::move(o));
  }
  return out;
}

std::vector<Occurrence> occurrences_between(const When& w, const calendar::Calendar& cal,
                                            const TimeZone& tz, UnixMs from, UnixMs to, int max) {
  std::vector<Occurrence> out;
  if (max <= 0 || to <= from) return out;
  const int from_year = date_of(tz, from).year;
  const int to_year = std::min(date_of(tz, to).year, from_year + kHorizonYears);
  switch (w.kind) {
    case Kind::at:
      if (w.at > from && w.at <= to)
        out.push_back({"at:" + std::to_string(w.at), w.at, std::nullopt});
      return out;
    case Kind::cron: {
      std::deque<Occurrence> newest;
      each_cron(w.cron, tz, from, to_year, [&](Occurrence o) {
        if (o.at > to) return false;
        newest.push_back(std::move(o));
        if (static_cast<int>(newest.size()) > max) newest.pop_front();
        return true;
      });
      out.assign(std::make_move_iterator(newest.begin()), std::make_move_iterator(newest.end()));
      return out;
    }
    case Kind::holiday:
    case Kind::workday_of_month:
      break;
  }
  std::vector<Occurrence> all;
  for (int y = from_year - 1; y <= to_year + 1; ++y) year_occurrences(w, cal, tz, y, all);
  sort_unique(all);
  for (auto& o : all) {
    if (o.at > from && o.at <= to) out.push_back(std::move(o));
  }
  if (static_cast<int>(out.size()) > max) out.erase(out.begin(), out.end() - max);
  return out;
}

std::vector<std::pair<std::string, std::string>> holiday_params(const calendar::Holiday& h) {
  return {{"holiday.name", h.name},
          {"holiday.start", calendar::to_string(h.start)},
          {"holiday.end", calendar::to_string(h.end)},
          {"holiday.days", std::to_string(h.days)}};
}

std::optional<UnixMs> expiry_of(const Spec& s, const Occurrence& o, const TimeZone& tz) {
  switch (s.expiry) {
    case Expiry::none:
      return std::nullopt;
    case Expiry::after:
      return o.at + s.expires_after_ms;
    case Expiry::holiday_end:
      if (!o.holiday) return std::nullopt;
      return at_local(tz, calendar::add_days(o.holiday->end, 1), 0, 0);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Spec <-> JSON

namespace {

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A list of non-empty strings; `each` validates and may rewrite an element.
template <typename F>
std::vector<std::string> string_list(const json& j, const char* field,
                                     std::vector<FieldError>& errors, F&& each) {
  std::vector<std::string> out;
  if (!j.contains(field) || j[field].is_null()) return out;
  const json& a = j[field];
  if (!a.is_array()) {
    errors.push_back({field, "must be an array of strings"});
    return out;
  }
  // Duplicates are dropped through a set: a linear search of `out` per element made 1 MiB of
  // names quadratic.
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    if (!a[i].is_string()) {
      errors.push_back({where, "must be a string"});
      continue;
    }
    std::string v(trim(a[i].get<std::string>()));
    std::string why;
    if (v.empty()) {
      errors.push_back({where, "must not be empty"});
    } else if (!each(v, why)) {
      errors.push_back({where, why});
    } else if (seen.insert(v).second) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

}  // namespace

std::optional<Spec> parse_spec(const json& j, const TimeZone& tz,
                               std::vector<FieldError>& errors) {
  const std::size_t errors_before = errors.size();
  if (!j.is_object()) {
    errors.push_back({"body", "must be a JSON object describing the schedule"});
    return std::nullopt;
  }
  Spec s;
  const auto text_field = [&](const char* field, bool required) -> std::optional<std::string> {
    if (!j.contains(field) || j[field].is_null()) {
      if (required) errors.push_back({field, "is required"});
      return std::nullopt;
    }
    if (!j[field].is_string()) {
      errors.push_back({field, "must be a string"});
      return std::nullopt;
    }
    return j[field].get<std::string>();
  };

  if (auto name = text_field("name", true)) {
    if (valid_name(*name)) {
      s.name = *name;
    } else {
      errors.push_back({"name", "must be 1 to 64 characters of a-z, 0-9, '_' and '-'"});
    }
  }
  if (auto d = text_field("description", false)) s.description = *d;
  if (auto when = text_field("when", true)) {
    std::string error;
    if (auto w = parse_when(*when, tz, error)) {
      s.when = std::move(*w);
    } else {
      errors.push_back({"when", error});
    }
  }
  s.groups = string_list(j, "groups", errors, [](std::string&, std::string&) { return true; });
  s.to = string_list(j, "to", errors, [](std::string& v, std::string& why) {
    PhoneResult r = normalize_phone(v);
    if (!r.ok()) {
      why = r.error;
      return false;
    }
    v = std::move(r.e164);
    return true;
  });
  const bool list_errors =
      std::any_of(errors.begin() + static_cast<std::ptrdiff_t>(errors_before), errors.end(),
                  [](const FieldError& e) {
                    return e.field.rfind("groups", 0) == 0 || e.field.rfind("to", 0) == 0;
                  });
  if (s.groups.empty() && s.to.empty() && !list_errors) {
    errors.push_back({"groups", "give at least one group in \"groups\" or number in \"to\""});
  }
  if (auto t = text_field("template", true)) {
    if (trim(*t).empty()) {
      errors.push_back({"template", "must name a template"});
    } else {
      s.template_name = std::string(trim(*t));
    }
  }
  if (j.contains("params") && !j["params"].is_null()) {
    const json& p = j["params"];
    if (!p.is_object()) {
      errors.push_back({"params", "must be an object of strings"});
    } else {
      for (const auto& [key, value] : p.items()) {
        if (value.is_string()) {
          s.params.emplace_back(key, value.get<std::string>());
        } else if (value.is_number() || value.is_boolean()) {
          s.params.emplace_back(key, value.dump());
        } else {
          errors.push_back({"params." + key, "must be a string"});
        }
      }
    }
  }
  if (auto p = text_field("priority", false)) {
    if (auto pr = parse_priority(*p)) {
      s.priority = *pr;
    } else {
      errors.push_back({"priority", "must be \"normal\" or \"urgent\""});
    }
  }
  if (auto e = text_field("expires", false)) {
    const std::string v(trim(*e));
    if (v.empty() || v == "none") {
      s.expiry = Expiry::none;
    } else if (v == "holiday_end") {
      s.expiry = Expiry::holiday_end;
      if (j.contains("when") && s.when.kind != Kind::holiday && !s.when.text.empty()) {
        errors.push_back({"expires",
                          "\"holiday_end\" only applies to holiday schedules; use "
                          "\"none\" or a duration such as \"12h\""});
      }
    } else if (auto d = parse_duration(v); d && d->count() > 0) {
      s.expiry = Expiry::after;
      s.expires_after_ms = d->count();
    } else {
      errors.push_back({"expires",
                        "must be \"none\", \"holiday_end\" or a duration such as "
                        "\"12h\" or \"1d\""});
    }
  }
  if (j.contains("confirm") && !j["confirm"].is_null()) {
    const json& c = j["confirm"];
    const std::size_t before = errors.size();
    if (!c.is_object()) {
      errors.push_back({"confirm", "must be an object such as {\"yes\": [\"1\"], \"no\": [\"2\"], \"within\": \"48h\"}"});
    } else {
      for (const auto& [key, value] : c.items()) {
        if (key != "yes" && key != "no" && key != "within") errors.push_back({"confirm." + key, "unknown field"});
      }
      std::vector<std::string> seen;
      for (auto [key, list] : {std::pair{"yes", &s.confirm_yes}, std::pair{"no", &s.confirm_no}}) {
        const std::string field = std::string("confirm.") + key;
        if (!c.contains(key) || c[key].is_null()) {
          if (std::string_view(key) == "yes") errors.push_back({field, "is required: the replies that confirm"});
          continue;
        }
        const json& words = c[key];
        if (!words.is_array() || words.size() > 20 || (std::string_view(key) == "yes" && words.empty())) {
          errors.push_back({field, std::string_view(key) == "yes" ? "must be an array of 1 to 20 replies"
                                                                 : "must be an array of at most 20 replies"});
          continue;
        }
        for (std::size_t i = 0; i < words.size(); ++i) {
          const std::string at = field + "[" + std::to_string(i) + "]";
          if (!words[i].is_string()) {
            errors.push_back({at, "must be a string"});
            continue;
          }
          std::string normal = twoway::normalize_reply(words[i].get<std::string>());
          if (normal.empty() || normal.size() > 64) {
            errors.push_back({at, "must be 1 to 64 bytes of letters, digits or characters"});
          } else if (std::find(seen.begin(), seen.end(), normal) != seen.end()) {
            errors.push_back({at, "is listed twice (replies are compared ignoring case and width)"});
          } else {
            seen.push_back(normal);
            list->push_back(std::move(normal));
          }
        }
      }
      const auto within = c.find("within");
      std::optional<std::chrono::milliseconds> d;
      if (within != c.end() && within->is_string()) d = parse_duration(within->get<std::string>());
      if (!d || d->count() <= 0 || *d > std::chrono::hours(24 * 365)) {
        errors.push_back({"confirm.within", "is required: how long after each firing replies count, e.g. \"48h\""});
      } else {
        s.confirm_within_ms = d->count();
      }
    }
    if (errors.size() != before) {
      s.confirm_yes.clear();
      s.confirm_no.clear();
    }
  }
  if (j.contains("mandatory") && !j["mandatory"].is_null()) {
    if (j["mandatory"].is_boolean()) {
      s.mandatory = j["mandatory"].get<bool>();
    } else {
      errors.push_back({"mandatory", "must be true or false"});
    }
  }
  if (j.contains("enabled") && !j["enabled"].is_null()) {
    if (j["enabled"].is_boolean()) {
      s.enabled = j["enabled"].get<bool>();
    } else {
      errors.push_back({"enabled", "must be true or false"});
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return s;
}

void reject_control_characters_in_spec(const json& j, std::vector<FieldError>& errors) {
  if (!j.is_object()) return;
  if (auto d = j.find("description"); d != j.end() && d->is_string())
    reject_control_characters(errors, "description", d->get_ref<const std::string&>());
  if (auto p = j.find("params"); p != j.end() && p->is_object()) {
    for (const auto& [key, value] : p->items()) {
      if (auto bad = control_character_problem(key)) {
        errors.push_back({"params", "parameter names " + *bad});
      } else if (value.is_string()) {
        reject_control_characters(errors, "params." + key, value.get_ref<const std::string&>());
      }
    }
  }
}

json to_json(const Spec& s, const TimeZone& tz) {
  json params = json::object();
  for (const auto& [k, v] : s.params) params[k] = v;
  std::string expires = "none";
  if (s.expiry == Expiry::holiday_end) expires = "holiday_end";
  if (s.expiry == Expiry::after) {
    expires = format_duration(std::chrono::milliseconds(s.expires_after_ms));
  }
  json out{{"name", s.name},
              {"description", s.description},
              {"when", to_text(s.when, tz)},
              {"kind", to_string(s.when.kind)},
              {"groups", s.groups},
              {"to", s.to},
              {"template", s.template_name},
              {"params", params},
              {"priority", smsgw::to_string(s.priority)},
              {"expires", expires},
              {"enabled", s.enabled}};
  // Only when set: the documents of schedules made before it existed stay as they were.
  if (s.mandatory) out["mandatory"] = true;
  if (!s.confirm_yes.empty()) {
    out["confirm"] = {{"yes", s.confirm_yes},
                      {"no", s.confirm_no},
                      {"within", format_duration(std::chrono::milliseconds(s.confirm_within_ms))}};
  }
  return out;
}

}  // namespace smsgw::schedule
