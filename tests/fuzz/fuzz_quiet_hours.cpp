// parse_quiet_hours on arbitrary text ("spec" or "spec\n<RFC 3339 instant>"): an accepted window
// prints (to_string) as text that parses back to the same window, and deferring never moves a
// message backwards, leaves one outside the window alone, and lands outside the window within
// a day. Checked over two days of instants in UTC, Asia/Shanghai and a zone with DST.

#include <vector>

#include "common/time.hpp"
#include "common/timezone.hpp"
#include "fuzz_check.hpp"
#include "schedule/quiet_hours.hpp"

using namespace smsgw;
using schedule::QuietHours;

namespace {

constexpr UnixMs kDay = 86'400'000;

struct Zone {
  TimeZone tz;
  bool fixed_offset;  // no DST since 1992: the deferred instant must be outside the window
};

const std::vector<Zone>& zones() {
  static const std::vector<Zone> z = [] {
    std::vector<Zone> out{{TimeZone::utc(), true}};
    if (auto sh = TimeZone::load("Asia/Shanghai")) out.push_back({*sh, true});
    if (auto ny = TimeZone::load("America/New_York")) out.push_back({*ny, false});
    return out;
  }();
  return z;
}

void check_defer(const QuietHours& q, const Zone& zone, UnixMs due) {
  const UnixMs out = schedule::defer_past_quiet_hours(q, zone.tz, due);
  FUZZ_CHECK(out >= due);
  if (!schedule::in_quiet_hours(q, zone.tz, due)) {
    FUZZ_CHECK(out == due);
    return;
  }
  FUZZ_CHECK(out - due <= kDay + 3'600'000);  // a DST change may add an hour
  static const UnixMs k1992 = *parse_rfc3339("1992-01-01T00:00:00Z");
  if (zone.fixed_offset && due >= k1992) {
    FUZZ_CHECK(!schedule::in_quiet_hours(q, zone.tz, out));
    FUZZ_CHECK(out - due <= kDay);
  }
  FUZZ_CHECK(schedule::quiet_due(q, zone.tz, Priority::urgent, due) == due);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  const std::string_view spec = fuzz::take_line(input);
  std::string error;
  const auto q = schedule::parse_quiet_hours(spec, error);
  if (!q) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(q->start_minute >= 0 && q->start_minute < 1440);
  FUZZ_CHECK(q->end_minute >= 0 && q->end_minute < 1440);
  const std::string text = schedule::to_string(*q);
  std::string again_error;
  const auto again = schedule::parse_quiet_hours(text, again_error);
  if (!again) FUZZ_FAIL("to_string gave \"" + text + "\", which does not parse: " + again_error);
  FUZZ_CHECK(again->start_minute == q->start_minute && again->end_minute == q->end_minute);
  if (!q->enabled()) return 0;

  std::vector<UnixMs> instants;
  if (auto t = parse_rfc3339(fuzz::take_line(input))) instants.push_back(*t);
  // 2026-03-07T00:00Z: two days around a DST change in New York, every 7 minutes.
  const UnixMs base = *parse_rfc3339("2026-03-07T00:00:00Z");
  for (UnixMs t = base; t < base + 3 * kDay; t += 7 * 60'000 + 13'000) instants.push_back(t);
  for (const Zone& zone : zones())
    for (UnixMs t : instants) check_defer(*q, zone, t);
  return 0;
}
