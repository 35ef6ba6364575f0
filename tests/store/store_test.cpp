// The durable queue against real SQLite files, one fresh directory per test.

#include "store/store.hpp"
#include "store/schema.hpp"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

namespace smsgw::store {
namespace {

namespace fs = std::filesystem;

// --- synchronous wrappers: the tests wait on a future, never sleep ---

struct Enqueued {
  std::error_code ec;
  EnqueueResult result;
};

// The lease owner these tests claim as (a dispatcher's random id in smsgwd).
constexpr std::int64_t kOwner = 42;

Enqueued enqueue(Store& store, NewBatch batch, std::optional<IdempotencyKey> key = std::nullopt,
                 std::string body = {}) {
  std::promise<Enqueued> p;
  auto f = p.get_future();
  ResponseRenderer render;
  if (!body.empty()) render = [body](const NewBatch&) { return body; };
  store.async_enqueue(std::move(batch), std::move(key), std::move(render),
                      [&p](std::error_code ec, EnqueueResult r) { p.set_value({ec, std::move(r)}); });
  return f.get();
}

std::vector<ClaimedMessage> claim(Store& store, UnixMs now, UnixMs lease_until, int limit = 100,
                                  std::int64_t owner = kOwner) {
  std::promise<std::vector<ClaimedMessage>> p;
  auto f = p.get_future();
  store.async_claim(now, lease_until, limit, owner, [&p](std::error_code ec, std::vector<ClaimedMessage> m) {
    EXPECT_FALSE(ec) << ec.message();
    p.set_value(std::move(m));
  });
  return f.get();
}

std::error_code record(Store& store, std::vector<AttemptResult> results) {
  std::promise<std::error_code> p;
  auto f = p.get_future();
  store.async_record(std::move(results), [&p](std::error_code ec) { p.set_value(ec); });
  return f.get();
}

std::error_code release(Store& store, std::vector<std::int64_t> ids, std::int64_t owner = kOwner) {
  std::promise<std::error_code> p;
  auto f = p.get_future();
  store.async_release(std::move(ids), owner, [&p](std::error_code ec) { p.set_value(ec); });
  return f.get();
}

std::error_code renew(Store& store, std::vector<std::int64_t> ids, UnixMs lease_until,
                      std::int64_t owner = kOwner) {
  std::promise<std::error_code> p;
  auto f = p.get_future();
  store.async_renew(std::move(ids), lease_until, owner, [&p](std::error_code ec) { p.set_value(ec); });
  return f.get();
}

CancelResult cancel(Store& store, std::int64_t id) {
  std::promise<CancelResult> p;
  auto f = p.get_future();
  store.async_cancel(id, [&p](std::error_code ec, CancelResult r) {
    EXPECT_FALSE(ec) << ec.message();
    p.set_value(r);
  });
  return f.get();
}

ReportResult report_result(Store& store, DeliveryReport r) {
  std::promise<ReportResult> p;
  auto f = p.get_future();
  store.async_delivery_report(std::move(r), [&p](std::error_code ec, ReportResult result) {
    EXPECT_FALSE(ec) << ec.message();
    p.set_value(result);
  });
  return f.get();
}

// True if a message had this carrier id (the report was applied or was a duplicate).
bool report(Store& store, DeliveryReport r) {
  const ReportResult result = report_result(store, std::move(r));
  return result == ReportResult::applied || result == ReportResult::duplicate;
}

AttemptResult make_result(std::int64_t id, AttemptResult::Next next, std::string carrier, std::string error,
                          UnixMs at) {
  AttemptResult r;
  r.id = id;
  r.owner = kOwner;
  r.next = next;
  r.carrier = std::move(carrier);
  r.error = std::move(error);
  r.at = at;
  return r;
}

AttemptResult sent(std::int64_t id, std::string carrier, std::string carrier_message_id, UnixMs at) {
  auto r = make_result(id, AttemptResult::Next::sent, std::move(carrier), {}, at);
  if (!carrier_message_id.empty()) r.carrier_message_ids.push_back(std::move(carrier_message_id));
  r.outcome = "sent";
  return r;
}

AttemptResult retry(std::int64_t id, std::string carrier, std::string error, UnixMs at, UnixMs next_attempt_at) {
  auto r = make_result(id, AttemptResult::Next::retry, std::move(carrier), std::move(error), at);
  r.outcome = "transient";
  r.next_attempt_at = next_attempt_at;
  return r;
}

AttemptResult failed(std::int64_t id, std::string carrier, std::string error, UnixMs at) {
  auto r = make_result(id, AttemptResult::Next::failed, std::move(carrier), std::move(error), at);
  if (!r.carrier.empty()) r.outcome = "permanent";
  return r;
}

AttemptResult expired(std::int64_t id, std::string error, UnixMs at) {
  return make_result(id, AttemptResult::Next::expired, {}, std::move(error), at);
}

DeliveryReport dlr(std::string carrier, std::string carrier_message_id, bool delivered, std::string error,
                   UnixMs at) {
  DeliveryReport r;
  r.carrier = std::move(carrier);
  r.carrier_message_id = std::move(carrier_message_id);
  r.delivered = delivered;
  r.error = std::move(error);
  r.at = at;
  return r;
}

// A batch of `n` messages to +8613800000000.. with fresh ids.
NewBatch make_batch(Store& store, int n, UnixMs created_at, Priority priority = Priority::normal,
                    UnixMs send_at = 0) {
  NewBatch b;
  b.id = store.allocate_batch_id();
  b.source = "api:test";
  b.created_at = created_at;
  const std::int64_t first = store.allocate_message_ids(n);
  for (int i = 0; i < n; ++i) {
    NewMessage m;
    m.id = first + i;
    m.to = "+86138000" + std::to_string(10000 + i);
    m.text = "message " + std::to_string(i);
    m.priority = priority;
    m.send_at = send_at;
    b.messages.push_back(std::move(m));
  }
  return b;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "smsgw-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "smsgw.db").string();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  Store& open(int max_group_jobs = 4096) {
    store_.reset();
    store_ = Store::open({.path = path_, .max_group_jobs = max_group_jobs});
    return *store_;
  }

  int user_version() {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    return db.execAndGet("PRAGMA user_version").getInt();
  }

  fs::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, MigratesEmptyDatabaseAndReopensIdempotently) {
  Store& store = open();
  EXPECT_TRUE(store.writable());
  ASSERT_FALSE(enqueue(store, make_batch(store, 2, 1000)).ec);
  store_.reset();
  EXPECT_EQ(user_version(), schema_version());
  {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
    for (const char* table : {"batches", "messages", "attempts", "idempotency_keys"})
      EXPECT_TRUE(db.tableExists(table)) << table;
    // The console's period counts find their batches by time (schema step 12).
    EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = 'batches_created'").getInt(), 1);
  }
  Store& again = open();
  EXPECT_EQ(user_version(), schema_version());
  EXPECT_EQ(again.count_by_status()[Status::queued], 2);
}

TEST_F(StoreTest, RefusesDatabaseNewerThanBinary) {
  open();
  store_.reset();
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = 99");
  }
  EXPECT_THROW(Store::open({.path = path_, .max_group_jobs = 16}), StoreError);
  EXPECT_EQ(user_version(), 99);
}

TEST_F(StoreTest, OpenFailureIsStoreError) {
  EXPECT_THROW(Store::open({.path = (dir_ / "missing" / "smsgw.db").string(), .max_group_jobs = 16}),
               StoreError);
}

