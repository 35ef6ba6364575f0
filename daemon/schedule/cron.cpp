#include "schedule/cron.hpp"

#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace smsgw::schedule {
namespace {

struct FieldSpec {
  const char* name;
  int lo, hi;
  const std::array<std::string_view, 13>* names;  // index = value; empty entries unused
};

const std::array<std::string_view, 13> kMonthNames = {
    "", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
const std::array<std::string_view, 13> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat",
                                                    "",    "",    "",    "",    "",    ""};

// Day-of-week accepts 0..7 (7 = Sunday) and folds 7 onto 0 afterwards.
const std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, nullptr},
    {"hour", 0, 23, nullptr},
    {"day of month", 1, 31, nullptr},
    {"month", 1, 12, &kMonthNames},
    {"day of week", 0, 7, &kDayNames},
}};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One value: a number or (for month/day of week) a three-letter name.
// Built by appending: "literal" + std::string(...) inserts at the front of a temporary, which
// GCC 12 at -O3 flags as a -Wrestrict overlap (a false positive, GCC bug 105329).
std::string not_a_number(std::string_view tok) {
  std::string why = "\"";
  why.append(tok).append("\" is not a number");
  return why;
}

bool parse_value(std::string_view tok, const FieldSpec& f, int& out, std::string& why) {
  if (tok.empty()) {
    why = "empty value";
    return false;
  }
  if (std::isdigit(static_cast<unsigned char>(tok[0])) != 0) {
    int v = 0;
    for (char c : tok) {
      if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
        why = not_a_number(tok);
        return false;
      }
      v = v * 10 + (c - '0');
      if (v > 1000) break;
    }
    if (v < f.lo || v > f.hi) {
      why = std::string(tok) + " is out of range " + std::to_string(f.lo) + "-" +
            std::to_string(f.hi);
      return false;
    }
    out = v;
    return true;
  }
  if (f.names != nullptr) {
    const std::string l = lower(tok);
    for (std::size_t i = 0; i < f.names->size(); ++i) {
      if (!(*f.names)[i].empty() && (*f.names)[i] == l) {
        out = static_cast<int>(i);
        return true;
      }
    }
    why = "unknown name \"" + std::string(tok) + "\"";
    return false;
  }
  why = not_a_number(tok);
  return false;
}

// Parses one field into a set of values (as a vector<bool> over lo..hi). `restricted` is
// false only for a bare "*" (or "*/1"), which is what the dom/dow OR rule looks at.
bool parse_field(std::string_view text, const FieldSpec& f, std::vector<bool>& set,
                 bool& restricted, std::string& why) {
  set.assign(static_cast<std::size_t>(f.hi + 1), false);
  restricted = true;
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = text.find(',', pos);
    const std::string_view item =
        text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (item.empty()) {
      why = "empty list item";
      return false;
    }
    std::string_view range = item;
    int step = 1;
    if (const std::size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      const std::string_view st = item.substr(slash + 1);
      if (st.empty() || st.size() > 3) {
        why = "bad step \"" + std::string(st) + "\"";
        return false;
      }
      step = 0;
      for (char c : st) {
        if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
          why = "bad step \"" + std::string(st) + "\"";
          return false;
        }
        step = step * 10 + (c - '0');
      }
      if (step < 1) {
        why = "step must be at least 1";
        return false;
      }
    }
    int a = f.lo;
    int b = f.hi;
    if (range == "*") {
      // Full range, with the step applied.
    } else if (const std::size_t dash = range.find('-'); dash != std::string_view::npos) {
      if (!parse_value(range.substr(0, dash), f, a, why) ||
          !parse_value(range.substr(dash + 1), f, b, why)) {
        return false;
      }
      if (a > b) {
        why = "range " + std::string(range) + " goes backwards";
        return false;
      }
    } else {
      if (!parse_value(range, f, a, why)) return false;
      // "5/15" means 5, 20, 35, 50 as in Vixie cron.
      b = item.find('/') != std::string_view::npos ? f.hi : a;
    }
    for (int v = a; v <= b; v += step) set[static_cast<std::size_t>(v)] = true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  // Vixie cron counts a field starting with "*" (also "*/2") as unrestricted for the
  // day-of-month/day-of-week OR rule.
  restricted = text.front() != '*';
  return true;
}

