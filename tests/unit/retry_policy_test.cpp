#include "dispatch/retry_policy.hpp"

#include <gtest/gtest.h>

namespace smsgw::dispatch {
namespace {

using std::chrono::milliseconds;

config::RetryConfig make_config(int max_attempts, int base_ms, int max_ms) {
  config::RetryConfig c;
  c.max_attempts = max_attempts;
  c.base_delay = milliseconds{base_ms};
  c.max_delay = milliseconds{max_ms};
  return c;
}

TEST(RetryPolicy, DelayDoublesWithEqualJitterAndIsCapped) {
  RetryPolicy policy(make_config(20, 1000, 30'000), 42);
  const std::int64_t expected_top[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const std::int64_t d = expected_top[attempt - 1];
    for (int draw = 0; draw < 2000; ++draw) {
      const auto delay = policy.delay_after(attempt).count();
      ASSERT_GE(delay, d / 2) << "attempt " << attempt;
      ASSERT_LE(delay, d) << "attempt " << attempt;
    }
  }
}

TEST(RetryPolicy, JitterCoversTheWholeRange) {
  RetryPolicy policy(make_config(5, 1000, 60'000), 7);
  std::int64_t lo = 1'000'000, hi = 0;
  double sum = 0;
  constexpr int kDraws = 10'000;
  for (int i = 0; i < kDraws; ++i) {
    const auto d = policy.delay_after(3).count();  // d = 4000, range [2000, 4000]
    lo = std::min(lo, d);
    hi = std::max(hi, d);
    sum += static_cast<double>(d);
  }
  EXPECT_GE(lo, 2000);
  EXPECT_LE(hi, 4000);
  EXPECT_LT(lo, 2050);  // uniform: the ends are reached
  EXPECT_GT(hi, 3950);
  EXPECT_NEAR(sum / kDraws, 3000, 40);
}

TEST(RetryPolicy, SameSeedSameSequence) {
  RetryPolicy a(make_config(5, 1000, 60'000), 99), b(make_config(5, 1000, 60'000), 99);
  for (int i = 1; i < 50; ++i) EXPECT_EQ(a.delay_after(i % 6 + 1), b.delay_after(i % 6 + 1));
}

TEST(RetryPolicy, HugeAttemptCountsDoNotOverflow) {
  RetryPolicy policy(make_config(1000, 5000, 1'800'000), 1);
  const auto d = policy.delay_after(500).count();
  EXPECT_GE(d, 900'000);
  EXPECT_LE(d, 1'800'000);
}

TEST(RetryPolicy, StopsAtMaxAttempts) {
  RetryPolicy policy(make_config(3, 100, 1000), 5);
  const UnixMs now = 1'700'000'000'000;
  auto first = policy.next_attempt(1, now, std::nullopt);
  ASSERT_TRUE(first);
  EXPECT_GE(*first, now + 50);
  EXPECT_LE(*first, now + 100);
  auto second = policy.next_attempt(2, now, std::nullopt);
  ASSERT_TRUE(second);
  EXPECT_GE(*second, now + 100);
  EXPECT_LE(*second, now + 200);
  EXPECT_FALSE(policy.next_attempt(3, now, std::nullopt));
  EXPECT_FALSE(policy.next_attempt(4, now, std::nullopt));
}

TEST(RetryPolicy, NeverPastExpiresAt) {
  RetryPolicy policy(make_config(10, 1000, 1000), 5);  // every delay in [500, 1000]
  const UnixMs now = 1'700'000'000'000;
  for (int i = 0; i < 500; ++i) {
    EXPECT_FALSE(policy.next_attempt(1, now, now + 499));
    auto at = policy.next_attempt(1, now, now + 1000);
    ASSERT_TRUE(at);
    EXPECT_LE(*at, now + 1000);
    auto maybe = policy.next_attempt(1, now, now + 750);
    if (maybe) {
      EXPECT_LE(*maybe, now + 750);
    }
  }
}

TEST(RetryPolicy, AWorkingCarriersFailureIsRetriedSoon) {
  config::RetryConfig c;
  c.max_attempts = 10;
  c.base_delay = std::chrono::milliseconds{1000};
  c.max_delay = std::chrono::milliseconds{60'000};
  RetryPolicy policy(c, 7);
  const UnixMs now = 1'000'000;
  c.working_carrier_delay = std::chrono::milliseconds{100};
  policy = RetryPolicy(c, 7);
  for (int attempts = 1; attempts < 10; ++attempts) {
    const auto working = policy.next_attempt(attempts, now, std::nullopt, /*carrier_working=*/true);
    ASSERT_TRUE(working);
    EXPECT_GE(*working - now, 50);
    EXPECT_LE(*working - now, 100) << attempts;
  }
  // Without that evidence the backoff grows as before.
  const auto later = policy.next_attempt(6, now, std::nullopt, false);
  ASSERT_TRUE(later);
  EXPECT_GE(*later - now, 16'000);
  // Attempts still run out either way.
  EXPECT_FALSE(policy.next_attempt(10, now, std::nullopt, true));
}

}  // namespace
}  // namespace smsgw::dispatch
