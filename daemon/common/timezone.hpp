#pragma once
// Local time in the daemon's timezone without touching the process's TZ (thread-safe): reads
// the TZif file of a zone from /usr/share/zoneinfo once, then converts UTC instants to local
// civil time. Asia/Shanghai has been UTC+8 without DST since 1991, but the code follows the
// file's transitions so any zone works.

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
  // "UTC" always works; other names load /usr/share/zoneinfo/<name>. nullopt if unknown/corrupt.
  static std::optional<TimeZone> load(const std::string& name);
  static TimeZone utc();

  const std::string& name() const noexcept;
  CivilTime to_local(UnixMs t) const;
  // The instant of local midnight starting the day that contains `t` (for "messages today").
  UnixMs start_of_local_day(UnixMs t) const;
  // The instant of a local civil time (for schedules); the earlier one if ambiguous, the
  // instant after the gap if it does not exist.
  UnixMs from_local(int year, int month, int day, int hour, int minute, int second = 0) const;

  struct Data;

 private:
  explicit TimeZone(std::shared_ptr<const Data> data);
  std::shared_ptr<const Data> data_;
};

}  // namespace smsgw
