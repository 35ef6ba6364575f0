#include "dispatch/circuit_breaker.hpp"

#include <algorithm>

namespace smsgw::dispatch {

namespace {

std::chrono::milliseconds slice_of(std::chrono::milliseconds window, std::size_t buckets) {
  return std::max(std::chrono::milliseconds{1}, window / static_cast<long>(buckets));
}

}  // namespace

CircuitBreaker::CircuitBreaker(BreakerOptions options) : open_time_(options.open_min) {
  reconfigure(options);
}

void CircuitBreaker::reconfigure(BreakerOptions options) {
  options.min_attempts = std::max(options.min_attempts, 1);
  options.open_min = std::max(options.open_min, std::chrono::milliseconds{1});
  options.open_max = std::max(options.open_max, options.open_min);
  options.window = std::max(options.window, std::chrono::milliseconds{static_cast<long>(kBuckets)});
  const bool window_changed = options.window != options_.window;
  options_ = options;
  open_time_ = std::clamp(open_time_, options_.open_min, options_.open_max);
  if (window_changed) clear_window();
}

CircuitBreaker::Bucket& CircuitBreaker::bucket(Clock::time_point now) {
  const auto slice = slice_of(options_.window, kBuckets);
  const std::int64_t slot =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) / slice;
  Bucket& b = buckets_[static_cast<std::size_t>(slot % static_cast<std::int64_t>(kBuckets))];
  if (b.slot != slot) b = Bucket{slot, 0, 0};
  return b;
}

void CircuitBreaker::totals(Clock::time_point now, int& attempts, int& failures) {
  const auto slice = slice_of(options_.window, kBuckets);
  const std::int64_t current =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) / slice;
  attempts = failures = 0;
  for (const Bucket& b : buckets_) {
    if (b.slot < 0 || b.slot > current || current - b.slot >= static_cast<std::int64_t>(kBuckets))
      continue;
    attempts += b.attempts;
    failures += b.failures;
  }
}

void CircuitBreaker::clear_window() { buckets_.fill(Bucket{}); }

int CircuitBreaker::window_attempts(Clock::time_point now) {
  int a = 0, f = 0;
  totals(now, a, f);
  return a;
}

int CircuitBreaker::window_failures(Clock::time_point now) {
  int a = 0, f = 0;
  totals(now, a, f);
  return f;
}

bool CircuitBreaker::working(Clock::time_point now) {
  if (state(now) != State::closed) return false;
  int attempts = 0, failures = 0;
  totals(now, attempts, failures);
  return attempts >= options_.min_attempts &&
         static_cast<double>(failures) < options_.failure_ratio * attempts;
}

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

void CircuitBreaker::on_success(Clock::time_point now) {
  switch (state(now)) {
    case State::half_open:
      if (!probe_in_flight_) return;  // a send from before the breaker opened
      state_ = State::closed;
      probe_in_flight_ = false;
      closed_at_ = now;
      clear_window();
      return;
    case State::open:
      // A success that was already in flight when the breaker opened says little about the
      // carrier now; only a probe may close it.
      return;
    case State::closed:
      ++bucket(now).attempts;
      return;
  }
}

void CircuitBreaker::on_failure(Clock::time_point now) {
  switch (state(now)) {
    case State::closed: {
      Bucket& b = bucket(now);
      ++b.attempts;
      ++b.failures;
      int attempts = 0, failures = 0;
      totals(now, attempts, failures);
      if (attempts >= options_.min_attempts &&
          static_cast<double>(failures) >= options_.failure_ratio * attempts) {
        // Re-opening soon after a close means the carrier did not really recover: wait longer
        // than last time; otherwise start short again.
        if (!ever_opened_ || now - closed_at_ > options_.window) {
          open_time_ = options_.open_min;
        } else {
          open_time_ = std::min(open_time_ * 2, options_.open_max);
        }
        open(now);
      }
      return;
    }
    case State::half_open:
      if (!probe_in_flight_) return;
      probe_in_flight_ = false;
      open_time_ = std::min(open_time_ * 2, options_.open_max);
      open(now);
      return;
    case State::open:
      return;  // late failures of sends started before opening: already out of rotation
  }
}

void CircuitBreaker::open(Clock::time_point now) {
  state_ = State::open;
  ever_opened_ = true;
  probe_in_flight_ = false;
  open_until_ = now + open_time_;
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) {
  if (state_ == State::open && now >= open_until_) {
    state_ = State::half_open;
    probe_in_flight_ = false;
  }
  return state_;
}

}  // namespace smsgw::dispatch
