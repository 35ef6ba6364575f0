#include "store/store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/time.hpp"
#include "store/schema.hpp"
#include "store/sqlite_error.hpp"
#include "store/store_impl.hpp"

namespace smsgw::store {

using namespace detail;

namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr auto kProbeTimeout = std::chrono::seconds(2);

Priority priority_of(int v) { return v == static_cast<int>(Priority::urgent) ? Priority::urgent : Priority::normal; }

const std::string kMessageColumns =
    "id, batch_id, recipient, text, segments, status, priority, send_at, expires_at, "
    "next_attempt_at, attempts, carrier, carrier_message_id, last_error, created_at, updated_at";

MessageRow message_of(SQLite::Statement& s) {
  MessageRow m;
  m.id = s.getColumn(0).getInt64();
  m.batch_id = s.getColumn(1).getInt64();
  m.to = text_of(s.getColumn(2));
  m.text = text_of(s.getColumn(3));
  m.segments = s.getColumn(4).getInt();
  m.status = parse_status(text_of(s.getColumn(5))).value_or(Status::failed);
  m.priority = priority_of(s.getColumn(6).getInt());
  m.send_at = s.getColumn(7).getInt64();
  m.expires_at = int64_of(s.getColumn(8));
  m.next_attempt_at = s.getColumn(9).getInt64();
  m.attempts = s.getColumn(10).getInt();
  m.carrier = text_of(s.getColumn(11));
  m.carrier_message_id = text_of(s.getColumn(12));
  m.last_error = text_of(s.getColumn(13));
  m.created_at = s.getColumn(14).getInt64();
  m.updated_at = s.getColumn(15).getInt64();
  return m;
}

std::map<Status, std::int64_t> zero_counts() {
  std::map<Status, std::int64_t> counts;
  for (Status s : {Status::queued, Status::sending, Status::sent, Status::delivered, Status::failed,
                   Status::expired, Status::cancelled})
    counts[s] = 0;
  return counts;
}

}  // namespace

namespace detail {

SQLite::Database open_writer(const std::string& path) {
  // NOMUTEX: each connection is used by one thread at a time (the writer thread; readers
  // under read_mutex_), so SQLite's per-call connection mutex is pure overhead.
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
                      kBusyTimeoutMs);
  sqlite3_extended_result_codes(db.getHandle(), 1);
  const std::string mode = db.execAndGet("PRAGMA journal_mode = WAL").getString();
  if (mode != "wal") throw StoreError("cannot switch " + path + " to WAL mode (got " + mode + ")");
  // FULL: WAL is fsync'd at every commit, so a completion handler (and the API's 202) only runs
  // once the data survives power loss. Group commit is what pays for it.
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  // Each job's SAVEPOINT keeps the pre-images of the pages it touches in a sub-journal; on
  // disk that costs a write per page per job (it spilled to a temp file past 64 KiB, tripling
  // the writes of a commit). In memory it is bounded by one group's touched pages.
  db.exec("PRAGMA temp_store = MEMORY");
  migrate(db);
  return db;
}

SQLite::Database open_reader(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db.getHandle(), 1);
  return db;
}

