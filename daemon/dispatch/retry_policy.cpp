#include "dispatch/retry_policy.hpp"

#include <algorithm>

namespace smsgw::dispatch {

RetryPolicy::RetryPolicy(config::RetryConfig config, std::uint64_t seed)
    : config_(config), rng_(seed) {}

std::chrono::milliseconds RetryPolicy::delay_after(int attempts_made) {
  using std::chrono::milliseconds;
  const auto base = std::max<std::int64_t>(config_.base_delay.count(), 0);
  const auto cap = std::max<std::int64_t>(config_.max_delay.count(), 0);
  // Double until the cap; stop early so base << n can never overflow.
  std::int64_t d = base;
  for (int i = 1; i < attempts_made && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  std::uniform_int_distribution<std::int64_t> jitter(d / 2, d);
  return milliseconds{jitter(rng_)};
}

std::optional<UnixMs> RetryPolicy::next_attempt(int attempts_made, UnixMs now,
                                                std::optional<UnixMs> expires_at,
                                                bool carrier_working) {
  if (attempts_made >= config_.max_attempts) return std::nullopt;
  std::chrono::milliseconds delay;
  if (carrier_working) {
    const auto d = std::max<std::int64_t>(config_.working_carrier_delay.count(), 0);
    delay = std::chrono::milliseconds{std::uniform_int_distribution<std::int64_t>(d / 2, d)(rng_)};
  } else {
    delay = delay_after(attempts_made);
  }
  const UnixMs at = now + delay.count();
  if (expires_at && at > *expires_at) return std::nullopt;
  return at;
}

}  // namespace smsgw::dispatch
