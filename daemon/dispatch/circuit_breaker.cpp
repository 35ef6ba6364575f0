#include "dispatch/circuit_breaker.hpp"

#include <algorithm>

namespace smsgw::dispatch {

CircuitBreaker::CircuitBreaker(int failure_threshold, std::chrono::milliseconds cooldown)
    : threshold_(std::max(failure_threshold, 1)), cooldown_(cooldown) {}

bool CircuitBreaker::allow(Clock::time_point now) {
  switch (state(now)) {
    case State::closed:
      return true;
    case State::open:
      return false;
    case State::half_open:
      if (probe_in_flight_) return false;
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::on_success() {
  // A success that was already in flight when the breaker opened says little about the
  // carrier now; only the half-open probe may close an open breaker.
  if (state_ == State::open) return;
  state_ = State::closed;
  failures_ = 0;
  probe_in_flight_ = false;
}

void CircuitBreaker::on_failure(Clock::time_point now) {
  switch (state_) {
    case State::closed:
      if (++failures_ >= threshold_) {
        state_ = State::open;
        open_until_ = now + cooldown_;
      }
      break;
    case State::half_open:
      state_ = State::open;
      open_until_ = now + cooldown_;
      probe_in_flight_ = false;
      break;
    case State::open:
      break;  // late failures of sends started before opening: already out of rotation
  }
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) {
  if (state_ == State::open && now >= open_until_) {
    state_ = State::half_open;
    probe_in_flight_ = false;
  }
  return state_;
}

void CircuitBreaker::reconfigure(int failure_threshold, std::chrono::milliseconds cooldown) {
  threshold_ = std::max(failure_threshold, 1);
  cooldown_ = cooldown;
}

}  // namespace smsgw::dispatch
