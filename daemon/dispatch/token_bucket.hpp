#pragma once
// Per-carrier rate limit in SMS segments per second. Time is passed in (injected clock), so the
// bucket is a pure value type and trivially testable.

#include <chrono>

namespace smsgw::dispatch {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // rate: tokens per second (> 0); burst: capacity (>= 1). Starts full.
  TokenBucket(double rate, double burst, Clock::time_point now);

  // Takes `cost` tokens if available now. A cost larger than the burst is allowed once the
  // bucket is full (a 10-part message on a 5/s carrier must still go out eventually), leaving
  // the bucket in debt.
  bool try_take(double cost, Clock::time_point now);

  // When try_take(cost) would next succeed (now if it would now).
  Clock::time_point available_at(double cost, Clock::time_point now);

  // SIGHUP: new rate/burst, keeping the current fill (clamped to the new burst).
  void reconfigure(double rate, double burst, Clock::time_point now);

  double tokens(Clock::time_point now);

 private:
  void refill(Clock::time_point now);
  double rate_, burst_, tokens_;
  Clock::time_point last_;
};

}  // namespace smsgw::dispatch
