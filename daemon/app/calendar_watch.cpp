#include "app/calendar_watch.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "calendar/next_year.hpp"

namespace smsgw::app {
namespace {

std::string join(const std::vector<int>& years, std::string_view suffix) {
  std::string out;
  for (int y : years) out += (out.empty() ? "" : ", ") + std::to_string(y) + std::string(suffix);
  return out;
}

}  // namespace

CalendarWatch::CalendarWatch(boost::asio::io_context& io, Metrics& metrics,
                             Clock clock, TimeZone tz, std::string default_dir)
    : timer_(io),
      metrics_(metrics),
      clock_(std::move(clock)),
      tz_(std::move(tz)),
      default_dir_(std::move(default_dir)) {}

void CalendarWatch::loaded(std::shared_ptr<const calendar::Calendar> cal, std::string dir) {
  calendar_ = std::move(cal);
  dir_ = std::move(dir);
  check(/*warn_again_today=*/true);
  arm();
}

void CalendarWatch::stop() {
  stopped_ = true;
  timer_.cancel();
}

void CalendarWatch::check(bool warn_again_today) {
  if (!calendar_) return;
  const UnixMs now = clock_.now();
  const CivilTime local = tz_.to_local(now);
  const calendar::Date today{local.year, local.month, local.day};
  const std::vector<int> missing = calendar::missing_official_years(*calendar_, today);
  metrics_.calendar_last_official_year.set({}, calendar::last_official_year(*calendar_));
  metrics_.calendar_next_year_missing.set({}, missing.empty() ? 0 : 1);
  if (missing.empty() || (!warn_again_today && warned_on_ == today)) return;
  warned_on_ = today;
  const std::string where =
      dir_.empty() ? "a calendar folder (none is in use: create " + default_dir_ +
                         ", daemon.calendar_dir's default, and take out calendar_dir = \"\" if "
                         "the config has it)"
                   : dir_;
  const std::string years = join(missing, "");
  const std::string notice_year = missing.size() == 1 ? years : "<year>";
  spdlog::warn(
      "calendar: no official calendar for {} is loaded: its holidays and make-up workdays are "
      "estimated and holiday schedules may fire on the wrong day. When the State Council "
      "publishes the notice (国务院办公厅关于{}年部分节假日安排的通知), add {} to {} and reload "
      "(systemctl reload smsgwd); see docs/calendar.md, \"Adding next year's official file\"",
      years, notice_year, join(missing, ".toml"), where);
}

// Wakes at the next local midnight, when the answer can change, but at least hourly: a steady
// timer does not follow a step of the wall clock, and the daily warning is per local date.
void CalendarWatch::arm() {
  if (stopped_) return;
  const UnixMs now = clock_.now();
  const UnixMs wait_ms =
      std::clamp<UnixMs>(calendar::next_local_midnight(now, tz_) - now, 1, 3'600'000);
  timer_.expires_after(std::chrono::milliseconds(wait_ms));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    check(/*warn_again_today=*/false);
    arm();
  });
}

}  // namespace smsgw::app
