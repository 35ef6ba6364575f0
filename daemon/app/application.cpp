#include "app/application.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "adapters/builtin.hpp"
#include "api/server.hpp"
#include "app/calendar_watch.hpp"
#include "app/notify.hpp"
#include "app/retention.hpp"
#include "calendar/calendar.hpp"
#include "adapters/core/curl_multi.hpp"
#include "adapters/core/registry.hpp"
#include "reports/report_intake.hpp"
#include "reports/report_poller.hpp"
#include "common/clock.hpp"
#include "common/memory.hpp"
#include "common/metrics.hpp"
#include "common/time.hpp"
#include "common/timezone.hpp"
#include "dispatch/dispatcher.hpp"
#include "schedule/scheduler.hpp"
#include "store/store.hpp"
#include "templates/template_file.hpp"

namespace smsgw::app {
namespace {

namespace asio = boost::asio;

adapters::Registry builtin_registry() {
  adapters::Registry registry;
  adapters::register_builtin_adapters(registry);
  return registry;
}

void apply_log_level(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
}

// Carrier changes that SIGHUP cannot apply: adapters own connections and their options.
void warn_about_restart_only_changes(const config::Config& old_config,
                                     const config::Config& new_config) {
  std::map<std::string, const config::CarrierConfig*> old_by_name;
  for (const auto& c : old_config.carriers) old_by_name[c.name] = &c;
  for (const auto& c : new_config.carriers) {
    auto it = old_by_name.find(c.name);
    if (it == old_by_name.end()) {
      spdlog::warn("reload: carrier {} is new; it starts with the next restart", c.name);
    } else if (it->second->type != c.type || it->second->options != c.options) {
      spdlog::warn("reload: carrier {} changed type or options; that applies at the next restart",
                   c.name);
    }
    old_by_name.erase(c.name);
  }
  for (const auto& [name, c] : old_by_name)
    spdlog::warn("reload: carrier {} was removed; it keeps running until the next restart", name);
  if (old_config.api.listen != new_config.api.listen)
    spdlog::warn("reload: api.listen changed; that applies at the next restart");
  if (old_config.daemon.data_dir != new_config.daemon.data_dir)
    spdlog::warn("reload: daemon.data_dir changed; that applies at the next restart");
}

// One daemon per data_dir, enforced by an flock held for the life of the process (released by
// the kernel even on kill -9). Because of it, leases left by a previous process can be returned
// to the queue at start-up instead of waiting for them to expire.
class DataDirLock {
 public:
  explicit DataDirLock(const std::string& data_dir) {
    const std::string path = (std::filesystem::path(data_dir) / "smsgwd.lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      error_ = "cannot open " + path + ": " + std::strerror(errno);
    } else if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      error_ = "another smsgwd is using " + data_dir + " (" + path + " is locked)";
    }
  }
  ~DataDirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  std::string error_;
};

// The audit entry of something smsgwd creates by itself at start-up (shipped templates,
// [[schedules]] of the config), naming where it came from.
store::AuditEntry system_audit(std::string action, std::string kind, std::string id, const std::string& from) {
  store::AuditEntry e;
  e.actor = "smsgwd";
  e.actor_kind = "system";
  e.action = std::move(action);
  e.object_kind = std::move(kind);
  e.object_id = std::move(id);
  e.detail = nlohmann::json{{"from", from}}.dump();
  e.snapshot = true;
  return e;
}

// Shipped templates (templates_dir/*.toml) are created when missing and never overwrite a
// template of the same name: administrators may have edited it. A broken file is logged with
// its file and line and skipped; messaging must not stop over a sample.
void load_shipped_templates(store::Store& store, const std::string& dir) {
  int created = 0, kept = 0, broken = 0;
  for (const auto& path : templates::list_template_files(dir)) {
    auto loaded = templates::load_template_file(path);
    if (!loaded.ok()) {
      for (const auto& problem : loaded.problems) spdlog::error("templates: {}", problem);
      ++broken;
      continue;
    }
    store::TemplateRow row;
    row.name = loaded.file->name;
    row.body = loaded.file->body;
    row.description = loaded.file->description;
    row.params = loaded.file->params;
    std::promise<std::pair<std::error_code, store::WriteResult>> done;
    store.async_put_template(row, /*create_only=*/true,
                             [&done](std::error_code ec, store::WriteResult result) {
                               done.set_value({ec, result});
                             },
                             system_audit("template.create", "template", row.name, path));
    const auto [ec, result] = done.get_future().get();
    if (ec) {
      spdlog::error("templates: cannot store {} from {}: {}", row.name, path, ec.message());
    } else if (result == store::WriteResult::conflict) {
      ++kept;
    } else {
      ++created;
    }
  }
  if (created + kept + broken > 0)
    spdlog::info("templates: {} created from {}, {} already present (kept), {} broken", created,
                 dir, kept, broken);
}

// The built-in official years plus the files in calendar_dir ("" = built-in only; the config
// loader has already refused a calendar_dir that does not exist).
std::shared_ptr<const calendar::Calendar> load_calendar(const std::string& dir) {
  return std::make_shared<const calendar::Calendar>(calendar::Calendar::load(dir));
}

void log_calendar(const calendar::Calendar& cal, const std::string& dir, std::string_view prefix) {
  std::string builtin, files;
  for (int y : cal.official_years()) {
    std::string& list = cal.year(y).file.empty() ? builtin : files;
    list += (list.empty() ? "" : ", ") + std::to_string(y);
  }
  spdlog::info("{}calendar: official years {} built in; {}; other years estimated", prefix,
               builtin.empty() ? "(none)" : builtin,
               dir.empty() ? std::string("no calendar_dir")
                           : (files.empty() ? std::string("none") : files) + " from " + dir);
  for (const auto& o : cal.overrides()) {
    spdlog::info("{}calendar: {} replaces the built-in {} ({})", prefix, o.file, o.year,
                 o.same_data ? "same data" : "different data; the file's is used");
  }
}

// [[schedules]] in the config are created when no schedule has their name; after that the
// store's copy is the one administrators manage, so a restart never undoes a pause or an edit.
void seed_schedules(store::Store& store, const config::Config& cfg, UnixMs now) {
  int created = 0;
  for (const auto& seed : cfg.schedules) {
    if (store.find_schedule(seed.name)) continue;
    store::ScheduleRow row;
    row.name = seed.name;
    row.spec_json = seed.spec_json;
    auto doc = nlohmann::json::parse(seed.spec_json, nullptr, false);
    row.enabled = doc.is_object() && doc.value("enabled", true);
    row.source = "config";
    row.created_at = row.updated_at = now;
    std::promise<std::error_code> done;
    store.async_create_schedule(
        row, [&done](std::error_code ec, store::WriteResult, std::int64_t) { done.set_value(ec); },
        system_audit("schedule.create", "schedule", "", cfg.path + ":" + std::to_string(seed.line)));
    if (auto ec = done.get_future().get()) {
      spdlog::error("schedules: cannot create {} from {}:{}: {}", seed.name, cfg.path, seed.line,
                    ec.message());
    } else {
      ++created;
    }
  }
  if (created > 0) spdlog::info("schedules: {} created from {}", created, cfg.path);
}

// A name may belong to a config token or to a token created through the API, never to both:
// otherwise revoking "x" is ambiguous, and one of the two silently shadows the other.
std::vector<std::string> token_name_conflicts(const config::Config& cfg, store::Store& store) {
  std::vector<std::string> problems;
  for (const auto& row : store.list_tokens()) {
    if (row.revoked_at) continue;
    for (const auto& t : cfg.api.tokens) {
      if (t.name != row.name) continue;
      problems.push_back(cfg.path + ":" + std::to_string(t.line) + ": api.tokens[" + t.name +
                         "].name: a token created with smsgwctl/the API has this name; rename "
                         "this one (then, with smsgwd running, `smsgwctl tokens revoke " + t.name +
                         "` removes the other if it should go)");
    }
  }
  return problems;
}

// The last resort: a handler that throws must not take the daemon down. Asio lets run() be
// called again after an exception escaped it; the handler that threw is gone.
void run_guarded(asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      spdlog::critical("unexpected error escaped an event handler (a bug; the daemon goes on): {}",
                       e.what());
    } catch (...) {
      spdlog::critical("unexpected non-standard exception escaped an event handler (a bug)");
    }
  }
}

}  // namespace

