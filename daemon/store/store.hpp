#pragma once
// The durable queue: SQLite in WAL mode with synchronous=FULL. This is the seam between the
// two halves of smsgw: the API (and later the scheduler) commit messages here; only the
// dispatcher claims them and records what carriers said.
//
// Threading contract:
//  - Every write runs on the store's single writer thread. Writes submitted while a commit is in
//    progress are committed together in the next transaction (group commit: one fsync for many
//    requests). Each submitted job runs inside its own SAVEPOINT, so one job's failure never
//    rolls back another's; a job's state change is all-or-nothing.
//  - async_* completion handlers run ON THE WRITER THREAD, after the commit is durable. They must
//    be quick and must not call back into the store synchronously; post to your own executor.
//  - Read functions (get_*, list_*, count_*) use a separate read-only connection guarded by a
//    mutex; they are safe from any thread and never wait for the writer (WAL readers don't block).
//  - open() throws StoreError at start-up (cannot open, migration failed); after that no
//    function throws for I/O errors: they arrive as std::error_code (see store_category()).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_set>
#include <vector>

#include "common/clock.hpp"
#include "common/types.hpp"
#include "store/directory.hpp"
#include "store/audit.hpp"
#include "store/schedules.hpp"
#include "store/sessions.hpp"
#include "store/approvals.hpp"
#include "store/inbound.hpp"
#include "store/polls.hpp"

namespace smsgw::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// SQLite result codes as std::error_code values (value = extended SQLite result code).
const std::error_category& sqlite_category() noexcept;
// True for errors that mean "the disk is full / read-only / I/O failing": callers answer 503.
bool is_storage_unavailable(const std::error_code& ec) noexcept;
// True when a write was refused because Options::max_pending_writes writes are already waiting
// for the writer: callers answer 503 with Retry-After. Nothing was written.
bool is_overloaded(const std::error_code& ec) noexcept;

struct NewMessage {
  std::int64_t id = 0;  // from Store::allocate_message_ids
  std::string to;       // E.164
  std::string text;     // final text as the phone shows it
  int segments = 1;
  Priority priority = Priority::normal;
  UnixMs send_at = 0;   // not before; 0 = now
  std::optional<UnixMs> expires_at;
  // Template carriers' calls, rendered at acceptance (sending/mappings.hpp); "" = none.
  std::string carrier_calls;
};

// A large batch's messages, produced one at a time on the writer thread inside the batch's
// commit (NewBatch::stream), so they are never all held in memory. Must yield the same
// messages every time (the planner renders them once to check them before they are stored).
class MessageStream {
 public:
  virtual ~MessageStream() = default;
  virtual std::size_t size() const = 0;
  // Sets to, text, segments and carrier_calls of message i (0 <= i < size()); reuses out's
  // buffers.
  virtual void get(std::size_t i, NewMessage& out) const = 0;
};

// Messages per phone per local day. Checked and counted by the writer inside the batch's own
// transaction, so two sends committed together cannot both pass it; a failed check fails the
// batch (the cap fails closed).
struct DailyCap {
  int cap = 0;       // messages per phone since `since`; 0 = none
  UnixMs since = 0;  // start of the local day
};

// A send that asks for a reply (issue 14): a reply matched to the batch before `until` whose
// whole text (twoway::normalize_reply) is one of `yes` / `no` confirms / declines; any other
// reply is unreadable. A reminder counts for the batch it reminds of.
struct ConfirmSpec {
  std::vector<std::string> yes;  // in normal form
  std::vector<std::string> no;
  UnixMs until = 0;
  std::int64_t counts_for = 0;  // 0 = this batch
};

// A random draw (issue 14): the send went to `size` people drawn from `population` eligible
// recipients of its groups and numbers; the same seed and population give the same draw.
struct SampleSpec {
  std::string seed;
  std::int64_t size = 0;
  std::int64_t population = 0;
  // Who was drawn, as the directory knew them at the draw (names and units may change later;
  // the record of the draw does not).
  struct Drawn {
    std::string phone, name, unit;
  };
  std::vector<Drawn> drawn;
};

