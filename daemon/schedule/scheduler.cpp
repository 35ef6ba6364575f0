#include "schedule/scheduler.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/spdlog.h>

#include "sending/plan.hpp"
#include "common/time.hpp"

namespace smsgw::schedule {

namespace asio = boost::asio;

namespace {

// A timer firing a little late (a busy loop, a slow fan-out) is still "on time".
constexpr UnixMs kOnTimeSlack = 60'000;
// Sleep at most this long, so a step of the wall clock is noticed within the hour.
constexpr UnixMs kMaxSleep = 3'600'000;
// After a firing could not be committed (disk full, I/O error), try it again after this.
constexpr UnixMs kRetryAfterStorageError = 30'000;
// At most this many overdue occurrences per schedule are looked at in one pass (the newest).
constexpr int kMaxOverdue = 100;
// How far beyond catch_up a start-up looks back for occurrences to record as missed: a week
// covers any outage worth reporting, and bounds the work for a frequent cron schedule.
constexpr UnixMs kMissedLookback = 7 * 86'400'000LL;

std::string_view label(store::RunOutcome o, bool caught_up) {
  if (o == store::RunOutcome::fired) return caught_up ? "caught_up" : "fired";
  return store::to_string(o);
}

std::string join_errors(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.field.empty() ? e.message : e.field + ": " + e.message;
  }
  return out;
}

}  // namespace

Decision decide(UnixMs occurrence_at, UnixMs now, std::chrono::milliseconds catch_up,
                bool at_startup) {
  const UnixMs late = now - occurrence_at;
  if (!at_startup && late <= kOnTimeSlack) return Decision::fire;
  return late <= catch_up.count() ? Decision::catch_up : Decision::miss;
}

struct Scheduler::Impl : std::enable_shared_from_this<Impl> {
  asio::io_context& io;
  SchedulerOptions options;
  SchedulerDeps deps;
  asio::steady_timer timer;
  bool stopped = false;
  // Per schedule id: every occurrence at or before this instant has been handled (fired,
  // recorded or deliberately skipped) by this process.
  std::map<std::int64_t, UnixMs> checked;
  // Firings submitted to the store and not yet committed: a second pass must not build them again.
  std::set<std::pair<std::int64_t, std::string>> in_flight;
  // Schedules whose stored document no longer parses, reported once.
  std::set<std::int64_t> reported_bad;

  Impl(asio::io_context& io_, SchedulerOptions options_, SchedulerDeps deps_)
      : io(io_), options(std::move(options_)), deps(std::move(deps_)), timer(io_) {}

  UnixMs now() const { return deps.clock.now(); }

  std::shared_ptr<const calendar::Calendar> calendar() const {
    std::shared_ptr<const calendar::Calendar> c = deps.calendar ? deps.calendar() : nullptr;
    if (!c) {
      static const auto estimates = std::make_shared<const calendar::Calendar>();
      c = estimates;
    }
    return c;
  }

  std::optional<Spec> spec_of(const store::ScheduleRow& row) {
    auto doc = nlohmann::json::parse(row.spec_json, nullptr, false);
    std::vector<FieldError> errors;
    std::optional<Spec> spec;
    if (!doc.is_discarded()) spec = parse_spec(doc, options.tz, errors);
    if (!spec && reported_bad.insert(row.id).second) {
      spdlog::error("schedule {} ({}): stored definition is invalid, not firing it: {}", row.id,
                    row.name, doc.is_discarded() ? "not JSON" : join_errors(errors));
    }
    return spec;
  }

  // One pass over every schedule: handle what is due, then sleep until the next occurrence.
  void pass(bool startup) {
    if (stopped) return;
    const UnixMs now = this->now();
    const auto cal = calendar();
    std::optional<UnixMs> next_wake;
    std::set<std::int64_t> seen;
    for (const store::ScheduleRow& row : deps.store.list_schedules()) {
      seen.insert(row.id);
      if (!row.enabled) {
        // Resuming starts from the moment of resumption: a pause is not a list of misses.
        checked.erase(row.id);
        continue;
      }
      auto spec = spec_of(row);
      if (!spec) continue;
      reported_bad.erase(row.id);

      UnixMs from;
      if (auto it = checked.find(row.id); it != checked.end()) {
        from = it->second;
      } else if (startup) {
        // What fell while we were down: after the last run, and not before the last change.
        from = std::max(row.updated_at, now - options.catch_up.count() - kMissedLookback);
        if (auto last = deps.store.last_run(row.id)) from = std::max(from, last->due_at);
      } else {
        from = now;  // created or resumed just now
      }
      if (from < now) {
        for (const Occurrence& occ :
             occurrences_between(spec->when, *cal, options.tz, from, now, kMaxOverdue)) {
          handle(row, *spec, occ, decide(occ.at, now, options.catch_up, startup), now);
        }
      }
      checked[row.id] = std::max(from, now);
      auto upcoming = next_occurrences(spec->when, *cal, options.tz, checked[row.id], 1);
      if (!upcoming.empty() && (!next_wake || upcoming.front().at < *next_wake))
        next_wake = upcoming.front().at;
    }
    for (auto it = checked.begin(); it != checked.end();) {
      it = seen.count(it->first) != 0 ? std::next(it) : checked.erase(it);
    }
    deps.metrics.schedule_next_fire.set({}, next_wake ? static_cast<double>(*next_wake) / 1000 : 0);
    arm(now, next_wake);
  }