// Shared by async_enqueue and async_record_run, so a schedule's batch is stored exactly like
// an API batch (messages and skips alike).
void insert_batch(Writer& w, const NewBatch& batch, UnixMs now) {
  {
    Use ins(w.stmt("INSERT INTO batches (id, source, created_at, count) VALUES (?, ?, ?, ?)"));
    ins->bind(1, batch.id);
    ins->bindNoCopy(2, batch.source);
    ins->bind(3, now);
    ins->bind(4, static_cast<std::int64_t>(batch.messages.size()));
    ins->exec();
  }
  {
    Use ins(w.stmt(
        "INSERT INTO messages (id, batch_id, recipient, text, segments, status, priority, send_at, "
        "expires_at, next_attempt_at, attempts, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, 0, ?, ?)"));
    for (const NewMessage& m : batch.messages) {
      const UnixMs send_at = m.send_at != 0 ? m.send_at : now;
      ins->bind(1, m.id);
      ins->bind(2, batch.id);
      ins->bindNoCopy(3, m.to);
      ins->bindNoCopy(4, m.text);
      ins->bind(5, m.segments);
      ins->bind(6, static_cast<int>(m.priority));
      ins->bind(7, send_at);
      bind_optional(*ins, 8, m.expires_at);
      ins->bind(9, send_at);
      ins->bind(10, now);
      ins->bind(11, now);
      ins->exec();
      ins->reset();
    }
  }
  if (!batch.skips.empty()) {
    Use ins(w.stmt("INSERT INTO batch_skips (batch_id, phone, reason) VALUES (?, ?, ?)"));
    for (const Skip& skip : batch.skips) {
      ins->bind(1, batch.id);
      ins->bindNoCopy(2, skip.phone);
      ins->bindNoCopy(3, skip.reason);
      ins->exec();
      ins->reset();
    }
  }
}

}  // namespace detail