struct NewBatch {
  std::int64_t id = 0;  // from Store::allocate_batch_id
  std::string source;   // who created it: "api:<token name>", later "schedule:<id>"
  UnixMs created_at = 0;  // 0 = the store's clock at commit; also the "now" of send_at = 0
  std::vector<NewMessage> messages;
  std::vector<Skip> skips;  // recipients of this send that get no message, with the reason
  DailyCap daily_cap;       // messages over it become skips with reason "daily_cap"
  // The [sms] signature the texts were signed with ("" = none), stored with every message so
  // the dispatcher can swap in the signature in force when it sends (sending/signature.hpp).
  std::string signature;
  std::string template_name;  // the smsgw template the texts were rendered from ("" = text)
  std::vector<std::string> groups;  // the groups the send named (distinct), for its report
  std::optional<ConfirmSpec> confirm;
  std::optional<SampleSpec> sample;
  // A large fan-out instead of `messages` (which is then empty): message i of the stream gets
  // id `common.id + i` and common's priority, send_at and expires_at.
  std::shared_ptr<const MessageStream> stream;
  NewMessage common;
  // Streamed messages: set by the planner to stream->size(); after the commit, those stored
  // (the daily cap may have moved some to skips).
  std::size_t streamed = 0;
  // Written with the batch: sends by people and administrators are audit-logged (those of
  // client systems are recorded by the batch's source alone).
  std::optional<AuditEntry> audit;
  // A send held for approval (approvals.hpp): the decision is written in the batch's own
  // transaction; if the request is no longer pending the batch is not stored (Kind::conflict).
  std::optional<ApprovalDecision> approval;
  std::optional<AuditEntry> approval_audit;  // the approver's entry, written with the decision

  std::size_t message_count() const { return stream ? streamed : messages.size(); }
};

// Builds the response body from the batch as committed (capped messages moved to skips), on
// the writer thread inside the transaction, so the body stored with an idempotency key is
// exactly what the client got.
using ResponseRenderer = std::function<std::string(const NewBatch& committed)>;

struct IdempotencyKey {
  std::string token;         // token name: keys are per token
  std::string key;           // the Idempotency-Key header
  std::string request_hash;  // sha-256 of the request body: same key + other body = conflict
};

struct EnqueueResult {
  enum class Kind { created, replayed, conflict };
  Kind kind = Kind::created;
  // created: the renderer's body; replayed: the body stored with the key at first use.
  std::string response;
  std::int64_t count = 0;  // created: messages committed
};

struct MessageRow {
  std::int64_t id = 0;
  std::int64_t batch_id = 0;
  std::string to;
  std::string text;
  int segments = 1;
  Status status = Status::queued;
  Priority priority = Priority::normal;
  UnixMs send_at = 0;
  std::optional<UnixMs> expires_at;
  UnixMs next_attempt_at = 0;
  int attempts = 0;
  std::string carrier;             // last carrier tried ("" if none)
  std::string carrier_message_id;  // from the carrier that accepted it (its first, per segment)
  std::string carrier_batch_id;    // the carrier's batch id, where it names batches
  std::string last_error;
  UnixMs created_at = 0;
  UnixMs updated_at = 0;
};

struct AttemptRow {
  UnixMs at = 0;
  std::string carrier;
  std::string outcome;  // "sent" | "transient" | "permanent" | "delivered" | "undelivered" | ...
  std::string error;
};

// What the dispatcher needs to send one claimed message.
struct ClaimedMessage {
  std::int64_t id = 0;
  std::string to;
  std::string text;
  std::optional<std::string> signature;  // NewBatch::signature; nullopt for older rows
  std::string template_name;             // NewBatch::template_name
  std::string carrier_calls;             // NewMessage::carrier_calls
  int segments = 1;
  Priority priority = Priority::normal;
  int attempts = 0;  // attempts made before this claim
  std::optional<UnixMs> expires_at;
};

