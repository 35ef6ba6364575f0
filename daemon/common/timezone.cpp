#include "common/timezone.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

namespace smsgw {
namespace {

constexpr std::int64_t kDay = 86'400;

// Howard Hinnant's algorithms: proleptic Gregorian calendar <-> days since 1970-01-01.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + static_cast<std::int64_t>(doe) - 719'468;
}

void civil_from_days(std::int64_t z, int& y, int& m, int& d) {
  z += 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const auto doe = static_cast<unsigned>(z - era * 146'097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// One rule date of a POSIX TZ string ("M3.5.0/3", "J60", "59/2").
struct RuleDate {
  enum Kind { julian_no_leap, zero_based, month_week_day } kind = month_week_day;
  int a = 0, b = 0, c = 0;        // day (J/n) or month, week, weekday (M)
  std::int64_t time = 2 * 3600;   // local time of day of the change; may be negative or > 24h
};

// The footer of TZif v2+: the rule for instants after the last transition.
struct PosixRule {
  std::int64_t std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  std::int64_t dst_offset = 0;
  RuleDate start, end;
};

class PosixParser {
 public:
  explicit PosixParser(std::string_view s) : s_(s) {}

  std::optional<PosixRule> parse() {
    PosixRule r;
    if (!zone_name()) return std::nullopt;
    auto std_off = offset();
    if (!std_off) return std::nullopt;
    r.std_offset = -*std_off;  // POSIX offsets are west of Greenwich
    if (i_ == s_.size()) return r;
    if (!zone_name()) return std::nullopt;
    r.has_dst = true;
    r.dst_offset = r.std_offset + 3600;
    if (i_ < s_.size() && s_[i_] != ',') {
      auto dst_off = offset();
      if (!dst_off) return std::nullopt;
      r.dst_offset = -*dst_off;
    }
    if (i_ == s_.size()) {
      // No rule given: POSIX leaves it implementation-defined; the US rule is the common one.
      r.start = {RuleDate::month_week_day, 3, 2, 0, 7200};
      r.end = {RuleDate::month_week_day, 11, 1, 0, 7200};
      return r;
    }
    if (s_[i_++] != ',' || !rule_date(r.start)) return std::nullopt;
    if (i_ >= s_.size() || s_[i_++] != ',' || !rule_date(r.end)) return std::nullopt;
    if (i_ != s_.size()) return std::nullopt;
    return r;
  }

 private:
  bool zone_name() {
    if (i_ < s_.size() && s_[i_] == '<') {
      const auto close = s_.find('>', i_);
      if (close == std::string_view::npos) return false;
      i_ = close + 1;
      return true;
    }
    const auto start = i_;
    while (i_ < s_.size() && ((s_[i_] >= 'A' && s_[i_] <= 'Z') || (s_[i_] >= 'a' && s_[i_] <= 'z')))
      ++i_;
    return i_ - start >= 3;
  }

  std::optional<int> number(int max) {
    const auto start = i_;
    int v = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9' && i_ - start < 3)
      v = v * 10 + (s_[i_++] - '0');
    if (i_ == start || v > max) return std::nullopt;
    return v;
  }

  // [+-]hh[:mm[:ss]] in seconds; hours up to 167 (TZif v3 extension for rule times).
  std::optional<std::int64_t> offset() {
    int sign = 1;
    if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) sign = s_[i_++] == '-' ? -1 : 1;
    auto h = number(167);
    if (!h) return std::nullopt;
    std::int64_t secs = *h * 3600;
    if (i_ < s_.size() && s_[i_] == ':') {
      ++i_;
      auto m = number(59);
      if (!m) return std::nullopt;
      secs += *m * 60;
      if (i_ < s_.size() && s_[i_] == ':') {
        ++i_;
        auto sec = number(59);
        if (!sec) return std::nullopt;
        secs += *sec;
      }
    }
    return sign * secs;
  }

  bool rule_date(RuleDate& d) {
    if (i_ < s_.size() && s_[i_] == 'M') {
      ++i_;
      auto m = number(12);
      if (!m || *m < 1 || i_ >= s_.size() || s_[i_++] != '.') return false;
      auto w = number(5);
      if (!w || *w < 1 || i_ >= s_.size() || s_[i_++] != '.') return false;
      auto wd = number(6);
      if (!wd) return false;
      d = {RuleDate::month_week_day, *m, *w, *wd, 7200};
    } else if (i_ < s_.size() && s_[i_] == 'J') {
      ++i_;
      auto n = number(365);
      if (!n || *n < 1) return false;
      d = {RuleDate::julian_no_leap, *n, 0, 0, 7200};
    } else {
      auto n = number(365);
      if (!n) return false;
      d = {RuleDate::zero_based, *n, 0, 0, 7200};
    }
    if (i_ < s_.size() && s_[i_] == '/') {
      ++i_;
      auto t = offset();
      if (!t) return false;
      d.time = *t;
    }
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// Local seconds since the epoch (as if local time were UTC) of a rule date in `year`.
std::int64_t rule_local_seconds(const RuleDate& d, std::int64_t year) {
  std::int64_t days = 0;
  switch (d.kind) {
    case RuleDate::julian_no_leap:
      days = days_from_civil(year, 1, 1) + d.a - 1 + (is_leap(year) && d.a >= 60 ? 1 : 0);
      break;
    case RuleDate::zero_based:
      days = days_from_civil(year, 1, 1) + d.a;
      break;
    case RuleDate::month_week_day: {
      const auto first = days_from_civil(year, static_cast<unsigned>(d.a), 1);
      const int first_wd = static_cast<int>(((first % 7) + 11) % 7);  // 1970-01-01 = Thursday
      std::int64_t day = first + (d.c - first_wd + 7) % 7 + 7 * (d.b - 1);
      static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      const int month_len = kDays[d.a - 1] + (d.a == 2 && is_leap(year) ? 1 : 0);
      while (day >= first + month_len) day -= 7;  // week 5 = the last such weekday
      days = day;
      break;
    }
  }
  return days * kDay + d.time;
}

std::int64_t rule_offset(const PosixRule& r, std::int64_t t) {
  if (!r.has_dst) return r.std_offset;
  int y = 0, m = 0, d = 0;
  civil_from_days(floor_div(t + r.std_offset, kDay), y, m, d);
  // The change to DST happens at a standard-time wall clock; the change back at a DST one.
  const auto start = rule_local_seconds(r.start, y) - r.std_offset;
  const auto end = rule_local_seconds(r.end, y) - r.dst_offset;
  const bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? r.dst_offset : r.std_offset;
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool has(std::size_t n) const { return s_.size() - i_ >= n; }
  std::int64_t be(int bytes) {
    std::uint64_t v = 0;
    for (int k = 0; k < bytes; ++k) v = (v << 8) | static_cast<unsigned char>(s_[i_++]);
    if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }
  unsigned char byte() { return static_cast<unsigned char>(s_[i_++]); }
  void skip(std::size_t n) { i_ += n; }
  std::size_t pos() const { return i_; }
  std::string_view rest() const { return s_.substr(i_); }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

struct Counts {
  std::int64_t isut, isstd, leap, time, type, chars;
};

std::optional<Counts> header(Reader& r, char& version) {
  if (!r.has(44)) return std::nullopt;
  const auto magic = r.rest().substr(0, 4);
  if (magic != "TZif") return std::nullopt;
  r.skip(4);
  version = static_cast<char>(r.byte());
  r.skip(15);
  Counts c{r.be(4), r.be(4), r.be(4), r.be(4), r.be(4), r.be(4)};
  if (c.isut < 0 || c.isstd < 0 || c.leap < 0 || c.time < 0 || c.type < 1 || c.chars < 0 ||
      c.type > 256 || c.time > 1'000'000)
    return std::nullopt;
  return c;
}

std::size_t block_size(const Counts& c, std::size_t time_size) {
  return static_cast<std::size_t>(c.time) * (time_size + 1) + static_cast<std::size_t>(c.type) * 6 +
         static_cast<std::size_t>(c.chars) + static_cast<std::size_t>(c.leap) * (time_size + 4) +
         static_cast<std::size_t>(c.isstd + c.isut);
}

}  // namespace

struct TimeZone::Data {
  std::string name;
  std::vector<std::int64_t> transitions;  // UTC seconds, ascending
  std::vector<std::uint8_t> type_of;      // type index per transition
  std::vector<std::int64_t> offsets;      // utoff per type
  std::optional<PosixRule> rule;

  std::int64_t offset_at(std::int64_t t) const {
    if (transitions.empty()) return rule ? rule_offset(*rule, t) : offsets.front();
    if (t < transitions.front()) return offsets.front();
    if (t >= transitions.back() && rule) return rule_offset(*rule, t);
    const auto it = std::upper_bound(transitions.begin(), transitions.end(), t);
    return offsets[type_of[static_cast<std::size_t>(it - transitions.begin()) - 1]];
  }

  static std::shared_ptr<Data> parse(std::string name, std::string_view file) {
    Reader r(file);
    char version = 0;
    auto c = header(r, version);
    if (!c || !r.has(block_size(*c, 4))) return nullptr;
    std::size_t time_size = 4;
    if (version >= '2') {
      // The 32-bit block only covers 1901-2038; the 64-bit one after it is authoritative.
      r.skip(block_size(*c, 4));
      c = header(r, version);
      if (!c) return nullptr;
      time_size = 8;
    }
    if (!r.has(block_size(*c, time_size))) return nullptr;
    auto d = std::make_shared<Data>();
    d->name = std::move(name);
    for (std::int64_t k = 0; k < c->time; ++k)
      d->transitions.push_back(r.be(static_cast<int>(time_size)));
    for (std::int64_t k = 0; k < c->time; ++k) {
      const auto idx = r.byte();
      if (idx >= c->type) return nullptr;
      d->type_of.push_back(idx);
    }
    for (std::int64_t k = 0; k < c->type; ++k) {
      d->offsets.push_back(r.be(4));
      r.skip(2);  // isdst, abbreviation index: not needed for civil time
    }
    if (!std::is_sorted(d->transitions.begin(), d->transitions.end())) return nullptr;
    r.skip(static_cast<std::size_t>(c->chars) + static_cast<std::size_t>(c->leap) * (time_size + 4) +
           static_cast<std::size_t>(c->isstd + c->isut));
    if (time_size == 8) {
      const auto rest = r.rest();
      if (rest.size() >= 2 && rest[0] == '\n') {
        const auto end = rest.find('\n', 1);
        if (end != std::string_view::npos && end > 1) {
          d->rule = PosixParser(rest.substr(1, end - 1)).parse();
          if (!d->rule) return nullptr;  // a footer we cannot read would give wrong times
        }
      }
    }
    return d;
  }
};

TimeZone::TimeZone(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

TimeZone TimeZone::utc() {
  static const auto data = [] {
    auto d = std::make_shared<Data>();
    d->name = "UTC";
    d->offsets.push_back(0);
    return std::shared_ptr<const Data>(std::move(d));
  }();
  return TimeZone(data);
}

std::optional<TimeZone> TimeZone::load(const std::string& name) {
  if (name == "UTC") return utc();
  // The name becomes a path: keep it inside the zoneinfo folder.
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos ||
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") !=
          std::string::npos)
    return std::nullopt;

  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Data>> cache;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(name); it != cache.end()) return TimeZone(it->second);
  }
  const std::string path = "/usr/share/zoneinfo/" + name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;  // e.g. "Asia"
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes;
  try {
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (in.bad() || bytes.size() > (1u << 20)) return std::nullopt;
  std::shared_ptr<const Data> data = Data::parse(name, bytes);
  if (!data) return std::nullopt;
  std::lock_guard lock(mutex);
  auto [it, inserted] = cache.emplace(name, std::move(data));
  return TimeZone(it->second);
}

const std::string& TimeZone::name() const noexcept { return data_->name; }

CivilTime TimeZone::to_local(UnixMs t) const {
  const std::int64_t secs = floor_div(t, 1000);
  const std::int64_t offset = data_->offset_at(secs);
  const std::int64_t local = secs + offset;
  const std::int64_t days = floor_div(local, kDay);
  const std::int64_t rem = local - days * kDay;
  CivilTime c;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem % 3600 / 60);
  c.second = static_cast<int>(rem % 60);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);
  c.utc_offset_seconds = static_cast<int>(offset);
  return c;
}

UnixMs TimeZone::start_of_local_day(UnixMs t) const {
  const CivilTime c = to_local(t);
  return from_local(c.year, c.month, c.day, 0, 0, 0);
}

UnixMs TimeZone::from_local(int year, int month, int day, int hour, int minute,
                            int second) const {
  const std::int64_t local = days_from_civil(year, static_cast<unsigned>(month),
                                             static_cast<unsigned>(day)) *
                                 kDay +
                             hour * 3600 + minute * 60 + second;
  // Offsets on either side of any transition near this wall-clock time (zones change at most
  // once within a day around any instant).
  const std::int64_t before = data_->offset_at(local - kDay);
  const std::int64_t after = data_->offset_at(local + kDay);
  std::optional<std::int64_t> best;
  for (const std::int64_t off : {before, after}) {
    const std::int64_t utc = local - off;
    if (data_->offset_at(utc) == off && (!best || utc < *best)) best = utc;
  }
  if (!best) {
    // A wall-clock time skipped by a forward change: the first instant after the gap, i.e.
    // the transition itself, somewhere in (local - after, local - before].
    std::int64_t lo = local - std::max(before, after);
    std::int64_t hi = local - std::min(before, after);
    const std::int64_t lo_off = data_->offset_at(lo);
    while (hi - lo > 1) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      (data_->offset_at(mid) == lo_off ? lo : hi) = mid;
    }
    best = hi;
  }
  return *best * 1000;
}

}  // namespace smsgw