namespace {

// --- job bodies: run on the writer thread inside the job's SAVEPOINT; throwing or returning an
// error rolls back just that job ---

std::error_code enqueue(Writer& w, const NewBatch& batch, const std::optional<IdempotencyKey>& key,
                        const std::string& response, EnqueueResult& out) {
  const UnixMs now = batch.created_at != 0 ? batch.created_at : now_ms();
  if (key) {
    Use find(w.stmt("SELECT request_hash, response FROM idempotency_keys WHERE token = ? AND key = ?"));
    find->bindNoCopy(1, key->token);
    find->bindNoCopy(2, key->key);
    if (find->executeStep()) {
      if (text_of(find->getColumn(0)) == key->request_hash) {
        out.kind = EnqueueResult::Kind::replayed;
        out.stored_response = text_of(find->getColumn(1));
      } else {
        out.kind = EnqueueResult::Kind::conflict;
      }
      return {};
    }
  }
  insert_batch(w, batch, now);
  if (key) {
    Use ins(w.stmt(
        "INSERT INTO idempotency_keys (token, key, request_hash, response, created_at) "
        "VALUES (?, ?, ?, ?, ?)"));
    ins->bindNoCopy(1, key->token);
    ins->bindNoCopy(2, key->key);
    ins->bindNoCopy(3, key->request_hash);
    ins->bindNoCopy(4, response);
    ins->bind(5, now);
    ins->exec();
  }
  out.kind = EnqueueResult::Kind::created;
  return {};
}

void read_claimable(SQLite::Statement& s, std::vector<ClaimedMessage>& out) {
  while (s.executeStep()) {
    ClaimedMessage m;
    m.id = s.getColumn(0).getInt64();
    m.to = text_of(s.getColumn(1));
    m.text = text_of(s.getColumn(2));
    m.segments = s.getColumn(3).getInt();
    m.priority = priority_of(s.getColumn(4).getInt());
    m.attempts = s.getColumn(5).getInt();
    m.expires_at = int64_of(s.getColumn(6));
    out.push_back(std::move(m));
  }
}

std::error_code claim(Writer& w, UnixMs now, UnixMs lease_until, int limit,
                      std::vector<ClaimedMessage>& out) {
  out.clear();
  if (limit <= 0) return {};
  // One query per priority: each is a range scan of messages_claim that stops at `now`, so
  // messages scheduled for the future are never read.
  const char* const due_sql =
      "SELECT id, recipient, text, segments, priority, attempts, expires_at FROM messages "
      "WHERE status = 'queued' AND priority = ? AND next_attempt_at <= ? "
      "ORDER BY next_attempt_at LIMIT ?";
  const auto room = [&] { return static_cast<int>(limit - static_cast<int>(out.size())); };
  {
    Use due(w.stmt(due_sql));
    due->bind(1, static_cast<int>(Priority::urgent));
    due->bind(2, now);
    due->bind(3, limit);
    read_claimable(*due, out);
  }
  // Expired leases come before normal traffic: they were due before anything queued now.
  if (room() > 0) {
    Use lost(w.stmt(
        // Without ANALYZE statistics the planner prefers messages_claim and sorts every
        // 'sending' row; the partial index is the range scan meant for this.
        "SELECT id, recipient, text, segments, priority, attempts, expires_at FROM messages "
        "INDEXED BY messages_lease WHERE status = 'sending' AND lease_until < ? ORDER BY lease_until LIMIT ?"));
    lost->bind(1, now);
    lost->bind(2, room());
    read_claimable(*lost, out);
  }
  if (room() > 0) {
    Use due(w.stmt(due_sql));
    due->bind(1, static_cast<int>(Priority::normal));
    due->bind(2, now);
    due->bind(3, room());
    read_claimable(*due, out);
  }
  Use mark(w.stmt("UPDATE messages SET status = 'sending', lease_until = ?, updated_at = ? WHERE id = ?"));
  for (const ClaimedMessage& m : out) {
    mark->bind(1, lease_until);
    mark->bind(2, now);
    mark->bind(3, m.id);
    mark->exec();
    mark->reset();
  }
  return {};
}

const char* default_outcome(AttemptResult::Next next) {
  switch (next) {
    case AttemptResult::Next::sent: return "sent";
    case AttemptResult::Next::retry: return "transient";
    case AttemptResult::Next::failed: return "permanent";
    case AttemptResult::Next::expired: return "expired";
  }
  return "unknown";
}

void record_one(Writer& w, const AttemptResult& r) {
  const UnixMs at = r.at != 0 ? r.at : now_ms();
  const bool carrier_called = !r.carrier.empty();
  if (carrier_called) {
    // The attempt happened whatever state the message is in now, so its row is always written.
    Use ins(w.stmt("INSERT INTO attempts (message_id, at, carrier, outcome, error) VALUES (?, ?, ?, ?, ?)"));
    ins->bind(1, r.id);
    ins->bind(2, at);
    ins->bindNoCopy(3, r.carrier);
    if (r.outcome.empty()) {
      ins->bindNoCopy(4, default_outcome(r.next));
    } else {
      ins->bindNoCopy(4, r.outcome);
    }
    bind_text_or_null(*ins, 5, r.error);
    ins->exec();
  }
  // Every update requires status 'sending': a message that left it meanwhile (cancelled, or
  // already recorded by a second claim after its lease ran out) keeps its state.
  switch (r.next) {
    case AttemptResult::Next::sent: {
      Use up(w.stmt(
          "UPDATE messages SET status = 'sent', carrier = ?, carrier_message_id = ?, "
          "attempts = attempts + 1, lease_until = NULL, updated_at = ? "
          "WHERE id = ? AND status = 'sending'"));
      bind_text_or_null(*up, 1, r.carrier);
      bind_text_or_null(*up, 2, r.carrier_message_id);
      up->bind(3, at);
      up->bind(4, r.id);
      up->exec();
      break;
    }
    case AttemptResult::Next::retry: {
      Use up(w.stmt(
          "UPDATE messages SET status = 'queued', next_attempt_at = ?, attempts = attempts + 1, "
          "last_error = ?, carrier = COALESCE(?, carrier), lease_until = NULL, updated_at = ? "
          "WHERE id = ? AND status = 'sending'"));
      up->bind(1, r.next_attempt_at);
      bind_text_or_null(*up, 2, r.error);
      bind_text_or_null(*up, 3, r.carrier);
      up->bind(4, at);
      up->bind(5, r.id);
      up->exec();
      break;
    }
    case AttemptResult::Next::failed:
    case AttemptResult::Next::expired: {
      Use up(w.stmt(
          "UPDATE messages SET status = ?, attempts = attempts + ?, "
          "last_error = COALESCE(?, last_error), carrier = COALESCE(?, carrier), "
          "lease_until = NULL, updated_at = ? WHERE id = ? AND status = 'sending'"));
      up->bindNoCopy(1, r.next == AttemptResult::Next::failed ? "failed" : "expired");
      up->bind(2, carrier_called ? 1 : 0);
      bind_text_or_null(*up, 3, r.error);
      bind_text_or_null(*up, 4, r.carrier);
      up->bind(5, at);
      up->bind(6, r.id);
      up->exec();
      break;
    }
  }
}

// Each result in its own nested savepoint: a bad result (unknown id) is undone alone and the
// others stay. The first such error is reported through `first_error`; the job itself only
// fails when SQLite dropped the whole transaction.
std::error_code record(Writer& w, const std::vector<AttemptResult>& results, std::error_code& first_error) {
  for (const AttemptResult& r : results) {
    std::error_code ec = w.exec("SAVEPOINT result");
    if (!ec) {
      try {
        record_one(w, r);
      } catch (const SQLite::Exception& e) {
        ec = sqlite_error(e);
      }
      if (!ec) ec = w.exec("RELEASE result");
      if (ec && w.in_transaction()) {
        w.exec("ROLLBACK TO result");
        w.exec("RELEASE result");
      }
    }
    if (ec && !first_error) first_error = ec;
    if (ec && !w.in_transaction()) return ec;
  }
  return {};
}

std::error_code release(Writer& w, const std::vector<std::int64_t>& ids) {
  const UnixMs now = now_ms();
  Use up(w.stmt(
      "UPDATE messages SET status = 'queued', lease_until = NULL, updated_at = ? "
      "WHERE id = ? AND status = 'sending'"));
  for (std::int64_t id : ids) {
    up->bind(1, now);
    up->bind(2, id);
    up->exec();
    up->reset();
  }
  return {};
}

std::error_code cancel(Writer& w, std::int64_t id, CancelResult& out) {
  {
    Use up(w.stmt("UPDATE messages SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'queued'"));
    up->bind(1, now_ms());
    up->bind(2, id);
    if (up->exec() > 0) {
      out = CancelResult::cancelled;
      return {};
    }
  }
  Use find(w.stmt("SELECT 1 FROM messages WHERE id = ?"));
  find->bind(1, id);
  out = find->executeStep() ? CancelResult::not_cancellable : CancelResult::not_found;
  return {};
}

std::error_code delivery_report(Writer& w, const DeliveryReport& report, bool& found) {
  found = false;
  if (report.carrier.empty() || report.carrier_message_id.empty()) return {};
  std::int64_t id = 0;
  std::string status;
  {
    Use find(w.stmt(
        "SELECT id, status FROM messages WHERE carrier = ? AND carrier_message_id = ? "
        "ORDER BY id DESC LIMIT 1"));
    find->bindNoCopy(1, report.carrier);
    find->bindNoCopy(2, report.carrier_message_id);
    if (!find->executeStep()) return {};
    id = find->getColumn(0).getInt64();
    status = text_of(find->getColumn(1));
  }
  found = true;
  // A message already final got this report before (carriers resend): nothing changes.
  if (status != "sent" && status != "sending") return {};
  const UnixMs at = report.at != 0 ? report.at : now_ms();
  {
    Use up(w.stmt(
        "UPDATE messages SET status = ?, last_error = COALESCE(?, last_error), lease_until = NULL, "
        "updated_at = ? WHERE id = ?"));
    up->bindNoCopy(1, report.delivered ? "delivered" : "failed");
    if (report.delivered) {
      up->bind(2);
    } else {
      up->bind(2, report.error.empty() ? std::string("undelivered") : report.error);
    }
    up->bind(3, at);
    up->bind(4, id);
    up->exec();
  }
  Use ins(w.stmt("INSERT INTO attempts (message_id, at, carrier, outcome, error) VALUES (?, ?, ?, ?, ?)"));
  ins->bind(1, id);
  ins->bind(2, at);
  ins->bindNoCopy(3, report.carrier);
  ins->bindNoCopy(4, report.delivered ? "delivered" : "undelivered");
  bind_text_or_null(*ins, 5, report.error);
  ins->exec();
  return {};
}

}  // namespace