// One carrier attempt's result, recorded in one transaction with its attempts row.
struct AttemptResult {
  std::int64_t owner = 0;  // the claim's owner: a result from anyone else changes nothing
  enum class Next {
    sent,     // carrier accepted it: status sent
    retry,    // transient: back to queued with next_attempt_at
    failed,   // permanent or attempts exhausted: status failed
    expired,  // could not be sent before expires_at (no attempt row if carrier is empty)
  };
  std::int64_t id = 0;
  Next next = Next::sent;
  std::string carrier;  // "" when no carrier was called (e.g. expired before sending)
  // For sent: the carrier's ids (one per segment where it has them; the first is shown as the
  // message's carrier_message_id), or none and a batch id that reports name with the number.
  std::vector<std::string> carrier_message_ids;
  std::string carrier_batch_id;
  std::string to;       // the recipient (E.164): with a batch id, the reference is "<batch> <to>"
  std::string error;    // e.g. "http 503: Service Unavailable", "timeout"
  std::string outcome;  // for the attempts row: "sent", "transient", "permanent"
  UnixMs at = 0;
  UnixMs next_attempt_at = 0;  // for retry
};

struct DeliveryReport {
  std::string carrier;
  // The carrier's id for the message, or (when empty) its batch id and the number.
  std::string carrier_message_id;
  // Other forms of that id (adapters::Report::carrier_id_forms), tried in order when no
  // message has the first; an early report is kept under all of them.
  std::vector<std::string> carrier_message_id_forms;
  std::string carrier_batch_id;
  std::string number;  // E.164
  bool delivered = true;
  std::string error;
  UnixMs at = 0;
};

enum class ReportResult {
  applied,    // the message changed to delivered / failed
  duplicate,  // the message was already final: nothing changed
  kept,       // no message has this carrier id yet: kept, applied when the send is recorded
  full,       // unknown and max_pending_reports are kept already: not stored (retry later)
};

// What one pruning pass deleted.
struct PruneCounts {
  std::int64_t messages = 0;  // with their attempts
  std::int64_t attempts = 0;
  std::int64_t batches = 0;   // with their skips
  std::int64_t idempotency_keys = 0;
  std::int64_t pending_reports = 0;
  std::int64_t last_message_id = 0;  // where this pass stopped; pass it as `after_id` next
  std::int64_t last_batch_id = 0;    // likewise for `after_batch_id`
  bool more = false;                 // a full batch was deleted somewhere: run again soon
};

struct PruneRequest {
  std::optional<UnixMs> messages_before;  // finished messages created before this
  std::optional<UnixMs> keys_before;      // idempotency keys created before this
  std::optional<UnixMs> reports_before;   // pending reports received before this
  std::int64_t after_id = 0;              // messages are scanned in id order from here
  std::int64_t after_batch_id = 0;        // and batches from here
  int batch = 1000;                       // rows per table per pass
};

enum class CancelResult { cancelled, not_found, not_cancellable };

struct MessageFilter {
  std::optional<Status> status;
  std::optional<std::int64_t> batch_id;
  std::optional<std::string> to;  // E.164
  int limit = 50;                 // 1..1000
  std::optional<std::int64_t> before_id;  // cursor: ids strictly below this (newest first)
};

struct MessagePage {
  std::vector<MessageRow> messages;
  std::optional<std::int64_t> next_cursor;  // pass as before_id for the next page
};

struct BatchSummary {
  std::int64_t id = 0;
  std::string source;
  UnixMs created_at = 0;
  std::int64_t total = 0;
  std::map<Status, std::int64_t> by_status;  // every Status present, zeros included
  std::int64_t skipped = 0;
  std::map<std::string, std::int64_t> skipped_by_reason;  // only reasons that occurred
  // Per group the send named: its messages to people who are members of that group now (a
  // person in two groups counts in both); every Status present, zeros included.
  std::map<std::string, std::map<Status, std::int64_t>> by_group;
  bool groups_counted = false;  // by_group was asked for (get_batch's count_groups)
  // A send that asked for a reply: its settings, and per status ("confirmed", "declined",
  // "unreadable", "no_reply") the recipients (distinct numbers) in it.
  std::optional<ConfirmSpec> confirm;
  std::map<std::string, std::int64_t> confirmations;
  std::optional<SampleSpec> sample;  // a random draw: its seed, size and population
};

