#include "dispatch/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace smsgw::dispatch {

namespace {
// Refill arithmetic is floating point; without a little slack, waking exactly at available_at()
// could find the bucket a rounding error short and sleep again for a nanosecond.
constexpr double kSlack = 1e-6;
}  // namespace

TokenBucket::TokenBucket(double rate, double burst, Clock::time_point now)
    : rate_(rate > 0 ? rate : 1), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::try_take(double cost, Clock::time_point now) {
  refill(now);
  const double needed = std::min(cost, burst_);
  if (tokens_ + kSlack < needed) return false;
  tokens_ -= cost;  // may go negative for cost > burst: the debt delays what follows
  return true;
}

TokenBucket::Clock::time_point TokenBucket::available_at(double cost, Clock::time_point now) {
  refill(now);
  const double needed = std::min(cost, burst_);
  if (tokens_ + kSlack >= needed) return now;
  const double seconds = (needed - tokens_) / rate_;
  return now + std::chrono::ceil<Clock::duration>(std::chrono::duration<double>(seconds));
}

void TokenBucket::reconfigure(double rate, double burst, Clock::time_point now) {
  refill(now);
  rate_ = rate > 0 ? rate : 1;
  burst_ = std::max(burst, 1.0);
  tokens_ = std::min(tokens_, burst_);
}

double TokenBucket::tokens(Clock::time_point now) {
  refill(now);
  return tokens_;
}

}  // namespace smsgw::dispatch
