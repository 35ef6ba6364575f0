#include "schedule/quiet_hours.hpp"

#include <cctype>

namespace smsgw::schedule {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

// "H:MM" or "HH:MM", 00:00..23:59; "24:00" is accepted as an end meaning midnight.
std::optional<int> parse_hhmm(std::string_view s) {
  s = trim(s);
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3) {
    return std::nullopt;
  }
  int h = 0;
  for (std::size_t i = 0; i < colon; ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) return std::nullopt;
    h = h * 10 + (s[i] - '0');
  }
  if (std::isdigit(static_cast<unsigned char>(s[colon + 1])) == 0 ||
      std::isdigit(static_cast<unsigned char>(s[colon + 2])) == 0) {
    return std::nullopt;
  }
  const int m = (s[colon + 1] - '0') * 10 + (s[colon + 2] - '0');
  if (h == 24 && m == 0) return 0;
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::string hhmm(int minutes) {
  const int h = minutes / 60;
  const int m = minutes % 60;
  return {static_cast<char>('0' + h / 10), static_cast<char>('0' + h % 10), ':',
          static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10)};
}

}  // namespace

std::optional<QuietHours> parse_quiet_hours(std::string_view text, std::string& error) {
  const std::string_view t = trim(text);
  if (t.empty() || t == "off" || t == "OFF" || t == "Off" || t == "none") return QuietHours{};
  const std::size_t dash = t.find('-');
  const auto a = dash == std::string_view::npos ? std::nullopt : parse_hhmm(t.substr(0, dash));
  const auto b = dash == std::string_view::npos ? std::nullopt : parse_hhmm(t.substr(dash + 1));
  if (!a || !b) {
    error =
        "quiet hours must be \"HH:MM-HH:MM\" in 24-hour local time (e.g. \"22:00-08:00\") "
        "or \"off\", got \"" +
        std::string(t) + "\"";
    return std::nullopt;
  }
  if (*a == *b) {
    error = "quiet hours \"" + std::string(t) +
            "\" start and end at the same time; write \"off\" to disable them";
    return std::nullopt;
  }
  return QuietHours{*a, *b};
}

std::string to_string(const QuietHours& q) {
  if (!q.enabled()) return "off";
  return hhmm(q.start_minute) + "-" + hhmm(q.end_minute);
}

namespace {

// Minutes after local midnight at `t`.
int local_minute(const TimeZone& tz, UnixMs t) {
  const CivilTime c = tz.to_local(t);
  return c.hour * 60 + c.minute;
}

bool inside(const QuietHours& q, int m) {
  if (q.start_minute < q.end_minute) return m >= q.start_minute && m < q.end_minute;
  return m >= q.start_minute || m < q.end_minute;  // wraps midnight
}

}  // namespace

bool in_quiet_hours(const QuietHours& q, const TimeZone& tz, UnixMs t) {
  return q.enabled() && inside(q, local_minute(tz, t));
}

UnixMs defer_past_quiet_hours(const QuietHours& q, const TimeZone& tz, UnixMs due) {
  if (!in_quiet_hours(q, tz, due)) return due;
  const CivilTime c = tz.to_local(due);
  const int m = c.hour * 60 + c.minute;
  // The window ends today if we are before its end on the clock (the morning part of a
  // wrapping window, or any part of a non-wrapping one); otherwise tomorrow.
  int y = c.year, mo = c.month, d = c.day;
  if (m >= q.end_minute) {
    // from_local does not normalise out-of-range days, so step to the next date by hand.
    static constexpr int kDays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const int dim = mo == 2 && leap ? 29 : kDays[mo];
    if (++d > dim) {
      d = 1;
      if (++mo > 12) {
        mo = 1;
        ++y;
      }
    }
  }
  const UnixMs end = tz.from_local(y, mo, d, q.end_minute / 60, q.end_minute % 60);
  // A DST gap could in theory put `end` before `due`; never move a message backwards.
  return end > due ? end : due;
}

}  // namespace smsgw::schedule