struct BatchPage {
  std::vector<BatchSummary> batches;        // newest first
  std::optional<std::int64_t> next_cursor;  // pass as before_id for the next page
};

// Store::count_created_since: every Status present in both, zeros included.
struct CreatedCounts {
  std::map<Status, std::int64_t> since;
  std::map<Status, std::int64_t> recent;
};

// Store::queue_summary.
struct QueueSummary {
  std::int64_t queued = 0;   // status queued, due now or later
  std::int64_t sending = 0;  // claimed by a dispatcher, no carrier answer yet
  std::int64_t not_due = 0;  // of `queued`: next_attempt_at after now (send_at later, or a retry)
  std::optional<UnixMs> oldest_due;  // as oldest_due_since(now)
};

class Store {
 public:
  struct Options {
    std::string path;           // database file; its folder must exist
    int max_group_jobs = 4096;  // upper bound of jobs per group commit
    // Return every `sending` message to `queued` at open, without waiting for leases to expire.
    // Only safe when no other process can be dispatching from this database: smsgwd holds an
    // exclusive lock on its data_dir, so a previous process's leases are known to be dead.
    bool release_leases_at_open = false;
    // Upper bound of the database file in pages (PRAGMA max_page_count on the writer); 0 = no
    // bound. A write past it fails with SQLITE_FULL exactly as on a full disk, so it caps the
    // database below the file system's size and lets tests exercise the disk-full path.
    std::int64_t max_page_count = 0;
    // Writes submitted by clients (enqueues, directory and schedule writes, reports) that may
    // wait for the writer at once; more are refused at once (is_overloaded). The dispatcher's
    // claims and records are never refused: they are how the queue drains.
    std::size_t max_pending_writes = 10'000;
    // Delivery reports kept for a send not yet recorded (ReportResult::kept); 0 = none kept.
    std::size_t max_pending_reports = 100'000;
    // The clock of every timestamp the store writes itself (tests and --fake-now shift it);
    // read on the writer thread, so a test's clock must be thread-safe. Default: the system's.
    Clock clock = {};
  };

  static std::unique_ptr<Store> open(const Options& options);  // throws StoreError
  ~Store();  // drains queued jobs, commits them, stops the writer thread
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Ids are allocated up front (thread-safe, monotonic, never reused across restarts) so the
  // API can build its response before the commit and store it with an idempotency key.
  std::int64_t allocate_message_ids(std::int64_t count);  // returns the first of `count`
  std::int64_t allocate_batch_id();

  // --- writes (writer thread; see contract above) ---
  using Done = std::function<void(std::error_code)>;

  // Inserts the batch and its messages (status queued). With a key: if the key exists for the
  // token with the same request_hash -> replayed (nothing inserted); with another hash ->
  // conflict; otherwise stores `response_body` with the key in the same transaction.
  // The daily cap (batch.daily_cap) is applied here, inside the transaction.
  void async_enqueue(NewBatch batch, std::optional<IdempotencyKey> key, ResponseRenderer render,
                     std::function<void(std::error_code, EnqueueResult)> done);

  // Claims up to `limit` due messages (status queued, next_attempt_at <= now), urgent first then
  // by next_attempt_at; marks them sending with lease_until and lease_owner = owner. Messages
  // whose lease expired (status sending, lease_until < now) are claimable again, except by
  // their own owner (it may still have them in flight): that is how a crash loses nothing and
  // a slow carrier never gets one message twice. Result order: due urgent, then expired
  // leases, then due normal. Messages past expires_at are claimed too: the dispatcher records
  // them as expired. `attempts` is not changed here. owner must be non-zero.
  void async_claim(UnixMs now, UnixMs lease_until, int limit, std::int64_t owner,
                   std::function<void(std::error_code, std::vector<ClaimedMessage>)> done);

