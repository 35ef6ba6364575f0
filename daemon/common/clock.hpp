#pragma once
// The one source of time of a process. smsgwd builds it once (application.cpp; --clock-offset
// and --fake-now shift its wall clock) and hands it to every component that timestamps or
// decides by time: the store, the API, the scheduler, the dispatcher, retention, the calendar
// watch, the metrics collector, the file carrier. Tests build their own to step time instead
// of sleeping.
//
// Two clocks, because they answer different questions:
//   wall   (UnixMs)  what time it is: timestamps, send_at/expires_at, leases, local dates;
//   steady (time_point)  how long since: rate buckets, circuit breakers, hold times.
// Asio timers cannot follow an injected clock, so components keep real timers and arm them
// for `deadline - steady_now()` (a duration), and the decision a timer's wake-up leads to
// reads this clock again. With the system clock that is the same as waiting for the
// deadline; with a test's clock, nothing happens until the test moves it.
//
// Socket and transport deadlines (Beast's request timeout, libcurl's transfer timeout, the
// systemd watchdog and MONOTONIC_USEC) and request-latency metrics stay on the real clocks:
// they measure the outside world, not the daemon's idea of the time.

#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

#include "common/time.hpp"
#include "common/types.hpp"

namespace smsgw {

struct Clock {
  using Steady = std::chrono::steady_clock;

  std::function<UnixMs()> wall = nullptr;             // empty: the system clock (now_ms)
  std::function<Steady::time_point()> steady = nullptr;  // empty: std::chrono::steady_clock

  UnixMs now() const { return wall ? wall() : now_ms(); }
  Steady::time_point steady_now() const { return steady ? steady() : Steady::now(); }

  static Clock system() { return {}; }
  // The system clocks with the wall clock shifted by `offset_ms` (smsgwd --clock-offset and
  // --fake-now). The steady clock is not shifted: durations stay real.
  static Clock shifted(std::int64_t offset_ms) {
    if (offset_ms == 0) return system();
    return Clock{.wall = [offset_ms] { return now_ms() + offset_ms; }};
  }
};

}  // namespace smsgw
