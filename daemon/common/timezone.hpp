#pragma once
// Local time in the daemon's timezone without touching the process's TZ (thread-safe). Zones
// come from the system's tzdata (/usr/share/zoneinfo) through Howard Hinnant's date/tz library
// (the origin of C++20's <chrono> zones), built by Debian to read the OS database: nothing is
// downloaded, and a tzdata upgrade applies at the next start. Asia/Shanghai has been UTC+8
// without DST since 1991, but any zone works, with its history and future rules.

#include <memory>
#include <optional>
#include <string>

#include "common/types.hpp"

namespace smsgw {

struct CivilTime {
  int year = 1970, month = 1, day = 1;  // month 1-12, day 1-31
  int hour = 0, minute = 0, second = 0;
  int weekday = 4;  // 0 = Sunday ... 6 = Saturday
  int utc_offset_seconds = 0;
};

class TimeZone {
 public:
  // "UTC" always works, even without tzdata; other names are zones of /usr/share/zoneinfo.
  // nullopt if unknown or unreadable (never throws). Loaded once per name, then shared.
  static std::optional<TimeZone> load(const std::string& name);
  static TimeZone utc();

  const std::string& name() const noexcept;
  // Instants are clamped to years -32766..32766, the library's calendar range.
  CivilTime to_local(UnixMs t) const;
  // The instant of local midnight starting the day that contains `t` (for "messages today").
  UnixMs start_of_local_day(UnixMs t) const;
  // The instant of a local civil time (for schedules); the earlier one if ambiguous, the
  // instant after the gap if it does not exist. month 1-12; day and time of day roll over.
  UnixMs from_local(int year, int month, int day, int hour, int minute, int second = 0) const;

  struct Data;

 private:
  explicit TimeZone(std::shared_ptr<const Data> data);
  std::shared_ptr<const Data> data_;
};

}  // namespace smsgw