  // Records results; each result is its own savepoint (message update + attempts row). A
  // result whose owner no longer holds the lease writes its attempts row but changes nothing
  // else. A 'sent' result applies a delivery report kept for its carrier id.
  void async_record(std::vector<AttemptResult> results, Done done);

  // Returns claimed messages to queued without counting an attempt (shutdown, rate wait).
  void async_release(std::vector<std::int64_t> ids, std::int64_t owner, Done done);

  // Extends the leases of messages `owner` still holds (in flight or waiting to be sent).
  void async_renew(std::vector<std::int64_t> ids, UnixMs lease_until, std::int64_t owner,
                   Done done);

  void async_cancel(std::int64_t id, std::function<void(std::error_code, CancelResult)> done,
                    std::optional<AuditEntry> audit = {});

  // Finds the message by (carrier, carrier_message_id); delivered -> status delivered,
  // otherwise failed with the error; adds an attempts row. Only a 'sent' (or 'sending') message
  // changes; a report for a message already final is a duplicate. carrier_message_id is
  // written by the 'sent' record, so a report can overtake it: such a report is kept and
  // applied by that record (kept), up to Options::max_pending_reports (full).
  void async_delivery_report(DeliveryReport report,
                             std::function<void(std::error_code, ReportResult)> done);
  // Many reports in one transaction (a callback carrying an array): one result each, in order.
  void async_delivery_reports(std::vector<DeliveryReport> reports,
                              std::function<void(std::error_code, std::vector<ReportResult>)> done);

  // Messages of `carrier` still 'sent' (no report) that are due to be asked about: sent after
  // `oldest`, asked fewer than `max_polls` times, and sent at least `after` x (times asked + 1)
  // before `now`. Oldest first, at most `limit`.
  struct AwaitingReport {
    std::int64_t id = 0;
    std::string to;
    std::string carrier_message_id;
    std::string carrier_batch_id;
    UnixMs sent_at = 0;
  };
  std::vector<AwaitingReport> awaiting_reports(const std::string& carrier, UnixMs now,
                                               std::chrono::milliseconds after, int max_polls,
                                               UnixMs oldest, int limit);
  // Counts one more poll for each of these messages (still 'sent').
  void async_report_polled(std::vector<std::int64_t> ids, std::function<void(std::error_code)> done);

  // One pruning pass (retention): at most `batch` rows of each kind, each kind in its own
  // savepoint. Never touches a message that is queued or sending.
  void async_prune(PruneRequest request, std::function<void(std::error_code, PruneCounts)> done);
  // Pending reports kept now (for /metrics).
  std::int64_t pending_reports() const noexcept;

  // Blocks until every job submitted before the call is committed. For tests and shutdown.
  // Never call it from a completion handler (it would wait for its own writer thread).
  void flush();

  // Counters for tests and metrics: `jobs` submitted writes that ran, in `commits` transactions;
  // `read_statements` statements run on the read connection (each run of a prepared statement
  // counts once, however many rows it returns).
  struct Stats {
    std::uint64_t commits = 0;
    std::uint64_t jobs = 0;
    std::uint64_t read_statements = 0;
  };
  Stats stats() const;

