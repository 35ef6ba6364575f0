#include "store/schema.hpp"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Transaction.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <string>

#include "store/store.hpp"

namespace smsgw::store {
namespace {

// Append-only: a released step is never edited, a change is a new step. Step i (0-based)
// brings the database to user_version i+1.
//
// Indexes are the ones the queries need and no more: every index is written on every
// enqueue, and enqueue throughput is the budget. Two are partial so that a fresh 'queued'
// row does not touch them at all: the lease index only holds 'sending' rows, and the carrier
// id index only rows a carrier has accepted.
constexpr std::array<const char*, 17> kMigrations{
    R"sql(
CREATE TABLE batches (
  id         INTEGER PRIMARY KEY,
  source     TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  count      INTEGER NOT NULL
);
CREATE TABLE messages (
  id                 INTEGER PRIMARY KEY,
  batch_id           INTEGER NOT NULL REFERENCES batches(id),
  recipient          TEXT    NOT NULL,
  text               TEXT    NOT NULL,
  segments           INTEGER NOT NULL,
  status             TEXT    NOT NULL,
  priority           INTEGER NOT NULL,
  send_at            INTEGER NOT NULL,
  expires_at         INTEGER NULL,
  next_attempt_at    INTEGER NOT NULL,
  attempts           INTEGER NOT NULL DEFAULT 0,
  carrier            TEXT    NULL,
  carrier_message_id TEXT    NULL,
  last_error         TEXT    NULL,
  lease_until        INTEGER NULL,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX messages_claim ON messages (status, priority, next_attempt_at);
CREATE INDEX messages_batch ON messages (batch_id);
CREATE INDEX messages_recipient ON messages (recipient);
CREATE INDEX messages_carrier_id ON messages (carrier, carrier_message_id)
  WHERE carrier_message_id IS NOT NULL;
CREATE INDEX messages_lease ON messages (lease_until) WHERE status = 'sending';
CREATE TABLE attempts (
  id         INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages(id),
  at         INTEGER NOT NULL,
  carrier    TEXT    NOT NULL,
  outcome    TEXT    NOT NULL,
  error      TEXT    NULL
);
CREATE INDEX attempts_message ON attempts (message_id);
CREATE TABLE idempotency_keys (
  token        TEXT    NOT NULL,
  key          TEXT    NOT NULL,
  request_hash TEXT    NOT NULL,
  response     TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (token, key)
) WITHOUT ROWID;
)sql",
    // 2: the directory (recipients, groups, templates, run-time API tokens) and the skipped
    // recipients of a send. List values (template params, token scopes) are joined with the
    // unit separator U+001F, which no name or scope contains.
    // messages_recipient becomes (recipient, created_at) rather than gaining a sibling: the daily
    // cap counts a phone's messages since local midnight, and a second index would cost every
    // enqueue an extra b-tree insert while the widened one serves both queries.
    R"sql(
CREATE TABLE recipients (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  phone      TEXT    NOT NULL UNIQUE,
  unit       TEXT    NOT NULL DEFAULT '',
  title      TEXT    NOT NULL DEFAULT '',
  active     INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE groups (
  name        TEXT    PRIMARY KEY,
  description TEXT    NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
CREATE TABLE group_members (
  group_name   TEXT    NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
  recipient_id INTEGER NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
  PRIMARY KEY (group_name, recipient_id)
) WITHOUT ROWID;
CREATE INDEX group_members_recipient ON group_members (recipient_id);
CREATE TABLE templates (
  name        TEXT    PRIMARY KEY,
  body        TEXT    NOT NULL,
  description TEXT    NOT NULL DEFAULT '',
  params      TEXT    NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE TABLE api_tokens (
  name       TEXT    PRIMARY KEY,
  sha256     TEXT    NOT NULL UNIQUE,
  scopes     TEXT    NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER NULL
);
CREATE TABLE batch_skips (
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  phone    TEXT    NOT NULL,
  reason   TEXT    NOT NULL
);
CREATE INDEX batch_skips_batch ON batch_skips (batch_id);
CREATE INDEX messages_recipient_created ON messages (recipient, created_at);
DROP INDEX messages_recipient;
)sql",
    // 3: schedules and their firings. schedule_runs has no foreign keys: runs outlive a deleted
    // schedule (history stays explainable), and a run row is written before its batch in the
    // same savepoint (the unique key must reject a duplicate before any batch is written), which
    // an immediate batch_id reference would refuse. UNIQUE (schedule_id, occurrence) is what
    // makes a firing exactly-once. schedule_runs_schedule serves list_runs/last_run: an index
    // ends with the rowid, so it is already ordered by (schedule_id, id). AUTOINCREMENT because
    // runs outlive their schedule: a reused id would hand a new schedule the old one's runs, and
    // its occurrences would count as already fired.
    R"sql(
CREATE TABLE schedules (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT    NOT NULL UNIQUE,
  spec       TEXT    NOT NULL,
  enabled    INTEGER NOT NULL,
  source     TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE schedule_runs (
  id          INTEGER PRIMARY KEY,
  schedule_id INTEGER NOT NULL,
  occurrence  TEXT    NOT NULL,
  due_at      INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  outcome     TEXT    NOT NULL,
  caught_up   INTEGER NOT NULL DEFAULT 0,
  batch_id    INTEGER NULL,
  count       INTEGER NOT NULL DEFAULT 0,
  error       TEXT    NOT NULL DEFAULT '',
  UNIQUE (schedule_id, occurrence)
);
CREATE INDEX schedule_runs_schedule ON schedule_runs (schedule_id);
)sql",
    // 4: hardening. lease_owner: only the dispatcher that claimed a message may record its
    // outcome, and its own later claims never take it back while it is in flight.
    // pending_reports: delivery reports that overtook the record of their send (kept, then
    // applied when the carrier id is written). idempotency_keys_created: retention deletes keys
    // by age without scanning the table.
    R"sql(
ALTER TABLE messages ADD COLUMN lease_owner INTEGER NULL;
CREATE TABLE pending_reports (
  id                 INTEGER PRIMARY KEY,
  carrier            TEXT    NOT NULL,
  carrier_message_id TEXT    NOT NULL,
  delivered          INTEGER NOT NULL,
  error              TEXT    NULL,
  received_at        INTEGER NOT NULL
);
CREATE INDEX pending_reports_carrier_id ON pending_reports (carrier, carrier_message_id);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
)sql",
    // 5: the carrier seam of issue 10. A carrier names a message by its own id (one per segment
    // on SMPP and CMPP), or by a batch id and the number (云MAS msgGroup, Aliyun BizId):
    // carrier_refs maps each such reference to its message, for delivery reports; refs are
    // "<id>" or "<batch id> <E.164>" (carrier ids hold no spaces). It replaces the index on
    // messages (carrier, carrier_message_id); the newest message wins a reused reference.
    // messages.signature: the [sms] signature in force when the message was accepted (its text
    // starts with it, or it was empty), so the dispatcher can put the live one in its place;
    // NULL for rows from before. template and carrier_calls: the smsgw template a message was
    // rendered from and the carrier templates it may go out as (sending/mappings.hpp).
    R"sql(
ALTER TABLE messages ADD COLUMN carrier_batch_id TEXT NULL;
ALTER TABLE messages ADD COLUMN signature TEXT NULL;
ALTER TABLE messages ADD COLUMN template TEXT NULL;
ALTER TABLE messages ADD COLUMN carrier_calls TEXT NULL;
CREATE TABLE carrier_refs (
  carrier    TEXT    NOT NULL,
  ref        TEXT    NOT NULL,
  message_id INTEGER NOT NULL,
  PRIMARY KEY (carrier, ref)
) WITHOUT ROWID;
CREATE INDEX carrier_refs_message ON carrier_refs (message_id);
INSERT OR REPLACE INTO carrier_refs (carrier, ref, message_id)
  SELECT carrier, carrier_message_id, id FROM messages
  WHERE carrier IS NOT NULL AND carrier_message_id IS NOT NULL ORDER BY id;
DROP INDEX messages_carrier_id;
)sql",
    // 6: report polling (contract rule 15). report_polls: how often the carrier was asked about
    // a message whose report did not come; the partial index finds those messages per carrier
    // without scanning the delivered ones.
    R"sql(
ALTER TABLE messages ADD COLUMN report_polls INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_awaiting_report ON messages (carrier, updated_at) WHERE status = 'sent';
)sql",
    // 7: multi-part messages on SMPP and CMPP (issue 11). carrier_refs.part: 0 for a message's
    // only reference, k for the carrier id of its k-th segment; state: that segment's report
    // (NULL none, 1 delivered, 0 failed), so the message is delivered when every segment is.
    // pending_reports.report_group: the rows of one early report kept under each form of its
    // id (hex and decimal), deleted together when one of them is applied.
    R"sql(
ALTER TABLE carrier_refs ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
ALTER TABLE carrier_refs ADD COLUMN state INTEGER NULL;
ALTER TABLE pending_reports ADD COLUMN report_group INTEGER NULL;
)sql",
    // 8: the people who log in to the console (issue 13). password_hash: an Argon2id PHC
    // string (common/password.hpp), never the password; role: admin, sender or viewer.
    // disabled_at: a disabled person keeps their row (the audit log names them) but cannot log
    // in. Few rows, read by name: no index beyond the key.
    R"sql(
CREATE TABLE users (
  name                TEXT    PRIMARY KEY,
  role                TEXT    NOT NULL,
  password_hash       TEXT    NOT NULL,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL,
  disabled_at         INTEGER NULL
) WITHOUT ROWID;
)sql",
    // 9: console sessions (issue 13). id_sha256: the SHA-256 of the cookie's value (the value
    // itself is never stored). Read by id on every console request; by user to sign a person
    // out everywhere.
    R"sql(
