// The schedule members of Store (see schedules.hpp): schedules, and the run rows that make each
// occurrence fire exactly once.

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "common/time.hpp"
#include "store/store.hpp"
#include "store/store_impl.hpp"

namespace smsgw::store {

using namespace detail;

std::string_view to_string(RunOutcome o) noexcept {
  switch (o) {
    case RunOutcome::fired:
      return "fired";
    case RunOutcome::missed:
      return "missed";
    case RunOutcome::failed:
      return "failed";
  }
  return "failed";
}

std::optional<RunOutcome> parse_run_outcome(std::string_view s) noexcept {
  for (RunOutcome o : {RunOutcome::fired, RunOutcome::missed, RunOutcome::failed})
    if (to_string(o) == s) return o;
  return std::nullopt;
}

namespace {

const std::string kScheduleColumns = "id, name, spec, enabled, source, created_at, updated_at";

ScheduleRow schedule_of(SQLite::Statement& s) {
  ScheduleRow r;
  r.id = s.getColumn(0).getInt64();
  r.name = text_of(s.getColumn(1));
  r.spec_json = text_of(s.getColumn(2));
  r.enabled = s.getColumn(3).getInt() != 0;
  r.source = text_of(s.getColumn(4));
  r.created_at = s.getColumn(5).getInt64();
  r.updated_at = s.getColumn(6).getInt64();
  return r;
}

const std::string kRunColumns =
    "id, schedule_id, occurrence, due_at, at, outcome, caught_up, batch_id, count, error";

ScheduleRun run_of(SQLite::Statement& s) {
  ScheduleRun r;
  r.id = s.getColumn(0).getInt64();
  r.schedule_id = s.getColumn(1).getInt64();
  r.occurrence = text_of(s.getColumn(2));
  r.due_at = s.getColumn(3).getInt64();
  r.at = s.getColumn(4).getInt64();
  // An outcome this binary does not know came from a newer one; "failed" is the safe reading.
  r.outcome = parse_run_outcome(text_of(s.getColumn(5))).value_or(RunOutcome::failed);
  r.caught_up = s.getColumn(6).getInt() != 0;
  r.batch_id = int64_of(s.getColumn(7));
  r.count = s.getColumn(8).getInt64();
  r.error = text_of(s.getColumn(9));
  return r;
}

std::map<RunOutcome, std::int64_t> zero_run_counts() {
  std::map<RunOutcome, std::int64_t> counts;
  for (RunOutcome o : {RunOutcome::fired, RunOutcome::missed, RunOutcome::failed}) counts[o] = 0;
  return counts;
}

// --- job bodies (writer thread, inside the job's SAVEPOINT) ---

std::error_code create_schedule(Writer& w, const ScheduleRow& row, WriteResult& result, std::int64_t& id) {
  // The caller's clock when it has one: the scheduler compares these with its own clock.
  const UnixMs now = row.created_at != 0 ? row.created_at : w.now();
  // DO NOTHING rather than catching the constraint error: only a name clash is a conflict, any
  // other failure stays an error.
  Use ins(w.stmt(
      "INSERT INTO schedules (name, spec, enabled, source, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (name) DO NOTHING RETURNING id"));
  ins->bindNoCopy(1, row.name);
  ins->bindNoCopy(2, row.spec_json);
  ins->bind(3, row.enabled ? 1 : 0);
  ins->bindNoCopy(4, row.source);
  ins->bind(5, now);
  if (ins->executeStep()) {
    id = ins->getColumn(0).getInt64();
    result = WriteResult::ok;
  } else {
    result = WriteResult::conflict;
  }
  return {};
}

std::error_code update_schedule(Writer& w, const ScheduleRow& row, WriteResult& result) {
  {
    Use s(w.stmt("SELECT 1 FROM schedules WHERE id = ?"));
    s->bind(1, row.id);
    if (!s->executeStep()) {
      result = WriteResult::not_found;
      return {};
    }
  }
  {
    Use s(w.stmt("SELECT 1 FROM schedules WHERE name = ? AND id != ?"));
    s->bindNoCopy(1, row.name);
    s->bind(2, row.id);
    if (s->executeStep()) {
      result = WriteResult::conflict;
      return {};
    }
  }
  Use up(w.stmt("UPDATE schedules SET name = ?, spec = ?, enabled = ?, updated_at = ? WHERE id = ?"));
  up->bindNoCopy(1, row.name);
  up->bindNoCopy(2, row.spec_json);
  up->bind(3, row.enabled ? 1 : 0);
  up->bind(4, row.updated_at != 0 ? row.updated_at : w.now());
  up->bind(5, row.id);
  up->exec();
  result = WriteResult::ok;
  return {};
}

// The run row goes first: its unique key is the exactly-once check, and a duplicate must leave
// no trace (no batch, no messages). Both live in the job's one savepoint, so a crash or a failed
// batch insert takes the run row with it and the occurrence can fire again.
std::error_code record_run(Writer& w, ScheduleRun& run, std::optional<NewBatch>& batch,
                           RecordRunResult& result) {
  const UnixMs now = w.now();
  if (run.at == 0) run.at = now;
  if (batch) {
    run.batch_id = batch->id;
    run.count = static_cast<std::int64_t>(batch->message_count());
  }
  {
    Use ins(w.stmt(
        "INSERT INTO schedule_runs (schedule_id, occurrence, due_at, at, outcome, caught_up, batch_id, "
        "count, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (schedule_id, occurrence) DO NOTHING"));
    ins->bind(1, run.schedule_id);
    ins->bindNoCopy(2, run.occurrence);
    ins->bind(3, run.due_at);
    ins->bind(4, run.at);
    ins->bind(5, std::string(to_string(run.outcome)));
    ins->bind(6, run.caught_up ? 1 : 0);
    bind_optional(*ins, 7, run.batch_id);
    ins->bind(8, run.count);
    ins->bindNoCopy(9, run.error);
    if (ins->exec() == 0) {
      result = RecordRunResult::duplicate;
      return {};
    }
  }
  if (batch) {
    insert_batch(w, *batch, batch->created_at != 0 ? batch->created_at : now);
    // The daily cap may have turned messages into skips inside insert_batch.
    const auto committed = static_cast<std::int64_t>(batch->message_count());
    if (committed != run.count) {
      run.count = committed;
      Use up(w.stmt("UPDATE schedule_runs SET count = ? WHERE schedule_id = ? AND occurrence = ?"));
      up->bind(1, committed);
      up->bind(2, run.schedule_id);
      up->bindNoCopy(3, run.occurrence);
      up->exec();
    }
  }
  result = RecordRunResult::recorded;
  return {};
}

}  // namespace

// --- writes ---

void Store::async_create_schedule(ScheduleRow row,
                                  std::function<void(std::error_code, WriteResult, std::int64_t)> done, Audit audit) {
  submit_create(
      *impl_,
      [row = std::move(row)](Writer& w, WriteResult& result, std::int64_t& id) {
        return create_schedule(w, row, result, id);
      },
      std::move(done), std::move(audit));
}

void Store::async_update_schedule(ScheduleRow row, WriteDone done, Audit audit) {
  submit_write(
      *impl_, [row = std::move(row)](Writer& w, WriteResult& r) { return update_schedule(w, row, r); },
      std::move(done), std::move(audit));
}

void Store::async_set_schedule_enabled(std::int64_t id, bool enabled, WriteDone done, UnixMs at, Audit audit) {
  submit_write(
      *impl_,
      [id, enabled, at](Writer& w, WriteResult& r) {
        Use up(w.stmt("UPDATE schedules SET enabled = ?, updated_at = ? WHERE id = ?"));
        up->bind(1, enabled ? 1 : 0);
        up->bind(2, at != 0 ? at : w.now());
        up->bind(3, id);
        r = up->exec() > 0 ? WriteResult::ok : WriteResult::not_found;
        return std::error_code{};
      },
      std::move(done), std::move(audit));
}

void Store::async_delete_schedule(std::int64_t id, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [id](Writer& w, WriteResult& r) {
        // Its runs stay: they explain the batches it created.
        Use del(w.stmt("DELETE FROM schedules WHERE id = ?"));
        del->bind(1, id);
        r = del->exec() > 0 ? WriteResult::ok : WriteResult::not_found;
        return std::error_code{};
      },
      std::move(done), std::move(audit));
}