  // --- directory writes (writer thread; see directory.hpp) ---
  using WriteDone = std::function<void(std::error_code, WriteResult)>;
  // An audit entry written in the same transaction as the change, when the change succeeds
  // (WriteResult::ok); see audit.hpp.
  using Audit = std::optional<AuditEntry>;
  // Upsert by phone, all rows in one savepoint (an import is all-or-nothing).
  void async_upsert_recipients(std::vector<RecipientUpsert> rows,
                               std::function<void(std::error_code, UpsertCounts)> done, Audit audit = {});
  // conflict: the phone belongs to another recipient. Returns the new id via `id`.
  void async_create_recipient(RecipientUpsert row,
                              std::function<void(std::error_code, WriteResult, std::int64_t id)> done, Audit audit = {});
  void async_update_recipient(std::int64_t id, RecipientPatch patch, WriteDone done, Audit audit = {});  // conflict: phone taken
  void async_delete_recipient(std::int64_t id, WriteDone done, Audit audit = {});
  void async_create_group(std::string name, std::string description, WriteDone done, Audit audit = {});  // conflict: exists
  // Members stay as recipients; only the group and its memberships go.
  void async_delete_group(std::string name, WriteDone done, Audit audit = {});
  // create_only: conflict when the name exists (never overwrite silently); otherwise replace.
  void async_put_template(TemplateRow row, bool create_only, WriteDone done, Audit audit = {});
  void async_delete_template(std::string name, WriteDone done, Audit audit = {});
  void async_create_token(TokenRow row, WriteDone done, Audit audit = {});  // conflict: name or hash exists
  void async_revoke_token(std::string name, WriteDone done, Audit audit = {});  // not_found if unknown/revoked
  void async_create_user(UserRow row, WriteDone done, Audit audit = {});  // conflict: the name exists
  // not_found if there is no such person; updated_at always, password_changed_at with a hash,
  // disabled_at set by `disabled = true` (kept if already set) and cleared by false. A new
  // password or disabling ends every console session of the person, in the same transaction.
  void async_update_user(std::string name, UserUpdate update, WriteDone done, Audit audit = {});

  // --- the audit log (audit.cpp) ---
  // An entry on its own (a failed sign-in: nothing else changes).
  void async_audit(AuditEntry entry, std::function<void(std::error_code)> done);
  AuditPage list_audit(const AuditFilter& filter);

  // --- two-person approvals (approvals.cpp) ---
  void async_create_approval(ApprovalRow row, std::function<void(std::error_code, WriteResult, std::int64_t id)> done,
                             Audit audit = {});
  // conflict: no longer pending (decided, or expired at decision.at), or no such request.
  void async_decide_approval(ApprovalDecision decision, WriteDone done, Audit audit = {});
  // Approves and switches the schedule on in one transaction; not_found: the schedule is gone.
  // `audit`: the schedule's entry (with before/after); `decided`: the approval's own.
  void async_approve_schedule_enable(ApprovalDecision decision, std::int64_t schedule_id, WriteDone done,
                                     Audit audit = {}, Audit decided = {});
  std::optional<ApprovalRow> get_approval(std::int64_t id);
  ApprovalPage list_approvals(const ApprovalFilter& filter);
  std::int64_t count_pending_approvals(UnixMs now);

  // --- two-way messaging (inbound.cpp; see inbound.hpp) ---
  // Stores each message (a duplicate by carrier id is not stored again), matches it to the
  // outbound it answers and applies its keyword, one savepoint for all of them: one outcome
  // each, in order.
  void async_inbound(std::vector<NewInbound> rows, InboundRules rules,
                     std::function<void(std::error_code, std::vector<InboundOutcome>)> done);
  std::optional<InboundRow> get_inbound(std::int64_t id);
  InboundPage list_inbound(const InboundFilter& filter);
  void async_add_suppression(SuppressionRow row, WriteDone done, Audit audit = {});  // conflict: listed already
  void async_remove_suppression(std::string phone, WriteDone done, Audit audit = {});  // not_found: not listed
  std::optional<SuppressionRow> get_suppression(const std::string& phone);
  // By phone, after `after` ("" = from the start); limit 1..1000.
  SuppressionPage list_suppressions(const std::string& after, int limit);
  // The recipients of a send that asked for a reply with their status, by number after `after`;
  // `status` "" = all. limit 1..1000.
  ReplyPage list_replies(std::int64_t batch_id, const std::string& status, const std::string& after, int limit);
  // Which of `phones` (E.164) are on the suppression list, a point lookup each (a send to a
  // few numbers).
  std::unordered_set<std::string> suppressed_among(const std::vector<std::string>& phones);
  // The whole list, one statement: a send to many intersects it with its targets (the list
  // holds the people who replied an opt-out word, far fewer than a group's members).
  std::unordered_set<std::string> suppressed_phones();