CREATE TABLE console_sessions (
  id_sha256    TEXT    PRIMARY KEY,
  user         TEXT    NOT NULL REFERENCES users (name),
  csrf_token   TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  address      TEXT    NOT NULL,
  user_agent   TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX console_sessions_user ON console_sessions (user);
)sql",
    // 10: the audit log (issue 13): who changed what, from where, with before/after states as
    // JSON. Append-only: the triggers refuse every UPDATE and DELETE, whoever asks (retention
    // does not prune it). Read newest first by id, filtered by actor or object.
    R"sql(
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor       TEXT    NOT NULL,
  actor_kind  TEXT    NOT NULL,
  address     TEXT    NOT NULL,
  action      TEXT    NOT NULL,
  object_kind TEXT    NOT NULL,
  object_id   TEXT    NOT NULL,
  before      TEXT    NULL,
  after       TEXT    NULL,
  detail      TEXT    NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_object ON audit_log (object_kind, object_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql",
    // 11: two-person approvals (issue 13): a person's large send or a schedule switched on,
    // held until a second administrator decides. `request` keeps the send's body as sent.
    R"sql(
CREATE TABLE approvals (
  id             INTEGER PRIMARY KEY,
  kind           TEXT    NOT NULL,
  status         TEXT    NOT NULL,
  requested_by   TEXT    NOT NULL,
  requested_from TEXT    NOT NULL,
  requested_at   INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  summary        TEXT    NOT NULL,
  request        TEXT    NOT NULL,
  object_id      TEXT    NOT NULL,
  decided_by     TEXT    NOT NULL,
  decided_at     INTEGER NOT NULL,
  note           TEXT    NOT NULL
);
CREATE INDEX approvals_pending ON approvals (status, expires_at);
)sql",
    // 12: the console's home page (GET /v1/dashboard) counts the messages accepted today and
    // this week. A message's created_at is its batch's, so a period's batches are a range of
    // this index and their messages a lookup of messages_batch each: the cost follows the
    // period's messages, where a scan would read every batch kept. One entry per batch, not
    // per message, and appended at the end: enqueue throughput does not notice it.
    R"sql(