TEST_F(StoreTest, EnqueueThenReadBackEveryField) {
  Store& store = open();
  NewBatch b;
  b.id = store.allocate_batch_id();
  b.source = "api:ops";
  b.created_at = 1'700'000'000'000;
  NewMessage now_msg;
  now_msg.id = store.allocate_message_ids(2);
  now_msg.to = "+8613800138000";
  now_msg.text = "您好, server down";
  now_msg.segments = 2;
  now_msg.priority = Priority::urgent;
  NewMessage later = now_msg;
  later.id = now_msg.id + 1;
  later.to = "+8613900139000";
  later.priority = Priority::normal;
  later.segments = 1;
  later.send_at = 1'700'000'060'000;
  later.expires_at = 1'700'000'120'000;
  b.messages = {now_msg, later};
  const auto r = enqueue(store, b);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.result.kind, EnqueueResult::Kind::created);

  const auto m = store.get_message(now_msg.id);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->id, now_msg.id);
  EXPECT_EQ(m->batch_id, b.id);
  EXPECT_EQ(m->to, "+8613800138000");
  EXPECT_EQ(m->text, "您好, server down");
  EXPECT_EQ(m->segments, 2);
  EXPECT_EQ(m->status, Status::queued);
  EXPECT_EQ(m->priority, Priority::urgent);
  EXPECT_EQ(m->send_at, b.created_at);  // send_at 0 = the batch's time
  EXPECT_FALSE(m->expires_at);
  EXPECT_EQ(m->next_attempt_at, b.created_at);
  EXPECT_EQ(m->attempts, 0);
  EXPECT_EQ(m->carrier, "");
  EXPECT_EQ(m->carrier_message_id, "");
  EXPECT_EQ(m->last_error, "");
  EXPECT_EQ(m->created_at, b.created_at);
  EXPECT_EQ(m->updated_at, b.created_at);

  const auto l = store.get_message(later.id);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->priority, Priority::normal);
  EXPECT_EQ(l->send_at, later.send_at);
  EXPECT_EQ(l->next_attempt_at, later.send_at);
  EXPECT_EQ(l->expires_at, later.expires_at);
  EXPECT_FALSE(store.get_message(later.id + 1));

  const auto batch = store.get_batch(b.id);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->source, "api:ops");
  EXPECT_EQ(batch->created_at, b.created_at);
  EXPECT_EQ(batch->total, 2);
}

TEST_F(StoreTest, IdempotencyKeyReplaysAndConflicts) {
  Store& store = open();
  const IdempotencyKey key{"ops", "k-1", "hash-a"};
  auto first = enqueue(store, make_batch(store, 3, 1000), key, R"({"batch_id":1})");
  ASSERT_FALSE(first.ec);
  EXPECT_EQ(first.result.kind, EnqueueResult::Kind::created);
  EXPECT_EQ(first.result.response, R"({"batch_id":1})");  // what the renderer made

  auto replay = enqueue(store, make_batch(store, 3, 2000), key, R"({"batch_id":2})");
  ASSERT_FALSE(replay.ec);
  EXPECT_EQ(replay.result.kind, EnqueueResult::Kind::replayed);
  EXPECT_EQ(replay.result.response, R"({"batch_id":1})");

  auto conflict = enqueue(store, make_batch(store, 3, 3000), IdempotencyKey{"ops", "k-1", "hash-b"}, "x");
  ASSERT_FALSE(conflict.ec);
  EXPECT_EQ(conflict.result.kind, EnqueueResult::Kind::conflict);

  // Keys are per token: another token may use the same key.
  auto other = enqueue(store, make_batch(store, 3, 4000), IdempotencyKey{"billing", "k-1", "hash-b"}, "y");
  ASSERT_FALSE(other.ec);
  EXPECT_EQ(other.result.kind, EnqueueResult::Kind::created);

  EXPECT_EQ(store.count_by_status()[Status::queued], 6);  // replay and conflict inserted nothing
}