  // --- polls (polls.cpp; see polls.hpp) ---
  // conflict: the name is taken, or a poll with the same keyword overlaps its window.
  void async_create_poll(PollRow poll, std::function<void(std::error_code, WriteResult, std::int64_t id)> done,
                         Audit audit = {});
  std::optional<PollRow> get_poll(const std::string& name);
  std::vector<PollRow> list_polls();  // newest opening first
  std::optional<PollTally> poll_tally(const std::string& name);
  // A poll's ballots after ballot id `after`, oldest first; `outcome` "" = any.
  BallotPage list_ballots(std::int64_t poll_id, const std::string& outcome, std::int64_t after, int limit);

  // --- console sessions (sessions.cpp) ---
  // Also deletes every session that has expired by row.created_at (idle or lifetime), so the
  // table holds live sessions only.
  void async_create_session(SessionRow row, UnixMs idle_ms, UnixMs lifetime_ms, WriteDone done, Audit audit = {});
  void async_touch_session(std::string id_sha256, UnixMs at, WriteDone done);
  void async_delete_session(std::string id_sha256, WriteDone done, Audit audit = {});  // not_found if none
  // Every session of the person ("sign out everywhere"); ok even when there were none.
  void async_delete_user_sessions(std::string user, WriteDone done, Audit audit = {});
  std::optional<SessionLookup> get_session(const std::string& id_sha256);
  std::int64_t count_user_sessions(const std::string& user);

  // --- directory reads (any thread) ---
  std::optional<Recipient> get_recipient(std::int64_t id);
  std::optional<Recipient> find_recipient_by_phone(const std::string& e164);
  // What async_upsert_recipients would report for rows with these phones (E.164), as of now:
  // the dry run of an import. One statement per 256 distinct phones, not one per row (a
  // 15,000-row import costs 59); up to 16 phones are looked up one by one.
  UpsertCounts count_upsert(const std::vector<std::string>& phones);
  // The names among `names` that are groups; batched like count_upsert.
  std::unordered_set<std::string> existing_groups(const std::vector<std::string>& names);
  RecipientPage list_recipients(const RecipientFilter& filter);
  std::vector<Group> list_groups();
  std::optional<Group> get_group(const std::string& name);
  std::optional<TemplateRow> get_template(const std::string& name);
  std::vector<TemplateRow> list_templates();
  std::vector<TokenRow> list_tokens();  // revoked ones included
  std::vector<UserRow> list_users();    // disabled ones included, by name
  std::optional<UserRow> get_user(const std::string& name);
  // Fan-out: members of `groups` (unknown group names are returned in `unknown_groups`) plus
  // `phones` (E.164), each phone once, in a stable order (explicit numbers first, then group
  // members by recipient id). Numbers that match a recipient carry its fields and active flag.
  TargetList resolve_targets(const std::vector<std::string>& groups,
                             const std::vector<std::string>& phones,
                             std::vector<std::string>& unknown_groups);
  // Messages (any status but cancelled) created for each phone at or after `since`.
  std::map<std::string, std::int64_t> counts_since(const std::vector<std::string>& phones,
                                                   UnixMs since);