std::unique_ptr<Store> Store::open(const Options& options) {
  // Memory statistics put a process-wide mutex around every SQLite malloc; nothing reads them.
  // Only possible before SQLite initialises, so a later call just returns SQLITE_MISUSE.
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(options);
  } catch (const SQLite::Exception& e) {
    throw StoreError("cannot open the store " + options.path + ": " + e.what());
  }
  spdlog::info("store: opened {} (schema version {}, next message id {})", options.path,
               schema_version(), impl->next_message_id_.load());
  if (impl->released_at_open_ > 0)
    spdlog::info("store: {} message(s) claimed by a previous process returned to the queue",
                 impl->released_at_open_);
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() = default;

std::int64_t Store::allocate_message_ids(std::int64_t count) {
  return impl_->next_message_id_.fetch_add(std::max<std::int64_t>(count, 0));
}

std::int64_t Store::allocate_batch_id() { return impl_->next_batch_id_.fetch_add(1); }

void Store::async_enqueue(NewBatch batch, std::optional<IdempotencyKey> key, std::string response_body,
                          std::function<void(std::error_code, EnqueueResult)> done) {
  auto result = std::make_shared<EnqueueResult>();
  impl_->submit(Job{
      [batch = std::move(batch), key = std::move(key), body = std::move(response_body),
       result](Writer& w) { return enqueue(w, batch, key, body, *result); },
      [result, done = std::move(done)](std::error_code ec) {
        done(ec, ec ? EnqueueResult{} : std::move(*result));
      }});
}

