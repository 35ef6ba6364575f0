#include "common/timezone.hpp"

#include <date/date.h>
#include <date/tz.h>

// date 3.0.1 (Debian 12) ptz.h says `using namespace date; using namespace std::chrono;` and
// then names hh_mm_ss, which C++20's <chrono> makes ambiguous (fixed upstream after 3.0.1 by
// "Port ptz.h to C++20"). Unqualified lookup finds a declaration in namespace Posix first.
// Include ptz.h in this file only: 3.0.1 defines a non-inline function in it.
namespace Posix {
using date::hh_mm_ss;
}
#include <date/ptz.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <string_view>

namespace smsgw {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Where date's USE_OS_TZDB build looks on Linux; only read here for the TZif footer.
constexpr std::string_view kZoneDir = "/usr/share/zoneinfo/";

// date::year holds -32767..32767 and date::days counts in int: keep instants a year inside
// that so the calendar arithmetic cannot overflow, whatever UnixMs it is given.
constexpr int kMinYear = static_cast<int>(date::year::min()) + 1;
constexpr int kMaxYear = static_cast<int>(date::year::max()) - 1;
constexpr date::sys_seconds kMinInstant{date::sys_days{date::year{kMinYear} / 1 / 1}};
constexpr date::sys_seconds kMaxInstant{date::sys_days{date::year{kMaxYear} / 12 / 31}};

// The TZif file's footer (RFC 8536 section 3.3), "" if it has none. nullopt when the file is
// not TZif at all: date 3.0.1 only assert()s the magic, which aborts in Debian's build.
std::optional<std::string> read_footer(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::streamoff>(in.tellg());
  if (size < 44 || size > (1 << 20)) return std::nullopt;
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) return std::nullopt;
  if (bytes.compare(0, 4, "TZif") != 0) return std::nullopt;
  if (bytes[4] < '2' || bytes.back() != '\n') return std::string();
  const auto start = bytes.rfind('\n', bytes.size() - 2);
  return bytes.substr(start + 1, bytes.size() - start - 2);
}

}  // namespace

struct TimeZone::Data {
  std::string name;
  const date::time_zone* zone = nullptr;  // nullptr: UTC without touching tzdata
  // date's OS-tzdb reader ignores the footer, so past the file's last transition it would keep
  // that transition's offset forever (HowardHinnant/date#614): Debian's "fat" files list
  // transitions up to 2037 and "slim" ones far fewer. The footer's POSIX rule covers the rest.
  std::optional<Posix::time_zone> rule;
  date::sys_seconds rule_from;
  // Local times this late are surely past the last transition, whatever the offset (< 1 day).
  date::local_seconds rule_local_from;

  seconds offset_at(date::sys_seconds t) const {
    if (zone == nullptr) return seconds{0};
    if (rule && t >= rule_from) return rule->get_info(t).offset;
    return zone->get_info(t).offset;
  }

  date::sys_seconds to_sys(date::local_seconds local) const {
    if (zone == nullptr) return date::sys_seconds{local.time_since_epoch()};
    // Near the last transition both agree: the footer continues that transition's offset.
    if (rule && local >= rule_local_from) return rule->to_sys(local, date::choose::earliest);
    return zone->to_sys(local, date::choose::earliest);
  }
};

TimeZone::TimeZone(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

TimeZone TimeZone::utc() {
  static const auto data = [] {
    auto d = std::make_shared<Data>();
    d->name = "UTC";
    return std::shared_ptr<const Data>(std::move(d));
  }();
  return TimeZone(data);
}

std::optional<TimeZone> TimeZone::load(const std::string& name) {
  if (name == "UTC") return utc();

  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Data>> cache;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(name); it != cache.end()) return TimeZone(it->second);
  }
  auto d = std::make_shared<Data>();
  d->name = name;
  try {
    // Only names the library found under /usr/share/zoneinfo (no "..", no "right/", no
    // "posix/"), so the path below stays inside that folder.
    d->zone = date::locate_zone(name);
    const auto footer = read_footer(std::string(kZoneDir) + name);
    if (!footer) return std::nullopt;
    // The library reads the file on first use: do it now, where an error is still an answer,
    // rather than as an exception out of to_local() on the send path.
    const date::sys_info last = d->zone->get_info(kMaxInstant);
    d->rule_from = last.begin;
    d->rule_local_from = date::local_seconds{(last.begin + date::days{1}).time_since_epoch()};
    if (!footer->empty()) {
      try {
        d->rule.emplace(*footer);
      } catch (const std::exception&) {
        // date 3.0.1 cannot parse RFC 8536's negative or >24h rule times (America/Nuuk's
        // "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"): the file's own transitions still hold until
        // its last one (2037 with Debian's fat files), the last offset after that.
      }
    }
  } catch (const std::exception&) {
    return std::nullopt;  // unknown name, unreadable or truncated file, no tzdata at all
  }
  std::lock_guard lock(mutex);
  auto [it, inserted] = cache.emplace(name, std::move(d));
  return TimeZone(it->second);
}

const std::string& TimeZone::name() const noexcept { return data_->name; }

CivilTime TimeZone::to_local(UnixMs t) const {
  const auto utc = std::clamp(date::floor<seconds>(date::sys_time<milliseconds>{milliseconds{t}}),
                              kMinInstant, kMaxInstant);
  const seconds offset = data_->offset_at(utc);
  const date::local_seconds local{(utc + offset).time_since_epoch()};
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<seconds> hms{local - day};
  CivilTime c;
  c.year = static_cast<int>(ymd.year());
  c.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  c.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  c.hour = static_cast<int>(hms.hours().count());
  c.minute = static_cast<int>(hms.minutes().count());
  c.second = static_cast<int>(hms.seconds().count());
  c.weekday = static_cast<int>(date::weekday{day}.c_encoding());
  c.utc_offset_seconds = static_cast<int>(offset.count());
  return c;
}

UnixMs TimeZone::start_of_local_day(UnixMs t) const {
  const CivilTime c = to_local(t);
  return from_local(c.year, c.month, c.day, 0, 0, 0);
}

UnixMs TimeZone::from_local(int year, int month, int day, int hour, int minute, int second) const {
  // Day and time of day roll over linearly (day 32 is in the next month), as before.
  const auto ym = date::year{std::clamp(year, kMinYear, kMaxYear)} / date::January +
                  date::months{std::clamp(month, 1, 12) - 1};
  const date::local_seconds local = date::local_days{ym / 1} + date::days{day - 1} +
                                    std::chrono::hours{hour} + std::chrono::minutes{minute} +
                                    seconds{second};
  return std::chrono::duration_cast<milliseconds>(data_->to_sys(local).time_since_epoch()).count();
}

}  // namespace smsgw
