#pragma once
// Takes a carrier that is failing out of rotation, judged by its failure ratio rather than by
// a run of failures: a carrier that fails 30 % of the time still delivers 70 %, and opening
// the breaker on every fifth consecutive failure (which such a carrier produces every few
// hundred sends) starves the queue.
//
//   closed --(in the last `window`: >= min_attempts attempts, failure ratio >= ratio)--> open
//   open --(open time elapsed)--> half_open: one probe send at a time
//   half_open --(probe succeeds)--> closed (window cleared)
//   half_open --(probe fails)--> open again, for twice as long (open_min doubling to open_max)
//
// So while a carrier stays down, probes trickle out at 1 s, 2 s, 4 s ... 30 s intervals (with
// the defaults), each risking one message's attempt rather than a window's worth. Opening
// again soon (within `window`) after a close doubles the last open time; otherwise it starts
// at open_min. Permanent errors are about the message, not the carrier: they count as
// successes. Throttling is neither (the dispatcher pauses the carrier instead).

#include <array>
#include <chrono>
#include <cstdint>

namespace smsgw::dispatch {

struct BreakerOptions {
  std::chrono::milliseconds window{10'000};
  int min_attempts = 20;
  double failure_ratio = 0.5;
  std::chrono::milliseconds open_min{1'000};
  std::chrono::milliseconds open_max{30'000};
};

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { closed, open, half_open };

  explicit CircuitBreaker(BreakerOptions options = {});

  // May a send go to this carrier now? In half_open, true once until the probe's result.
  bool allow(Clock::time_point now);
  void on_success(Clock::time_point now);
  void on_failure(Clock::time_point now);
  State state(Clock::time_point now);
  // When an open breaker becomes half_open (for the dispatcher's wake-up timer).
  Clock::time_point retry_at() const noexcept { return open_until_; }
  // half_open and its single probe is out: allow() says no until the probe's result.
  bool probing() const noexcept { return state_ == State::half_open && probe_in_flight_; }
  // The open time the breaker used last (or will use next), for logs.
  std::chrono::milliseconds open_time() const noexcept { return open_time_; }
  // Closed, with at least min_attempts attempts in the window and a failure ratio below the one
  // that opens it: evidence that the carrier is working now (the retry policy then keeps a
  // failed message's retry short). Little traffic is no evidence either way.
  bool working(Clock::time_point now);
  // Attempts and failures counted in the current window.
  int window_attempts(Clock::time_point now);
  int window_failures(Clock::time_point now);
  void reconfigure(BreakerOptions options);

 private:
  static constexpr std::size_t kBuckets = 10;
  struct Bucket {
    std::int64_t slot = -1;  // which window/kBuckets-long slice of time it counts
    int attempts = 0;
    int failures = 0;
  };

  Bucket& bucket(Clock::time_point now);
  void totals(Clock::time_point now, int& attempts, int& failures);
  void open(Clock::time_point now);
  void clear_window();

  BreakerOptions options_;
  State state_ = State::closed;
  bool probe_in_flight_ = false;
  std::chrono::milliseconds open_time_;
  Clock::time_point open_until_{};
  Clock::time_point closed_at_{};
  bool ever_opened_ = false;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace smsgw::dispatch