void Store::async_claim(UnixMs now, UnixMs lease_until, int limit,
                        std::function<void(std::error_code, std::vector<ClaimedMessage>)> done) {
  auto result = std::make_shared<std::vector<ClaimedMessage>>();
  impl_->submit(Job{
      [now, lease_until, limit, result](Writer& w) { return claim(w, now, lease_until, limit, *result); },
      [result, done = std::move(done)](std::error_code ec) {
        done(ec, ec ? std::vector<ClaimedMessage>{} : std::move(*result));
      }});
}

void Store::async_record(std::vector<AttemptResult> results, Done done) {
  auto first_error = std::make_shared<std::error_code>();
  impl_->submit(Job{
      [results = std::move(results), first_error](Writer& w) { return record(w, results, *first_error); },
      [first_error, done = std::move(done)](std::error_code ec) { done(ec ? ec : *first_error); }});
}

void Store::async_release(std::vector<std::int64_t> ids, Done done) {
  impl_->submit(Job{[ids = std::move(ids)](Writer& w) { return release(w, ids); },
                    [done = std::move(done)](std::error_code ec) { done(ec); }});
}

void Store::async_cancel(std::int64_t id, std::function<void(std::error_code, CancelResult)> done) {
  auto result = std::make_shared<CancelResult>(CancelResult::not_found);
  impl_->submit(Job{[id, result](Writer& w) { return cancel(w, id, *result); },
                    [result, done = std::move(done)](std::error_code ec) {
                      done(ec, ec ? CancelResult::not_found : *result);
                    }});
}

void Store::async_delivery_report(DeliveryReport report, std::function<void(std::error_code, bool)> done) {
  auto found = std::make_shared<bool>(false);
  impl_->submit(Job{[report = std::move(report), found](Writer& w) { return delivery_report(w, report, *found); },
                    [found, done = std::move(done)](std::error_code ec) { done(ec, !ec && *found); }});
}

void Store::flush() {
  std::promise<void> flushed;
  auto future = flushed.get_future();
  impl_->submit(Job{nullptr, [&flushed](std::error_code) { flushed.set_value(); }});
  future.wait();
}

Store::Stats Store::stats() const {
  return Stats{impl_->commits_.load(std::memory_order_relaxed), impl_->jobs_.load(std::memory_order_relaxed),
               impl_->read_statements_.load(std::memory_order_relaxed)};
}

