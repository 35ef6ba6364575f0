#pragma once
// Internal to smsgw_store: the Store's connections, writer thread and statement caches, shared
// by store.cpp (the queue) and directory.cpp (the directory). Not installed, not for callers.

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/memory.hpp"
#include "common/time.hpp"
#include "store/sqlite_error.hpp"
#include "store/store.hpp"

namespace smsgw::store {
namespace detail {


// Prepared once, reused for the life of the connection. The writer keys by the address of the
// SQL literal (hashing a pointer costs nothing on the per-message insert path); the reader
// builds some SQL at run time and keys by its text.
template <typename Key>
class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db) : db_(db) {}
  SQLite::Statement& get(const Key& sql) {
    auto& slot = by_sql_[sql];
    if (!slot) slot = std::make_unique<SQLite::Statement>(db_, sql);
    return *slot;
  }

 private:
  SQLite::Database& db_;
  std::unordered_map<Key, std::unique_ptr<SQLite::Statement>> by_sql_;
};

// One use of a cached statement. Resetting on every exit (errors included) keeps a cached
// SELECT from holding a read snapshot open and from carrying a half-stepped state into its
// next use.
class Use {
 public:
  explicit Use(SQLite::Statement& s) : s_(s) {}
  ~Use() { s_.tryReset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  SQLite::Statement* operator->() { return &s_; }
  SQLite::Statement& operator*() { return s_; }

 private:
  SQLite::Statement& s_;
};

inline std::string text_of(const SQLite::Column& c) { return c.isNull() ? std::string() : c.getString(); }

inline std::optional<std::int64_t> int64_of(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

inline void bind_optional(SQLite::Statement& s, int index, const std::optional<std::int64_t>& v) {
  if (v) {
    s.bind(index, *v);
  } else {
    s.bind(index);
  }
}

// Empty strings are stored as NULL: keeps the partial carrier-id index free of unsent rows and
// makes "no carrier" one representation instead of two.
inline void bind_text_or_null(SQLite::Statement& s, int index, const std::string& v) {
  if (v.empty()) {
    s.bind(index);
  } else {
    s.bindNoCopy(index, v);
  }
}


// Both throw (SQLite::Exception, StoreError): only called by open().
SQLite::Database open_writer(const std::string& path);
SQLite::Database open_reader(const std::string& path);

// The writer connection and what only the writer thread touches.
struct Writer {
  Writer(const std::string& path, Clock clock_)
      : db(open_writer(path)), stmts(db), clock(std::move(clock_)) {}

  SQLite::Statement& stmt(const char* sql) { return stmts.get(sql); }
  // The store's clock for every timestamp it writes itself.
  UnixMs now() const { return clock.now(); }

  std::error_code exec(const char* sql) noexcept {
    try {
      Use s(stmts.get(sql));
      s->exec();
      return {};
    } catch (const SQLite::Exception& e) {
      return sqlite_error(e);
    } catch (const std::exception&) {
      return sqlite_error(SQLITE_NOMEM);
    }
  }

  bool in_transaction() const noexcept { return sqlite3_get_autocommit(db.getHandle()) == 0; }

  SQLite::Database db;
  StatementCache<const char*> stmts;  // after db: destroyed first
  Clock clock;
  std::int64_t pending_reports = 0;  // rows in pending_reports (written by this thread only)
  std::size_t max_pending_reports = 0;
};

// Applies the batch's daily cap (messages over it move to its skips), then inserts the batch,
// its messages (status queued) and its skips; `now` is the batch's created_at and the send_at
// of messages without one. Throws SQLite::Exception (the cap's reads included: it fails closed).
void insert_batch(Writer& w, NewBatch& batch, UnixMs now);

// The batch's confirmation settings (inbound.cpp); part of its transaction.
void write_confirm(Writer& w, std::int64_t batch_id, const ConfirmSpec& confirm);

// Ends every console session of the person (sessions.cpp); part of the caller's transaction.
void delete_user_sessions(Writer& w, const std::string& user);
// Closes a pending approval (approvals.cpp): ok, or conflict if it is not pending any more.
WriteResult decide_approval(Writer& w, const ApprovalDecision& decision);

// Polls (polls.cpp): the poll a vote's keyword names at `at`, and the vote's ballot, with
// its outcome (kBallotOutcomes), written in the caller's transaction.
struct PollMatch {
  std::int64_t id = 0;
  UnixMs opens_at = 0, closes_at = 0;
  bool counts_last = false;
  bool restricted = false;  // only members of its groups may vote
};
std::optional<PollMatch> poll_for(Writer& w, const std::string& keyword, UnixMs at);
std::string cast_ballot(Writer& w, const PollMatch& poll, const std::string& phone, const std::string& code,
                        std::int64_t inbound_id, UnixMs at);

// The audit log (audit.cpp), inside the caller's transaction: the JSON state of an object
// (nullopt when there is no such row), and the entry itself.
std::optional<std::string> audit_snapshot(Writer& w, const std::string& kind, const std::string& id);
void write_audit(Writer& w, const AuditEntry& entry, const std::optional<std::string>& before,
                 const std::optional<std::string>& after);

// Runs `body` (which sets `result`) with the audit entry around it: the object's state before,
// then, when the change succeeded, its state after and the entry. Throws like the body.
template <typename Body>
std::error_code audited(Writer& w, const Store::Audit& audit, WriteResult& result, Body&& body) {
  if (!audit) return body();
  std::optional<std::string> before;
  if (audit->snapshot) before = audit_snapshot(w, audit->object_kind, audit->object_id);
  std::error_code ec = body();
  if (ec || result != WriteResult::ok) return ec;
  std::optional<std::string> after;
  if (audit->snapshot) after = audit_snapshot(w, audit->object_kind, audit->object_id);
  write_audit(w, *audit, before, after);
  return ec;
}

struct Job {
  std::function<std::error_code(Writer&)> run;  // empty: a flush marker, no work
  std::function<void(std::error_code)> complete;
  // Client writes are bounded by Options::max_pending_writes; the dispatcher's are not.
  bool bounded = false;
};

// The error of a write refused because the writer's queue is full.
std::error_code overloaded_error() noexcept;

}  // namespace detail

struct Store::Impl {
  using Writer = detail::Writer;
  using Job = detail::Job;

