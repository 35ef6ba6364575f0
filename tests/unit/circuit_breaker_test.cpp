#include "dispatch/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace smsgw::dispatch {
namespace {

using Clock = CircuitBreaker::Clock;
using State = CircuitBreaker::State;
using std::chrono::milliseconds;

const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours{1};

TEST(CircuitBreaker, OpensAfterThresholdConsecutiveFailures) {
  CircuitBreaker breaker(3, milliseconds{1000});
  EXPECT_EQ(breaker.state(t0), State::closed);
  breaker.on_failure(t0);
  breaker.on_failure(t0);
  EXPECT_TRUE(breaker.allow(t0));
  EXPECT_EQ(breaker.state(t0), State::closed);
  breaker.on_failure(t0);
  EXPECT_EQ(breaker.state(t0), State::open);
  EXPECT_FALSE(breaker.allow(t0 + milliseconds{999}));
  EXPECT_EQ(breaker.retry_at(), t0 + milliseconds{1000});
}

TEST(CircuitBreaker, SuccessResetsTheCount) {
  CircuitBreaker breaker(3, milliseconds{1000});
  breaker.on_failure(t0);
  breaker.on_failure(t0);
  breaker.on_success();
  breaker.on_failure(t0);
  breaker.on_failure(t0);
  EXPECT_EQ(breaker.state(t0), State::closed);
}

TEST(CircuitBreaker, PermanentErrorsCountAsSuccess) {
  // The dispatcher reports a permanent error as on_success(): the carrier answered.
  CircuitBreaker breaker(2, milliseconds{1000});
  for (int i = 0; i < 10; ++i) {
    breaker.on_failure(t0);
    breaker.on_success();
  }
  EXPECT_EQ(breaker.state(t0), State::closed);
}

TEST(CircuitBreaker, HalfOpenAllowsOneProbe) {
  CircuitBreaker breaker(1, milliseconds{100});
  breaker.on_failure(t0);
  const auto later = t0 + milliseconds{100};
  EXPECT_EQ(breaker.state(later), State::half_open);
  EXPECT_TRUE(breaker.allow(later));
  EXPECT_FALSE(breaker.allow(later));
  EXPECT_FALSE(breaker.allow(later + milliseconds{500}));
  EXPECT_EQ(breaker.state(later), State::half_open);
}

TEST(CircuitBreaker, ProbeSuccessCloses) {
  CircuitBreaker breaker(1, milliseconds{100});
  breaker.on_failure(t0);
  const auto later = t0 + milliseconds{150};
  ASSERT_TRUE(breaker.allow(later));
  breaker.on_success();
  EXPECT_EQ(breaker.state(later), State::closed);
  EXPECT_TRUE(breaker.allow(later));
  EXPECT_TRUE(breaker.allow(later));
}

TEST(CircuitBreaker, ProbeFailureReopensForAnotherCooldown) {
  CircuitBreaker breaker(2, milliseconds{100});
  breaker.on_failure(t0);
  breaker.on_failure(t0);
  const auto probe_at = t0 + milliseconds{120};
  ASSERT_TRUE(breaker.allow(probe_at));
  breaker.on_failure(probe_at);  // one failure is enough in half_open
  EXPECT_EQ(breaker.state(probe_at), State::open);
  EXPECT_EQ(breaker.retry_at(), probe_at + milliseconds{100});
  EXPECT_FALSE(breaker.allow(probe_at + milliseconds{99}));
  EXPECT_TRUE(breaker.allow(probe_at + milliseconds{100}));
}

TEST(CircuitBreaker, LateSuccessDoesNotCloseAnOpenBreaker) {
  CircuitBreaker breaker(1, milliseconds{100});
  breaker.on_failure(t0);
  breaker.on_success();  // a send started before the breaker opened
  EXPECT_EQ(breaker.state(t0 + milliseconds{50}), State::open);
}

TEST(CircuitBreaker, Reconfigure) {
  CircuitBreaker breaker(5, milliseconds{1000});
  breaker.reconfigure(1, milliseconds{10});
  breaker.on_failure(t0);
  EXPECT_EQ(breaker.state(t0), State::open);
  EXPECT_EQ(breaker.state(t0 + milliseconds{10}), State::half_open);
}

}  // namespace
}  // namespace smsgw::dispatch