std::optional<MessageRow> Store::get_message(std::int64_t id) {
  return impl_->read<std::optional<MessageRow>>("get_message", std::nullopt, [&]() -> std::optional<MessageRow> {
    static const std::string sql = "SELECT " + kMessageColumns + " FROM messages WHERE id = ?";
    Use s(impl_->read_stmt(sql));
    s->bind(1, id);
    if (!s->executeStep()) return std::nullopt;
    return message_of(*s);
  });
}

std::vector<AttemptRow> Store::get_attempts(std::int64_t message_id) {
  return impl_->read<std::vector<AttemptRow>>("get_attempts", {}, [&] {
    Use s(impl_->read_stmt("SELECT at, carrier, outcome, error FROM attempts WHERE message_id = ? ORDER BY at, id"));
    s->bind(1, message_id);
    std::vector<AttemptRow> rows;
    while (s->executeStep()) {
      rows.push_back(AttemptRow{s->getColumn(0).getInt64(), text_of(s->getColumn(1)),
                                text_of(s->getColumn(2)), text_of(s->getColumn(3))});
    }
    return rows;
  });
}

MessagePage Store::list_messages(const MessageFilter& filter) {
  return impl_->read<MessagePage>("list_messages", {}, [&] {
    const int limit = std::clamp(filter.limit, 1, 1000);
    // At most 16 shapes of this query, each prepared once; values are always bound.
    std::string sql = "SELECT " + kMessageColumns + " FROM messages WHERE 1";
    if (filter.status) sql += " AND status = ?";
    if (filter.batch_id) sql += " AND batch_id = ?";
    if (filter.to) sql += " AND recipient = ?";
    if (filter.before_id) sql += " AND id < ?";
    sql += " ORDER BY id DESC LIMIT ?";
    Use s(impl_->read_stmt(sql));
    int i = 0;
    if (filter.status) s->bind(++i, std::string(to_string(*filter.status)));
    if (filter.batch_id) s->bind(++i, *filter.batch_id);
    if (filter.to) s->bindNoCopy(++i, *filter.to);
    if (filter.before_id) s->bind(++i, *filter.before_id);
    s->bind(++i, limit + 1);  // one extra row tells whether there is a next page
    MessagePage page;
    while (s->executeStep()) {
      if (static_cast<int>(page.messages.size()) == limit) {
        page.next_cursor = page.messages.back().id;
        break;
      }
      page.messages.push_back(message_of(*s));
    }
    return page;
  });
}

std::optional<BatchSummary> Store::get_batch(std::int64_t id) {
  return impl_->read<std::optional<BatchSummary>>("get_batch", std::nullopt, [&]() -> std::optional<BatchSummary> {
    BatchSummary b;
    {
      Use s(impl_->read_stmt("SELECT source, created_at, count FROM batches WHERE id = ?"));
      s->bind(1, id);
      if (!s->executeStep()) return std::nullopt;
      b.id = id;
      b.source = text_of(s->getColumn(0));
      b.created_at = s->getColumn(1).getInt64();
      b.total = s->getColumn(2).getInt64();
    }
    b.by_status = zero_counts();
    {
      Use s(impl_->read_stmt("SELECT status, COUNT(*) FROM messages WHERE batch_id = ? GROUP BY status"));
      s->bind(1, id);
      while (s->executeStep()) {
        if (auto st = parse_status(text_of(s->getColumn(0)))) b.by_status[*st] = s->getColumn(1).getInt64();
      }
    }
    Use s(impl_->read_stmt("SELECT reason, COUNT(*) FROM batch_skips WHERE batch_id = ? GROUP BY reason"));
    s->bind(1, id);
    while (s->executeStep()) {
      const std::int64_t n = s->getColumn(1).getInt64();
      b.skipped_by_reason[text_of(s->getColumn(0))] = n;
      b.skipped += n;
    }
    return b;
  });
}