config::Config load_and_validate(const std::string& path) {
  config::Config cfg = config::load_config_file(path);
  adapters::validate_carriers(builtin_registry(), cfg);
  try {
    load_calendar(cfg.daemon.calendar_dir);
  } catch (const calendar::CalendarError& e) {
    std::vector<std::string> problems;
    std::string text = e.what();
    for (std::size_t start = 0; start < text.size();) {
      const auto end = text.find('\n', start);
      problems.push_back(text.substr(start, end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    throw config::ConfigError(std::move(problems));
  }
  return cfg;
}

int run(config::Config cfg, RunOptions run_options) {
  apply_log_level(cfg.daemon.log_level);
  const std::int64_t offset = run_options.clock_offset_ms;
  // The process's one source of time: every component below reads this, none the system's.
  const Clock clock = Clock::shifted(offset);
  if (offset != 0)
    spdlog::warn("clock offset {} ms: the daemon believes it is {}", offset,
                 format_rfc3339(clock.now()));
  const adapters::Registry registry = builtin_registry();

  std::error_code ec;
  std::filesystem::create_directories(cfg.daemon.data_dir, ec);
  if (ec) {
    spdlog::critical("cannot create data_dir {}: {}", cfg.daemon.data_dir, ec.message());
    return kExitUnavailable;
  }
  const DataDirLock lock{cfg.daemon.data_dir};
  if (!lock.error().empty()) {
    spdlog::critical("{}", lock.error());
    return kExitUnavailable;
  }
  const std::string db_path = (std::filesystem::path(cfg.daemon.data_dir) / "smsgw.db").string();

  std::unique_ptr<store::Store> store;
  try {
    store::Store::Options options;
    options.path = db_path;
    options.release_leases_at_open = true;  // safe: DataDirLock above
    options.max_pending_writes = cfg.limits.max_pending_writes;
    options.max_pending_reports = cfg.limits.max_pending_reports;
    options.clock = clock;
    store = store::Store::open(options);
  } catch (const std::exception& e) {
    spdlog::critical("cannot open the store {}: {}", db_path, e.what());
    return kExitUnavailable;
  }
  spdlog::info("store open: {}", db_path);

  if (auto problems = token_name_conflicts(cfg, *store); !problems.empty()) {
    for (const auto& p : problems) spdlog::critical("{}", p);
    return kExitConfig;
  }
  load_shipped_templates(*store, cfg.daemon.templates_dir);
  seed_schedules(*store, cfg, clock.now());

  // Swapped whole on SIGHUP; readers copy the pointer (io thread only, so no lock).
  std::shared_ptr<const calendar::Calendar> calendar;
  std::string calendar_dir_in_use = cfg.daemon.calendar_dir;
  try {
    calendar = load_calendar(cfg.daemon.calendar_dir);
  } catch (const calendar::CalendarError& e) {
    spdlog::critical("calendar: {}", e.what());
    return kExitConfig;
  }
  log_calendar(*calendar, cfg.daemon.calendar_dir, "");
  auto zone = TimeZone::load(cfg.daemon.timezone);
  if (!zone) {
    spdlog::critical("cannot load time zone {}", cfg.daemon.timezone);
    return kExitConfig;
  }
  TimeZone tz = *zone;

  asio::io_context io{1};
  // Fan-out planning and other CPU-heavy request work: one thread keeps the io thread free.
  asio::thread_pool worker{1};
  auto offload = [&worker](std::function<void()> work) {
    asio::post(worker, [work = std::move(work)]() mutable {
      const auto started = std::chrono::steady_clock::now();
      work();
      work = nullptr;  // what it captured is freed before the trim
      if (std::chrono::steady_clock::now() - started >= kTrimAfter) return_free_memory();
    });
  };
  // Password hashing and sign-in checks (Argon2id, ~7 MiB and tens of milliseconds each): a
  // thread of their own, so sign-ins and large sends do not wait for each other. Its memory
  // goes back to the system after each one.
  asio::thread_pool password_worker{1};
  auto offload_password = [&password_worker](std::function<void()> work) {
    asio::post(password_worker, [work = std::move(work)]() mutable {
      work();
      work = nullptr;
      return_free_memory();
    });
  };
  Metrics metrics;
  api::install_queue_collector(metrics, *store, clock);
  std::error_code abs_ec;
  const auto config_folder = std::filesystem::absolute(cfg.path, abs_ec).parent_path();
  CalendarWatch calendar_watch{io, metrics, clock, tz,
                               (config_folder / "calendar").lexically_normal().string()};
  calendar_watch.loaded(calendar, calendar_dir_in_use);

  adapters::CurlMulti curl{io};
  // Reports an adapter receives on its own connections; each sink is bound to its carrier.
  reports::ReportIntake report_intake{*store, metrics, clock, cfg.inbound};
  auto post_to_io = [&io](std::function<void()> fn) { asio::post(io, std::move(fn)); };
  std::vector<std::unique_ptr<adapters::ReportSink>> report_sinks;
  std::map<std::string, std::unique_ptr<adapters::Adapter>> adapters;
  std::vector<dispatch::CarrierSlot> slots;
  for (const auto& carrier : cfg.carriers) {
    const auto* factory = registry.find(carrier.type);
    // validate_carriers ran at load time, so a missing factory is a programmer error.
    if (factory == nullptr) throw std::logic_error("no factory for carrier type " + carrier.type);
    report_sinks.push_back(report_intake.sink_for(carrier.name, post_to_io));
    auto adapter = factory->create(
        adapters::AdapterContext{io, curl, carrier, clock, report_sinks.back().get()});
    slots.push_back({carrier, adapter.get()});
    adapters.emplace(carrier.name, std::move(adapter));
  }

  dispatch::Dispatcher dispatcher{io, *store, slots, cfg.retry, cfg.dispatch, metrics, clock};
  dispatcher.set_quiet_hours(cfg.sms.quiet_hours, tz);
  // After the dispatcher: it is every adapter's listener, and an adapter may report its state
  // from start() on.
  for (auto& [name, adapter] : adapters) adapter->start();
  std::vector<reports::ReportPoller::Carrier> pollable;
  for (auto& [name, adapter] : adapters) pollable.push_back({name, adapter.get()});
  reports::ReportPoller report_poller{io, *store, report_intake, std::move(pollable), clock};

  auto scheduler_options = [&tz](const config::Config& c) {
    return schedule::SchedulerOptions{c.limits, c.sms, tz, c.schedule.catch_up,
                                      sending::build_template_mappings(c.carriers)};
  };
  schedule::Scheduler scheduler{
      io, scheduler_options(cfg),
      schedule::SchedulerDeps{
          .store = *store,
          .metrics = metrics,
          .clock = clock,
          .calendar = [&calendar] { return calendar; },
          .on_enqueued = [&dispatcher](UnixMs due_at) { dispatcher.notify(due_at); },
          .offload = offload,
      }};

  api::Dependencies deps{
      .store = *store,
      .metrics = metrics,
      .on_enqueued = [&dispatcher](UnixMs due_at) { dispatcher.notify(due_at); },
      .find_carrier = [&adapters](const std::string& name) -> const adapters::Adapter* {
        auto it = adapters.find(name);
        return it == adapters.end() ? nullptr : it->second.get();
      },
      .carrier_status = [&dispatcher] { return dispatcher.carrier_status(); },
      .clock = clock,
      .calendar = [&calendar] { return calendar; },
      .on_schedules_changed = [&scheduler] { scheduler.reload(); },
      .offload = offload,
      .offload_password = offload_password,
  };
  api::Server server{io, cfg, deps};
  try {
    server.start();
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}: {}", cfg.api.listen, e.what());
    return kExitUnavailable;
  }
  Retention retention{io, *store, metrics, cfg.retention, clock};
  dispatcher.start();
  scheduler.start();
  retention.start();
  report_poller.start();
  spdlog::info("smsgwd {} ready: listening on {} (port {}), {} carrier(s)", SMSGW_VERSION,
               cfg.api.listen, server.port(), cfg.carriers.size());
  // systemctl status shows this line; the periodic refresh counts on the notifier's thread.
  const std::string listening =
      fmt::format("listening on {} (port {})", cfg.api.listen, server.port());
  ServiceNotifier notifier{io, [&db = *store, listening] {
                             auto counts = db.count_by_status();
                             return fmt::format("ready: {} queued, {} sending; {}",
                                                counts[Status::queued], counts[Status::sending],
                                                listening);
                           }};
  notifier.ready();

  bool stopping = false;
  asio::steady_timer hard_deadline{io};
  asio::signal_set signals{io, SIGTERM, SIGINT, SIGHUP};

  auto shutdown = [&](int signo) {
    stopping = true;
    spdlog::info("signal {}: stopping (grace {} ms)", signo, cfg.daemon.shutdown_grace.count());
    notifier.stopping(fmt::format("stopping: finishing in-flight sends (grace {} ms)",
                                  cfg.daemon.shutdown_grace.count()));
    // A bound on the whole shutdown, in case something never completes.
    hard_deadline.expires_after(cfg.daemon.shutdown_grace + std::chrono::seconds(5));
    hard_deadline.async_wait([&io](std::error_code wait_ec) {
      if (wait_ec) return;
      spdlog::error("shutdown did not finish in time; exiting anyway");
      io.stop();
    });
    // Reverse dependency order: ingress first, then the workers, then the carriers.
    calendar_watch.stop();
    scheduler.stop();
    retention.stop();
    report_poller.stop();
    server.async_stop([&] {
      dispatcher.async_stop(cfg.daemon.shutdown_grace, [&] {
        auto remaining = std::make_shared<std::size_t>(adapters.size());
        auto all_stopped = [&, remaining] {
          if (--*remaining > 0) return;
          hard_deadline.cancel();
          signals.cancel();
          curl.cancel_all();
          io.stop();
        };
        if (adapters.empty()) {
          ++*remaining;
          all_stopped();
          return;
        }
        for (auto& [name, adapter] : adapters) adapter->async_stop(all_stopped);
      });
    });
  };

  std::function<void()> wait_for_signal = [&] {
    signals.async_wait([&](std::error_code wait_ec, int signo) {
      if (wait_ec) return;
      if (signo == SIGHUP) {
        if (!stopping) {
          notifier.reloading();
          try {
            config::Config fresh = load_and_validate(cfg.path);
            if (auto problems = token_name_conflicts(fresh, *store); !problems.empty())
              throw config::ConfigError(std::move(problems));
            warn_about_restart_only_changes(cfg, fresh);
            apply_log_level(fresh.daemon.log_level);
            server.reconfigure(fresh);
            dispatcher.reconfigure(fresh.carriers, fresh.retry, fresh.dispatch);
            dispatcher.set_quiet_hours(fresh.sms.quiet_hours, tz);
            if (fresh.daemon.timezone != cfg.daemon.timezone)
              spdlog::warn("reload: daemon.timezone changed; that applies at the next restart");
            try {
              calendar = load_calendar(fresh.daemon.calendar_dir);
              calendar_dir_in_use = fresh.daemon.calendar_dir;
              log_calendar(*calendar, calendar_dir_in_use, "reload: ");
            } catch (const calendar::CalendarError& e) {
              spdlog::error("reload: calendar: {}; keeping the calendar in use", e.what());
            }
            seed_schedules(*store, fresh, clock.now());
            scheduler.reconfigure(scheduler_options(fresh));
            retention.reconfigure(fresh.retention);
            report_intake.reconfigure(fresh.inbound);
            // Keep what only a restart can change; take the rest.
            fresh.api.listen = cfg.api.listen;
            fresh.daemon.data_dir = cfg.daemon.data_dir;
            fresh.carriers = cfg.carriers;
            cfg = std::move(fresh);
            spdlog::info("reload: configuration {} applied", cfg.path);
          } catch (const config::ConfigError& e) {
            for (const auto& problem : e.problems()) spdlog::error("reload: {}", problem);
            spdlog::error("reload: keeping the running configuration");
          } catch (const std::exception& e) {
            spdlog::error("reload failed, keeping the running configuration: {}", e.what());
          }
          // Applied or refused, a reload is when ops look at the log: say again what is missing.
          calendar_watch.loaded(calendar, calendar_dir_in_use);
          notifier.reloaded();
        }
        wait_for_signal();
        return;
      }
      if (!stopping) shutdown(signo);
      wait_for_signal();
    });
  };
  wait_for_signal();

  run_guarded(io);
  worker.join();  // planning still under way finishes (its answers go nowhere now)
  password_worker.join();
  store->flush();
  spdlog::info("smsgwd stopped");
  return kExitOk;
}

}  // namespace smsgw::app
