#pragma once
// Keeps the calendar gauges current and warns while a year the daemon needs has no official
// calendar (calendar/next_year.hpp): at start-up, on every reload, and once a day from a
// timer on the io_context that wakes at local midnight (or hourly, to follow clock steps).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "calendar/calendar.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/timezone.hpp"
#include "common/types.hpp"

namespace smsgw::app {

class CalendarWatch {
 public:
  // `default_dir` is where daemon.calendar_dir's default points (for the hint when no folder
  // is in use).
  CalendarWatch(boost::asio::io_context& io, Metrics& metrics, Clock clock,
                TimeZone tz, std::string default_dir);
  CalendarWatch(const CalendarWatch&) = delete;
  CalendarWatch& operator=(const CalendarWatch&) = delete;

  // A calendar is in use (start-up or reload): sets the gauges, warns now if a needed year is
  // missing, and (re)arms the daily check. `dir` is the calendar_dir it came from ("" = none).
  void loaded(std::shared_ptr<const calendar::Calendar> cal, std::string dir);
  void stop();

 private:
  void check(bool warn_again_today);
  void arm();

  boost::asio::steady_timer timer_;
  Metrics& metrics_;
  Clock clock_;
  TimeZone tz_;
  std::string default_dir_;
  std::shared_ptr<const calendar::Calendar> calendar_;
  std::string dir_;
  std::optional<calendar::Date> warned_on_;  // local date of the last warning
  bool stopped_ = false;
};

}  // namespace smsgw::app