std::map<Status, std::int64_t> Store::count_by_status() {
  return impl_->read<std::map<Status, std::int64_t>>("count_by_status", zero_counts(), [&] {
    auto counts = zero_counts();
    Use s(impl_->read_stmt("SELECT status, COUNT(*) FROM messages GROUP BY status"));
    while (s->executeStep()) {
      if (auto st = parse_status(text_of(s->getColumn(0)))) counts[*st] = s->getColumn(1).getInt64();
    }
    return counts;
  });
}

namespace {

// Earliest next_attempt_at of queued messages: one index probe per priority (a MIN() over both
// priorities could not use messages_claim's order).
std::optional<UnixMs> earliest_queued(SQLite::Statement& s) {
  std::optional<UnixMs> earliest;
  for (Priority p : {Priority::urgent, Priority::normal}) {
    s.bind(1, static_cast<int>(p));
    if (s.executeStep()) {
      const UnixMs t = s.getColumn(0).getInt64();
      if (!earliest || t < *earliest) earliest = t;
    }
    s.reset();
  }
  return earliest;
}

const std::string kEarliestQueued =
    "SELECT next_attempt_at FROM messages WHERE status = 'queued' AND priority = ? "
    "ORDER BY next_attempt_at LIMIT 1";

}  // namespace

std::optional<UnixMs> Store::next_due_at() {
  return impl_->read<std::optional<UnixMs>>("next_due_at", std::nullopt, [&] {
    std::optional<UnixMs> due;
    {
      Use s(impl_->read_stmt(kEarliestQueued));
      due = earliest_queued(*s);
    }
    Use s(impl_->read_stmt("SELECT lease_until FROM messages INDEXED BY messages_lease WHERE status = 'sending' "
                           "ORDER BY lease_until LIMIT 1"));
    if (s->executeStep() && !s->getColumn(0).isNull()) {
      // A lease is reclaimable once lease_until < now, i.e. one millisecond after it.
      const UnixMs reclaim = s->getColumn(0).getInt64() + 1;
      if (!due || reclaim < *due) due = reclaim;
    }
    return due;
  });
}

std::optional<UnixMs> Store::oldest_due_since(UnixMs now) {
  return impl_->read<std::optional<UnixMs>>("oldest_due_since", std::nullopt, [&]() -> std::optional<UnixMs> {
    Use s(impl_->read_stmt(kEarliestQueued));
    const auto earliest = earliest_queued(*s);
    if (earliest && *earliest <= now) return earliest;
    return std::nullopt;
  });
}

bool Store::writable() {
  if (impl_->last_commit_ok_.load()) return true;
  // Rewriting user_version with its own value dirties the header page, so the probe is a real
  // commit with an fsync, and changes nothing.
  static const std::string probe = "PRAGMA user_version = " + std::to_string(schema_version());
  auto ok = std::make_shared<std::promise<bool>>();
  auto answer = ok->get_future();
  impl_->submit(Job{[](Writer& w) { return w.exec(probe.c_str()); },
                    [ok](std::error_code ec) { ok->set_value(!ec); }});
  if (answer.wait_for(kProbeTimeout) != std::future_status::ready) return false;
  return answer.get();
}

bool Store::last_commit_ok() const noexcept { return impl_->last_commit_ok_.load(); }

Store::DiskUsage Store::disk_usage() const {
  DiskUsage usage;
  for (const char* suffix : {"", "-wal"}) {
    struct stat st {};
    if (::stat((impl_->path_ + suffix).c_str(), &st) == 0)
      usage.database_bytes += static_cast<std::uint64_t>(st.st_size);
  }
  // statvfs on the database file itself: the file system it lives on, wherever it is mounted.
  struct statvfs fs {};
  if (::statvfs(impl_->path_.c_str(), &fs) == 0)
    usage.free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * static_cast<std::uint64_t>(fs.f_frsize);
  return usage;
}

}  // namespace smsgw::store