TEST_F(StoreTest, ClaimsUrgentFirstThenDueOrderAndNotFuture) {
  Store& store = open();
  const auto n1 = make_batch(store, 1, 100);
  const auto n2 = make_batch(store, 1, 200);
  const auto u = make_batch(store, 1, 300, Priority::urgent);
  const auto future = make_batch(store, 1, 50, Priority::urgent, /*send_at=*/1'000'000);
  // Enqueued out of due order on purpose.
  for (const auto* b : {&n2, &u, &future, &n1}) ASSERT_FALSE(enqueue(store, *b).ec);

  const auto first = claim(store, 1000, 61'000, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, u.messages[0].id);
  EXPECT_EQ(first[0].priority, Priority::urgent);

  const auto rest = claim(store, 1000, 61'000, 10);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].id, n1.messages[0].id);
  EXPECT_EQ(rest[1].id, n2.messages[0].id);
  EXPECT_EQ(rest[0].to, n1.messages[0].to);
  EXPECT_EQ(rest[0].text, n1.messages[0].text);
  EXPECT_EQ(rest[0].attempts, 0);

  const auto m = store.get_message(n1.messages[0].id);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, Status::sending);
  EXPECT_EQ(m->attempts, 0);  // claiming is not an attempt
  EXPECT_EQ(store.get_message(future.messages[0].id)->status, Status::queued);
  EXPECT_TRUE(claim(store, 1000, 61'000).empty());
  // The future message is what the dispatcher sleeps until... unless a lease ends first.
  EXPECT_EQ(store.next_due_at(), 61'001);
}

TEST_F(StoreTest, ExpiredMessagesAreStillClaimed) {
  Store& store = open();
  auto b = make_batch(store, 1, 100);
  b.messages[0].expires_at = 500;
  ASSERT_FALSE(enqueue(store, b).ec);
  const auto c = claim(store, 1000, 2000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].expires_at, 500);
}

TEST_F(StoreTest, LeaseOfCrashedOwnerIsReclaimedAfterRestart) {
  Store& store = open();
  const auto b = make_batch(store, 3, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 5000).size(), 3u);
  store_.reset();  // the dispatcher never recorded or released: as after kill -9

  Store& again = open();
  EXPECT_EQ(again.count_by_status()[Status::sending], 3);
  EXPECT_EQ(again.next_due_at(), 5001);
  // The restarted process's dispatcher has an owner of its own.
  constexpr std::int64_t kNext = kOwner + 1;
  EXPECT_TRUE(claim(again, 4000, 9000, 100, kNext).empty());
  EXPECT_TRUE(claim(again, 5000, 9000, 100, kNext).empty());  // lease_until < now, strictly
  const auto reclaimed = claim(again, 5001, 9000, 100, kNext);
  ASSERT_EQ(reclaimed.size(), 3u);
  EXPECT_EQ(reclaimed[0].attempts, 0);
  EXPECT_TRUE(claim(again, 6000, 9000, 100, kNext).empty());  // the new lease holds
}

TEST_F(StoreTest, AMessageInFlightIsNeverReclaimedByItsOwnDispatcher) {
  // A carrier slower than the lease: the dispatcher still has the message in flight when the
  // lease ends. Its own next claim must not hand the message out a second time.
  Store& store = open();
  const auto b = make_batch(store, 2, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 5000).size(), 2u);
  EXPECT_TRUE(claim(store, 10'000, 70'000).empty());
  // A renewed lease holds against any other owner too.
  ASSERT_FALSE(renew(store, {b.messages[0].id}, 20'000));
  const auto other = claim(store, 10'000, 70'000, 100, kOwner + 1);
  ASSERT_EQ(other.size(), 1u);  // the one whose lease ran out unrenewed
  EXPECT_EQ(other[0].id, b.messages[1].id);
  // Renewing needs the lease: the old owner cannot extend what another owner took (its lease
  // still ends at 70,000, so a third owner finds both expired at 75,000).
  ASSERT_FALSE(renew(store, {b.messages[1].id}, 90'000));
  EXPECT_EQ(claim(store, 75'000, 90'000, 100, kOwner + 2).size(), 2u);
}

TEST_F(StoreTest, RecordingAnOutcomeChecksTheLeaseOwner) {
  Store& store = open();
  const auto b = make_batch(store, 1, 100);
  const std::int64_t id = b.messages[0].id;
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 5000).size(), 1u);
  // The lease ran out and another dispatcher took the message over.
  ASSERT_EQ(claim(store, 6000, 60'000, 100, kOwner + 1).size(), 1u);
  // The first one's late result is history, not state: its attempt row is written, the
  // message stays with its new owner.
  ASSERT_FALSE(record(store, {sent(id, "c", "late-1", 6100)}));
  auto m = store.get_message(id);
  EXPECT_EQ(m->status, Status::sending);
  EXPECT_EQ(m->attempts, 0);
  EXPECT_EQ(store.get_attempts(id).size(), 1u);
  auto mine = sent(id, "c", "new-1", 6200);
  mine.owner = kOwner + 1;
  ASSERT_FALSE(record(store, {mine}));
  m = store.get_message(id);
  EXPECT_EQ(m->status, Status::sent);
  EXPECT_EQ(m->carrier_message_id, "new-1");
  // Releases check the owner as well.
  const auto c = make_batch(store, 1, 100);
  ASSERT_FALSE(enqueue(store, c).ec);
  ASSERT_EQ(claim(store, 7000, 60'000).size(), 1u);
  ASSERT_FALSE(release(store, {c.messages[0].id}, kOwner + 9));
  EXPECT_EQ(store.get_message(c.messages[0].id)->status, Status::sending);
  ASSERT_FALSE(release(store, {c.messages[0].id}));
  EXPECT_EQ(store.get_message(c.messages[0].id)->status, Status::queued);
}

TEST_F(StoreTest, ReleaseReturnsToQueuedWithoutAttempt) {
  Store& store = open();
  const auto b = make_batch(store, 2, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 5000).size(), 2u);
  ASSERT_FALSE(release(store, {b.messages[0].id}));
  const auto m = store.get_message(b.messages[0].id);
  EXPECT_EQ(m->status, Status::queued);
  EXPECT_EQ(m->attempts, 0);
  const auto again = claim(store, 1000, 5000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, b.messages[0].id);
}

TEST_F(StoreTest, RecordTransitionsAndAttemptRows) {
  Store& store = open();
  const auto b = make_batch(store, 5, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 5u);
  const auto id = [&](int i) { return b.messages[static_cast<std::size_t>(i)].id; };
  ASSERT_FALSE(record(store, {
      sent(id(0), "aliyun", "A-1", 1100),
      retry(id(1), "aliyun", "http 503: Service Unavailable", 1200, 9000),
      failed(id(2), "tencent", "invalid number", 1300),
      expired(id(3), "expired before sending", 1400),
      failed(id(4), "", "no carrier available", 1500),
  }));

  auto m = store.get_message(id(0));
  EXPECT_EQ(m->status, Status::sent);
  EXPECT_EQ(m->attempts, 1);
  EXPECT_EQ(m->carrier, "aliyun");
  EXPECT_EQ(m->carrier_message_id, "A-1");
  EXPECT_EQ(m->updated_at, 1100);
  auto attempts = store.get_attempts(id(0));
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].at, 1100);
  EXPECT_EQ(attempts[0].carrier, "aliyun");
  EXPECT_EQ(attempts[0].outcome, "sent");
  EXPECT_EQ(attempts[0].error, "");

  m = store.get_message(id(1));
  EXPECT_EQ(m->status, Status::queued);
  EXPECT_EQ(m->attempts, 1);
  EXPECT_EQ(m->next_attempt_at, 9000);
  EXPECT_EQ(m->last_error, "http 503: Service Unavailable");
  EXPECT_EQ(m->carrier, "aliyun");
  attempts = store.get_attempts(id(1));
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].outcome, "transient");
  EXPECT_EQ(attempts[0].error, "http 503: Service Unavailable");
  EXPECT_TRUE(claim(store, 8999, 60'000).empty());
  EXPECT_EQ(claim(store, 9000, 60'000).size(), 1u);

  m = store.get_message(id(2));
  EXPECT_EQ(m->status, Status::failed);
  EXPECT_EQ(m->attempts, 1);
  EXPECT_EQ(m->last_error, "invalid number");
  EXPECT_EQ(store.get_attempts(id(2)).size(), 1u);

  m = store.get_message(id(3));
  EXPECT_EQ(m->status, Status::expired);
  EXPECT_EQ(m->attempts, 0);
  EXPECT_EQ(m->last_error, "expired before sending");
  EXPECT_TRUE(store.get_attempts(id(3)).empty());

  m = store.get_message(id(4));
  EXPECT_EQ(m->status, Status::failed);
  EXPECT_EQ(m->attempts, 0);  // no carrier was called
  EXPECT_TRUE(store.get_attempts(id(4)).empty());

  // A late second record for a message no longer 'sending' changes nothing but history.
  ASSERT_FALSE(record(store, {sent(id(2), "aliyun", "A-9", 2000)}));
  m = store.get_message(id(2));
  EXPECT_EQ(m->status, Status::failed);
  EXPECT_EQ(m->carrier_message_id, "");
  EXPECT_EQ(store.get_attempts(id(2)).size(), 2u);
}

TEST_F(StoreTest, RecordForUnknownMessageFailsAloneInItsBatch) {
  Store& store = open();
  const auto b = make_batch(store, 1, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 1u);
  const auto ec = record(store, {sent(999'999, "aliyun", "X", 1100), sent(b.messages[0].id, "aliyun", "A-1", 1100)});
  EXPECT_TRUE(ec);  // the attempts row's foreign key
  EXPECT_EQ(ec.category(), sqlite_category());
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::sent);
}

TEST_F(StoreTest, CancelOnlyQueued) {
  Store& store = open();
  const auto b = make_batch(store, 3, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  EXPECT_EQ(cancel(store, b.messages[0].id), CancelResult::cancelled);
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::cancelled);
  EXPECT_EQ(cancel(store, b.messages[0].id), CancelResult::not_cancellable);
  EXPECT_EQ(cancel(store, 424242), CancelResult::not_found);

  const auto claimed = claim(store, 1000, 60'000, 1);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(cancel(store, claimed[0].id), CancelResult::not_cancellable);
  ASSERT_FALSE(record(store, {sent(claimed[0].id, "c", "1", 1100)}));
  EXPECT_EQ(cancel(store, claimed[0].id), CancelResult::not_cancellable);

  // A cancelled message is never claimed.
  const auto rest = claim(store, 1000, 60'000);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, b.messages[2].id);
}

TEST_F(StoreTest, DeliveryReports) {
  Store& store = open();
  const auto b = make_batch(store, 2, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 2u);
  ASSERT_FALSE(record(store, {sent(b.messages[0].id, "aliyun", "A-1", 1100),
                              sent(b.messages[1].id, "aliyun", "A-2", 1100)}));

  EXPECT_TRUE(report(store, dlr("aliyun", "A-1", true, "", 5000)));
  EXPECT_TRUE(report(store, dlr("aliyun", "A-2", false, "UNDELIV", 5100)));
  EXPECT_FALSE(report(store, dlr("aliyun", "A-3", true, "", 5200)));
  EXPECT_FALSE(report(store, dlr("tencent", "A-1", true, "", 5200)));

  auto m = store.get_message(b.messages[0].id);
  EXPECT_EQ(m->status, Status::delivered);
  EXPECT_EQ(m->updated_at, 5000);
  auto attempts = store.get_attempts(b.messages[0].id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].outcome, "sent");
  EXPECT_EQ(attempts[1].outcome, "delivered");
  EXPECT_EQ(attempts[1].at, 5000);

  m = store.get_message(b.messages[1].id);
  EXPECT_EQ(m->status, Status::failed);
  EXPECT_EQ(m->last_error, "UNDELIV");
  attempts = store.get_attempts(b.messages[1].id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[1].outcome, "undelivered");
  EXPECT_EQ(attempts[1].error, "UNDELIV");

  // A repeated report is found but changes nothing.
  EXPECT_EQ(report_result(store, dlr("aliyun", "A-2", true, "", 6000)), ReportResult::duplicate);
  EXPECT_EQ(store.get_message(b.messages[1].id)->status, Status::failed);
  EXPECT_EQ(store.get_attempts(b.messages[1].id).size(), 2u);
}

TEST_F(StoreTest, AReportThatOvertakesItsSendIsKeptAndAppliedByTheRecord) {
  Store& store = open();
  const auto b = make_batch(store, 2, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 2u);
  // The carrier accepted both and pushed their reports before our 'sent' records committed.
  EXPECT_EQ(report_result(store, dlr("aliyun", "A-1", false, "UNDELIV", 1050)), ReportResult::kept);
  EXPECT_EQ(report_result(store, dlr("aliyun", "A-2", true, "", 1060)), ReportResult::kept);
  // Another carrier's report for the same id is kept apart: it can never touch aliyun's sends.
  EXPECT_EQ(report_result(store, dlr("tencent", "A-1", true, "", 1070)), ReportResult::kept);
  EXPECT_EQ(store.pending_reports(), 3);
  ASSERT_FALSE(record(store, {sent(b.messages[0].id, "aliyun", "A-1", 1100),
                              sent(b.messages[1].id, "aliyun", "A-2", 1100)}));
  auto m = store.get_message(b.messages[0].id);
  EXPECT_EQ(m->status, Status::failed);
  EXPECT_EQ(m->last_error, "UNDELIV");
  auto attempts = store.get_attempts(b.messages[0].id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].outcome, "sent");
  EXPECT_EQ(attempts[1].outcome, "undelivered");
  EXPECT_EQ(attempts[1].at, 1100);  // it is history after the send, whenever it arrived
  EXPECT_EQ(store.get_message(b.messages[1].id)->status, Status::delivered);
  EXPECT_EQ(store.pending_reports(), 1);  // only tencent's stays
  // Applied once: the same report again is a duplicate.
  EXPECT_EQ(report_result(store, dlr("aliyun", "A-2", true, "", 2000)), ReportResult::duplicate);

  // Kept across a restart (it is in the database, not in memory).
  store_.reset();
  Store& again = open();
  EXPECT_EQ(again.pending_reports(), 1);
}

TEST_F(StoreTest, PendingReportsAreBounded) {
  store_ = Store::open({.path = path_, .max_pending_reports = 2});
  Store& store = *store_;
  EXPECT_EQ(report_result(store, dlr("c", "x-1", true, "", 1000)), ReportResult::kept);
  EXPECT_EQ(report_result(store, dlr("c", "x-2", true, "", 1000)), ReportResult::kept);
  EXPECT_EQ(report_result(store, dlr("c", "x-3", true, "", 1000)), ReportResult::full);
  EXPECT_EQ(store.pending_reports(), 2);
}

// 云MAS and Aliyun name a message by their batch id and the number; SMPP and CMPP by one id
// per segment. Every such reference finds the message.
TEST_F(StoreTest, ReportsFindMessagesByBatchIdAndNumberAndBySegmentIds) {
  Store& store = open();
  const auto b = make_batch(store, 3, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 3u);
  auto in_group = [](std::int64_t id, const std::string& to) {
    auto r = sent(id, "mas", "", 1100);
    r.carrier_batch_id = "G-1";
    r.to = to;
    return r;
  };
  auto multipart = sent(b.messages[2].id, "cmpp", "S-1", 1100);
  multipart.carrier_message_ids.push_back("S-2");
  ASSERT_FALSE(record(store, {in_group(b.messages[0].id, b.messages[0].to),
                              in_group(b.messages[1].id, b.messages[1].to), multipart}));
  EXPECT_EQ(store.get_message(b.messages[0].id)->carrier_batch_id, "G-1");
  EXPECT_EQ(store.get_message(b.messages[2].id)->carrier_message_id, "S-1");

  DeliveryReport by_group;
  by_group.carrier = "mas";
  by_group.carrier_batch_id = "G-1";
  by_group.number = b.messages[1].to;
  by_group.delivered = true;
  by_group.at = 2000;
  EXPECT_EQ(report_result(store, by_group), ReportResult::applied);
  EXPECT_EQ(store.get_message(b.messages[1].id)->status, Status::delivered);
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::sent);  // the other number
  // The same batch and a number that is not in it: kept for a record that may still come.
  by_group.number = "+8613999999999";
  EXPECT_EQ(report_result(store, by_group), ReportResult::kept);
  // Another carrier's batch of the same name never matches.
  by_group.carrier = "aliyun";
  by_group.number = b.messages[0].to;
  EXPECT_EQ(report_result(store, by_group), ReportResult::kept);
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::sent);

  // The second segment's id finds the message too.
  EXPECT_EQ(report_result(store, dlr("cmpp", "S-2", false, "UNDELIV", 2100)), ReportResult::applied);
  EXPECT_EQ(store.get_message(b.messages[2].id)->status, Status::failed);
}

// SMPP and CMPP give every segment its own id and report: a long message is delivered when
// all its segments are, failed as soon as one fails (issue 11).
TEST_F(StoreTest, ASegmentedMessageIsDeliveredWhenEverySegmentIsAndFailedWhenOneFails) {
  Store& store = open();
  const auto b = make_batch(store, 2, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 2u);
  auto three = sent(b.messages[0].id, "smsc", "p1", 1100);
  three.carrier_message_ids = {"p1", "p2", "p3"};
  auto two = sent(b.messages[1].id, "smsc", "q1", 1100);
  two.carrier_message_ids = {"q1", "q2"};
  ASSERT_FALSE(record(store, {three, two}));

  EXPECT_EQ(report_result(store, dlr("smsc", "p2", true, "", 2000)), ReportResult::applied);
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::sent);
  EXPECT_EQ(report_result(store, dlr("smsc", "p2", true, "", 2001)), ReportResult::duplicate);
  EXPECT_EQ(report_result(store, dlr("smsc", "p1", true, "", 2002)), ReportResult::applied);
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::sent);
  EXPECT_EQ(report_result(store, dlr("smsc", "p3", true, "", 2003)), ReportResult::applied);
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::delivered);

  EXPECT_EQ(report_result(store, dlr("smsc", "q1", true, "", 2000)), ReportResult::applied);
  EXPECT_EQ(report_result(store, dlr("smsc", "q2", false, "UNDELIV err:001", 2001)), ReportResult::applied);
  const auto failed = store.get_message(b.messages[1].id);
  EXPECT_EQ(failed->status, Status::failed);
  EXPECT_EQ(failed->last_error, "part 2: UNDELIV err:001");
}

// A receipt may name the id in another base than the submit answer did, and may come before
// the answer is recorded: kept under every form, applied once, all its rows removed.
TEST_F(StoreTest, AnEarlySegmentReportUnderAnotherFormOfItsIdIsAppliedByTheRecord) {
  Store& store = open();
  const auto b = make_batch(store, 1, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 1u);
  auto early = dlr("smsc", "65537", true, "", 1050);
  early.carrier_message_id_forms = {"10001", "415031"};
  EXPECT_EQ(report_result(store, early), ReportResult::kept);
  EXPECT_EQ(store.pending_reports(), 3);
  auto r = sent(b.messages[0].id, "smsc", "10001", 1100);
  r.carrier_message_ids = {"10001", "10002"};
  ASSERT_FALSE(record(store, {r}));
  EXPECT_EQ(store.pending_reports(), 0);
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::sent);  // one of two parts
  auto second = dlr("smsc", "65538", true, "", 1200);
  second.carrier_message_id_forms = {"10002"};
  EXPECT_EQ(report_result(store, second), ReportResult::applied);
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::delivered);
}

TEST_F(StoreTest, ABatchReportThatOvertakesItsSendIsAppliedByTheRecord) {
  Store& store = open();
  const auto b = make_batch(store, 1, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 1u);
  DeliveryReport early;
  early.carrier = "mas";
  early.carrier_batch_id = "G-9";
  early.number = b.messages[0].to;
  early.delivered = true;
  early.at = 1050;
  EXPECT_EQ(report_result(store, early), ReportResult::kept);
  auto r = sent(b.messages[0].id, "mas", "", 1100);
  r.carrier_batch_id = "G-9";
  r.to = b.messages[0].to;
  ASSERT_FALSE(record(store, {r}));
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::delivered);
  EXPECT_EQ(store.pending_reports(), 0);
}