  explicit Impl(const Options& options)
      : max_group_jobs_(std::max(1, options.max_group_jobs)),
        max_pending_writes_(std::max<std::size_t>(1, options.max_pending_writes)),
        path_(options.path),
        writer_(options.path, options.clock),
        reader_(detail::open_reader(options.path)),
        reads_(reader_) {
    writer_.max_pending_reports = options.max_pending_reports;
    writer_.pending_reports =
        writer_.db.execAndGet("SELECT COUNT(*) FROM pending_reports").getInt64();
    pending_reports_.store(writer_.pending_reports);
    // Counts statements run on the read connection (Stats::read_statements): tests bound the
    // work of a request by it instead of by time.
    sqlite3_trace_v2(reader_.getHandle(), SQLITE_TRACE_STMT, &Impl::on_read_statement, this);
    if (options.max_page_count > 0)
      writer_.db.exec("PRAGMA max_page_count = " + std::to_string(options.max_page_count));
    next_message_id_ = writer_.db.execAndGet("SELECT COALESCE(MAX(id), 0) + 1 FROM messages").getInt64();
    next_batch_id_ = writer_.db.execAndGet("SELECT COALESCE(MAX(id), 0) + 1 FROM batches").getInt64();
    if (options.release_leases_at_open) {
      released_at_open_ = writer_.db.exec(
          "UPDATE messages SET status = 'queued', lease_until = NULL, lease_owner = NULL "
          "WHERE status = 'sending'");
    }
    thread_ = std::thread([this] { writer_loop(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(queue_mutex_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void submit(Job job) {
    std::error_code refused = std::make_error_code(std::errc::operation_canceled);
    {
      std::lock_guard lock(queue_mutex_);
      if (!stopping_) {
        if (!job.bounded || bounded_queued_ < max_pending_writes_) {
          if (job.bounded) ++bounded_queued_;
          queue_.push_back(std::move(job));
          queue_cv_.notify_one();
          return;
        }
        refused = detail::overloaded_error();
      }
    }
    // Outside the lock: a completion may submit again.
    job.complete(refused);
  }

  void writer_loop() {
    std::vector<Job> group;
    for (;;) {
      {
        std::unique_lock lock(queue_mutex_);
        queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything submitted is committed
        const std::size_t n = std::min(queue_.size(), static_cast<std::size_t>(max_group_jobs_));
        group.clear();
        for (std::size_t i = 0; i < n; ++i) {
          if (queue_.front().bounded) --bounded_queued_;
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      const auto started = std::chrono::steady_clock::now();
      run_group(group);
      // A fan-out or an import: its rows were just freed (run_group clears the group).
      if (std::chrono::steady_clock::now() - started >= kTrimAfter) return_free_memory();
    }
  }

  std::error_code run_job(Job& job) {
    if (auto ec = writer_.exec("SAVEPOINT job")) return ec;
    std::error_code ec;
    try {
      ec = job.run(writer_);
    } catch (const SQLite::Exception& e) {
      ec = sqlite_error(e);
    } catch (const std::exception& e) {
      spdlog::error("store: write job threw: {}", e.what());
      ec = sqlite_error(SQLITE_ERROR);
    }
    if (!ec) ec = writer_.exec("RELEASE job");
    if (ec && writer_.in_transaction()) {
      // ROLLBACK TO keeps the savepoint on the stack; RELEASE pops it.
      writer_.exec("ROLLBACK TO job");
      writer_.exec("RELEASE job");
    }
    return ec;
  }

  void run_group(std::vector<Job>& group) {
    std::vector<std::error_code> results(group.size());
    const auto work = static_cast<std::uint64_t>(
        std::count_if(group.begin(), group.end(), [](const Job& j) { return static_cast<bool>(j.run); }));
    if (work > 0) {
      std::size_t tx_first = 0;  // first job whose changes live in the open transaction
      // A ROLLBACK that failed after a failed COMMIT (I/O error) leaves the transaction open;
      // without this every later BEGIN would fail and the writer would stay wedged.
      if (writer_.in_transaction()) writer_.exec("ROLLBACK");
      std::error_code ec = writer_.exec("BEGIN IMMEDIATE");
      for (std::size_t i = 0; i < group.size() && !ec; ++i) {
        if (!group[i].run) continue;
        results[i] = run_job(group[i]);
        if (results[i] && !writer_.in_transaction()) {
          // SQLite rolled back the whole transaction (disk full, I/O error): the jobs before
          // this one lost their changes too. Start over for the rest.
          for (std::size_t j = tx_first; j < i; ++j)
            if (!results[j]) results[j] = results[i];
          tx_first = i + 1;
          ec = writer_.exec("BEGIN IMMEDIATE");
        }
      }
      if (!ec) {
        ec = writer_.exec("COMMIT");
        if (ec && writer_.in_transaction()) writer_.exec("ROLLBACK");
      }
      // A full database can also fail a single job's INSERT (a page could not be allocated)
      // while the COMMIT of the others succeeds: writes are failing all the same.
      const auto storage_failed = std::find_if(results.begin(), results.end(), [](const std::error_code& r) {
        return is_storage_unavailable(r);
      });
      if (ec) {
        for (std::size_t j = tx_first; j < group.size(); ++j)
          if (!results[j]) results[j] = ec;
        if (last_commit_ok_.exchange(false)) spdlog::error("store: commit failed: {}", ec.message());
      } else if (storage_failed != results.end()) {
        commits_.fetch_add(1, std::memory_order_relaxed);
        if (last_commit_ok_.exchange(false)) spdlog::error("store: write failed: {}", storage_failed->message());
      } else {
        commits_.fetch_add(1, std::memory_order_relaxed);
        if (!last_commit_ok_.exchange(true)) spdlog::info("store: commits succeed again");
      }
      jobs_.fetch_add(work, std::memory_order_relaxed);
      pending_reports_.store(writer_.pending_reports, std::memory_order_relaxed);
    }
    for (std::size_t i = 0; i < group.size(); ++i) {
      try {
        group[i].complete(results[i]);
      } catch (const std::exception& e) {
        spdlog::error("store: completion handler threw: {}", e.what());
      }
    }
    group.clear();
  }

  // Runs `fn` under the reader mutex; a failing read is logged and answered with `fallback`
  // (reads have no error channel, and the caller's best answer is "nothing found").
  template <typename T, typename Fn>
  T read(const char* what, T fallback, Fn&& fn) {
    std::lock_guard lock(read_mutex_);
    try {
      return fn();
    } catch (const std::exception& e) {
      spdlog::warn("store: {} failed: {}", what, e.what());
      return fallback;
    }
  }

  SQLite::Statement& read_stmt(const std::string& sql) { return reads_.get(sql); }

  static int on_read_statement(unsigned, void* self, void*, void*) {
    static_cast<Impl*>(self)->read_statements_.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }

  const int max_group_jobs_;
  const std::size_t max_pending_writes_;
  const std::string path_;
  Writer writer_;  // touched only by the writer thread once open() returns

  std::mutex read_mutex_;
  SQLite::Database reader_;
  detail::StatementCache<std::string> reads_;

  int released_at_open_ = 0;
  std::atomic<std::int64_t> next_message_id_{1};
  std::atomic<std::int64_t> next_batch_id_{1};
  std::atomic<bool> last_commit_ok_{true};
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> jobs_{0};
  std::atomic<std::int64_t> pending_reports_{0};
  std::atomic<std::uint64_t> read_statements_{0};

  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Job> queue_;
  std::size_t bounded_queued_ = 0;  // bounded jobs in queue_
  bool stopping_ = false;
  std::thread thread_;
};

namespace detail {

// Submits a job whose result is a WriteResult; not_found is what a failed job reports.
template <typename Body>
void submit_write(Store::Impl& impl, Body body, Store::WriteDone done, Store::Audit audit = {}) {
  auto result = std::make_shared<WriteResult>(WriteResult::not_found);
  impl.submit(Job{[body = std::move(body), result, audit = std::move(audit)](Writer& w) {
                    return audited(w, audit, *result, [&] { return body(w, *result); });
                  },
                  [result, done = std::move(done)](std::error_code ec) {
                    done(ec, ec ? WriteResult::not_found : *result);
                  },
                  /*bounded=*/true});
}

// Submits a create job that also yields the new row's id (0 unless the result is ok).
template <typename Body>
void submit_create(Store::Impl& impl, Body body,
                   std::function<void(std::error_code, WriteResult, std::int64_t)> done,
                   Store::Audit audit = {}) {
  struct Out {
    WriteResult result = WriteResult::not_found;
    std::int64_t id = 0;
  };
  auto out = std::make_shared<Out>();
  impl.submit(Job{[body = std::move(body), out, audit = std::move(audit)](Writer& w) mutable {
                    std::error_code ec = body(w, out->result, out->id);
                    if (ec || out->result != WriteResult::ok || !audit) return ec;
                    // The new row's id is known only now: the entry names it and holds its state.
                    audit->object_id = std::to_string(out->id);
                    std::optional<std::string> after;
                    if (audit->snapshot) after = audit_snapshot(w, audit->object_kind, audit->object_id);
                    write_audit(w, *audit, std::nullopt, after);
                    return ec;
                  },
                  [out, done = std::move(done)](std::error_code ec) {
                    if (ec) {
                      done(ec, WriteResult::not_found, 0);
                    } else {
                      done(ec, out->result, out->result == WriteResult::ok ? out->id : 0);
                    }
                  },
                  /*bounded=*/true});
}

// Under the read lock (inside Impl::read), for get_batch (inbound.cpp).
std::optional<ConfirmSpec> read_confirm(Store::Impl& impl, std::int64_t batch_id);
std::map<std::string, std::int64_t> count_confirmations(Store::Impl& impl, std::int64_t batch_id);

}  // namespace detail

}  // namespace smsgw::store
