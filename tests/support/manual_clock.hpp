#pragma once
// A Clock (common/clock.hpp) that stands still until the test moves it: wall and steady time
// start at the real time and change only by advance(). Components keep real Asio timers, so a
// timer still wakes them, but every decision it leads to reads this clock: nothing that
// depends on time happens until the test says that time has passed. Thread-safe (the store
// reads the wall clock on its writer thread). Must outlive every component given clock().

#include <atomic>
#include <chrono>

#include "common/clock.hpp"
#include "common/time.hpp"

namespace smsgw::testing {

class ManualClock {
 public:
  using Steady = Clock::Steady;

  Clock clock() {
    return Clock{.wall = [this] { return wall_.load(); },
                 .steady = [this] { return Steady::time_point(Steady::duration(steady_.load())); }};
  }

  UnixMs wall() const { return wall_.load(); }

  // Both clocks move on by `d`.
  void advance(std::chrono::milliseconds d) {
    advance_wall(d);
    steady_ += std::chrono::duration_cast<Steady::duration>(d).count();
  }
  // Only the wall clock: a step of the system time, or time that should not count as elapsed
  // for rate buckets, breakers and the dispatcher's safety tick.
  void advance_wall(std::chrono::milliseconds d) { wall_ += d.count(); }

 private:
  std::atomic<UnixMs> wall_{now_ms()};
  std::atomic<Steady::rep> steady_{Steady::now().time_since_epoch().count()};
};

}  // namespace smsgw::testing