// Local civil arithmetic kept here so cron needs nothing from the calendar's data.
bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in(int year, int month) {
  static constexpr std::array<int, 13> kDays = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[static_cast<std::size_t>(month)];
}

// 0 = Sunday (Sakamoto's method).
int weekday_of(int y, int m, int d) {
  static constexpr std::array<int, 12> kT = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  if (m < 3) y -= 1;
  return (y + y / 4 - y / 100 + y / 400 + kT[static_cast<std::size_t>(m - 1)] + d) % 7;
}

bool day_matches(const Cron& c, int year, int month, int day) {
  const bool dom = c.days.test(static_cast<std::size_t>(day));
  const bool dow = c.weekdays.test(static_cast<std::size_t>(weekday_of(year, month, day)));
  if (c.days_restricted && c.weekdays_restricted) return dom || dow;
  return dom && dow;  // an unrestricted field has every bit set
}

}  // namespace

std::optional<Cron> parse_cron(std::string_view text, std::string& error) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) ++i;
    if (i >= text.size()) break;
    const std::size_t start = i;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) == 0) ++i;
    fields.push_back(text.substr(start, i - start));
  }
  if (fields.size() != 5) {
    error = "a cron expression has 5 fields (minute hour day-of-month month day-of-week), got " +
            std::to_string(fields.size());
    return std::nullopt;
  }
  Cron c;
  for (std::size_t f = 0; f < 5; ++f) {
    std::vector<bool> set;
    bool restricted = true;
    std::string why;
    if (!parse_field(fields[f], kFields[f], set, restricted, why)) {
      error = "field " + std::to_string(f + 1) + " (" + kFields[f].name + "): " + why;
      return std::nullopt;
    }
    for (int v = kFields[f].lo; v <= kFields[f].hi; ++v) {
      if (!set[static_cast<std::size_t>(v)]) continue;
      const auto bit = static_cast<std::size_t>(v);
      switch (f) {
        case 0:
          c.minutes.set(bit);
          break;
        case 1:
          c.hours.set(bit);
          break;
        case 2:
          c.days.set(bit);
          break;
        case 3:
          c.months.set(bit);
          break;
        default:
          c.weekdays.set(v == 7 ? 0 : bit);
          break;
      }
    }
    if (f == 2) c.days_restricted = restricted;
    if (f == 4) c.weekdays_restricted = restricted;
  }
  for (std::size_t f = 0; f < 5; ++f) {
    if (f > 0) c.text += ' ';
    c.text += fields[f];
  }
  return c;
}

std::optional<LocalMinute> next_match(const Cron& c, const LocalMinute& after) {
  // Start at the minute after `after`, then skip whole months, days and hours that cannot
  // match: at most a few thousand steps over the 8-year horizon.
  int y = after.year, mo = after.month, d = after.day, h = after.hour, mi = after.minute + 1;
  const auto normalise = [&] {
    if (mi > 59) {
      mi = 0;
      ++h;
    }
    if (h > 23) {
      h = 0;
      ++d;
    }
    if (mo <= 12 && d > days_in(y, mo)) {  // mo is 13 right after skipping December
      d = 1;
      ++mo;
    }
    if (mo > 12) {
      mo = 1;
      ++y;
    }
  };
  normalise();
  const int last_year = after.year + 8;
  while (y <= last_year) {
    if (!c.months.test(static_cast<std::size_t>(mo))) {
      ++mo;
      d = 1;
      h = 0;
      mi = 0;
      normalise();
      continue;
    }
    if (!day_matches(c, y, mo, d)) {
      ++d;
      h = 0;
      mi = 0;
      normalise();
      continue;
    }
    if (!c.hours.test(static_cast<std::size_t>(h))) {
      ++h;
      mi = 0;
      normalise();
      continue;
    }
    while (mi <= 59 && !c.minutes.test(static_cast<std::size_t>(mi))) ++mi;
    if (mi > 59) {
      normalise();
      continue;
    }
    return LocalMinute{y, mo, d, h, mi};
  }
  return std::nullopt;
}

}  // namespace smsgw::schedule