void Store::async_record_run(ScheduleRun run, std::optional<NewBatch> batch,
                             std::function<void(std::error_code, RecordRunResult)> done) {
  auto result = std::make_shared<RecordRunResult>(RecordRunResult::duplicate);
  // mutable: record_run fills the run's store-set fields (at, batch_id, count) before writing.
  impl_->submit(Job{[run = std::move(run), batch = std::move(batch), result](Writer& w) mutable {
                      return record_run(w, run, batch, *result);
                    },
                    [result, done = std::move(done)](std::error_code ec) {
                      done(ec, ec ? RecordRunResult::duplicate : *result);
                    }});
}

// --- reads ---

std::optional<ScheduleRow> Store::get_schedule(std::int64_t id) {
  return impl_->read<std::optional<ScheduleRow>>("get_schedule", std::nullopt, [&]() -> std::optional<ScheduleRow> {
    static const std::string sql = "SELECT " + kScheduleColumns + " FROM schedules WHERE id = ?";
    Use s(impl_->read_stmt(sql));
    s->bind(1, id);
    if (!s->executeStep()) return std::nullopt;
    return schedule_of(*s);
  });
}

std::optional<ScheduleRow> Store::find_schedule(const std::string& name) {
  return impl_->read<std::optional<ScheduleRow>>("find_schedule", std::nullopt, [&]() -> std::optional<ScheduleRow> {
    static const std::string sql = "SELECT " + kScheduleColumns + " FROM schedules WHERE name = ?";
    Use s(impl_->read_stmt(sql));
    s->bindNoCopy(1, name);
    if (!s->executeStep()) return std::nullopt;
    return schedule_of(*s);
  });
}

