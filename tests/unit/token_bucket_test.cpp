#include "dispatch/token_bucket.hpp"

#include <gtest/gtest.h>

namespace smsgw::dispatch {
namespace {

using Clock = TokenBucket::Clock;
using std::chrono::milliseconds;

const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours{1};

TEST(TokenBucket, StartsFullAndAllowsABurst) {
  TokenBucket bucket(10, 5, t0);
  EXPECT_DOUBLE_EQ(bucket.tokens(t0), 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_take(1, t0)) << i;
  EXPECT_FALSE(bucket.try_take(1, t0));
}

TEST(TokenBucket, RefillsAtRateUpToBurst) {
  TokenBucket bucket(10, 5, t0);
  ASSERT_TRUE(bucket.try_take(5, t0));
  EXPECT_FALSE(bucket.try_take(1, t0 + milliseconds{99}));
  EXPECT_TRUE(bucket.try_take(1, t0 + milliseconds{100}));
  EXPECT_NEAR(bucket.tokens(t0 + milliseconds{300}), 2, 1e-9);
  EXPECT_DOUBLE_EQ(bucket.tokens(t0 + std::chrono::seconds{60}), 5);  // capped at burst
}

TEST(TokenBucket, AvailableAt) {
  TokenBucket bucket(100, 10, t0);
  EXPECT_EQ(bucket.available_at(3, t0), t0);
  ASSERT_TRUE(bucket.try_take(10, t0));
  const auto at = bucket.available_at(3, t0);
  EXPECT_GE(at, t0 + milliseconds{30});
  EXPECT_LE(at, t0 + milliseconds{31});
  EXPECT_FALSE(bucket.try_take(3, at - milliseconds{1}));
  EXPECT_TRUE(bucket.try_take(3, at));
}

TEST(TokenBucket, CostAboveBurstGoesWhenFullAndLeavesDebt) {
  TokenBucket bucket(5, 5, t0);
  ASSERT_TRUE(bucket.try_take(1, t0));
  EXPECT_FALSE(bucket.try_take(10, t0));  // not full: wait
  const auto full_at = bucket.available_at(10, t0);
  EXPECT_GE(full_at, t0 + milliseconds{200});
  EXPECT_LE(full_at, t0 + milliseconds{201});
  ASSERT_TRUE(bucket.try_take(10, full_at));
  EXPECT_NEAR(bucket.tokens(full_at), -5, 1e-6);
  // The debt is paid back before anything else goes: 6 tokens = 1.2 s at 5/s.
  EXPECT_FALSE(bucket.try_take(1, full_at + milliseconds{1100}));
  EXPECT_TRUE(bucket.try_take(1, full_at + milliseconds{1200}));
}

TEST(TokenBucket, ReconfigureKeepsFillClampedToNewBurst) {
  TokenBucket bucket(10, 10, t0);
  ASSERT_TRUE(bucket.try_take(4, t0));  // 6 left
  bucket.reconfigure(100, 3, t0);
  EXPECT_DOUBLE_EQ(bucket.tokens(t0), 3);
  ASSERT_TRUE(bucket.try_take(3, t0));
  EXPECT_TRUE(bucket.try_take(1, t0 + milliseconds{10}));  // new rate: 1 per 10 ms

  TokenBucket grow(10, 2, t0);
  ASSERT_TRUE(grow.try_take(1, t0));
  grow.reconfigure(10, 20, t0);
  EXPECT_DOUBLE_EQ(grow.tokens(t0), 1);  // a bigger bucket is not refilled for free
  EXPECT_NEAR(grow.tokens(t0 + std::chrono::seconds{1}), 11, 1e-9);
}

TEST(TokenBucket, TimeGoingBackwardsIsIgnored) {
  TokenBucket bucket(10, 5, t0);
  ASSERT_TRUE(bucket.try_take(5, t0));
  EXPECT_FALSE(bucket.try_take(1, t0 - std::chrono::seconds{10}));
  EXPECT_DOUBLE_EQ(bucket.tokens(t0), 0);
}

}  // namespace
}  // namespace smsgw::dispatch
