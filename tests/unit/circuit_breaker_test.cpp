#include "dispatch/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include <random>

namespace smsgw::dispatch {
namespace {

using Clock = CircuitBreaker::Clock;
using State = CircuitBreaker::State;
using std::chrono::milliseconds;

BreakerOptions options() {
  BreakerOptions o;
  o.window = milliseconds{10'000};
  o.min_attempts = 20;
  o.failure_ratio = 0.5;
  o.open_min = milliseconds{1'000};
  o.open_max = milliseconds{30'000};
  return o;
}

TEST(CircuitBreaker, StaysClosedBelowTheMinimumNumberOfAttempts) {
  CircuitBreaker b(options());
  const auto t = Clock::now();
  for (int i = 0; i < 19; ++i) b.on_failure(t);  // 19 of 19 failed, but too few to judge
  EXPECT_EQ(b.state(t), State::closed);
  b.on_failure(t);
  EXPECT_EQ(b.state(t), State::open);
}

TEST(CircuitBreaker, ThirtyPercentRandomFailuresNeverOpenIt) {
  // The case that starved the queue with "5 consecutive failures": a carrier that fails 30 %
  // of the time at random produces runs of 5 every few hundred sends.
  CircuitBreaker b(options());
  std::mt19937 rng(7);
  std::bernoulli_distribution fails(0.3);
  auto t = Clock::now();
  int longest_run = 0, run = 0;
  for (int i = 0; i < 100'000; ++i) {
    t += milliseconds{1};  // 1,000 sends a second
    ASSERT_TRUE(b.allow(t)) << "send " << i;
    if (fails(rng)) {
      b.on_failure(t);
      longest_run = std::max(longest_run, ++run);
    } else {
      b.on_success(t);
      run = 0;
    }
  }
  EXPECT_GE(longest_run, 5);  // the old breaker would have opened
  EXPECT_EQ(b.state(t), State::closed);
}

TEST(CircuitBreaker, OpensOnTheRatioOverTheWindow) {
  CircuitBreaker b(options());
  auto t = Clock::now();
  for (int i = 0; i < 20; ++i) {
    b.on_success(t);
    t += milliseconds{10};
  }
  for (int i = 0; i < 19; ++i) {
    b.on_failure(t);
    t += milliseconds{10};
  }
  EXPECT_EQ(b.state(t), State::closed);  // 19 of 39 failed: below half
  b.on_failure(t);                        // 20 of 40
  EXPECT_EQ(b.state(t), State::open);
  EXPECT_EQ(b.window_attempts(t), 40);
  EXPECT_EQ(b.window_failures(t), 20);
}

TEST(CircuitBreaker, OldAttemptsLeaveTheWindow) {
  CircuitBreaker b(options());
  auto t = Clock::now();
  for (int i = 0; i < 19; ++i) b.on_failure(t);
  t += milliseconds{11'000};  // all of them now outside the 10 s window
  EXPECT_EQ(b.window_attempts(t), 0);
  b.on_failure(t);
  EXPECT_EQ(b.state(t), State::closed);
}

TEST(CircuitBreaker, HalfOpensAfterTheOpenTimeAndAProbeClosesIt) {
  CircuitBreaker b(options());
  const auto t = Clock::now();
  for (int i = 0; i < 20; ++i) b.on_failure(t);
  ASSERT_EQ(b.state(t), State::open);
  EXPECT_FALSE(b.allow(t + milliseconds{999}));
  EXPECT_EQ(b.retry_at(), t + milliseconds{1'000});
  const auto probe = t + milliseconds{1'000};
  EXPECT_EQ(b.state(probe), State::half_open);
  EXPECT_TRUE(b.allow(probe));   // the probe
  EXPECT_FALSE(b.allow(probe));  // only one at a time
  EXPECT_TRUE(b.probing());
  b.on_success(probe);
  EXPECT_EQ(b.state(probe), State::closed);
  EXPECT_EQ(b.window_attempts(probe), 0);  // a fresh start
}

TEST(CircuitBreaker, EachFailedProbeDoublesTheOpenTimeUpToTheMaximum) {
  CircuitBreaker b(options());
  auto t = Clock::now();
  for (int i = 0; i < 20; ++i) b.on_failure(t);
  std::vector<long> opens;
  for (int i = 0; i < 8; ++i) {
    t = b.retry_at();
    ASSERT_TRUE(b.allow(t));
    b.on_failure(t);
    ASSERT_EQ(b.state(t), State::open);
    opens.push_back(std::chrono::duration_cast<milliseconds>(b.retry_at() - t).count());
  }
  EXPECT_EQ(opens, (std::vector<long>{2'000, 4'000, 8'000, 16'000, 30'000, 30'000, 30'000, 30'000}));
}

TEST(CircuitBreaker, ReopeningSoonAfterAClosingWaitsLonger) {
  CircuitBreaker b(options());
  auto t = Clock::now();
  for (int i = 0; i < 20; ++i) b.on_failure(t);
  t = b.retry_at();
  ASSERT_TRUE(b.allow(t));
  b.on_success(t);  // closed after 1 s
  for (int i = 0; i < 20; ++i) b.on_failure(t + milliseconds{100});
  EXPECT_EQ(b.retry_at() - (t + milliseconds{100}), milliseconds{2'000});
  // Long after a recovery, an opening starts short again.
  t = b.retry_at();
  ASSERT_TRUE(b.allow(t));
  b.on_success(t);
  const auto later = t + milliseconds{60'000};
  for (int i = 0; i < 20; ++i) b.on_failure(later);
  EXPECT_EQ(b.retry_at() - later, milliseconds{1'000});
}

TEST(CircuitBreaker, LateResultsOfSendsFromBeforeTheOpeningChangeNothing) {
  CircuitBreaker b(options());
  const auto t = Clock::now();
  for (int i = 0; i < 20; ++i) b.on_failure(t);
  b.on_success(t);  // a send that was in flight when it opened
  EXPECT_EQ(b.state(t), State::open);
  const auto probe = b.retry_at();
  EXPECT_EQ(b.state(probe), State::half_open);
  b.on_failure(probe);  // not the probe (none was allowed): ignored
  EXPECT_EQ(b.state(probe), State::half_open);
  EXPECT_TRUE(b.allow(probe));
}

TEST(CircuitBreaker, ReconfigureKeepsItsState) {
  CircuitBreaker b(options());
  const auto t = Clock::now();
  for (int i = 0; i < 20; ++i) b.on_failure(t);
  auto o = options();
  o.min_attempts = 5;
  b.reconfigure(o);
  EXPECT_EQ(b.state(t), State::open);
}

TEST(CircuitBreaker, WorkingNeedsEvidence) {
  CircuitBreaker b(options());
  auto t = Clock::now();
  EXPECT_FALSE(b.working(t));  // no traffic: no evidence
  for (int i = 0; i < 14; ++i) b.on_success(t);
  for (int i = 0; i < 6; ++i) b.on_failure(t);
  EXPECT_TRUE(b.working(t));  // 20 attempts, 30 % failed
  for (int i = 0; i < 13; ++i) b.on_failure(t);
  EXPECT_FALSE(b.working(t));  // open now
  CircuitBreaker quiet(options());
  for (int i = 0; i < 5; ++i) quiet.on_success(t);
  EXPECT_FALSE(quiet.working(t));  // too few attempts to tell
}

}  // namespace
}  // namespace smsgw::dispatch