TEST_F(StoreTest, ManyReportsCommitTogetherWithOneResultEach) {
  Store& store = open();
  const auto b = make_batch(store, 2, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 2u);
  ASSERT_FALSE(record(store, {sent(b.messages[0].id, "c", "A", 1100),
                              sent(b.messages[1].id, "c", "B", 1100)}));
  std::promise<std::vector<ReportResult>> p;
  store.async_delivery_reports(
      {dlr("c", "A", true, "", 2000), dlr("c", "nope", true, "", 2000),
       dlr("c", "A", false, "late", 2001), dlr("c", "B", false, "UNDELIV", 2002)},
      [&p](std::error_code ec, std::vector<ReportResult> results) {
        EXPECT_FALSE(ec);
        p.set_value(std::move(results));
      });
  const auto results = p.get_future().get();
  EXPECT_EQ(results, (std::vector<ReportResult>{ReportResult::applied, ReportResult::kept,
                                                ReportResult::duplicate, ReportResult::applied}));
  EXPECT_EQ(store.get_message(b.messages[0].id)->status, Status::delivered);
  EXPECT_EQ(store.get_message(b.messages[1].id)->status, Status::failed);
}

// A carrier that reuses its ids (counters reset on its side): the newest message wins.
TEST_F(StoreTest, AReusedCarrierIdNamesTheNewestMessage) {
  Store& store = open();
  const auto first = make_batch(store, 1, 100);
  ASSERT_FALSE(enqueue(store, first).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 1u);
  ASSERT_FALSE(record(store, {sent(first.messages[0].id, "c", "R-1", 1100)}));
  const auto second = make_batch(store, 1, 200);
  ASSERT_FALSE(enqueue(store, second).ec);
  ASSERT_EQ(claim(store, 1000, 60'000).size(), 1u);
  ASSERT_FALSE(record(store, {sent(second.messages[0].id, "c", "R-1", 1200)}));
  EXPECT_TRUE(report(store, dlr("c", "R-1", true, "", 2000)));
  EXPECT_EQ(store.get_message(second.messages[0].id)->status, Status::delivered);
  EXPECT_EQ(store.get_message(first.messages[0].id)->status, Status::sent);
}

// Version 4 kept carrier ids on the message row only; reports for messages sent before the
// upgrade must still find them.
TEST_F(StoreTest, VersionFourDatabaseKeepsItsCarrierIds) {
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    migrate_to(db, 4);
    db.exec("INSERT INTO batches (id, source, created_at, count) VALUES (7, 'api:old', 1000, 1)");
    db.exec(
        "INSERT INTO messages (id, batch_id, recipient, text, segments, status, priority, send_at, "
        "next_attempt_at, carrier, carrier_message_id, created_at, updated_at) VALUES "
        "(1, 7, '+8613900010000', 'a', 1, 'sent', 0, 1000, 1000, 'c', 'OLD-1', 1000, 1000)");
  }
  Store& store = open();
  EXPECT_TRUE(report(store, dlr("c", "OLD-1", true, "", 5000)));
  EXPECT_EQ(store.get_message(1)->status, Status::delivered);
}

TEST_F(StoreTest, ListMessagesPagesNewestFirstWithFilters) {
  Store& store = open();
  const auto a = make_batch(store, 15, 100);
  const auto b = make_batch(store, 10, 200);
  ASSERT_FALSE(enqueue(store, a).ec);
  ASSERT_FALSE(enqueue(store, b).ec);

  std::vector<std::int64_t> seen;
  MessageFilter f;
  f.limit = 10;
  for (;;) {
    const auto page = store.list_messages(f);
    for (const auto& m : page.messages) seen.push_back(m.id);
    if (!page.next_cursor) break;
    EXPECT_EQ(page.messages.size(), 10u);
    EXPECT_EQ(*page.next_cursor, page.messages.back().id);
    f.before_id = page.next_cursor;
  }
  ASSERT_EQ(seen.size(), 25u);
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i - 1], seen[i]);
  EXPECT_EQ(seen.front(), b.messages.back().id);

  MessageFilter by_batch;
  by_batch.batch_id = a.id;
  by_batch.limit = 1000;
  const auto pa = store.list_messages(by_batch);
  EXPECT_EQ(pa.messages.size(), 15u);
  EXPECT_FALSE(pa.next_cursor);

  MessageFilter by_to;
  by_to.to = a.messages[3].to;  // same recipient index in both batches
  EXPECT_EQ(store.list_messages(by_to).messages.size(), 2u);
  by_to.batch_id = b.id;
  const auto one = store.list_messages(by_to);
  ASSERT_EQ(one.messages.size(), 1u);
  EXPECT_EQ(one.messages[0].id, b.messages[3].id);

  ASSERT_EQ(claim(store, 1000, 60'000, 4).size(), 4u);
  MessageFilter by_status;
  by_status.status = Status::sending;
  EXPECT_EQ(store.list_messages(by_status).messages.size(), 4u);

  MessageFilter clamped;
  clamped.limit = 0;
  const auto small = store.list_messages(clamped);
  EXPECT_EQ(small.messages.size(), 1u);
  EXPECT_TRUE(small.next_cursor);
  clamped.limit = 5000;
  EXPECT_EQ(store.list_messages(clamped).messages.size(), 25u);
}

TEST_F(StoreTest, BatchSummaryCountsEveryStatus) {
  Store& store = open();
  const auto b = make_batch(store, 4, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  EXPECT_EQ(cancel(store, b.messages[3].id), CancelResult::cancelled);
  ASSERT_EQ(claim(store, 1000, 60'000, 2).size(), 2u);
  ASSERT_FALSE(record(store, {sent(b.messages[0].id, "c", "1", 1100)}));
  const auto s = store.get_batch(b.id);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->total, 4);
  EXPECT_EQ(s->by_status.size(), 7u);
  EXPECT_EQ(s->by_status.at(Status::sent), 1);
  EXPECT_EQ(s->by_status.at(Status::sending), 1);
  EXPECT_EQ(s->by_status.at(Status::queued), 1);
  EXPECT_EQ(s->by_status.at(Status::cancelled), 1);
  EXPECT_EQ(s->by_status.at(Status::delivered), 0);
  EXPECT_FALSE(store.get_batch(b.id + 100));
  EXPECT_EQ(store.count_by_status().size(), 7u);
}

TEST_F(StoreTest, DueTimes) {
  Store& store = open();
  EXPECT_FALSE(store.next_due_at());
  EXPECT_FALSE(store.oldest_due_since(1000));
  ASSERT_FALSE(enqueue(store, make_batch(store, 1, 100, Priority::normal, 700)).ec);
  ASSERT_FALSE(enqueue(store, make_batch(store, 1, 100, Priority::urgent, 900)).ec);
  ASSERT_FALSE(enqueue(store, make_batch(store, 1, 100, Priority::normal, 5000)).ec);
  EXPECT_EQ(store.next_due_at(), 700);
  EXPECT_FALSE(store.oldest_due_since(600));
  EXPECT_EQ(store.oldest_due_since(800), 700);
  EXPECT_EQ(store.oldest_due_since(6000), 700);
}

TEST_F(StoreTest, CountsCreatedSinceSplitTheRecentPartAndLeaveOlderBatchesOut) {
  Store& store = open();
  const auto old = make_batch(store, 2, 999);     // before the period
  const auto week = make_batch(store, 3, 1000);   // exactly at its start: counted
  const auto today = make_batch(store, 4, 5000);  // exactly at `recent`: counted in both
  for (const auto& b : {old, week, today}) ASSERT_FALSE(enqueue(store, b).ec);
  EXPECT_EQ(cancel(store, today.messages[3].id), CancelResult::cancelled);
  ASSERT_EQ(claim(store, 6000, 60'000, 8).size(), 8u);
  ASSERT_FALSE(record(store, {sent(week.messages[0].id, "c", "w0", 6000), failed(week.messages[1].id, "c", "no", 6000),
                              expired(week.messages[2].id, "late", 6000), sent(today.messages[0].id, "c", "t0", 6000),
                              failed(today.messages[1].id, "c", "no", 6000)}));
  ASSERT_TRUE(report(store, dlr("c", "w0", true, "", 6100)));
  ASSERT_TRUE(report(store, dlr("c", "t0", true, "", 6100)));

  const CreatedCounts c = store.count_created_since(1000, 5000);
  EXPECT_EQ(c.since.size(), 7u);
  EXPECT_EQ(c.recent.size(), 7u);
  EXPECT_EQ(c.since.at(Status::delivered), 2);
  EXPECT_EQ(c.since.at(Status::failed), 2);
  EXPECT_EQ(c.since.at(Status::expired), 1);
  EXPECT_EQ(c.since.at(Status::sending), 1);  // today's third, claimed and not recorded
  EXPECT_EQ(c.since.at(Status::cancelled), 1);
  EXPECT_EQ(c.since.at(Status::sent), 0);
  EXPECT_EQ(c.recent.at(Status::delivered), 1);
  EXPECT_EQ(c.recent.at(Status::failed), 1);
  EXPECT_EQ(c.recent.at(Status::expired), 0);
  EXPECT_EQ(c.recent.at(Status::sending), 1);
  EXPECT_EQ(c.recent.at(Status::cancelled), 1);
  // Everything, and nothing.
  std::int64_t all = 0;
  for (const auto& [status, n] : store.count_created_since(0, 0).since) all += n;
  EXPECT_EQ(all, 9);
  for (const auto& [status, n] : store.count_created_since(5001, 5001).since) EXPECT_EQ(n, 0) << to_string(status);
}

TEST_F(StoreTest, QueueSummaryCountsWhatNoCarrierHasYet) {
  Store& store = open();
  EXPECT_EQ(store.queue_summary(1000).queued, 0);
  EXPECT_FALSE(store.queue_summary(1000).oldest_due);
  ASSERT_FALSE(enqueue(store, make_batch(store, 2, 100, Priority::normal, 700)).ec);   // due
  ASSERT_FALSE(enqueue(store, make_batch(store, 1, 100, Priority::urgent, 900)).ec);   // due
  ASSERT_FALSE(enqueue(store, make_batch(store, 3, 100, Priority::normal, 5000)).ec);  // later
  const auto done = make_batch(store, 1, 100, Priority::normal, 600);
  ASSERT_FALSE(enqueue(store, done).ec);
  // The urgent one and the oldest normal one go to a dispatcher; the latter is sent.
  ASSERT_EQ(claim(store, 1000, 60'000, 2).size(), 2u);
  ASSERT_FALSE(record(store, {sent(done.messages[0].id, "c", "d0", 1000)}));
  const QueueSummary q = store.queue_summary(1000);
  EXPECT_EQ(q.queued, 5);   // the two due at 700 and the three due at 5000
  EXPECT_EQ(q.sending, 1);  // the urgent one
  EXPECT_EQ(q.not_due, 3);
  EXPECT_EQ(q.oldest_due, 700);  // the sent one (600) waits no more
  EXPECT_EQ(store.queue_summary(6000).not_due, 0);
}

TEST_F(StoreTest, GroupCommitSharesCommitsAcrossThreads) {
  Store& store = open();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        store.async_enqueue(make_batch(store, 1, 1000), std::nullopt, {},
                            [&](std::error_code ec, EnqueueResult) { (ec ? failed : ok).fetch_add(1); });
      }
    });
  }
  for (auto& t : threads) t.join();
  store.flush();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(store.count_by_status()[Status::queued], kThreads * kPerThread);
  const auto stats = store.stats();
  EXPECT_EQ(stats.jobs, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_LT(stats.commits * 10, stats.jobs) << "commits " << stats.commits;
}

TEST_F(StoreTest, ClosedLoopWritersShareCommits) {
  // Like API sessions: each thread waits for its commit before sending the next request.
  Store& store = open();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) EXPECT_FALSE(enqueue(store, make_batch(store, 1, 1000)).ec);
    });
  }
  for (auto& t : threads) t.join();
  const auto stats = store.stats();
  EXPECT_EQ(stats.jobs, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_LT(stats.commits * 2, stats.jobs) << "commits " << stats.commits;
}

TEST_F(StoreTest, IdsAreMonotonicAcrossReopen) {
  Store& store = open();
  const auto b = make_batch(store, 5, 100);
  ASSERT_FALSE(enqueue(store, b).ec);
  const std::int64_t last_message = b.messages.back().id;
  const std::int64_t last_batch = b.id;
  store_.reset();

  Store& again = open();
  EXPECT_GT(again.allocate_message_ids(3), last_message);
  EXPECT_GT(again.allocate_batch_id(), last_batch);
  const std::int64_t first = again.allocate_message_ids(10);
  EXPECT_EQ(again.allocate_message_ids(1), first + 10);
}

TEST_F(StoreTest, FailingJobInGroupFailsAlone) {
  Store& store = open();
  // Hold the writer inside a completion handler so the next three jobs queue up and are
  // committed as one group.
  std::promise<void> gate;
  auto gate_open = gate.get_future().share();
  std::promise<void> holding;
  store.async_cancel(1, [&](std::error_code, CancelResult) {
    holding.set_value();
    gate_open.wait();
  });
  holding.get_future().wait();
  const auto before = store.stats();

  const auto a = make_batch(store, 2, 100);
  auto dup = make_batch(store, 2, 100);
  dup.messages[1].id = a.messages[0].id;  // duplicate primary key
  const auto c = make_batch(store, 2, 100);
  std::promise<Enqueued> pa, pdup, pc;
  const auto submit = [&store](const NewBatch& batch, std::promise<Enqueued>& p) {
    store.async_enqueue(batch, std::nullopt, {}, [&p](std::error_code ec, EnqueueResult r) {
      p.set_value({ec, r});
    });
  };
  submit(a, pa);
  submit(dup, pdup);
  submit(c, pc);
  gate.set_value();
  const auto ra = pa.get_future().get();
  const auto rdup = pdup.get_future().get();
  const auto rc = pc.get_future().get();
  EXPECT_FALSE(ra.ec);
  EXPECT_FALSE(rc.ec);
  ASSERT_TRUE(rdup.ec);
  EXPECT_EQ(rdup.ec.category(), sqlite_category());
  EXPECT_EQ(rdup.ec.value(), SQLITE_CONSTRAINT_PRIMARYKEY);
  EXPECT_FALSE(is_storage_unavailable(rdup.ec));

  const auto after = store.stats();
  EXPECT_EQ(after.jobs - before.jobs, 3u);
  EXPECT_EQ(after.commits - before.commits, 1u);
  EXPECT_TRUE(store.get_batch(a.id));
  EXPECT_TRUE(store.get_batch(c.id));
  EXPECT_FALSE(store.get_batch(dup.id));  // its batch row was rolled back with it
  EXPECT_FALSE(store.get_message(dup.messages[0].id));
  EXPECT_EQ(store.count_by_status()[Status::queued], 4);
}

TEST_F(StoreTest, DestructorCommitsQueuedJobs) {
  Store& store = open();
  std::atomic<int> done{0};
  for (int i = 0; i < 200; ++i)
    store.async_enqueue(make_batch(store, 1, 100), std::nullopt, {},
                        [&](std::error_code ec, EnqueueResult) { if (!ec) done.fetch_add(1); });
  store_.reset();
  EXPECT_EQ(done.load(), 200);
  EXPECT_EQ(open().count_by_status()[Status::queued], 200);
}

TEST(StoreSqliteError, ClassifiesStorageUnavailable) {
  const auto ec = [](int code) { return std::error_code(code, sqlite_category()); };
  EXPECT_TRUE(is_storage_unavailable(ec(SQLITE_FULL)));
  EXPECT_TRUE(is_storage_unavailable(ec(SQLITE_IOERR)));
  EXPECT_TRUE(is_storage_unavailable(ec(SQLITE_IOERR_FSYNC)));
  EXPECT_TRUE(is_storage_unavailable(ec(SQLITE_READONLY_DBMOVED)));
  EXPECT_TRUE(is_storage_unavailable(ec(SQLITE_CANTOPEN)));
  EXPECT_FALSE(is_storage_unavailable(ec(SQLITE_CORRUPT)));
  EXPECT_FALSE(is_storage_unavailable(ec(SQLITE_CONSTRAINT_PRIMARYKEY)));
  EXPECT_FALSE(is_storage_unavailable(std::make_error_code(std::errc::no_space_on_device)));
  EXPECT_EQ(ec(SQLITE_FULL).message(), "database or disk is full");
  EXPECT_STREQ(sqlite_category().name(), "sqlite");
}

// A database capped with max_page_count fails like a full disk: SQLITE_FULL, classified as
// "storage unavailable" (the API answers 503), nothing committed is lost, and once space returns
// the same Store commits again: the writer is not wedged by the failed transaction.
TEST_F(StoreTest, FullDatabaseFailsCleanlyAndRecoversWhenSpaceReturns) {
  open();
  // Space that can be given back later without touching the queue: a filler table.
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("CREATE TABLE filler (b BLOB)");
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 64) "
            "INSERT INTO filler SELECT zeroblob(4096) FROM n");
  }
  std::int64_t pages = 0;
  {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    pages = db.execAndGet("PRAGMA page_count").getInt64();
  }
  store_.reset();
  store_ = Store::open({.path = path_, .max_page_count = pages + 16});
  Store& store = *store_;

  const std::string text(400, 'x');
  std::vector<std::int64_t> acknowledged;
  std::error_code full;
  for (int i = 0; i < 1000 && !full; ++i) {
    NewBatch b = make_batch(store, 20, 100);
    for (auto& m : b.messages) m.text = text;
    const auto r = enqueue(store, b);
    if (r.ec) {
      full = r.ec;
    } else {
      for (const auto& m : b.messages) acknowledged.push_back(m.id);
    }
  }
  ASSERT_TRUE(full) << "the capped database never filled up";
  EXPECT_EQ(full.value() & 0xff, SQLITE_FULL) << full.message();
  EXPECT_TRUE(is_storage_unavailable(full));
  ASSERT_FALSE(acknowledged.empty());
  EXPECT_FALSE(store.last_commit_ok());
  // Still full: the next write fails the same way instead of hanging or crashing.
  {
    NewBatch b = make_batch(store, 20, 100);
    for (auto& m : b.messages) m.text = text;
    EXPECT_TRUE(is_storage_unavailable(enqueue(store, b).ec));
  }

  // Space returns: the filler's pages go to the free list, which the writer reuses.
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE, 5000);
    db.exec("DROP TABLE filler");
  }
  NewBatch b = make_batch(store, 20, 100);
  for (auto& m : b.messages) m.text = text;
  const auto r = enqueue(store, b);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_TRUE(store.last_commit_ok());
  EXPECT_TRUE(store.writable());
  for (const auto& m : b.messages) acknowledged.push_back(m.id);
  for (std::int64_t id : acknowledged) ASSERT_TRUE(store.get_message(id)) << "message " << id << " lost";
  EXPECT_EQ(store.count_by_status()[Status::queued], static_cast<std::int64_t>(acknowledged.size()));
  // Claims work again too (the dispatcher shares the writer).
  EXPECT_EQ(claim(store, 1000, 60'000, 10).size(), 10u);
}

TEST_F(StoreTest, DiskUsageReportsDatabaseAndFreeBytes) {
  Store& store = open();
  EXPECT_FALSE(enqueue(store, make_batch(store, 10, 100)).ec);
  const auto usage = store.disk_usage();
  EXPECT_GE(usage.database_bytes, fs::file_size(path_));
  ASSERT_TRUE(usage.free_bytes);
  EXPECT_GT(*usage.free_bytes, 0u);
}

// One message to `phone`, with the daily cap `cap` counted since `since`.
NewBatch capped_batch(Store& store, const std::string& phone, int cap, UnixMs since, UnixMs at) {
  NewBatch b;
  b.id = store.allocate_batch_id();
  b.source = "api:test";
  b.created_at = at;
  b.daily_cap = {cap, since};
  NewMessage m;
  m.id = store.allocate_message_ids(1);
  m.to = phone;
  m.text = "capped";
  b.messages.push_back(std::move(m));
  return b;
}

TEST_F(StoreTest, DailyCapIsCountedInsideTheCommitSoParallelSendsCannotExceedIt) {
  Store& store = open();
  const std::string phone = "+8613800001111";
  // 20 sends to one number submitted at once (they commit in one or two groups): the cap of 1
  // lets exactly one through, however the writer groups them.
  constexpr int kSends = 20;
  std::vector<std::promise<EnqueueResult>> done(kSends);
  for (int i = 0; i < kSends; ++i) {
    store.async_enqueue(capped_batch(store, phone, 1, 0, 1000 + i), std::nullopt,
                        [](const NewBatch& committed) {
                          return std::to_string(committed.messages.size()) + "/" +
                                 std::to_string(committed.skips.size());
                        },
                        [&done, i](std::error_code ec, EnqueueResult r) {
                          EXPECT_FALSE(ec) << ec.message();
                          done[static_cast<std::size_t>(i)].set_value(std::move(r));
                        });
  }
  int created = 0, skipped = 0;
  for (auto& d : done) {
    EnqueueResult r = d.get_future().get();
    EXPECT_EQ(r.kind, EnqueueResult::Kind::created);
    created += static_cast<int>(r.count);
    if (r.count == 0) {
      EXPECT_EQ(r.response, "0/1");  // the renderer saw the committed batch
      ++skipped;
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(skipped, kSends - 1);
  MessageFilter f;
  f.to = phone;
  EXPECT_EQ(store.list_messages(f).messages.size(), 1u);
  // A new day (since moves) lets the next one through; cancelled messages do not count.
  auto next_day = enqueue(store, capped_batch(store, phone, 1, 100'000, 100'500));
  EXPECT_EQ(next_day.result.count, 1);
  ASSERT_EQ(cancel(store, store.list_messages(f).messages.front().id), CancelResult::cancelled);
  EXPECT_EQ(enqueue(store, capped_batch(store, phone, 1, 100'000, 100'600)).result.count, 1);
  // The skips are stored with their reason.
  const auto summary = store.get_batch(store.list_messages(f).messages.back().batch_id);
  ASSERT_TRUE(summary);
}

// Yields "streamed N" to +86138000020NN; counts how often it was asked.
class CountingStream final : public MessageStream {
 public:
  explicit CountingStream(std::size_t n) : n_(n) {}
  std::size_t size() const override { return n_; }
  void get(std::size_t i, NewMessage& out) const override {
    ++gets;
    char phone[32];
    std::snprintf(phone, sizeof phone, "+86138000020%02zu", i);
    out.to = phone;
    out.text = "streamed " + std::to_string(i);
    out.segments = 1;
    out.carrier_calls.clear();
  }
  mutable std::atomic<int> gets{0};

 private:
  std::size_t n_;
};

TEST_F(StoreTest, AStreamedBatchIsRenderedAtCommitOneMessageAtATimeAndCapped) {
  Store& store = open();
  // +8613800002003 already had its one message today: the cap turns its streamed one into a skip.
  ASSERT_EQ(enqueue(store, capped_batch(store, "+8613800002003", 1, 0, 500)).result.count, 1);
  auto stream = std::make_shared<CountingStream>(5);
  NewBatch b;
  b.id = store.allocate_batch_id();
  b.source = "api:test";
  b.created_at = 1000;
  b.daily_cap = {1, 0};
  b.stream = stream;
  b.streamed = stream->size();
  b.common.id = store.allocate_message_ids(5);
  b.common.priority = Priority::urgent;
  b.common.send_at = 2000;
  b.common.expires_at = 9000;
  const std::int64_t first = b.common.id;
  std::promise<EnqueueResult> done;
  store.async_enqueue(std::move(b), std::nullopt,
                      [](const NewBatch& committed) {
                        return std::to_string(committed.message_count()) + "/" +
                               std::to_string(committed.skips.size());
                      },
                      [&done](std::error_code ec, EnqueueResult r) {
                        EXPECT_FALSE(ec) << ec.message();
                        done.set_value(std::move(r));
                      });
  const EnqueueResult r = done.get_future().get();
  EXPECT_EQ(r.count, 4);
  EXPECT_EQ(r.response, "4/1");
  EXPECT_EQ(stream->gets.load(), 5);  // each message rendered once, by the writer
  for (std::int64_t i = 0; i < 5; ++i) {
    auto m = store.get_message(first + i);
    if (i == 3) {
      EXPECT_FALSE(m) << "the capped message was stored";
      continue;
    }
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->text, "streamed " + std::to_string(i));
    EXPECT_EQ(m->to, "+86138000020" + std::string(i < 10 ? "0" : "") + std::to_string(i));
    EXPECT_EQ(m->priority, Priority::urgent);
    EXPECT_EQ(m->send_at, 2000);
    EXPECT_EQ(m->expires_at, std::optional<UnixMs>(9000));
  }
  const auto summary = store.get_batch(store.get_message(first)->batch_id);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->total, 4);
  EXPECT_EQ(summary->skipped, 1);
  EXPECT_EQ(summary->skipped_by_reason, (std::map<std::string, std::int64_t>{{"daily_cap", 1}}));
}

TEST_F(StoreTest, ClientWritesBeyondTheBoundAreRefusedButTheDispatchersAreNot) {
  store_ = Store::open({.path = path_, .max_pending_writes = 4});
  Store& store = *store_;
  // Hold the writer: a job that waits until released, so everything after it queues up.
  std::promise<void> gate;
  std::shared_future<void> open_gate = gate.get_future().share();
  std::promise<void> started;
  store.async_upsert_recipients({}, [](std::error_code, UpsertCounts) {});
  store.async_claim(0, 1, 1, kOwner, [&](std::error_code, std::vector<ClaimedMessage>) {
    started.set_value();
    open_gate.wait();  // a completion on the writer thread: the writer is stuck here
  });
  started.get_future().wait();
  std::atomic<int> refused{0}, accepted{0};
  std::vector<std::promise<void>> enqueued(10);
  for (int i = 0; i < 10; ++i) {
    store.async_enqueue(make_batch(store, 1, 1000), std::nullopt, {},
                        [&, i](std::error_code ec, EnqueueResult) {
                          (is_overloaded(ec) ? refused : accepted).fetch_add(1);
                          enqueued[static_cast<std::size_t>(i)].set_value();
                        });
  }
  // Refused at once, while the writer is still held: nothing waits for it.
  for (int i = 4; i < 10; ++i) {
    EXPECT_EQ(enqueued[static_cast<std::size_t>(i)].get_future().wait_for(std::chrono::seconds(5)),
              std::future_status::ready);
  }
  EXPECT_EQ(refused.load(), 6);
  // The dispatcher's writes still queue beyond the bound.
  std::promise<std::error_code> recorded;
  store.async_record({}, [&](std::error_code ec) { recorded.set_value(ec); });
  gate.set_value();
  EXPECT_FALSE(recorded.get_future().get());
  for (int i = 0; i < 4; ++i) enqueued[static_cast<std::size_t>(i)].get_future().wait();
  EXPECT_EQ(accepted.load(), 4);
}

TEST_F(StoreTest, TheStoreStampsWithItsInjectedClock) {
  store_ = Store::open({.path = path_, .clock = Clock{.wall = [] { return UnixMs{1'234'567}; }}});
  Store& store = *store_;
  auto b = make_batch(store, 1, 0);  // created_at 0: the store's clock
  ASSERT_FALSE(enqueue(store, b).ec);
  auto m = store.get_message(b.messages[0].id);
  EXPECT_EQ(m->created_at, 1'234'567);
  EXPECT_EQ(m->send_at, 1'234'567);
  ASSERT_EQ(cancel(store, m->id), CancelResult::cancelled);
  EXPECT_EQ(store.get_message(m->id)->updated_at, 1'234'567);
}

PruneCounts prune(Store& store, PruneRequest req) {
  std::promise<PruneCounts> p;
  store.async_prune(req, [&p](std::error_code ec, PruneCounts c) {
    EXPECT_FALSE(ec) << ec.message();
    p.set_value(c);
  });
  return p.get_future().get();
}

TEST_F(StoreTest, RetentionPrunesFinishedMessagesAndOldKeysInBatches) {
  Store& store = open();
  // Old: 5 delivered, 1 queued (far-future send), 1 sending. Young: 2 delivered.
  auto old_done = make_batch(store, 5, 1000);
  auto old_queued = make_batch(store, 1, 1000, Priority::normal, 999'999'999);
  auto old_sending = make_batch(store, 1, 1000);
  auto young = make_batch(store, 2, 50'000);
  ASSERT_FALSE(enqueue(store, old_done, IdempotencyKey{"t", "k-old", "h"}).ec);
  ASSERT_FALSE(enqueue(store, old_queued).ec);
  ASSERT_FALSE(enqueue(store, old_sending).ec);
  const auto claimed = claim(store, 2000, 999'000, 100);
  std::vector<AttemptResult> results;
  for (const auto& c : claimed) {
    if (c.id != old_sending.messages[0].id) results.push_back(sent(c.id, "c", "id-" + std::to_string(c.id), 2000));
  }
  ASSERT_FALSE(record(store, results));
  ASSERT_FALSE(enqueue(store, young, IdempotencyKey{"t", "k-young", "h"}).ec);
  ASSERT_EQ(report_result(store, dlr("c", "nobody", true, "", 3000)), ReportResult::kept);

  PruneRequest req;
  req.messages_before = 10'000;
  req.keys_before = 10'000;
  req.reports_before = 10'000;
  req.batch = 3;
  PruneCounts c = prune(store, req);
  EXPECT_EQ(c.messages, 3);  // the first three of the old batch, in id order
  EXPECT_EQ(c.attempts, 3);
  EXPECT_EQ(c.idempotency_keys, 1);
  EXPECT_EQ(c.pending_reports, 1);
  EXPECT_TRUE(c.more);
  std::int64_t messages = c.messages, batches = c.batches;
  for (int pass = 0; pass < 10 && c.more; ++pass) {
    req.after_id = c.last_message_id;
    req.after_batch_id = c.last_batch_id;
    c = prune(store, req);
    messages += c.messages;
    batches += c.batches;
  }
  EXPECT_FALSE(c.more);
  EXPECT_EQ(messages, 5);
  // A batch still holding messages when the scan passed it goes in the next round, which
  // starts from the oldest rows again (as the retention timer does).
  req.after_id = req.after_batch_id = 0;
  c = prune(store, req);
  batches += c.batches;
  EXPECT_EQ(batches, 1);  // old_done's; the others still have messages
  for (const auto& m : old_done.messages) EXPECT_FALSE(store.get_message(m.id));
  EXPECT_TRUE(store.get_attempts(old_done.messages[0].id).empty());
  {
    // Their carrier references went with them: a late report finds nothing.
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT COUNT(*) FROM carrier_refs WHERE message_id = ?");
    q.bind(1, old_done.messages[0].id);
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getInt(), 0);
  }
  EXPECT_FALSE(store.get_batch(old_done.id));
  EXPECT_EQ(store.get_message(old_queued.messages[0].id)->status, Status::queued);
  EXPECT_EQ(store.get_message(old_sending.messages[0].id)->status, Status::sending);
  for (const auto& m : young.messages) EXPECT_TRUE(store.get_message(m.id));
  EXPECT_EQ(store.pending_reports(), 0);
  // The young key still replays; the old one is gone, so the same key creates anew.
  EXPECT_EQ(enqueue(store, make_batch(store, 1, 60'000), IdempotencyKey{"t", "k-young", "h"}).result.kind,
            EnqueueResult::Kind::replayed);
  EXPECT_EQ(enqueue(store, make_batch(store, 1, 60'000), IdempotencyKey{"t", "k-old", "h"}).result.kind,
            EnqueueResult::Kind::created);
}

// Not tests: `--gtest_also_run_disabled_tests --gtest_filter='*Throughput*'` prints messages/s
// for 1,000 enqueues of 100 messages from N threads, each waiting for its commit (like API
// sessions on keep-alive connections).
void run_throughput(Store& store, int threads_count) {
  constexpr int kRequests = 1000;
  std::vector<NewBatch> batches;
  for (int i = 0; i < kRequests; ++i) batches.push_back(make_batch(store, 100, 1000));
  std::atomic<int> next{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_count; ++t) {
    threads.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < kRequests;)
        EXPECT_FALSE(enqueue(store, std::move(batches[static_cast<std::size_t>(i)])).ec);
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto stats = store.stats();
  std::printf("%d threads: enqueued %d messages in %.3f s: %.0f messages/s, %llu commits for %llu jobs\n",
              threads_count, kRequests * 100, seconds, kRequests * 100 / seconds,
              static_cast<unsigned long long>(stats.commits), static_cast<unsigned long long>(stats.jobs));
  EXPECT_EQ(store.count_by_status()[Status::queued], kRequests * 100);
}

TEST_F(StoreTest, DISABLED_Throughput4Threads) { run_throughput(open(), 4); }
TEST_F(StoreTest, DISABLED_Throughput64Threads) { run_throughput(open(), 64); }

}  // namespace
}  // namespace smsgw::store
