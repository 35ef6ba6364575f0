#include "store/store.hpp"

#include <nlohmann/json.hpp>

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
    "next_attempt_at, attempts, carrier, carrier_message_id, last_error, created_at, updated_at, "
    "carrier_batch_id";

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
  m.carrier_batch_id = text_of(s.getColumn(16));
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
namespace {

constexpr const char* kInsertMessage =
    "INSERT INTO messages (id, batch_id, recipient, text, segments, status, priority, send_at, "
    "expires_at, next_attempt_at, attempts, created_at, updated_at, signature, template, "
    "carrier_calls) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)";

constexpr const char* kCountToday =
    "SELECT COUNT(*) FROM messages WHERE recipient = ? AND created_at >= ? AND status != 'cancelled'";

void insert_message(SQLite::Statement& ins, const NewBatch& batch, const NewMessage& m, UnixMs now) {
  const UnixMs send_at = m.send_at != 0 ? m.send_at : now;
  ins.bind(1, m.id);
  ins.bind(2, batch.id);
  ins.bindNoCopy(3, m.to);
  ins.bindNoCopy(4, m.text);
  ins.bind(5, m.segments);
  ins.bind(6, static_cast<int>(m.priority));
  ins.bind(7, send_at);
  bind_optional(ins, 8, m.expires_at);
  ins.bind(9, send_at);
  ins.bind(10, now);
  ins.bind(11, now);
  ins.bindNoCopy(12, batch.signature);
  bind_text_or_null(ins, 13, batch.template_name);
  bind_text_or_null(ins, 14, m.carrier_calls);
  ins.exec();
  ins.reset();
}

// True when the daily cap leaves no room for another message to `to`. Counted in the writer's
// transaction: every send committed before (in this group or an earlier one) is visible, so no
// two sends can both take a phone's last slot. A failing read throws and fails the batch: the
// cap fails closed.
bool over_daily_cap(SQLite::Statement& count, const DailyCap& cap, const std::string& to) {
  count.bindNoCopy(1, to);
  count.bind(2, cap.since);
  const std::int64_t n = count.executeStep() ? count.getColumn(0).getInt64() : 0;
  count.reset();
  return n >= cap.cap;
}

void insert_batch_row(Writer& w, const NewBatch& batch, UnixMs now, std::size_t count) {
  Use ins(w.stmt("INSERT INTO batches (id, source, created_at, count) VALUES (?, ?, ?, ?)"));
  ins->bind(1, batch.id);
  ins->bindNoCopy(2, batch.source);
  ins->bind(3, now);
  ins->bind(4, static_cast<std::int64_t>(count));
  ins->exec();
}

// A streamed batch: each message is rendered, checked against the cap and inserted in turn,
// through one reused NewMessage, so the batch never exists in memory as a whole.
void insert_streamed(Writer& w, NewBatch& batch, UnixMs now) {
  insert_batch_row(w, batch, now, batch.stream->size());
  const bool capped = batch.daily_cap.cap > 0;
  std::optional<Use> count;
  if (capped) count.emplace(w.stmt(kCountToday));
  Use ins(w.stmt(kInsertMessage));
  NewMessage m = batch.common;
  std::size_t stored = 0;
  for (std::size_t i = 0; i < batch.stream->size(); ++i) {
    batch.stream->get(i, m);
    if (capped && over_daily_cap(**count, batch.daily_cap, m.to)) {
      batch.skips.push_back({m.to, "daily_cap"});
      continue;
    }
    m.id = batch.common.id + static_cast<std::int64_t>(i);
    insert_message(*ins, batch, m, now);
    ++stored;
  }
  batch.streamed = stored;
  if (stored != batch.stream->size()) {
    Use up(w.stmt("UPDATE batches SET count = ? WHERE id = ?"));
    up->bind(1, static_cast<std::int64_t>(stored));
    up->bind(2, batch.id);
    up->exec();
  }
}

}  // namespace