  void arm(UnixMs now, std::optional<UnixMs> next_wake) {
    UnixMs delay = kMaxSleep;
    if (next_wake) delay = std::clamp<UnixMs>(*next_wake - now, 0, kMaxSleep);
    timer.expires_after(std::chrono::milliseconds(delay));
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->pass(false);
    });
  }

  void handle(const store::ScheduleRow& row, const Spec& spec, const Occurrence& occ,
              Decision decision, UnixMs now) {
    auto key = std::make_pair(row.id, occ.key);
    if (in_flight.count(key) != 0 || deps.store.has_run(row.id, occ.key)) return;

    store::ScheduleRun run;
    run.schedule_id = row.id;
    run.occurrence = occ.key;
    run.due_at = occ.at;
    run.at = now;
    run.caught_up = decision == Decision::catch_up;
    std::optional<store::NewBatch> batch;
    UnixMs due_at = now;

    if (decision == Decision::miss) {
      run.outcome = store::RunOutcome::missed;
      run.error = "the daemon was not running at " + format_rfc3339(occ.at) +
                  " and came back more than catch_up later";
    } else {
      sending::SendRequest request;
      request.to = spec.to;
      request.groups = spec.groups;
      request.template_name = spec.template_name;
      request.params = spec.params;
      if (occ.holiday) {
        // The schedule's own params win over the automatic holiday variables.
        for (auto& [name, value] : holiday_params(*occ.holiday)) {
          const bool given = std::any_of(request.params.begin(), request.params.end(),
                                         [&](const auto& p) { return p.first == name; });
          if (!given) request.params.emplace_back(std::move(name), std::move(value));
        }
      }
      request.priority = spec.priority;
      request.mandatory = spec.mandatory;
      if (!spec.confirm_yes.empty()) {
        request.confirm = store::ConfirmSpec{spec.confirm_yes, spec.confirm_no, now + spec.confirm_within_ms, 0};
      }
      request.expires_at = expiry_of(spec, occ, options.tz);
      if (request.expires_at && *request.expires_at <= now) {
        run.outcome = store::RunOutcome::missed;
        run.error = "its messages would have expired at " + format_rfc3339(*request.expires_at) +
                    " before they could be sent";
      } else {
        // A fan-out to many recipients takes hundreds of milliseconds to plan: it runs on the
        // worker (deps.offload), and the run is recorded from there.
        in_flight.insert(key);
        auto plan_and_commit = [weak = weak_from_this(), run, request = std::move(request),
                                ctx = sending::SendContext{deps.store, options.limits, options.sms,
                                                       options.tz, now, options.mappings},
                                name = row.name]() mutable {
          auto self = weak.lock();
          if (!self) return;
          sending::SendPlan plan = sending::plan_send(ctx, request, "schedule:" + name);
          std::optional<store::NewBatch> planned;
          UnixMs due = ctx.now;
          if (!plan.errors.empty()) {
            run.outcome = store::RunOutcome::failed;
            run.error = join_errors(plan.errors);
          } else {
            run.outcome = store::RunOutcome::fired;
            due = plan.due_at;
            planned = std::move(plan.batch);
          }
          self->commit(std::move(run), name, std::move(planned), due);
        };
        if (deps.offload) {
          deps.offload(std::move(plan_and_commit));
        } else {
          plan_and_commit();
        }
        return;
      }
    }

    in_flight.insert(key);
    commit(std::move(run), row.name, std::move(batch), due_at);
  }

  // Any thread: records the run (with its batch) and comes back to the io thread.
  void commit(store::ScheduleRun run, const std::string& name,
              std::optional<store::NewBatch> batch, UnixMs due_at) {
    deps.store.async_record_run(
        run, std::move(batch),
        [weak = weak_from_this(), run, name, due_at](std::error_code ec,
                                                    store::RecordRunResult result) {
          auto self = weak.lock();
          if (!self) return;
          asio::post(self->io, [self, run, name, due_at, ec, result] {
            self->recorded(run, name, due_at, ec, result);
          });
        });
  }

  void recorded(const store::ScheduleRun& run, const std::string& name, UnixMs due_at,
                std::error_code ec, store::RecordRunResult result) {
    in_flight.erase({run.schedule_id, run.occurrence});
    if (ec) {
      spdlog::error("schedule {} occurrence {}: could not be stored ({}); trying again in {} s",
                    name, run.occurrence, ec.message(), kRetryAfterStorageError / 1000);
      // Step back so the next pass sees the occurrence again.
      if (auto it = checked.find(run.schedule_id); it != checked.end())
        it->second = std::min(it->second, run.due_at - 1);
      if (!stopped) arm(0, kRetryAfterStorageError);
      return;
    }
    if (result == store::RecordRunResult::duplicate) {
      spdlog::debug("schedule {} occurrence {}: already handled", name, run.occurrence);
      return;
    }
    deps.metrics.schedule_runs.inc({std::string(label(run.outcome, run.caught_up))});
    switch (run.outcome) {
      case store::RunOutcome::fired:
        spdlog::info("schedule {} occurrence {}{}: batch created", name, run.occurrence,
                     run.caught_up ? " (caught up after a restart)" : "");
        if (deps.on_enqueued) deps.on_enqueued(due_at);
        break;
      case store::RunOutcome::missed:
        spdlog::warn("schedule {} occurrence {}: missed: {}", name, run.occurrence, run.error);
        break;
      case store::RunOutcome::failed:
        spdlog::error("schedule {} occurrence {}: nothing sent: {}", name, run.occurrence,
                      run.error);
        break;
    }
  }
};

Scheduler::Scheduler(asio::io_context& io, SchedulerOptions options, SchedulerDeps deps)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(deps))) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() { impl_->pass(true); }

void Scheduler::reload() { impl_->pass(false); }

void Scheduler::reconfigure(SchedulerOptions options) {
  impl_->options = std::move(options);
  impl_->pass(false);
}

void Scheduler::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

}  // namespace smsgw::schedule
