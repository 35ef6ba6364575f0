#include "dispatch/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>
#include <deque>
#include <unordered_map>
#include <optional>
#include <random>

#include "adapters/core/failure.hpp"
#include "common/phone.hpp"
#include "common/sms_encoding.hpp"
#include "common/time.hpp"
#include "dispatch/circuit_breaker.hpp"
#include "dispatch/retry_policy.hpp"
#include "dispatch/token_bucket.hpp"
#include "sending/mappings.hpp"
#include "templates/signature.hpp"

namespace smsgw::dispatch {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// Wakes the dispatcher even when nothing is due: reclaims leases left by a crashed run and
// notices adapters that came back up.
constexpr milliseconds kSafetyTick{1000};
// After a claim that returned nothing while the store says something is already due (a commit
// racing the claim), wait this long instead of claiming again in a tight loop.
constexpr milliseconds kEmptyClaimPause{100};

double effective_burst(const config::CarrierConfig& c) {
  return c.burst > 0 ? static_cast<double>(c.burst) : std::max(1.0, c.rate);
}

const char* state_name(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::closed:
      return "closed";
    case CircuitBreaker::State::open:
      return "open";
    case CircuitBreaker::State::half_open:
      return "half_open";
  }
  return "?";
}

std::string describe(const adapters::SubmitResult& o) {
  return o.detail.empty() ? o.error.message() : o.detail;
}

BreakerOptions breaker_options(const config::DispatchConfig& d) {
  return BreakerOptions{d.breaker_window, d.breaker_min_attempts, d.breaker_failure_ratio,
                        d.breaker_open_min, d.breaker_open_max};
}

// Wall-clock milliseconds to a steady-clock offset: a due time centuries ahead (send_at in
// year 2400) must not overflow the nanosecond clock, and nothing waits longer than a tick.
milliseconds until(UnixMs due, UnixMs wall, milliseconds cap) {
  if (due <= wall) return milliseconds{0};
  const UnixMs delta = due - wall;  // no overflow: both are sane UnixMs values
  return delta >= cap.count() ? cap : milliseconds{delta};
}

