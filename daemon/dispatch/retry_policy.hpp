#pragma once
// Exponential backoff with jitter, bounded by max_attempts and the message's expires_at.

#include <chrono>
#include <optional>
#include <random>

#include "common/types.hpp"
#include "config/config.hpp"

namespace smsgw::dispatch {

class RetryPolicy {
 public:
  explicit RetryPolicy(config::RetryConfig config, std::uint64_t seed = std::random_device{}());

  // Delay before attempt number `attempts_made + 1`, given `attempts_made` >= 1 attempts failed:
  // d = min(max_delay, base_delay * 2^(attempts_made-1)); result uniformly in [d/2, d]
  // ("equal jitter": spreads retries without ever retrying immediately).
  std::chrono::milliseconds delay_after(int attempts_made);

  // When to try again after a transient failure, or nullopt if the message must not be retried:
  // attempts exhausted, or the next attempt would fall after expires_at.
  // `carrier_working`: the carrier that failed is demonstrably working (CircuitBreaker::working:
  // many recent attempts, most of them accepted). Its failure is this request's bad luck, not the
  // carrier's state, so it is retried after working_carrier_delay (jittered) instead of a growing
  // delay: growing backoff is there to spare a carrier in trouble, and a carrier dropping a
  // fraction of requests at random would otherwise leave the unlucky messages waiting minutes
  // while it sits idle. Without that evidence (little traffic, or many failures) the backoff grows.
  std::optional<UnixMs> next_attempt(int attempts_made, UnixMs now,
                                     std::optional<UnixMs> expires_at, bool carrier_working = false);

  const config::RetryConfig& config() const noexcept { return config_; }

 private:
  config::RetryConfig config_;
  std::mt19937_64 rng_;
};

}  // namespace smsgw::dispatch