CREATE INDEX batches_created ON batches (created_at);
)sql",
    // 13: the groups a send named (issue 13's per-group report). A few rows per batch, written
    // with it; the report counts the batch's messages to each group's members through
    // group_members, so no message row carries a group (the enqueue hot path is unchanged).
    R"sql(
CREATE TABLE batch_groups (
  batch_id   INTEGER NOT NULL REFERENCES batches(id),
  group_name TEXT    NOT NULL,
  PRIMARY KEY (batch_id, group_name)
) WITHOUT ROWID;
)sql",
    // 14: two-way messaging (issue 14). Inbound messages, unique per carrier id where the
    // carrier gives one (a resent push is a duplicate, not a second reply); listed newest first
    // by sender or by the batch they answer. The suppression list holds the numbers that
    // replied an opt-out word (or were added by hand); a send reads it once per fan-out.
    R"sql(
CREATE TABLE inbound (
  id          INTEGER PRIMARY KEY,
  carrier     TEXT    NOT NULL,
  carrier_id  TEXT    NULL,
  from_number TEXT    NOT NULL,
  to_number   TEXT    NOT NULL,
  text        TEXT    NOT NULL,
  received_at INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  message_id  INTEGER NULL,
  batch_id    INTEGER NULL,
  matched_by  TEXT    NULL,
  kind        TEXT    NOT NULL
);
CREATE UNIQUE INDEX inbound_carrier_id ON inbound (carrier, carrier_id) WHERE carrier_id IS NOT NULL;
CREATE INDEX inbound_from ON inbound (from_number, id);
CREATE INDEX inbound_batch ON inbound (batch_id, id) WHERE batch_id IS NOT NULL;
CREATE INDEX inbound_message ON inbound (message_id) WHERE message_id IS NOT NULL;
CREATE TABLE suppressions (
  phone      TEXT    PRIMARY KEY,
  reason     TEXT    NOT NULL,
  source     TEXT    NOT NULL,
  note       TEXT    NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // 15: meeting confirmations (issue 14). A send that asks for a reply ("回复1确认参会")
    // keeps its words and deadline; a reminder to the non-responders counts for the send it
    // reminds of (counts_for). One row per person answered: their status and the reply that
    // decided it.
    R"sql(
CREATE TABLE batch_confirm (
  batch_id   INTEGER PRIMARY KEY REFERENCES batches(id),
  yes_words  TEXT    NOT NULL,
  no_words   TEXT    NOT NULL,
  until      INTEGER NOT NULL,
  counts_for INTEGER NOT NULL
);
CREATE TABLE confirmations (
  batch_id   INTEGER NOT NULL,
  phone      TEXT    NOT NULL,
  status     TEXT    NOT NULL,
  inbound_id INTEGER NOT NULL,
  text       TEXT    NOT NULL,
  at         INTEGER NOT NULL,
  PRIMARY KEY (batch_id, phone)
) WITHOUT ROWID;
)sql",
    // 16: random draws (issue 14): the seed a send's recipients were drawn with, so the draw
    // can be repeated and checked, and who was drawn, as the directory named them then.
    R"sql(
