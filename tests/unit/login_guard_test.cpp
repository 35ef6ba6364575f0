// The console's failed-sign-in counters: a name locked after N failures in a row, an address
// refused after M failures across names, both for lock_for, and bounded tables.

#include "console/login_guard.hpp"

#include <gtest/gtest.h>

namespace smsgw::console {
namespace {

using std::chrono::milliseconds;
constexpr UnixMs kMinute = 60'000;

LockoutPolicy policy() { return {3, milliseconds(15 * kMinute), 5}; }

TEST(LoginGuard, LocksANameAfterFailuresInARowForLockFor) {
  LoginGuard g(policy());
  const UnixMs t = 1'000'000;
  EXPECT_EQ(g.blocked_for("li", "10.0.0.1", t).count(), 0);
  EXPECT_EQ(g.failed("li", "10.0.0.1", t), 2);
  EXPECT_EQ(g.failed("li", "10.0.0.2", t + 1), 1);
  EXPECT_EQ(g.blocked_for("li", "10.0.0.1", t + 1).count(), 0);
  EXPECT_EQ(g.failed("li", "10.0.0.3", t + 2), 0);  // the third: locked, whatever the address
  EXPECT_EQ(g.blocked_for("li", "10.0.0.9", t + 2).count(), 15 * kMinute);
  EXPECT_EQ(g.blocked_for("li", "10.0.0.9", t + 2 + 5 * kMinute).count(), 10 * kMinute);
  EXPECT_EQ(g.blocked_for("wang", "10.0.0.9", t + 3).count(), 0);  // other names are not
  EXPECT_EQ(g.blocked_for("li", "10.0.0.9", t + 2 + 15 * kMinute).count(), 0);
  // After the lock the count starts again.
  EXPECT_EQ(g.failed("li", "10.0.0.1", t + 16 * kMinute), 2);
}

TEST(LoginGuard, ASuccessOrAnAdministratorEndsTheRunAndAQuietWindowForgetsIt) {
  LoginGuard g(policy());
  const UnixMs t = 1'000'000;
  g.failed("li", "a", t);
  g.failed("li", "a", t);
  g.succeeded("li");
  EXPECT_EQ(g.failed("li", "a", t), 2);
  g.failed("li", "a", t);
  EXPECT_EQ(g.failed("li", "a", t), 0);
  g.clear("li");
  EXPECT_EQ(g.blocked_for("li", "b", t).count(), 0);
  // Two failures, then quiet for longer than a window: the third is counted as the first.
  g.failed("zhao", "c", t);
  g.failed("zhao", "c", t);
  EXPECT_EQ(g.failed("zhao", "c", t + 16 * kMinute), 2);
}

TEST(LoginGuard, RefusesAnAddressThatFailsAcrossManyNames) {
  LoginGuard g(policy());
  const UnixMs t = 1'000'000;
  for (int i = 0; i < 4; ++i) g.failed("name" + std::to_string(i), "10.9.9.9", t + i);
  EXPECT_EQ(g.blocked_for("anyone", "10.9.9.9", t + 4).count(), 0);
  g.failed("name4", "10.9.9.9", t + 4);
  EXPECT_EQ(g.blocked_for("anyone", "10.9.9.9", t + 4).count(), 15 * kMinute);
  EXPECT_EQ(g.blocked_for("anyone", "10.9.9.8", t + 4).count(), 0);
  // A right password for one name does not clear the address.
  g.succeeded("name0");
  EXPECT_GT(g.blocked_for("name0", "10.9.9.9", t + 5).count(), 0);
  // Failures spread over more than a window do not add up.
  LoginGuard slow(policy());
  for (int i = 0; i < 10; ++i) slow.failed("n" + std::to_string(i), "10.1.1.1", t + i * 4 * kMinute);
  EXPECT_EQ(slow.blocked_for("x", "10.1.1.1", t + 40 * kMinute).count(), 0);
}

TEST(LoginGuard, TablesStayBoundedUnderRandomNamesAndKeepLiveLocks) {
  LoginGuard g(policy(), 1'000);
  const UnixMs t = 1'000'000;
  for (int i = 0; i < 3; ++i) g.failed("victim", "10.0.0.1", t);
  for (int i = 0; i < 50'000; ++i) {
    g.failed("random-" + std::to_string(i), "10.2." + std::to_string(i / 256) + "." + std::to_string(i % 256),
             t + 1 + i);
  }
  EXPECT_LE(g.size(), 1'000u);
  // A 1 MiB name costs a bounded key.
  g.failed(std::string(1 << 20, 'x'), "10.0.0.1", t);
  EXPECT_LE(g.size(), 1'000u);
}

}  // namespace
}  // namespace smsgw::console