// A random lease owner per dispatcher: the store only lets the owner record a claimed message's
// outcome, and never hands a message this dispatcher holds to one of its own later claims.
std::int64_t new_owner() {
  std::random_device rd;
  const auto hi = static_cast<std::uint64_t>(rd()) << 32;
  const auto v = static_cast<std::int64_t>((hi | rd()) & 0x7fff'ffff'ffff'ffffULL);
  return v == 0 ? 1 : v;
}

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Impl>, adapters::Listener {
  struct Carrier {
    config::CarrierConfig config;
    adapters::Adapter* adapter;
    TokenBucket bucket;
    CircuitBreaker breaker;
    std::vector<adapters::Submission> batch = {};  // picked for this carrier, not yet submitted
    SteadyClock::time_point paused_until{};  // throttled by the carrier until then
    std::size_t in_flight = 0;
    int reported_up = -1;  // last value written to the carrier_up gauge
    CircuitBreaker::State logged_state = CircuitBreaker::State::closed;
  };

  // Where a message's number belongs, for carriers' routing rules (operators, countries):
  // classified at most once per claim, and only when a carrier with rules asks.
  struct Route {
    PhoneClass number;
    bool classified = false;
    // The message's carrier template calls, decoded once (carriers ask per pick).
    std::shared_ptr<const std::vector<std::pair<std::string, sending::DecodedCall>>> calls;
  };

  struct Held {
    store::ClaimedMessage message;
    SteadyClock::time_point claimed_at;
    Route route = {};
  };

  // A message at a carrier, from submit() to its result.
  struct InFlight {
    store::ClaimedMessage message;
    std::size_t carrier = 0;
    SteadyClock::time_point claimed_at, submitted_at;
    Route route = {};  // kept for a throttled message, which is held again
  };

  struct Pick {
    // credit_wait: the carrier's window is full; its on_credit() pumps again.
    enum class Kind { send, rate_wait, credit_wait, none } kind = Kind::none;
    std::size_t carrier = 0;
    SteadyClock::time_point available_at{};
  };

  Impl(asio::io_context& io_, store::Store& store_, std::vector<CarrierSlot> slots,
       config::RetryConfig retry_config, config::DispatchConfig options_, Metrics& metrics_,
       Clock clock_)
      : io(io_),
        store(store_),
        metrics(metrics_),
        clock(std::move(clock_)),
        retry(retry_config),
        options(options_),
        timer(io_) {
    const auto now = clock.steady_now();
    carriers.reserve(slots.size());
    for (auto& slot : slots) {
      const double rate = slot.config.rate;
      const double burst = effective_burst(slot.config);
      carriers.push_back(Carrier{std::move(slot.config), slot.adapter, TokenBucket(rate, burst, now),
                                 CircuitBreaker(breaker_options(options))});
    }
    sort_carriers();
  }

  asio::io_context& io;
  store::Store& store;
  Metrics& metrics;
  Clock clock;
  schedule::QuietHours quiet;  // off by default
  TimeZone tz = TimeZone::utc();
  std::vector<Carrier> carriers;
  std::vector<std::size_t> order;  // carrier indices, lowest priority number first
  RetryPolicy retry;
  config::DispatchConfig options;

  const std::int64_t owner = new_owner();
  asio::steady_timer timer;
  asio::steady_timer renew_timer{io};
  bool timer_armed = false;
  SteadyClock::time_point timer_deadline{};
  std::uint64_t timer_generation = 0;

  // Claimed but not yet sent (rate wait, or no carrier available). Urgent first.
  std::deque<Held> held_urgent, held_normal;
  std::int64_t held_segments = 0;
  std::size_t in_flight = 0;

  bool started = false;
  bool closed = false;  // the Dispatcher object is gone: completions only release resources
  bool claim_outstanding = false;
  bool more_due = true;              // the store may hold messages due now
  bool due_while_claiming = false;   // notify() for due-now work while a claim was running
  std::optional<UnixMs> next_due;    // earliest known future due time (wall clock)
  SteadyClock::time_point next_safety_claim{};

  std::vector<store::AttemptResult> pending_records;
  std::vector<std::int64_t> pending_releases;
  bool flush_posted = false;
  std::size_t store_ops = 0;

  bool pumping = false, pump_again = false;

  bool stopping = false, stop_finished = false, grace_expired = false;
  std::function<void()> stop_done;
  std::unique_ptr<asio::steady_timer> grace_timer;

  // ---------------------------------------------------------------------------------------

  void sort_carriers() {
    order.resize(carriers.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
      return carriers[a].config.priority < carriers[b].config.priority;
    });
  }

  std::size_t held_count() const { return held_urgent.size() + held_normal.size(); }

  void set_in_flight_gauge() { metrics.in_flight.set({}, static_cast<double>(in_flight)); }

  // Logs breaker transitions and keeps carrier_up current. Cheap: no I/O.
  void observe(Carrier& c, SteadyClock::time_point now) {
    const auto state = c.breaker.state(now);
    if (state != c.logged_state) {
      switch (state) {
        case CircuitBreaker::State::open:
          spdlog::warn("carrier {}: circuit breaker open for {} ms (failure ratio of at least {} "
                       "in the last {} ms)",
                       c.config.name, c.breaker.open_time().count(), options.breaker_failure_ratio,
                       options.breaker_window.count());
          metrics.breaker_opened.inc({c.config.name});
          break;
        case CircuitBreaker::State::half_open:
          spdlog::info("carrier {}: circuit breaker half-open, next send is a probe",
                       c.config.name);
          break;
        case CircuitBreaker::State::closed:
          spdlog::info("carrier {}: circuit breaker closed", c.config.name);
          break;
      }
      c.logged_state = state;
    }
    const int up = c.config.enabled && c.adapter->up() && state != CircuitBreaker::State::open;
    if (up != c.reported_up) {
      metrics.carrier_up.set({c.config.name}, up);
      c.reported_up = up;
    }
  }

  static const PhoneClass& number_of(Held& h) {
    if (!h.route.classified) {
      h.route.number = classify_phone(h.message.to);
      h.route.classified = true;
    }
    return h.route.number;
  }

  // Do the carrier's routing rules let it take this message's number?
  static bool takes_number(const Carrier& c, Held& h) {
    return c.config.rules.any() || c.config.rules.takes(number_of(h));
  }

  // The carrier's template call for this message, if the message has one for it.
  static const sending::DecodedCall* call_for(const Carrier& c, Route& route, const store::ClaimedMessage& m) {
    if (m.carrier_calls.empty()) return nullptr;
    if (!route.calls) {
      route.calls = std::make_shared<const std::vector<std::pair<std::string, sending::DecodedCall>>>(
          sending::decode_calls(m.carrier_calls));
    }
    for (const auto& [name, call] : *route.calls) {
      if (name == c.config.name) return &call;
    }
    return nullptr;
  }

  // Can this carrier send this message's content? Text through a carrier that sends text; a
  // template message also as the carrier's own template where it maps it.
  static bool sends_content(const Carrier& c, Held& h) {
    if (c.adapter->sends_text()) return true;
    return c.adapter->sends_templates() && call_for(c, h.route, h.message) != nullptr;
  }

  // Can this carrier ever send this message? Its rules take the number (checked first: a
  // look-up, where the content check may decode the message's template calls).
  static bool can_send(const Carrier& c, Held& h) {
    return takes_number(c, h) && sends_content(c, h);
  }

  // Why no configured carrier can send it (for the permanent failure), or "" if one can.
  std::string unsendable_reason(Held& h) const {
    for (const auto& c : carriers) {
      if (can_send(c, h)) return {};
    }
    const auto& m = h.message;
    // Carriers whose rules refuse the number, and the others (which refuse the content).
    std::string refused_by_rules, names;
    for (const auto& c : carriers) {
      if (!takes_number(c, h)) {
        if (!refused_by_rules.empty()) refused_by_rules += "; ";
        refused_by_rules += c.config.name + " takes only " + c.config.rules.describe();
      } else {
        names += (names.empty() ? "" : ", ") + c.config.name;
      }
    }
    std::string content;
    if (!names.empty()) {
      content = m.template_name.empty()
                    ? names + " send only their approved templates"
                    : names + " send only their approved templates and have no mapping for "
                              "template \"" + m.template_name + "\" ([carriers.templates." +
                              m.template_name + "])";
    }
    if (!refused_by_rules.empty()) {
      return "no carrier takes " + describe_numbers(number_of(h)) + ": " + refused_by_rules +
             (content.empty() ? "" : "; " + content);
    }
    if (m.template_name.empty()) {
      return "no carrier can send free text: " + names + " send only their approved templates";
    }
    return "no carrier can send template \"" + m.template_name + "\": " + names +
           " send only their approved templates and have no mapping for it "
           "([carriers.templates." + m.template_name + "])";
  }

  // Can this carrier take a send now, rate aside?
  bool usable(Carrier& c, SteadyClock::time_point now) {
    if (!c.config.enabled || !c.adapter->up() || now < c.paused_until) return false;
    return c.breaker.state(now) != CircuitBreaker::State::open && !c.breaker.probing();
  }

  // A half-open carrier whose probe is out: its result decides soon, and pumps when it comes.
  bool probing() {
    return std::any_of(carriers.begin(), carriers.end(), [](const Carrier& c) {
      return c.config.enabled && c.adapter->up() && c.breaker.probing();
    });
  }

  // The carrier a message of `cost` segments goes to now, or why it must wait. Rate limits do not
  // spill over to lower-priority carriers; only an unavailable carrier (disabled, down, breaker
  // open or its half-open probe already out) passes work on.
  Pick pick(Held& h, SteadyClock::time_point now) {
    const double cost = static_cast<double>(h.message.segments);
    for (std::size_t idx : order) {
      auto& c = carriers[idx];
      if (!usable(c, now) || !can_send(c, h)) continue;
      if (credit(c) == 0) return {Pick::Kind::credit_wait, idx, now};
      const auto at = c.bucket.available_at(cost, now);
      if (at > now) return {Pick::Kind::rate_wait, idx, at};
      c.breaker.allow(now);  // in half_open this takes the probe
      c.bucket.try_take(cost, now);
      return {Pick::Kind::send, idx, now};
    }
    return {};
  }

  // What the carrier can take now beyond what is already batched for it.
  static std::size_t credit(const Carrier& c) {
    const std::size_t total = c.adapter->credit();
    return total > c.batch.size() ? total - c.batch.size() : 0;
  }

  // The first usable carrier, without taking a probe or tokens (for sizing claims).
  Carrier* best_available(SteadyClock::time_point now) {
    for (std::size_t idx : order) {
      if (usable(carriers[idx], now)) return &carriers[idx];
    }
    return nullptr;
  }

  // When the first carrier that is out of rotation for a while (breaker open, or paused by
  // throttling) may take traffic again.
  std::optional<SteadyClock::time_point> earliest_breaker_retry(SteadyClock::time_point now) {
    std::optional<SteadyClock::time_point> at;
    for (auto& c : carriers) {
      if (!c.config.enabled || !c.adapter->up()) continue;
      std::optional<SteadyClock::time_point> back;
      if (c.breaker.state(now) == CircuitBreaker::State::open) back = c.breaker.retry_at();
      if (now < c.paused_until && (!back || c.paused_until > *back)) back = c.paused_until;
      if (back && (!at || *back < *at)) at = back;
    }
    return at;
  }

  static void earliest(std::optional<SteadyClock::time_point>& wake, SteadyClock::time_point t) {
    if (!wake || t < *wake) wake = t;
  }

  std::deque<Held>* front_queue() {
    if (!held_urgent.empty()) return &held_urgent;
    if (!held_normal.empty()) return &held_normal;
    return nullptr;
  }

  Held pop(std::deque<Held>& q) {
    Held h = std::move(q.front());
    q.pop_front();
    held_segments -= h.message.segments;
    return h;
  }

  void hold(store::ClaimedMessage m, SteadyClock::time_point now) {
    held_segments += m.segments;
    auto& q = m.priority == Priority::urgent ? held_urgent : held_normal;
    q.push_back(Held{std::move(m), now});
  }

  // A throttled message goes back to the head of its queue: it keeps its place, its claim and
  // its number's class.
  void hold_again(store::ClaimedMessage m, SteadyClock::time_point claimed_at, Route route) {
    held_segments += m.segments;
    auto& q = m.priority == Priority::urgent ? held_urgent : held_normal;
    q.push_front(Held{std::move(m), claimed_at, std::move(route)});
  }

  void release(Held h) {
    pending_releases.push_back(h.message.id);
    schedule_flush();
  }

  // Messages in flight, with when they were claimed. Their leases (and those of held messages)
  // are renewed so that no claim, of this process or another, takes them while a carrier may
  // be sending them.
  std::unordered_map<std::int64_t, InFlight> in_flight_ids;

  void arm_renewal() {
    const auto period = std::max(options.lease / 3, milliseconds{10});
    renew_timer.expires_after(period);
    renew_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->closed || self->stop_finished) return;
      self->renew_leases();
      self->arm_renewal();
    });
  }

  void renew_leases() {
    std::vector<std::int64_t> ids;
    ids.reserve(in_flight_ids.size() + held_count());
    for (const auto& [id, f] : in_flight_ids) ids.push_back(id);
    for (auto* q : {&held_urgent, &held_normal})
      for (const auto& h : *q) ids.push_back(h.message.id);
    if (ids.empty()) return;
    ++store_ops;
    store.async_renew(std::move(ids), clock.now() + options.lease.count(), owner,
                      [self = shared_from_this()](std::error_code ec) {
                        asio::post(self->io, [self, ec] { self->on_store_done("renew leases", ec); });
                      });
  }

  // ---------------------------------------------------------------------------------------

  void pump() {
    if (closed || stop_finished || !started) return;
    if (pumping) {  // an adapter that completed synchronously, or a nested event
      pump_again = true;
      return;
    }
    pumping = true;
    do {
      pump_again = false;
      pump_once();
    } while (pump_again && !closed && !stop_finished);
    pumping = false;
  }

  void pump_once() {
    const auto now = clock.steady_now();
    const UnixMs wall = clock.now();
    for (auto& c : carriers) observe(c, now);
    if (stopping) {
      while (auto* q = front_queue()) release(pop(*q));
      maybe_finish_stop();
      return;
    }
    std::optional<SteadyClock::time_point> wake;
    dispatch_held(now, wall, wake);
    maybe_claim(now, wall, wake);
    arm_timer(now, wall, wake);
  }

  void dispatch_held(SteadyClock::time_point now, UnixMs wall,
                     std::optional<SteadyClock::time_point>& wake) {
    const auto max_hold = options.lease / 2;
    // Messages only a carrier that is out of rotation can send (a template only it maps) wait
    // aside, so they do not hold up messages behind them that another carrier can take.
    std::vector<Held> aside;
    while (auto* q = front_queue()) {
      auto& h = q->front();
      if (h.message.expires_at && *h.message.expires_at <= wall) {
        record_expired(pop(*q).message, wall);
        continue;
      }
      const Pick p = pick(h, now);
      if (p.kind == Pick::Kind::none) {
        // Nothing configured can ever send it (a template no carrier maps, and none sends
        // text; a number no carrier's rules take): failing it now beats holding it until it
        // expires.
        if (auto why = unsendable_reason(h); !why.empty()) {
          record_unsendable(pop(*q).message, wall, std::move(why));
          continue;
        }
        if (best_available(now) != nullptr) {
          aside.push_back(pop(*q));
          continue;
        }
      }
      if (p.kind == Pick::Kind::send) {
        add_to_batch(pop(*q), p.carrier, now);
        continue;
      }
      if (p.kind == Pick::Kind::rate_wait) {
        earliest(wake, p.available_at);
        break;
      }
      if (p.kind == Pick::Kind::credit_wait) break;
      // No carrier at all. While a probe is out, its result pumps again; otherwise hold until a
      // breaker half-opens, unless that outlasts half the lease (the store would hand the
      // messages to the next claim while we still hold them).
      if (probing()) break;
      const auto retry_at = earliest_breaker_retry(now);
      std::size_t released = 0;
      for (auto* queue : {&held_urgent, &held_normal}) {
        while (!queue->empty() &&
               (!retry_at || *retry_at - queue->front().claimed_at > max_hold)) {
          release(pop(*queue));
          ++released;
        }
      }
      if (released > 0) {
        spdlog::info("no carrier available: released {} claimed messages back to the queue",
                     released);
      }
      if (retry_at) earliest(wake, *retry_at);
      break;
    }
    for (auto it = aside.rbegin(); it != aside.rend(); ++it) {
      hold_again(std::move(it->message), it->claimed_at, std::move(it->route));
    }
    if (!aside.empty()) {
      if (auto at = earliest_breaker_retry(now)) earliest(wake, *at);
    }
    submit_batches(now);
    // Rate waits too must end well before the lease does.
    for (auto* queue : {&held_urgent, &held_normal}) {
      while (!queue->empty() && queue->front().claimed_at + max_hold <= now) {
        release(pop(*queue));
      }
      if (!queue->empty()) earliest(wake, queue->front().claimed_at + max_hold);
    }
  }

  void maybe_claim(SteadyClock::time_point now, UnixMs wall,
                   std::optional<SteadyClock::time_point>& wake) {
    if (claim_outstanding || stopping || !started) return;
    if (!more_due) {
      if (next_due && *next_due <= wall) {
        more_due = true;
      } else if (now >= next_safety_claim) {
        more_due = true;
      } else {
        return;
      }
    }
    const std::size_t busy = in_flight + held_count();
    const auto max_in_flight = static_cast<std::size_t>(std::max(options.max_in_flight, 1));
    if (busy >= max_in_flight) return;  // a send completion pumps again
    Carrier* best = best_available(now);
    if (!best) {
      if (auto at = earliest_breaker_retry(now)) earliest(wake, *at);
      return;
    }
    // Claim no more than the best carrier can send in about a second: held messages must go
    // out (or be released) long before their lease runs out, and after a crash every claimed
    // message is claimed again on restart, so a short claim keeps that set small.
    const double horizon_s =
        std::min(1.0, std::chrono::duration<double>(options.lease).count() / 4);
    const double budget = best->bucket.tokens(now) + best->config.rate * horizon_s -
                          static_cast<double>(held_segments);
    if (budget < 1) {
      earliest(wake, best->bucket.available_at(1, now));
      return;
    }
    const auto n = static_cast<int>(std::min<double>(
        {static_cast<double>(std::max(options.claim_batch, 1)),
         static_cast<double>(max_in_flight - busy), std::floor(budget)}));
    if (next_due && *next_due <= wall) next_due.reset();  // this claim covers it
    more_due = false;
    due_while_claiming = false;
    claim_outstanding = true;
    next_safety_claim = now + kSafetyTick;
    store.async_claim(wall, wall + options.lease.count(), n, owner,
                      [self = shared_from_this(), n](std::error_code ec,
                                                     std::vector<store::ClaimedMessage> claimed) {
                        asio::post(self->io, [self, n, ec, claimed = std::move(claimed)]() mutable {
                          self->on_claimed(n, ec, std::move(claimed));
                        });
                      });
  }

  void on_claimed(int requested, std::error_code ec, std::vector<store::ClaimedMessage> claimed) {
    claim_outstanding = false;
    if (closed) return;  // leases expire; the next run reclaims them
    const auto now = clock.steady_now();
    const UnixMs wall = clock.now();
    if (ec) {
      spdlog::error("dispatcher: claim failed: {}", ec.message());
      more_due = false;  // retry at the safety tick, not in a tight loop
      pump();
      return;
    }
    const bool short_claim = static_cast<int>(claimed.size()) < requested;
    const bool empty = claimed.empty();
    for (auto& m : claimed) hold(std::move(m), now);
    if (!short_claim || due_while_claiming) {
      more_due = true;
    } else {
      // Everything due was claimed: sleep until the store's next due time (the only point where
      // reading it is worth a SQLite query).
      more_due = false;
      if (auto due = store.next_due_at()) {
        UnixMs at = *due;
        if (at <= wall) {
          // Committed after the claim's snapshot (e.g. a release or a retry record).
          if (empty) {
            at = wall + kEmptyClaimPause.count();
          } else {
            more_due = true;
          }
        }
        if (!more_due && (!next_due || at < *next_due)) next_due = at;
      }
    }
    due_while_claiming = false;
    pump();
  }

  void arm_timer(SteadyClock::time_point now, UnixMs wall,
                 std::optional<SteadyClock::time_point> wake) {
    earliest(wake, now + kSafetyTick);
    // Only a due time still ahead is a wake-up. One already passed is maybe_claim's (more_due):
    // it claims as soon as a carrier, tokens or room in flight allow, and each of those wakes
    // the loop itself; as a wake-up it would fire the timer at once, again and again, for as
    // long as a breaker stays open.
    if (next_due && *next_due > wall) earliest(wake, now + until(*next_due, wall, kSafetyTick));
    if (auto at = earliest_breaker_retry(now)) earliest(wake, *at);
    const auto deadline = *wake;
    // Re-arming on every event would cost a timer cancel per send; a later wake-up than the one
    // armed simply finds nothing to do and re-arms.
    if (timer_armed && deadline >= timer_deadline) return;
    timer_armed = true;
    timer_deadline = deadline;
    const auto generation = ++timer_generation;
    // A duration, not a deadline: the deadline is on the injected clock, the timer is real.
    timer.expires_after(deadline - now);
    timer.async_wait([self = shared_from_this(), generation](const boost::system::error_code& ec) {
      if (ec || generation != self->timer_generation) return;
      self->timer_armed = false;
      self->pump();
    });
  }

  // ---------------------------------------------------------------------------------------

  // Picked messages wait in their carrier's batch until the pass over the held queues ends
  // (or the batch is full): one submit() per carrier per pass, so a batching carrier gets
  // many messages in one request.
  void add_to_batch(Held held, std::size_t idx, SteadyClock::time_point now) {
    store::ClaimedMessage m = std::move(held.message);
    auto& c = carriers[idx];
    ++c.in_flight;
    ++in_flight;
    adapters::Submission s;
    s.id = m.id;
    s.to = m.to;
    s.text = m.text;
    s.segments = m.segments;
    s.priority = m.priority;
    s.expires_at = m.expires_at;
    if (c.adapter->sends_templates()) {
      if (const auto* call = call_for(c, held.route, m)) {
        // The carrier's template, signed by the carrier with its own sign name: no text and
        // nothing prepended to the params.
        s.template_call = adapters::TemplateCall{call->code, call->params, call->named};
        s.text.clear();
      }
    }
    // The signature in force now (the carrier's own, else [sms] signature of the live config)
    // in place of the one the message was accepted with.
    const std::string_view accepted =
        m.signature ? std::string_view(*m.signature) : std::string_view(c.config.default_signature);
    const std::string_view now_signature =
        c.config.signature.empty() ? std::string_view(c.config.default_signature)
                                   : std::string_view(c.config.signature);
    if (!s.template_call && accepted != now_signature) {
      s.text = templates::signature_for_sending(s.text, m.signature, c.config.signature,
                                                c.config.default_signature);
      s.segments = std::max(1, measure_sms(s.text).segments);
    }
    if (!s.template_call && c.adapter->signs_itself()) {
      s.unsigned_text = !now_signature.empty() && std::string_view(s.text).starts_with(now_signature)
                            ? s.text.substr(now_signature.size())
                            : s.text;
    }
    c.batch.push_back(std::move(s));
    const std::int64_t id = m.id;
    in_flight_ids[id] = InFlight{std::move(m), idx, held.claimed_at, now, std::move(held.route)};
    if (c.batch.size() >= std::max<std::size_t>(c.adapter->max_batch(), 1) || credit(c) == 0) {
      submit_batch(idx);
    }
  }

  void submit_batches(SteadyClock::time_point) {
    for (std::size_t idx = 0; idx < carriers.size(); ++idx) {
      if (!carriers[idx].batch.empty()) submit_batch(idx);
    }
  }

  void submit_batch(std::size_t idx) {
    auto& c = carriers[idx];
    std::vector<adapters::Submission> batch;
    batch.swap(c.batch);
    set_in_flight_gauge();
    c.adapter->submit(std::move(batch), [self = shared_from_this()](adapters::SubmitResult r) {
      self->on_result(std::move(r));
    });
  }

  void on_result(adapters::SubmitResult r) {
    auto it = in_flight_ids.find(r.id);
    if (it == in_flight_ids.end()) {
      // Contract rule 6 broken (a second result, or an id never submitted): ignore it.
      spdlog::error("dispatcher: a carrier reported a result for message {}, which is not in "
                    "flight; ignored",
                    r.id);
      return;
    }
    InFlight f = std::move(it->second);
    in_flight_ids.erase(it);
    on_sent(f.carrier, std::move(f.message), f.claimed_at, f.submitted_at, std::move(r),
            std::move(f.route));
  }

  void on_credit() override {
    asio::post(io, [self = shared_from_this()] { self->pump(); });
  }

  void on_state(bool up, std::string reason) override {
    spdlog::info("dispatcher: a carrier is {}{}{}", up ? "up" : "down", reason.empty() ? "" : ": ",
                 reason);
    asio::post(io, [self = shared_from_this()] { self->pump(); });
  }

  void on_sent(std::size_t idx, store::ClaimedMessage m, SteadyClock::time_point claimed_at,
               SteadyClock::time_point start, adapters::SubmitResult outcome, Route route) {
    auto& c = carriers[idx];
    --c.in_flight;
    --in_flight;
    // After the grace period (or without a dispatcher) the message stays leased: recording now
    // could race the store's shutdown; the next run reclaims it (at-least-once).
    if (closed || grace_expired || stop_finished) return;
    set_in_flight_gauge();
    const auto now = clock.steady_now();
    const UnixMs wall = clock.now();
    metrics.send_duration.observe({c.config.name},
                                  std::chrono::duration<double>(now - start).count());

    if (adapters::is_throttled(outcome.error)) {
      // The carrier asked us to slow down: the message did nothing wrong and keeps its
      // attempts; the carrier rests for its Retry-After and the message waits at the head of
      // the queue (or goes through the next carrier).
      const auto pause = std::clamp(outcome.retry_after.value_or(options.throttle_default),
                                    milliseconds{1}, options.throttle_max);
      const bool was_paused = now < c.paused_until;
      c.paused_until = std::max(c.paused_until, now + pause);
      metrics.sends.inc({c.config.name, "throttled"});
      if (!was_paused)
        spdlog::warn("carrier {}: throttled ({}); pausing it for {} ms", c.config.name,
                     describe(outcome), pause.count());
      hold_again(std::move(m), claimed_at, std::move(route));
      observe(c, now);
      pump();
      return;
    }
    store::AttemptResult r;
    r.id = m.id;
    r.carrier = c.config.name;
    r.at = wall;
    r.owner = owner;
    if (!outcome.error) {
      r.next = store::AttemptResult::Next::sent;
      r.outcome = "sent";
      r.carrier_message_ids = std::move(outcome.carrier_ids);
      r.carrier_batch_id = std::move(outcome.carrier_batch_id);
      if (!r.carrier_batch_id.empty()) r.to = m.to;
      c.breaker.on_success(now);
    } else if (adapters::is_permanent(outcome.error)) {
      r.next = store::AttemptResult::Next::failed;
      r.outcome = "permanent";
      r.error = describe(outcome);
      c.breaker.on_success(now);  // the carrier answered; the message is the problem
      spdlog::info("message {} to {}: rejected by {}: {}", m.id, mask_phone(m.to), c.config.name,
                   r.error);
    } else {
      // Anything not classified permanent is retried: an unknown error must not lose a message.
      c.breaker.on_failure(now);
      r.outcome = "transient";
      const std::string detail = describe(outcome);
      const int attempts_made = m.attempts + 1;
      auto at = retry.next_attempt(attempts_made, wall, m.expires_at, c.breaker.working(now));
      if (at && outcome.retry_after) {
        // The carrier said when this number may be tried again (a per-number limit): no sooner.
        at = std::max(*at, wall + static_cast<UnixMs>(outcome.retry_after->count()));
        if (m.expires_at && *at > *m.expires_at) at.reset();
      }
      if (at) {
        r.next = store::AttemptResult::Next::retry;
        r.next_attempt_at = schedule::quiet_due(quiet, tz, m.priority, *at);
        r.error = detail;
        if (!next_due || r.next_attempt_at < *next_due) next_due = r.next_attempt_at;
        spdlog::debug("message {} to {}: attempt {} via {} failed ({}); retry in {} ms", m.id,
                      mask_phone(m.to), attempts_made, c.config.name, detail, *at - wall);
      } else if (attempts_made >= retry.config().max_attempts) {
        r.next = store::AttemptResult::Next::failed;
        r.error = "attempts exhausted: " + detail;
        spdlog::info("message {} to {}: failed after {} attempts: {}", m.id, mask_phone(m.to),
                     attempts_made, detail);
      } else {
        r.next = store::AttemptResult::Next::expired;
        r.error = "expires before the next attempt: " + detail;
        spdlog::info("message {} to {}: expired after {} attempts: {}", m.id, mask_phone(m.to),
                     attempts_made, detail);
      }
    }
    metrics.sends.inc({c.config.name, r.outcome});
    observe(c, now);
    queue_record(std::move(r));
    pump();
  }

  void record_unsendable(const store::ClaimedMessage& m, UnixMs wall, std::string why) {
    store::AttemptResult r;
    r.id = m.id;
    r.owner = owner;
    r.next = store::AttemptResult::Next::failed;
    r.error = std::move(why);
    r.at = wall;
    spdlog::warn("message {} to {}: {}", m.id, mask_phone(m.to), r.error);
    queue_record(std::move(r));
  }

  void record_expired(const store::ClaimedMessage& m, UnixMs wall) {
    store::AttemptResult r;
    r.id = m.id;
    r.owner = owner;
    r.next = store::AttemptResult::Next::expired;
    r.error = "expired before it could be sent";
    r.at = wall;
    spdlog::debug("message {} to {}: expired before sending", m.id, mask_phone(m.to));
    queue_record(std::move(r));
  }

  // ---------------------------------------------------------------------------------------
  // Results completing in the same io turn share one store submission (and one commit).

  void queue_record(store::AttemptResult r) {
    pending_records.push_back(std::move(r));
    schedule_flush();
  }

  void schedule_flush() {
    if (flush_posted) return;
    flush_posted = true;
    asio::post(io, [self = shared_from_this()] { self->flush(); });
  }

  void flush() {
    flush_posted = false;
    if (closed) return;
    if (!pending_records.empty()) {
      ++store_ops;
      std::vector<store::AttemptResult> batch;
      batch.swap(pending_records);
      store.async_record(std::move(batch), [self = shared_from_this()](std::error_code ec) {
        asio::post(self->io, [self, ec] { self->on_store_done("record results", ec); });
      });
    }
    if (!pending_releases.empty()) {
      ++store_ops;
      std::vector<std::int64_t> ids;
      ids.swap(pending_releases);
      more_due = true;  // they are due again
      store.async_release(std::move(ids), owner, [self = shared_from_this()](std::error_code ec) {
        asio::post(self->io, [self, ec] { self->on_store_done("release messages", ec); });
      });
    }
  }

  void on_store_done(const char* what, std::error_code ec) {
    --store_ops;
    if (ec) {
      // The messages stay leased and are claimed again when the lease expires.
      spdlog::error("dispatcher: could not {}: {}", what, ec.message());
    }
    if (stopping) maybe_finish_stop();
  }

  // ---------------------------------------------------------------------------------------

  void start_stop(milliseconds grace, std::function<void()> done) {
    if (stopping) {
      // A second stop request: answer it when the first one finishes.
      auto first = std::move(stop_done);
      stop_done = [first = std::move(first), done = std::move(done)] {
        if (first) first();
        if (done) done();
      };
      if (stop_finished) asio::post(io, std::exchange(stop_done, {}));
      return;
    }
    stopping = true;
    stop_done = std::move(done);
    if (!started) {
      // Never started: nothing claimed, nothing in flight.
      stop_finished = true;
      if (auto d = std::exchange(stop_done, {})) asio::post(io, std::move(d));
      return;
    }
    timer_armed = false;
    ++timer_generation;
    timer.cancel();
    grace_timer = std::make_unique<asio::steady_timer>(io, grace);
    grace_timer->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stop_finished) return;
      self->grace_expired = true;
      self->maybe_finish_stop();
    });
    pump();
  }

  void maybe_finish_stop() {
    if (!stopping || stop_finished || closed) return;
    while (auto* q = front_queue()) release(pop(*q));
    if (claim_outstanding) return;  // its messages are released when it returns
    if (in_flight > 0 && !grace_expired) return;
    flush();
    if (store_ops > 0) return;
    stop_finished = true;
    if (in_flight > 0) {
      spdlog::warn(
          "dispatcher: {} sends still in flight after the shutdown grace; their messages stay "
          "leased and are retried after the lease expires (they may be delivered twice)",
          in_flight);
    }
    if (grace_timer) grace_timer->cancel();
    timer.cancel();
    renew_timer.cancel();
    if (auto done = std::exchange(stop_done, {})) asio::post(io, std::move(done));
  }

  void reconfigure(const std::vector<config::CarrierConfig>& configs,
                   config::RetryConfig retry_config, config::DispatchConfig new_options) {
    const auto now = clock.steady_now();
    options = new_options;
    retry = RetryPolicy(retry_config);
    for (auto& c : carriers) {
      c.breaker.reconfigure(breaker_options(options));
      auto it = std::find_if(configs.begin(), configs.end(),
                             [&](const config::CarrierConfig& n) { return n.name == c.config.name; });
      if (it == configs.end()) continue;
      c.config.rate = it->rate;
      c.config.burst = it->burst;
      c.config.priority = it->priority;
      c.config.enabled = it->enabled;
      c.config.signature = it->signature;
      c.config.default_signature = it->default_signature;
      c.config.rules = it->rules;
      c.bucket.reconfigure(c.config.rate, effective_burst(c.config), now);
    }
    sort_carriers();
    spdlog::info("dispatcher: reconfigured {} carriers", carriers.size());
    timer_armed = false;  // deadlines may now be earlier than the armed one
    if (started) pump();
  }

  std::vector<CarrierStatus> status() {
    const auto now = clock.steady_now();
    std::vector<CarrierStatus> out;
    out.reserve(carriers.size());
    for (std::size_t idx : order) {
      auto& c = carriers[idx];
      const auto state = c.breaker.state(now);
      out.push_back(CarrierStatus{c.config.name, c.config.priority,
                                  c.config.enabled && c.adapter->up() &&
                                      state != CircuitBreaker::State::open,
                                  state_name(state), c.in_flight});
    }
    return out;
  }
};

