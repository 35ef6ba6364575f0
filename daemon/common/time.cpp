#include "common/time.hpp"

#include <chrono>
#include <cstdint>

namespace smsgw {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days: pure arithmetic on the proleptic
// Gregorian calendar, so no timegm/gmtime_r and no dependence on the process's TZ.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t y;
  unsigned m;
  unsigned d;
};

Civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool is_leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at text[pos]; advances pos.
bool digits(std::string_view text, std::size_t& pos, std::size_t n, int& out) noexcept {
  if (pos + n > text.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) noexcept {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

void append_padded(std::string& out, std::int64_t v, int width) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) out.append(width - s.size(), '0');
  out += s;
}

}  // namespace

UnixMs now_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<UnixMs> parse_rfc3339(std::string_view text) {
  std::size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!digits(text, pos, 4, year) || !expect(text, pos, '-') || !digits(text, pos, 2, month) ||
      !expect(text, pos, '-') || !digits(text, pos, 2, day))
    return std::nullopt;
  // RFC 3339 §5.6 allows 't' and, as a note, a space in place of 'T'.
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
    return std::nullopt;
  ++pos;
  if (!digits(text, pos, 2, hour) || !expect(text, pos, ':') || !digits(text, pos, 2, minute) ||
      !expect(text, pos, ':') || !digits(text, pos, 2, second))
    return std::nullopt;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      // Precision beyond milliseconds is truncated, not rounded: never moves into the next ms.
      if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
      ++pos;
    }
    const std::size_t n = pos - start;
    if (n == 0) return std::nullopt;
    for (std::size_t k = n; k < 3; ++k) millis *= 10;
  }
  if (pos >= text.size()) return std::nullopt;  // no offset: refuse to guess the zone
  int offset_minutes = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!digits(text, pos, 2, oh) || !expect(text, pos, ':') || !digits(text, pos, 2, om))
      return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  // Year 0000 is not a Gregorian year anyone schedules for. Second 60 (a leap second) is
  // refused too: POSIX time has no leap seconds, so it would name the next minute's first
  // second under another name, and no carrier or client needs to write it.
  if (year < 1) return std::nullopt;
  if (month < 1 || month > 12) return std::nullopt;
  if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)))
    return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;

  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t secs =
      days * 86400 + hour * 3600 + minute * 60 + second - std::int64_t{offset_minutes} * 60;
  const UnixMs t = secs * 1000 + millis;
  // An offset can carry 0001-01-01 or 9999-12-31 into year 0 or 10000, which are refused as
  // written above (and which format_rfc3339 and clients cannot write as RFC 3339).
  static const UnixMs kFirst = days_from_civil(1, 1, 1) * 86'400'000;
  static const UnixMs kEnd = days_from_civil(10000, 1, 1) * 86'400'000;
  if (t < kFirst || t >= kEnd) return std::nullopt;
  return t;
}

std::string format_rfc3339(UnixMs t) {
  const std::int64_t days = floor_div(t, 86'400'000);
  const std::int64_t ms_of_day = t - days * 86'400'000;
  const Civil c = civil_from_days(days);
  std::string out;
  out.reserve(24);
  append_padded(out, c.y, 4);
  out += '-';
  append_padded(out, c.m, 2);
  out += '-';
  append_padded(out, c.d, 2);
  out += 'T';
  append_padded(out, ms_of_day / 3'600'000, 2);
  out += ':';
  append_padded(out, ms_of_day / 60'000 % 60, 2);
  out += ':';
  append_padded(out, ms_of_day / 1000 % 60, 2);
  if (const auto ms = ms_of_day % 1000; ms != 0) {
    out += '.';
    append_padded(out, ms, 3);
  }
  out += 'Z';
  return out;
}

}  // namespace smsgw