CREATE TABLE batch_samples (
  batch_id   INTEGER PRIMARY KEY REFERENCES batches(id),
  seed       TEXT    NOT NULL,
  size       INTEGER NOT NULL,
  population INTEGER NOT NULL
);
CREATE TABLE batch_drawn (
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  pos      INTEGER NOT NULL,
  phone    TEXT    NOT NULL,
  name     TEXT    NOT NULL,
  unit     TEXT    NOT NULL,
  PRIMARY KEY (batch_id, pos)
) WITHOUT ROWID;
)sql",
    // 17: SMS polls (issue 14). A ballot is every vote as it came, with its outcome; votes is
    // the one vote per phone that counts, so a tally is a count by code.
    R"sql(
CREATE TABLE polls (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL UNIQUE,
  keyword    TEXT    NOT NULL,
  opens_at   INTEGER NOT NULL,
  closes_at  INTEGER NOT NULL,
  counts     TEXT    NOT NULL,
  created_by TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX polls_keyword ON polls (keyword, closes_at);
CREATE TABLE poll_options (
  poll_id INTEGER NOT NULL REFERENCES polls(id),
  code    TEXT    NOT NULL,
  label   TEXT    NOT NULL,
  pos     INTEGER NOT NULL,
  shown   TEXT    NOT NULL,
  PRIMARY KEY (poll_id, code)
) WITHOUT ROWID;
CREATE TABLE poll_groups (
  poll_id    INTEGER NOT NULL REFERENCES polls(id),
  group_name TEXT    NOT NULL,
  PRIMARY KEY (poll_id, group_name)
) WITHOUT ROWID;
CREATE TABLE ballots (
  id         INTEGER PRIMARY KEY,
  poll_id    INTEGER NOT NULL REFERENCES polls(id),
  inbound_id INTEGER NOT NULL,
  phone      TEXT    NOT NULL,
  code       TEXT    NOT NULL,
  at         INTEGER NOT NULL,
  outcome    TEXT    NOT NULL
);
CREATE INDEX ballots_poll ON ballots (poll_id, id);
CREATE TABLE votes (
  poll_id   INTEGER NOT NULL REFERENCES polls(id),
  phone     TEXT    NOT NULL,
  code      TEXT    NOT NULL,
  ballot_id INTEGER NOT NULL,
  PRIMARY KEY (poll_id, phone)
) WITHOUT ROWID;
CREATE INDEX votes_code ON votes (poll_id, code);
)sql",
};

}  // namespace

int schema_version() noexcept { return static_cast<int>(kMigrations.size()); }

void migrate(SQLite::Database& db) { migrate_to(db, schema_version()); }

void migrate_to(SQLite::Database& db, int target) {
  const int current = db.execAndGet("PRAGMA user_version").getInt();
  if (current > schema_version()) {
    throw StoreError("database schema version " + std::to_string(current) +
                     " is newer than this smsgw understands (" + std::to_string(schema_version()) +
                     "); refusing to open it");
  }
  for (int version = current; version < std::min(target, schema_version()); ++version) {
    try {
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      db.exec(kMigrations[static_cast<std::size_t>(version)]);
      // user_version is part of the transaction: a crash mid-step leaves the old version.
      db.exec("PRAGMA user_version = " + std::to_string(version + 1));
      tx.commit();
    } catch (const SQLite::Exception& e) {
      throw StoreError("schema migration to version " + std::to_string(version + 1) +
                       " failed: " + e.what());
    }
    spdlog::info("store: migrated schema to version {}", version + 1);
  }
}

}  // namespace smsgw::store
