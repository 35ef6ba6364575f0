#pragma once
// Takes a carrier that keeps failing out of rotation. closed -> (N consecutive transient
// failures) -> open -> (cooldown) -> half_open: one probe send is allowed; success closes,
// failure re-opens for another cooldown. Permanent errors are about the message, not the
// carrier, and count as successes here.

#include <chrono>

namespace smsgw::dispatch {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { closed, open, half_open };

  CircuitBreaker(int failure_threshold, std::chrono::milliseconds cooldown);

  // May a send go to this carrier now? In half_open, true once until the probe's result.
  bool allow(Clock::time_point now);
  void on_success();
  void on_failure(Clock::time_point now);
  State state(Clock::time_point now);
  // When an open breaker becomes half_open (for the dispatcher's wake-up timer).
  Clock::time_point retry_at() const noexcept { return open_until_; }
  // half_open and its single probe is out: allow() says no until the probe's result.
  bool probing() const noexcept { return state_ == State::half_open && probe_in_flight_; }
  void reconfigure(int failure_threshold, std::chrono::milliseconds cooldown);

 private:
  int threshold_;
  std::chrono::milliseconds cooldown_;
  State state_ = State::closed;
  int failures_ = 0;
  bool probe_in_flight_ = false;
  Clock::time_point open_until_{};
};

}  // namespace smsgw::dispatch