void insert_batch(Writer& w, NewBatch& batch, UnixMs now) {
  if (batch.stream) {
    insert_streamed(w, batch, now);
  } else {
    if (batch.daily_cap.cap > 0 && !batch.messages.empty()) {
      Use count(w.stmt(kCountToday));
      std::vector<NewMessage> kept;
      kept.reserve(batch.messages.size());
      for (NewMessage& m : batch.messages) {
        if (over_daily_cap(*count, batch.daily_cap, m.to)) {
          batch.skips.push_back({std::move(m.to), "daily_cap"});
        } else {
          kept.push_back(std::move(m));
        }
      }
      batch.messages = std::move(kept);
    }
    insert_batch_row(w, batch, now, batch.messages.size());
    Use ins(w.stmt(kInsertMessage));
    for (const NewMessage& m : batch.messages) insert_message(*ins, batch, m, now);
  }
  if (!batch.groups.empty()) {
    Use ins(w.stmt("INSERT OR IGNORE INTO batch_groups (batch_id, group_name) VALUES (?, ?)"));
    for (const std::string& group : batch.groups) {
      ins->bind(1, batch.id);
      ins->bindNoCopy(2, group);
      ins->exec();
      ins->reset();
    }
  }
  if (batch.confirm) write_confirm(w, batch.id, *batch.confirm);
  if (batch.sample) {
    Use ins(w.stmt("INSERT INTO batch_samples (batch_id, seed, size, population) VALUES (?, ?, ?, ?)"));
    ins->bind(1, batch.id);
    ins->bindNoCopy(2, batch.sample->seed);
    ins->bind(3, batch.sample->size);
    ins->bind(4, batch.sample->population);
    ins->exec();
    Use who(w.stmt("INSERT INTO batch_drawn (batch_id, pos, phone, name, unit) VALUES (?, ?, ?, ?, ?)"));
    std::int64_t pos = 0;
    for (const SampleSpec::Drawn& d : batch.sample->drawn) {
      who->bind(1, batch.id);
      who->bind(2, pos++);
      who->bindNoCopy(3, d.phone);
      who->bindNoCopy(4, d.name);
      who->bindNoCopy(5, d.unit);
      who->exec();
      who->reset();
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
  if (batch.audit) {
    // A person's (or an administrator's) send: the batch, with what it holds, not every number.
    batch.audit->object_kind = "batch";
    batch.audit->object_id = std::to_string(batch.id);
    nlohmann::json detail = {{"messages", batch.message_count()}, {"skipped", batch.skips.size()}};
    if (!batch.template_name.empty()) detail["template"] = batch.template_name;
    if (batch.sample) {
      detail["sample"] = {{"seed", batch.sample->seed}, {"size", batch.sample->size},
                          {"population", batch.sample->population}};
    }
    batch.audit->detail = detail.dump();
    if (batch.audit->at == 0) batch.audit->at = now;
    write_audit(w, *batch.audit, std::nullopt, std::nullopt);
  }
}

}  // namespace detail

namespace {

// --- job bodies: run on the writer thread inside the job's SAVEPOINT; throwing or returning an
// error rolls back just that job ---

std::error_code enqueue(Writer& w, NewBatch& batch, const std::optional<IdempotencyKey>& key,
                        const ResponseRenderer& render, EnqueueResult& out) {
  const UnixMs now = batch.created_at != 0 ? batch.created_at : w.now();
  if (key) {
    Use find(w.stmt("SELECT request_hash, response FROM idempotency_keys WHERE token = ? AND key = ?"));
    find->bindNoCopy(1, key->token);
    find->bindNoCopy(2, key->key);
    if (find->executeStep()) {
      if (text_of(find->getColumn(0)) == key->request_hash) {
        out.kind = EnqueueResult::Kind::replayed;
        out.response = text_of(find->getColumn(1));
      } else {
        out.kind = EnqueueResult::Kind::conflict;
      }
      return {};
    }
  }
  if (batch.approval) {
    // Approved and queued together: a request decided meanwhile (or expired) queues nothing.
    batch.approval->object_id = std::to_string(batch.id);
    if (decide_approval(w, *batch.approval) != WriteResult::ok) {
      out.kind = EnqueueResult::Kind::conflict;
      return {};
    }
    if (batch.approval_audit) write_audit(w, *batch.approval_audit, std::nullopt, std::nullopt);
  }
  insert_batch(w, batch, now);
  out.count = static_cast<std::int64_t>(batch.message_count());
  out.response = render ? render(batch) : std::string();
  if (key) {
    Use ins(w.stmt(
        "INSERT INTO idempotency_keys (token, key, request_hash, response, created_at) "
        "VALUES (?, ?, ?, ?, ?)"));
    ins->bindNoCopy(1, key->token);
    ins->bindNoCopy(2, key->key);
    ins->bindNoCopy(3, key->request_hash);
    ins->bindNoCopy(4, out.response);
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
    if (!s.getColumn(7).isNull()) m.signature = s.getColumn(7).getString();
    m.template_name = text_of(s.getColumn(8));
    m.carrier_calls = text_of(s.getColumn(9));
    out.push_back(std::move(m));
  }
}

std::error_code claim(Writer& w, UnixMs now, UnixMs lease_until, int limit, std::int64_t owner,
                      std::vector<ClaimedMessage>& out) {
  out.clear();
  if (limit <= 0) return {};
  // One query per priority: each is a range scan of messages_claim that stops at `now`, so
  // messages scheduled for the future are never read.
  const char* const due_sql =
      "SELECT id, recipient, text, segments, priority, attempts, expires_at, signature, template, "
      "carrier_calls FROM messages "
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
        // A lease that ran out while its owner still has the message in flight stays with that
        // owner: only a dead dispatcher's leases are taken over.
        "SELECT id, recipient, text, segments, priority, attempts, expires_at, signature, template, "
      "carrier_calls FROM messages "
        "INDEXED BY messages_lease WHERE status = 'sending' AND lease_until < ? "
        "AND (lease_owner IS NULL OR lease_owner != ?) ORDER BY lease_until LIMIT ?"));
    lost->bind(1, now);
    lost->bind(2, owner);
    lost->bind(3, room());
    read_claimable(*lost, out);
  }
  if (room() > 0) {
    Use due(w.stmt(due_sql));
    due->bind(1, static_cast<int>(Priority::normal));
    due->bind(2, now);
    due->bind(3, room());
    read_claimable(*due, out);
  }
  Use mark(w.stmt(
      "UPDATE messages SET status = 'sending', lease_until = ?, lease_owner = ?, updated_at = ? "
      "WHERE id = ?"));
  for (const ClaimedMessage& m : out) {
    mark->bind(1, lease_until);
    mark->bind(2, owner);
    mark->bind(3, now);
    mark->bind(4, m.id);
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

void apply_pending_report(Writer& w, std::int64_t message_id, const std::string& carrier,
                          const std::string& carrier_message_id, int part, UnixMs sent_at);

// False when the message does not exist (nothing is written for it).
bool record_one(Writer& w, const AttemptResult& r) {
  const UnixMs at = r.at != 0 ? r.at : w.now();
  const bool carrier_called = !r.carrier.empty();
  if (carrier_called) {
    // The attempt happened whatever state the message is in now, so its row is always written;
    // for an id that names no message, nothing is (the foreign key would refuse it anyway).
    Use ins(w.stmt("INSERT INTO attempts (message_id, at, carrier, outcome, error) "
                   "SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?1)"));
    ins->bind(1, r.id);
    ins->bind(2, at);
    ins->bindNoCopy(3, r.carrier);
    if (r.outcome.empty()) {
      ins->bindNoCopy(4, default_outcome(r.next));
    } else {
      ins->bindNoCopy(4, r.outcome);
    }
    bind_text_or_null(*ins, 5, r.error);
    if (ins->exec() == 0) return false;
  }
  // Every update requires status 'sending' and this owner's lease: a message that left it
  // meanwhile (cancelled, or taken over by another dispatcher after its lease ran out) keeps
  // its state.
  switch (r.next) {
    case AttemptResult::Next::sent: {
      // A reference, not a copy: the statement binds without copying until it runs.
      static const std::string kNone;
      const std::string& first =
          r.carrier_message_ids.empty() ? kNone : r.carrier_message_ids.front();
      Use up(w.stmt(
          "UPDATE messages SET status = 'sent', carrier = ?, carrier_message_id = ?, "
          "carrier_batch_id = ?, attempts = attempts + 1, lease_until = NULL, "
          "lease_owner = NULL, updated_at = ? WHERE id = ? AND status = 'sending' AND "
          "lease_owner = ?"));
      bind_text_or_null(*up, 1, r.carrier);
      bind_text_or_null(*up, 2, first);
      bind_text_or_null(*up, 3, r.carrier_batch_id);
      up->bind(4, at);
      up->bind(5, r.id);
      up->bind(6, r.owner);
      if (up->exec() == 0 || r.carrier.empty()) break;
      // The references delivery reports will name this message by.
      auto add_ref = [&](const std::string& ref, int part) {
        Use ins(w.stmt(
            "INSERT OR REPLACE INTO carrier_refs (carrier, ref, message_id, part) VALUES (?, ?, ?, ?)"));
        ins->bindNoCopy(1, r.carrier);
        ins->bindNoCopy(2, ref);
        ins->bind(3, r.id);
        ins->bind(4, part);
        ins->exec();
      };
      // Each segment's id is a part of its own: the message is delivered when all are. Every
      // reference is written before any early report is applied, so that report counts them.
      const bool segmented = r.carrier_message_ids.size() > 1;
      int part = 0;
      for (const auto& id : r.carrier_message_ids) {
        ++part;
        if (!id.empty()) add_ref(id, segmented ? part : 0);
      }
      const std::string batch_ref =
          !r.carrier_batch_id.empty() && !r.to.empty() ? r.carrier_batch_id + ' ' + r.to : std::string();
      if (!batch_ref.empty()) add_ref(batch_ref, 0);
      if (w.pending_reports > 0) {
        part = 0;
        for (const auto& id : r.carrier_message_ids) {
          ++part;
          if (!id.empty()) apply_pending_report(w, r.id, r.carrier, id, segmented ? part : 0, at);
        }
        if (!batch_ref.empty()) apply_pending_report(w, r.id, r.carrier, batch_ref, 0, at);
      }
      break;
    }
    case AttemptResult::Next::retry: {
      Use up(w.stmt(
          "UPDATE messages SET status = 'queued', next_attempt_at = ?, attempts = attempts + 1, "
          "last_error = ?, carrier = COALESCE(?, carrier), lease_until = NULL, "
          "lease_owner = NULL, updated_at = ? WHERE id = ? AND status = 'sending' AND lease_owner = ?"));
      up->bind(1, r.next_attempt_at);
      bind_text_or_null(*up, 2, r.error);
      bind_text_or_null(*up, 3, r.carrier);
      up->bind(4, at);
      up->bind(5, r.id);
      up->bind(6, r.owner);
      up->exec();
      break;
    }
    case AttemptResult::Next::failed:
    case AttemptResult::Next::expired: {
      Use up(w.stmt(
          "UPDATE messages SET status = ?, attempts = attempts + ?, "
          "last_error = COALESCE(?, last_error), carrier = COALESCE(?, carrier), "
          "lease_until = NULL, lease_owner = NULL, updated_at = ? "
          "WHERE id = ? AND status = 'sending' AND lease_owner = ?"));
      up->bindNoCopy(1, r.next == AttemptResult::Next::failed ? "failed" : "expired");
      up->bind(2, carrier_called ? 1 : 0);
      bind_text_or_null(*up, 3, r.error);
      bind_text_or_null(*up, 4, r.carrier);
      up->bind(5, at);
      up->bind(6, r.id);
      up->bind(7, r.owner);
      up->exec();
      break;
    }
  }
  return true;
}

// A result naming no message fails alone: record_one writes nothing for it, and the first such
// error is reported through `first_error` (as the foreign-key error it is). Any SQLite error
// fails the whole job, whose savepoint undoes it; the dispatcher's leases bring the messages
// back. No savepoint per result: releasing one costs the pager a walk over the group's pages,
// a fifth of the writer's time at 30,000 results/s (carrier_bench, issue 10).
std::error_code record(Writer& w, const std::vector<AttemptResult>& results, std::error_code& first_error) {
  for (const AttemptResult& r : results) {
    try {
      if (!record_one(w, r) && !first_error) first_error = sqlite_error(SQLITE_CONSTRAINT_FOREIGNKEY);
    } catch (const SQLite::Exception& e) {
      return sqlite_error(e);
    }
  }
  return {};
}

std::error_code release(Writer& w, const std::vector<std::int64_t>& ids, std::int64_t owner) {
  const UnixMs now = w.now();
  Use up(w.stmt(
      "UPDATE messages SET status = 'queued', lease_until = NULL, lease_owner = NULL, "
      "updated_at = ? WHERE id = ? AND status = 'sending' AND lease_owner = ?"));
  for (std::int64_t id : ids) {
    up->bind(1, now);
    up->bind(2, id);
    up->bind(3, owner);
    up->exec();
    up->reset();
  }
  return {};
}

std::error_code renew(Writer& w, const std::vector<std::int64_t>& ids, UnixMs lease_until,
                      std::int64_t owner) {
  Use up(w.stmt(
      "UPDATE messages SET lease_until = ? WHERE id = ? AND status = 'sending' AND lease_owner = ?"));
  for (std::int64_t id : ids) {
    up->bind(1, lease_until);
    up->bind(2, id);
    up->bind(3, owner);
    up->exec();
    up->reset();
  }
  return {};
}

std::error_code cancel(Writer& w, std::int64_t id, CancelResult& out) {
  {
    Use up(w.stmt("UPDATE messages SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'queued'"));
    up->bind(1, w.now());
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

// Applies a report to message `id` in status `status`; true if it changed the message.
bool apply_report(Writer& w, std::int64_t id, const std::string& status, const std::string& carrier,
                  bool delivered, const std::string& error, UnixMs at) {
  // A message already final got this report before (carriers resend): nothing changes.
  if (status != "sent" && status != "sending") return false;
  {
    Use up(w.stmt(
        "UPDATE messages SET status = ?, last_error = COALESCE(?, last_error), lease_until = NULL, "
        "lease_owner = NULL, updated_at = ? WHERE id = ?"));
    up->bindNoCopy(1, delivered ? "delivered" : "failed");
    if (delivered) {
      up->bind(2);
    } else {
      up->bind(2, error.empty() ? std::string("undelivered") : error);
    }
    up->bind(3, at);
    up->bind(4, id);
    up->exec();
  }
  Use ins(w.stmt("INSERT INTO attempts (message_id, at, carrier, outcome, error) VALUES (?, ?, ?, ?, ?)"));
  ins->bind(1, id);
  ins->bind(2, at);
  ins->bindNoCopy(3, carrier);
  ins->bindNoCopy(4, delivered ? "delivered" : "undelivered");
  bind_text_or_null(*ins, 5, error);
  ins->exec();
  return true;
}

// Applies a report that named message `id` (in `status`) by one of its references. A
// reference of a whole message applies at once. A segment's sets that segment's state: any
// failed segment fails the message, and the last segment delivered delivers it.
ReportResult apply_ref_report(Writer& w, std::int64_t id, const std::string& status, const std::string& carrier,
                              const std::string& ref, int part, bool segment_reported, bool delivered,
                              const std::string& error, UnixMs at) {
  if (status != "sent" && status != "sending") return ReportResult::duplicate;
  if (part == 0) {
    return apply_report(w, id, status, carrier, delivered, error, at) ? ReportResult::applied
                                                                       : ReportResult::duplicate;
  }
  if (segment_reported) return ReportResult::duplicate;  // carriers resend reports
  {
    Use up(w.stmt("UPDATE carrier_refs SET state = ? WHERE carrier = ? AND ref = ?"));
    up->bind(1, delivered ? 1 : 0);
    up->bindNoCopy(2, carrier);
    up->bindNoCopy(3, ref);
    up->exec();
  }
  if (!delivered) {
    const std::string which = "part " + std::to_string(part) + (error.empty() ? std::string(": undelivered") : ": " + error);
    apply_report(w, id, status, carrier, false, which, at);
    return ReportResult::applied;
  }
  {
    Use left(w.stmt(
        "SELECT COUNT(*) FROM carrier_refs WHERE message_id = ? AND carrier = ? AND part > 0 AND "
        "(state IS NULL OR state != 1)"));
    left->bind(1, id);
    left->bindNoCopy(2, carrier);
    left->executeStep();
    if (left->getColumn(0).getInt64() > 0) return ReportResult::applied;  // more segments to come
  }
  apply_report(w, id, status, carrier, true, error, at);
  return ReportResult::applied;
}

void apply_pending_report(Writer& w, std::int64_t message_id, const std::string& carrier,
                          const std::string& carrier_message_id, int part, UnixMs sent_at) {
  bool delivered = false;
  std::string error;
  UnixMs received = 0;
  std::int64_t group = 0;
  {
    Use find(w.stmt(
        "SELECT COALESCE(report_group, id), delivered, error, received_at FROM pending_reports "
        "WHERE carrier = ? AND carrier_message_id = ? ORDER BY id LIMIT 1"));
    find->bindNoCopy(1, carrier);
    find->bindNoCopy(2, carrier_message_id);
    if (!find->executeStep()) return;
    group = find->getColumn(0).getInt64();
    delivered = find->getColumn(1).getInt() != 0;
    error = text_of(find->getColumn(2));
    received = find->getColumn(3).getInt64();
  }
  // Another early report of the same record (an earlier segment's) may have finished it.
  std::string status;
  {
    Use find(w.stmt("SELECT status FROM messages WHERE id = ?"));
    find->bind(1, message_id);
    if (find->executeStep()) status = text_of(find->getColumn(0));
  }
  // In the history the report follows the send, even though it arrived first.
  apply_ref_report(w, message_id, status, carrier, carrier_message_id, part, false, delivered, error,
                   std::max(received, sent_at));
  // The report's rows under this id and under its other forms go together.
  Use del(w.stmt(
      "DELETE FROM pending_reports WHERE carrier = ?1 AND (carrier_message_id = ?2 OR id = ?3 OR "
      "report_group = ?3)"));
  del->bindNoCopy(1, carrier);
  del->bindNoCopy(2, carrier_message_id);
  del->bind(3, group);
  w.pending_reports -= del->exec();
}

std::error_code delivery_report(Writer& w, const DeliveryReport& report, ReportResult& result) {
  result = ReportResult::full;
  std::string ref = report.carrier_message_id;
  if (ref.empty() && !report.carrier_batch_id.empty() && !report.number.empty()) {
    ref = report.carrier_batch_id + ' ' + report.number;
  }
  if (report.carrier.empty() || ref.empty()) return {};
  const UnixMs at = report.at != 0 ? report.at : w.now();
  // The id as the carrier wrote it first, then its other forms (SMPP hex / decimal).
  std::vector<const std::string*> refs{&ref};
  if (!report.carrier_message_id.empty()) {
    for (const auto& form : report.carrier_message_id_forms) {
      if (!form.empty()) refs.push_back(&form);
    }
  }
  for (const std::string* candidate : refs) {
    Use find(w.stmt(
        "SELECT m.id, m.status, r.part, r.state IS NOT NULL FROM carrier_refs r "
        "JOIN messages m ON m.id = r.message_id WHERE r.carrier = ? AND r.ref = ?"));
    find->bindNoCopy(1, report.carrier);
    find->bindNoCopy(2, *candidate);
    if (!find->executeStep()) continue;
    const std::int64_t id = find->getColumn(0).getInt64();
    const std::string status = text_of(find->getColumn(1));
    const int part = find->getColumn(2).getInt();
    const bool reported = find->getColumn(3).getInt() != 0;
    find->reset();
    result = apply_ref_report(w, id, status, report.carrier, *candidate, part, reported, report.delivered,
                              report.error, at);
    return {};
  }
  // The report overtook the record of its send (the carrier answered the send, then pushed the
  // report before our commit): keep it for that record, under every form of its id.
  if (w.pending_reports + static_cast<std::int64_t>(refs.size()) >
      static_cast<std::int64_t>(w.max_pending_reports)) {
    return {};
  }
  std::int64_t group = 0;
  for (const std::string* candidate : refs) {
    Use ins(w.stmt(
        "INSERT INTO pending_reports (carrier, carrier_message_id, delivered, error, received_at, "
        "report_group) VALUES (?, ?, ?, ?, ?, ?)"));
    ins->bindNoCopy(1, report.carrier);
    ins->bindNoCopy(2, *candidate);
    ins->bind(3, report.delivered ? 1 : 0);
    bind_text_or_null(*ins, 4, report.error);
    ins->bind(5, at);
    if (group == 0) {
      ins->bind(6);
    } else {
      ins->bind(6, group);
    }
    ins->exec();
    if (group == 0) group = w.db.getLastInsertRowid();
    ++w.pending_reports;
  }
  result = ReportResult::kept;
  return {};
}

// Deletes up to `batch` rows selected by `select_sql` (one bound parameter: the cutoff; one:
// the limit) with `delete_sql` (one bound parameter: the key).
std::error_code prune(Writer& w, const PruneRequest& req, PruneCounts& out) {
  const int batch = std::max(1, req.batch);
  out = PruneCounts{};
  out.last_message_id = req.after_id;
  if (req.messages_before) {
    // Ids grow with creation time, so an id-ordered scan reaches the young messages last and
    // stops there; queued and sending messages are stepped over, never touched.
    std::vector<std::int64_t> ids;
    bool young = false;
    int scanned = 0;
    {
      Use scan(w.stmt("SELECT id, status, created_at FROM messages WHERE id > ? ORDER BY id LIMIT ?"));
      scan->bind(1, req.after_id);
      scan->bind(2, batch);
      while (scan->executeStep()) {
        ++scanned;
        const std::int64_t id = scan->getColumn(0).getInt64();
        if (scan->getColumn(2).getInt64() >= *req.messages_before) {
          young = true;
          break;
        }
        out.last_message_id = id;
        const std::string status = text_of(scan->getColumn(1));
        if (status != "queued" && status != "sending") ids.push_back(id);
      }
    }
    Use del_attempts(w.stmt("DELETE FROM attempts WHERE message_id = ?"));
    Use del_refs(w.stmt("DELETE FROM carrier_refs WHERE message_id = ?"));
    Use del_message(w.stmt("DELETE FROM messages WHERE id = ?"));
    for (std::int64_t id : ids) {
      del_attempts->bind(1, id);
      out.attempts += del_attempts->exec();
      del_attempts->reset();
      del_refs->bind(1, id);
      del_refs->exec();
      del_refs->reset();
      del_message->bind(1, id);
      out.messages += del_message->exec();
      del_message->reset();
    }
    out.more = out.more || (!young && scanned == batch);
    // Batches whose messages are all gone (and old enough), with their skips: scanned in id
    // order like the messages (ids grow with time), from their own cursor.
    std::vector<std::int64_t> batches;
    bool young_batch = false;
    int batches_scanned = 0;
    out.last_batch_id = req.after_batch_id;
    {
      Use scan(w.stmt("SELECT id, created_at FROM batches WHERE id > ? ORDER BY id LIMIT ?"));
      scan->bind(1, req.after_batch_id);
      scan->bind(2, batch);
      Use busy(w.stmt("SELECT 1 FROM messages WHERE batch_id = ? LIMIT 1"));
      while (scan->executeStep()) {
        ++batches_scanned;
        const std::int64_t id = scan->getColumn(0).getInt64();
        if (scan->getColumn(1).getInt64() >= *req.messages_before) {
          young_batch = true;
          break;
        }
        // A batch whose messages are not all gone yet is looked at again next round.
        busy->bind(1, id);
        const bool has_messages = busy->executeStep();
        busy->reset();
        if (!has_messages) batches.push_back(id);
        out.last_batch_id = id;
      }
    }
    Use del_skips(w.stmt("DELETE FROM batch_skips WHERE batch_id = ?"));
    Use del_groups(w.stmt("DELETE FROM batch_groups WHERE batch_id = ?"));
    Use del_batch(w.stmt("DELETE FROM batches WHERE id = ?"));
    for (std::int64_t id : batches) {
      del_skips->bind(1, id);
      del_skips->exec();
      del_skips->reset();
      del_groups->bind(1, id);
      del_groups->exec();
      del_groups->reset();
      del_batch->bind(1, id);
      out.batches += del_batch->exec();
      del_batch->reset();
    }
    out.more = out.more || (!young_batch && batches_scanned == batch);
  }
  if (req.keys_before) {
    Use del(w.stmt(
        "DELETE FROM idempotency_keys WHERE (token, key) IN (SELECT token, key FROM "
        "idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)"));
    del->bind(1, *req.keys_before);
    del->bind(2, batch);
    out.idempotency_keys = del->exec();
    out.more = out.more || out.idempotency_keys == batch;
  }
  if (req.reports_before && w.pending_reports > 0) {
    Use del(w.stmt(
        "DELETE FROM pending_reports WHERE id IN (SELECT id FROM pending_reports "
        "WHERE received_at < ? ORDER BY id LIMIT ?)"));
    del->bind(1, *req.reports_before);
    del->bind(2, batch);
    out.pending_reports = del->exec();
    w.pending_reports -= out.pending_reports;
    out.more = out.more || out.pending_reports == batch;
  }
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

void Store::async_enqueue(NewBatch batch, std::optional<IdempotencyKey> key, ResponseRenderer render,
                          std::function<void(std::error_code, EnqueueResult)> done) {
  auto result = std::make_shared<EnqueueResult>();
  // mutable: the daily cap moves messages of the batch to its skips inside the job.
  impl_->submit(Job{
      [batch = std::move(batch), key = std::move(key), render = std::move(render),
       result](Writer& w) mutable { return enqueue(w, batch, key, render, *result); },
      [result, done = std::move(done)](std::error_code ec) {
        done(ec, ec ? EnqueueResult{} : std::move(*result));
      },
      /*bounded=*/true});
}

void Store::async_claim(UnixMs now, UnixMs lease_until, int limit, std::int64_t owner,
                        std::function<void(std::error_code, std::vector<ClaimedMessage>)> done) {
  auto result = std::make_shared<std::vector<ClaimedMessage>>();
  impl_->submit(Job{
      [now, lease_until, limit, owner, result](Writer& w) {
        return claim(w, now, lease_until, limit, owner, *result);
      },
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

void Store::async_release(std::vector<std::int64_t> ids, std::int64_t owner, Done done) {
  impl_->submit(Job{[ids = std::move(ids), owner](Writer& w) { return release(w, ids, owner); },
                    [done = std::move(done)](std::error_code ec) { done(ec); }});
}

void Store::async_renew(std::vector<std::int64_t> ids, UnixMs lease_until, std::int64_t owner,
                        Done done) {
  impl_->submit(Job{[ids = std::move(ids), lease_until, owner](Writer& w) {
                      return renew(w, ids, lease_until, owner);
                    },
                    [done = std::move(done)](std::error_code ec) { done(ec); }});
}

void Store::async_prune(PruneRequest request,
                        std::function<void(std::error_code, PruneCounts)> done) {
  auto result = std::make_shared<PruneCounts>();
  impl_->submit(Job{[request, result](Writer& w) { return prune(w, request, *result); },
                    [result, done = std::move(done)](std::error_code ec) {
                      done(ec, ec ? PruneCounts{} : *result);
                    }});
}

std::vector<Store::AwaitingReport> Store::awaiting_reports(const std::string& carrier, UnixMs now,
                                                           std::chrono::milliseconds after,
                                                           int max_polls, UnixMs oldest, int limit) {
  return impl_->read<std::vector<AwaitingReport>>("awaiting_reports", {}, [&] {
    // messages_awaiting_report (carrier, updated_at) WHERE status = 'sent' bounds the scan.
    Use s(impl_->read_stmt(
        "SELECT id, recipient, carrier_message_id, carrier_batch_id, updated_at FROM messages "
        "WHERE status = 'sent' AND carrier = ? AND updated_at > ? AND report_polls < ? "
        "AND updated_at + ? * (report_polls + 1) <= ? ORDER BY updated_at LIMIT ?"));
    s->bind(1, carrier);
    s->bind(2, static_cast<std::int64_t>(oldest));
    s->bind(3, max_polls);
    s->bind(4, static_cast<std::int64_t>(after.count()));
    s->bind(5, static_cast<std::int64_t>(now));
    s->bind(6, std::clamp(limit, 1, 1000));
    std::vector<AwaitingReport> rows;
    while (s->executeStep()) {
      rows.push_back(AwaitingReport{s->getColumn(0).getInt64(), text_of(s->getColumn(1)),
                                    text_of(s->getColumn(2)), text_of(s->getColumn(3)),
                                    s->getColumn(4).getInt64()});
    }
    return rows;
  });
}

void Store::async_report_polled(std::vector<std::int64_t> ids, std::function<void(std::error_code)> done) {
  impl_->submit(Job{[ids = std::move(ids)](Writer& w) -> std::error_code {
                      try {
                        for (auto id : ids) {
                          Use s(w.stmt("UPDATE messages SET report_polls = report_polls + 1 "
                                       "WHERE id = ? AND status = 'sent'"));
                          s->bind(1, id);
                          s->exec();
                        }
                        return {};
                      } catch (const SQLite::Exception& e) {
                        return sqlite_error(e);
                      }
                    },
                    [done = std::move(done)](std::error_code ec) { done(ec); },
                    /*bounded=*/true});
}

std::int64_t Store::pending_reports() const noexcept {
  return impl_->pending_reports_.load(std::memory_order_relaxed);
}

void Store::async_cancel(std::int64_t id, std::function<void(std::error_code, CancelResult)> done,
                         Audit audit) {
  auto result = std::make_shared<CancelResult>(CancelResult::not_found);
  impl_->submit(Job{[id, result, audit = std::move(audit)](Writer& w) {
                      auto ec = cancel(w, id, *result);
                      if (!ec && *result == CancelResult::cancelled && audit) {
                        write_audit(w, *audit, std::nullopt, std::nullopt);
                      }
                      return ec;
                    },
                    [result, done = std::move(done)](std::error_code ec) {
                      done(ec, ec ? CancelResult::not_found : *result);
                    },
                    /*bounded=*/true});
}

void Store::async_delivery_report(DeliveryReport report,
                                  std::function<void(std::error_code, ReportResult)> done) {
  auto result = std::make_shared<ReportResult>(ReportResult::full);
  impl_->submit(Job{[report = std::move(report), result](Writer& w) {
                      return delivery_report(w, report, *result);
                    },
                    [result, done = std::move(done)](std::error_code ec) { done(ec, *result); },
                    /*bounded=*/true});
}

void Store::async_delivery_reports(
    std::vector<DeliveryReport> reports,
    std::function<void(std::error_code, std::vector<ReportResult>)> done) {
  auto results = std::make_shared<std::vector<ReportResult>>();
  impl_->submit(Job{[reports = std::move(reports), results](Writer& w) {
                      results->assign(reports.size(), ReportResult::full);
                      for (std::size_t i = 0; i < reports.size(); ++i) {
                        if (auto ec = delivery_report(w, reports[i], (*results)[i])) return ec;
                      }
                      return std::error_code{};
                    },
                    [results, done = std::move(done)](std::error_code ec) {
                      done(ec, ec ? std::vector<ReportResult>{} : std::move(*results));
                    },
                    /*bounded=*/true});
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

std::optional<BatchSummary> Store::get_batch(std::int64_t id, bool count_groups) {
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
    {
      Use s(impl_->read_stmt("SELECT reason, COUNT(*) FROM batch_skips WHERE batch_id = ? GROUP BY reason"));
      s->bind(1, id);
      while (s->executeStep()) {
        const std::int64_t n = s->getColumn(1).getInt64();
        b.skipped_by_reason[text_of(s->getColumn(0))] = n;
        b.skipped += n;
      }
    }
    b.confirm = read_confirm(*impl_, id);
    {
      Use s(impl_->read_stmt("SELECT seed, size, population FROM batch_samples WHERE batch_id = ?"));
      s->bind(1, id);
      if (s->executeStep()) {
        b.sample = SampleSpec{text_of(s->getColumn(0)), s->getColumn(1).getInt64(), s->getColumn(2).getInt64(), {}};
      }
    }
    if (b.sample) {
      Use s(impl_->read_stmt("SELECT phone, name, unit FROM batch_drawn WHERE batch_id = ? ORDER BY pos"));
      s->bind(1, id);
      while (s->executeStep()) {
        b.sample->drawn.push_back({text_of(s->getColumn(0)), text_of(s->getColumn(1)), text_of(s->getColumn(2))});
      }
    }
    if (b.confirm) b.confirmations = count_confirmations(*impl_, id);
    if (!count_groups) return b;
    b.groups_counted = true;
    std::vector<std::string> groups;
    {
      Use s(impl_->read_stmt("SELECT group_name FROM batch_groups WHERE batch_id = ? ORDER BY group_name"));
      s->bind(1, id);
      while (s->executeStep()) groups.push_back(text_of(s->getColumn(0)));
    }
    if (groups.empty()) return b;
    // From the members to their message in this batch: one lookup of messages_recipient_created
    // per member, so a group costs its size, not the batch's.
    Use s(impl_->read_stmt(
        "SELECT m.status, COUNT(*) FROM group_members g JOIN recipients r ON r.id = g.recipient_id "
        "JOIN messages m ON m.recipient = r.phone AND m.batch_id = ? WHERE g.group_name = ? "
        "GROUP BY m.status"));
    for (const std::string& group : groups) {
      auto& counts = b.by_group[group];
      counts = zero_counts();
      s->bind(1, id);
      s->bindNoCopy(2, group);
      while (s->executeStep()) {
        if (auto st = parse_status(text_of(s->getColumn(0)))) counts[*st] = s->getColumn(1).getInt64();
      }
      s->reset();
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

CreatedCounts Store::count_created_since(UnixMs since, UnixMs recent) {
  CreatedCounts empty{zero_counts(), zero_counts()};
  return impl_->read<CreatedCounts>("count_created_since", empty, [&] {
    CreatedCounts out{zero_counts(), zero_counts()};
    // CROSS JOIN keeps batches outermost: without ANALYZE statistics the planner would rather
    // walk every message of messages_claim and look its batch up.
    Use s(impl_->read_stmt(
        "SELECT m.status, b.created_at >= ?, COUNT(*) FROM batches b CROSS JOIN messages m "
        "ON m.batch_id = b.id WHERE b.created_at >= ? GROUP BY 1, 2"));
    s->bind(1, recent);
    s->bind(2, since);
    while (s->executeStep()) {
      auto st = parse_status(text_of(s->getColumn(0)));
      if (!st) continue;
      const std::int64_t n = s->getColumn(2).getInt64();
      out.since[*st] += n;
      if (s->getColumn(1).getInt() != 0) out.recent[*st] += n;
    }
    return out;
  });
}

QueueSummary Store::queue_summary(UnixMs now) {
  return impl_->read<QueueSummary>("queue_summary", {}, [&] {
    QueueSummary q;
    {
      // A range of messages_claim per status; next_attempt_at is in the index too.
      Use s(impl_->read_stmt(
          "SELECT status, next_attempt_at > ?, COUNT(*) FROM messages "
          "WHERE status IN ('queued', 'sending') GROUP BY 1, 2"));
      s->bind(1, now);
      while (s->executeStep()) {
        const std::int64_t n = s->getColumn(2).getInt64();
        if (text_of(s->getColumn(0)) == "sending") {
          q.sending += n;
          continue;
        }
        q.queued += n;
        if (s->getColumn(1).getInt() != 0) q.not_due += n;
      }
    }
    Use s(impl_->read_stmt(kEarliestQueued));
    const auto earliest = earliest_queued(*s);
    if (earliest && *earliest <= now) q.oldest_due = earliest;
    return q;
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

void Store::async_writable(std::function<void(bool)> done) {
  if (impl_->last_commit_ok_.load()) return done(true);
  static const std::string probe = "PRAGMA user_version = " + std::to_string(schema_version());
  impl_->submit(Job{[](Writer& w) { return w.exec(probe.c_str()); },
                    [done = std::move(done)](std::error_code ec) { done(!ec); }});
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