std::vector<ScheduleRow> Store::list_schedules() {
  return impl_->read<std::vector<ScheduleRow>>("list_schedules", {}, [&] {
    static const std::string sql = "SELECT " + kScheduleColumns + " FROM schedules ORDER BY id";
    Use s(impl_->read_stmt(sql));
    std::vector<ScheduleRow> rows;
    while (s->executeStep()) rows.push_back(schedule_of(*s));
    return rows;
  });
}

RunPage Store::list_runs(std::int64_t schedule_id, int limit, std::optional<std::int64_t> before_id) {
  return impl_->read<RunPage>("list_runs", {}, [&] {
    limit = std::clamp(limit, 1, 1000);
    static const std::string first =
        "SELECT " + kRunColumns + " FROM schedule_runs WHERE schedule_id = ? ORDER BY id DESC LIMIT ?";
    static const std::string next = "SELECT " + kRunColumns +
                                    " FROM schedule_runs WHERE schedule_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
    Use s(impl_->read_stmt(before_id ? next : first));
    int i = 0;
    s->bind(++i, schedule_id);
    if (before_id) s->bind(++i, *before_id);
    s->bind(++i, limit + 1);  // one extra row tells whether there is a next page
    RunPage page;
    while (s->executeStep()) {
      if (static_cast<int>(page.runs.size()) == limit) {
        page.next_cursor = page.runs.back().id;
        break;
      }
      page.runs.push_back(run_of(*s));
    }
    return page;
  });
}

std::optional<ScheduleRun> Store::last_run(std::int64_t schedule_id) {
  return impl_->read<std::optional<ScheduleRun>>("last_run", std::nullopt, [&]() -> std::optional<ScheduleRun> {
    static const std::string sql =
        "SELECT " + kRunColumns + " FROM schedule_runs WHERE schedule_id = ? ORDER BY id DESC LIMIT 1";
    Use s(impl_->read_stmt(sql));
    s->bind(1, schedule_id);
    if (!s->executeStep()) return std::nullopt;
    return run_of(*s);
  });
}

bool Store::has_run(std::int64_t schedule_id, const std::string& occurrence) {
  return impl_->read<bool>("has_run", false, [&] {
    Use s(impl_->read_stmt("SELECT 1 FROM schedule_runs WHERE schedule_id = ? AND occurrence = ?"));
    s->bind(1, schedule_id);
    s->bindNoCopy(2, occurrence);
    return s->executeStep();
  });
}

std::map<RunOutcome, std::int64_t> Store::count_runs() {
  return impl_->read<std::map<RunOutcome, std::int64_t>>("count_runs", zero_run_counts(), [&] {
    auto counts = zero_run_counts();
    Use s(impl_->read_stmt("SELECT outcome, COUNT(*) FROM schedule_runs GROUP BY outcome"));
    while (s->executeStep()) {
      if (auto o = parse_run_outcome(text_of(s->getColumn(0)))) counts[*o] += s->getColumn(1).getInt64();
    }
    return counts;
  });
}

}  // namespace smsgw::store