Dispatcher::Dispatcher(asio::io_context& io, store::Store& store, std::vector<CarrierSlot> carriers,
                       config::RetryConfig retry, config::DispatchConfig options, Metrics& metrics,
                       Clock clock)
    : impl_(std::make_shared<Impl>(io, store, std::move(carriers), retry, options, metrics,
                                   std::move(clock))) {
  for (auto& c : impl_->carriers) c.adapter->set_listener(impl_);
}

Dispatcher::~Dispatcher() {
  impl_->closed = true;
  impl_->timer.cancel();
  impl_->renew_timer.cancel();
  if (impl_->grace_timer) impl_->grace_timer->cancel();
}

void Dispatcher::start() {
  if (impl_->started) return;
  impl_->started = true;
  impl_->set_in_flight_gauge();
  impl_->arm_renewal();
  impl_->pump();
}

void Dispatcher::notify(UnixMs due_at) {
  auto& d = *impl_;
  if (d.closed || d.stopping) return;
  if (due_at <= d.clock.now()) {
    if (d.claim_outstanding) d.due_while_claiming = true;
    if (d.more_due && (d.claim_outstanding || !d.started)) return;  // nothing new to do
    d.more_due = true;
  } else {
    if (d.next_due && *d.next_due <= due_at) return;
    d.next_due = due_at;
  }
  d.pump();
}

void Dispatcher::reconfigure(const std::vector<config::CarrierConfig>& carriers,
                             config::RetryConfig retry, config::DispatchConfig options) {
  impl_->reconfigure(carriers, retry, options);
}

void Dispatcher::async_stop(std::chrono::milliseconds grace, std::function<void()> done) {
  impl_->start_stop(grace, std::move(done));
}

std::vector<CarrierStatus> Dispatcher::carrier_status() const { return impl_->status(); }

std::size_t Dispatcher::in_flight() const { return impl_->in_flight; }

void Dispatcher::set_quiet_hours(schedule::QuietHours quiet, TimeZone tz) {
  impl_->quiet = quiet;
  impl_->tz = std::move(tz);
}

}  // namespace smsgw::dispatch