  // --- schedules (writer thread; see schedules.hpp) ---
  // conflict: the name exists. Returns the new id via `id`. Timestamps: row.created_at (also
  // the first updated_at) if set, else the store's clock; pass the daemon's clock, which the
  // scheduler compares them with (smsgwd --clock-offset shifts it).
  void async_create_schedule(ScheduleRow row,
                             std::function<void(std::error_code, WriteResult, std::int64_t id)> done, Audit audit = {});
  // Replaces name, spec_json and enabled (conflict: the new name belongs to another schedule);
  // updated_at = row.updated_at if set, else the store's clock.
  void async_update_schedule(ScheduleRow row, WriteDone done, Audit audit = {});
  // `at` = the new updated_at (0: the store's clock).
  void async_set_schedule_enabled(std::int64_t id, bool enabled, WriteDone done, UnixMs at = 0, Audit audit = {});
  void async_delete_schedule(std::int64_t id, WriteDone done, Audit audit = {});
  // One savepoint: the run row and, when given, the batch (as async_enqueue without a key).
  // duplicate: a run for (schedule_id, occurrence) exists; nothing is written.
  void async_record_run(ScheduleRun run, std::optional<NewBatch> batch,
                        std::function<void(std::error_code, RecordRunResult)> done);

  // --- schedule reads (any thread) ---
  std::optional<ScheduleRow> get_schedule(std::int64_t id);
  std::optional<ScheduleRow> find_schedule(const std::string& name);
  std::vector<ScheduleRow> list_schedules();  // by id
  // Runs of one schedule, newest first; limit 1..1000; before_id = cursor.
  RunPage list_runs(std::int64_t schedule_id, int limit, std::optional<std::int64_t> before_id);
  std::optional<ScheduleRun> last_run(std::int64_t schedule_id);
  bool has_run(std::int64_t schedule_id, const std::string& occurrence);
  // Runs per outcome over all schedules (for /metrics); every RunOutcome present.
  std::map<RunOutcome, std::int64_t> count_runs();

  // --- reads (any thread) ---
  std::optional<MessageRow> get_message(std::int64_t id);
  std::vector<AttemptRow> get_attempts(std::int64_t message_id);
  MessagePage list_messages(const MessageFilter& filter);
  // by_group costs a lookup per member of each named group (about 1.5 ms per 1,000): only a
  // batch's own report asks for it, not the list of batches.
  std::optional<BatchSummary> get_batch(std::int64_t id, bool count_groups = true);
  // The newest `limit` batches with ids below `before_id` (store/batches.cpp).
  BatchPage list_batches(std::optional<std::int64_t> before_id, int limit);
  std::map<Status, std::int64_t> count_by_status();  // every Status present
  // Earliest next_attempt_at among queued messages and lease_until among sending ones (the
  // dispatcher must wake to reclaim those), or nullopt if none.
  std::optional<UnixMs> next_due_at();
  // The smallest next_attempt_at among messages due at `now` (queued, next_attempt_at <= now):
  // now minus this is how long the oldest due message has waited. nullopt if none is due.
  std::optional<UnixMs> oldest_due_since(UnixMs now);
  // Messages by status among those accepted (created_at) at or after `since`, and among them
  // those accepted at or after `recent` (>= since): the console's week and today in one
  // statement. A period's batches come from batches_created and their messages from
  // messages_batch, so the cost follows the messages in the period, not the table.
  CreatedCounts count_created_since(UnixMs since, UnixMs recent);
  // The messages not yet handed to a carrier, from messages_claim (no row is read).
  QueueSummary queue_summary(UnixMs now);
  // True if the writer can commit (last commit succeeded or a probe write succeeds). Blocks up
  // to 2 s for the probe: not for the io thread (use async_writable there).
  bool writable();
  // The same without blocking: `done(writable)` at once when the last commit succeeded, else
  // on the writer thread after the probe commit.
  void async_writable(std::function<void(bool)> done);
  // False since a commit or a write failed for storage reasons (is_storage_unavailable), until
  // the next clean commit; no probe (cheap; for metrics).
  bool last_commit_ok() const noexcept;

  // Sampled for /metrics (any thread, no SQLite call): the database's bytes on disk (main file
  // plus WAL) and the bytes an unprivileged process may still allocate on its file system.
  struct DiskUsage {
    std::uint64_t database_bytes = 0;
    std::optional<std::uint64_t> free_bytes;  // nullopt if statvfs failed
  };
  DiskUsage disk_usage() const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace smsgw::store
