// Schedules and their firings in the store against real SQLite files, one fresh directory per
// test. The point of schedule_runs is exactly-once: these tests try hard to fire an occurrence
// twice.

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "store/schema.hpp"
#include "store/store.hpp"

namespace smsgw::store {
namespace {

namespace fs = std::filesystem;

// --- synchronous wrappers: the tests wait on a future, never sleep ---

std::pair<WriteResult, std::int64_t> create(Store& store, std::string name, std::string spec = R"({"every":"1d"})",
                                            bool enabled = true) {
  ScheduleRow row;
  row.name = std::move(name);
  row.spec_json = std::move(spec);
  row.enabled = enabled;
  row.source = "api:ops";
  std::promise<std::pair<WriteResult, std::int64_t>> p;
  auto f = p.get_future();
  store.async_create_schedule(std::move(row), [&p](std::error_code ec, WriteResult r, std::int64_t id) {
    EXPECT_FALSE(ec) << ec.message();
    p.set_value({r, id});
  });
  return f.get();
}

template <typename Submit>
WriteResult wait_write(Submit submit) {
  std::promise<WriteResult> p;
  auto f = p.get_future();
  submit([&p](std::error_code ec, WriteResult r) {
    EXPECT_FALSE(ec) << ec.message();
    p.set_value(r);
  });
  return f.get();
}

struct Recorded {
  std::error_code ec;
  RecordRunResult result = RecordRunResult::duplicate;
};

std::future<Recorded> submit_run(Store& store, ScheduleRun run, std::optional<NewBatch> batch) {
  auto p = std::make_shared<std::promise<Recorded>>();
  auto f = p->get_future();
  store.async_record_run(std::move(run), std::move(batch),
                         [p](std::error_code ec, RecordRunResult r) { p->set_value({ec, r}); });
  return f;
}

Recorded record_run(Store& store, ScheduleRun run, std::optional<NewBatch> batch = std::nullopt) {
  return submit_run(store, std::move(run), std::move(batch)).get();
}

ScheduleRun run_of(std::int64_t schedule_id, std::string occurrence, RunOutcome outcome = RunOutcome::fired,
                   UnixMs due_at = 1'700'000'000'000) {
  ScheduleRun r;
  r.schedule_id = schedule_id;
  r.occurrence = std::move(occurrence);
  r.due_at = due_at;
  r.outcome = outcome;
  return r;
}

NewBatch batch_of(Store& store, std::int64_t schedule_id, int n, int skips = 0) {
  NewBatch b;
  b.id = store.allocate_batch_id();
  b.source = "schedule:" + std::to_string(schedule_id);
  const std::int64_t first = store.allocate_message_ids(n);
  for (int i = 0; i < n; ++i) {
    NewMessage m;
    m.id = first + i;
    m.to = "+86138000" + std::to_string(10000 + i);
    m.text = "例会提醒 " + std::to_string(i);
    b.messages.push_back(std::move(m));
  }
  for (int i = 0; i < skips; ++i) b.skips.push_back({"+86139000" + std::to_string(10000 + i), "inactive"});
  return b;
}

std::int64_t messages_in(Store& store, std::int64_t batch_id) {
  MessageFilter f;
  f.batch_id = batch_id;
  f.limit = 1000;
  return static_cast<std::int64_t>(store.list_messages(f).messages.size());
}

std::int64_t all_messages(Store& store) {
  std::int64_t n = 0;
  for (const auto& [status, count] : store.count_by_status()) n += count;
  return n;
}

class SchedulesStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "smsgw-sched-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "smsgw.db").string();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  Store& open() {
    store_.reset();
    store_ = Store::open({.path = path_});
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

TEST_F(SchedulesStoreTest, CreateGetFindList) {
  Store& store = open();
  auto [r1, id1] = create(store, "weekly-meeting", R"({"cron":"0 9 * * MON"})");
  ASSERT_EQ(r1, WriteResult::ok);
  auto [r2, id2] = create(store, "daily-duty", R"({"every":"1d"})", false);
  ASSERT_EQ(r2, WriteResult::ok);
  EXPECT_GT(id1, 0);
  EXPECT_GT(id2, id1);

  auto got = store.get_schedule(id1);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, id1);
  EXPECT_EQ(got->name, "weekly-meeting");
  EXPECT_EQ(got->spec_json, R"({"cron":"0 9 * * MON"})");
  EXPECT_TRUE(got->enabled);
  EXPECT_EQ(got->source, "api:ops");
  EXPECT_GT(got->created_at, 0);
  EXPECT_EQ(got->updated_at, got->created_at);

  auto found = store.find_schedule("daily-duty");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, id2);
  EXPECT_FALSE(found->enabled);
  EXPECT_FALSE(store.find_schedule("nope"));
  EXPECT_FALSE(store.get_schedule(id2 + 100));

  auto all = store.list_schedules();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, id1);
  EXPECT_EQ(all[1].id, id2);
}

TEST_F(SchedulesStoreTest, CreateWithTakenNameIsConflictAndWritesNothing) {
  Store& store = open();
  auto [r1, id1] = create(store, "weekly-meeting", "{\"a\":1}");
  ASSERT_EQ(r1, WriteResult::ok);
  auto [r2, id2] = create(store, "weekly-meeting", "{\"b\":2}");
  EXPECT_EQ(r2, WriteResult::conflict);
  EXPECT_EQ(id2, 0);
  ASSERT_EQ(store.list_schedules().size(), 1u);
  EXPECT_EQ(store.get_schedule(id1)->spec_json, "{\"a\":1}");
}

TEST_F(SchedulesStoreTest, UpdateReplacesFieldsAndRefusesAnotherSchedulesName) {
  Store& store = open();
  auto [ra, a] = create(store, "alpha", "{\"v\":1}");
  auto [rb, b] = create(store, "beta");
  ASSERT_EQ(ra, WriteResult::ok);
  ASSERT_EQ(rb, WriteResult::ok);

  ScheduleRow row = *store.get_schedule(a);
  row.name = "alpha-renamed";
  row.spec_json = "{\"v\":2}";
  row.enabled = false;
  row.source = "ignored";  // not part of an update
  EXPECT_EQ(wait_write([&](auto done) { store.async_update_schedule(row, std::move(done)); }), WriteResult::ok);
  auto got = store.get_schedule(a);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "alpha-renamed");
  EXPECT_EQ(got->spec_json, "{\"v\":2}");
  EXPECT_FALSE(got->enabled);
  EXPECT_EQ(got->source, "api:ops");
  EXPECT_GE(got->updated_at, got->created_at);
  EXPECT_FALSE(store.find_schedule("alpha"));

  // Keeping its own name is no conflict.
  row.spec_json = "{\"v\":3}";
  EXPECT_EQ(wait_write([&](auto done) { store.async_update_schedule(row, std::move(done)); }), WriteResult::ok);
  EXPECT_EQ(store.get_schedule(a)->spec_json, "{\"v\":3}");

  // Renaming onto beta's name: conflict, nothing changes.
  row.name = "beta";
  row.spec_json = "{\"v\":4}";
  EXPECT_EQ(wait_write([&](auto done) { store.async_update_schedule(row, std::move(done)); }),
            WriteResult::conflict);
  EXPECT_EQ(store.get_schedule(a)->name, "alpha-renamed");
  EXPECT_EQ(store.get_schedule(a)->spec_json, "{\"v\":3}");
  EXPECT_EQ(store.find_schedule("beta")->id, b);

  row.id = b + 100;
  row.name = "ghost";
  EXPECT_EQ(wait_write([&](auto done) { store.async_update_schedule(row, std::move(done)); }),
            WriteResult::not_found);
  EXPECT_FALSE(store.find_schedule("ghost"));
}

TEST_F(SchedulesStoreTest, EnabledToggle) {
  Store& store = open();
  auto [r, id] = create(store, "alpha");
  ASSERT_EQ(r, WriteResult::ok);
  EXPECT_EQ(wait_write([&](auto done) { store.async_set_schedule_enabled(id, false, std::move(done)); }),
            WriteResult::ok);
  EXPECT_FALSE(store.get_schedule(id)->enabled);
  EXPECT_EQ(wait_write([&](auto done) { store.async_set_schedule_enabled(id, true, std::move(done)); }),
            WriteResult::ok);
  EXPECT_TRUE(store.get_schedule(id)->enabled);
  EXPECT_EQ(wait_write([&](auto done) { store.async_set_schedule_enabled(id + 1, false, std::move(done)); }),
            WriteResult::not_found);
}

TEST_F(SchedulesStoreTest, DeleteKeepsRunsAndFreesTheName) {
  Store& store = open();
  auto [r, id] = create(store, "alpha");
  ASSERT_EQ(r, WriteResult::ok);
  auto rec = record_run(store, run_of(id, "2024-01-01T09:00"), batch_of(store, id, 2));
  ASSERT_FALSE(rec.ec) << rec.ec.message();
  ASSERT_EQ(rec.result, RecordRunResult::recorded);

  EXPECT_EQ(wait_write([&](auto done) { store.async_delete_schedule(id, std::move(done)); }), WriteResult::ok);
  EXPECT_FALSE(store.get_schedule(id));
  EXPECT_TRUE(store.list_schedules().empty());
  EXPECT_EQ(wait_write([&](auto done) { store.async_delete_schedule(id, std::move(done)); }),
            WriteResult::not_found);

  EXPECT_TRUE(store.has_run(id, "2024-01-01T09:00"));
  auto last = store.last_run(id);
  ASSERT_TRUE(last);
  ASSERT_TRUE(last->batch_id);
  EXPECT_EQ(messages_in(store, *last->batch_id), 2);
  EXPECT_EQ(store.list_runs(id, 10, std::nullopt).runs.size(), 1u);

  auto [r2, id2] = create(store, "alpha");
  EXPECT_EQ(r2, WriteResult::ok);
  EXPECT_NE(id2, id);
}

TEST_F(SchedulesStoreTest, RecordRunCreatesTheBatchLikeAnApiSend) {
  Store& store = open();
  auto [r, id] = create(store, "alpha");
  ASSERT_EQ(r, WriteResult::ok);
  NewBatch batch = batch_of(store, id, 3, 2);
  const std::int64_t batch_id = batch.id;
  const std::int64_t first_message = batch.messages.front().id;
  ScheduleRun run = run_of(id, "2024-01-01T09:00", RunOutcome::fired, 1'704'070'800'000);
  run.caught_up = true;
  run.count = 99;  // the store counts the batch itself
  auto rec = record_run(store, run, std::move(batch));
  ASSERT_FALSE(rec.ec) << rec.ec.message();
  EXPECT_EQ(rec.result, RecordRunResult::recorded);

  auto b = store.get_batch(batch_id);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->source, "schedule:" + std::to_string(id));
  EXPECT_EQ(b->total, 3);
  EXPECT_EQ(b->by_status[Status::queued], 3);
  EXPECT_EQ(b->skipped, 2);
  EXPECT_EQ(b->skipped_by_reason["inactive"], 2);
  EXPECT_EQ(messages_in(store, batch_id), 3);
  auto m = store.get_message(first_message);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->batch_id, batch_id);
  EXPECT_EQ(m->status, Status::queued);
  EXPECT_EQ(m->text, "例会提醒 0");

  auto last = store.last_run(id);
  ASSERT_TRUE(last);
  EXPECT_GT(last->id, 0);
  EXPECT_EQ(last->schedule_id, id);
  EXPECT_EQ(last->occurrence, "2024-01-01T09:00");
  EXPECT_EQ(last->due_at, 1'704'070'800'000);
  EXPECT_GT(last->at, 0);
  EXPECT_EQ(last->outcome, RunOutcome::fired);
  EXPECT_TRUE(last->caught_up);
  EXPECT_EQ(last->batch_id, batch_id);
  EXPECT_EQ(last->count, 3);
  EXPECT_EQ(last->error, "");
}

TEST_F(SchedulesStoreTest, SecondRecordOfAnOccurrenceIsDuplicateAndCreatesNoMessages) {
  Store& store = open();
  auto [r, id] = create(store, "alpha");
  ASSERT_EQ(r, WriteResult::ok);
  ASSERT_EQ(record_run(store, run_of(id, "occ-1"), batch_of(store, id, 2)).result, RecordRunResult::recorded);
  NewBatch again = batch_of(store, id, 5, 1);
  const std::int64_t again_id = again.id;
  const std::int64_t again_first = again.messages.front().id;
  auto dup = record_run(store, run_of(id, "occ-1"), std::move(again));
  ASSERT_FALSE(dup.ec) << dup.ec.message();
  EXPECT_EQ(dup.result, RecordRunResult::duplicate);
  EXPECT_FALSE(store.get_batch(again_id));
  EXPECT_FALSE(store.get_message(again_first));
  EXPECT_EQ(messages_in(store, again_id), 0);
  EXPECT_EQ(all_messages(store), 2);
  EXPECT_EQ(store.list_runs(id, 10, std::nullopt).runs.size(), 1u);

  // The key is (schedule, occurrence): the same occurrence of another schedule is its own run,
  // and a duplicate without a batch is a duplicate too.
  EXPECT_EQ(record_run(store, run_of(id + 1, "occ-1")).result, RecordRunResult::recorded);
  EXPECT_EQ(record_run(store, run_of(id, "occ-1", RunOutcome::missed)).result, RecordRunResult::duplicate);
  EXPECT_EQ(store.last_run(id)->outcome, RunOutcome::fired);
}

TEST_F(SchedulesStoreTest, BackToBackRecordsInOneGroupCommitFireOnce) {
  Store& store = open();
  auto [r, id] = create(store, "alpha");
  ASSERT_EQ(r, WriteResult::ok);
  // Hold the writer thread in a completion handler so both records queue up behind it and are
  // taken as one group (one transaction): the second must see the first's uncommitted row.
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  std::promise<void> holding;
  store.async_set_schedule_enabled(id, true, [opened, &holding](std::error_code, WriteResult) {
    holding.set_value();
    opened.wait();
  });
  holding.get_future().wait();
  NewBatch first = batch_of(store, id, 4);
  NewBatch second = batch_of(store, id, 4);
  const std::int64_t first_id = first.id;
  const std::int64_t second_id = second.id;
  auto f1 = submit_run(store, run_of(id, "occ-1"), std::move(first));
  auto f2 = submit_run(store, run_of(id, "occ-1"), std::move(second));
  const auto before = store.stats();
  gate.set_value();
  const Recorded a = f1.get();
  const Recorded b = f2.get();
  store.flush();
  const auto after = store.stats();
  ASSERT_FALSE(a.ec) << a.ec.message();
  ASSERT_FALSE(b.ec) << b.ec.message();
  EXPECT_EQ(after.commits - before.commits, 1u) << "both records should share one transaction";
  EXPECT_EQ(a.result, RecordRunResult::recorded);
  EXPECT_EQ(b.result, RecordRunResult::duplicate);
  EXPECT_TRUE(store.get_batch(first_id));
  EXPECT_FALSE(store.get_batch(second_id));
  EXPECT_EQ(all_messages(store), 4);
  EXPECT_EQ(store.count_runs()[RunOutcome::fired], 1);
}

TEST_F(SchedulesStoreTest, FailedBatchInsertLeavesNoRunSoTheOccurrenceCanFireAgain) {
  Store& store = open();
  auto [r, id] = create(store, "alpha");
  ASSERT_EQ(r, WriteResult::ok);
  NewBatch taken = batch_of(store, id, 1);
  ASSERT_EQ(record_run(store, run_of(id, "occ-0"), taken).result, RecordRunResult::recorded);
  // Same batch id again: the batch insert fails after the run row was written; the savepoint
  // must take the run row with it.
  NewBatch clash = taken;
  clash.messages.front().id = store.allocate_message_ids(1);
  auto failed = record_run(store, run_of(id, "occ-1"), clash);
  EXPECT_TRUE(failed.ec);
  EXPECT_EQ(failed.ec.category(), sqlite_category());
  EXPECT_FALSE(store.has_run(id, "occ-1"));
  EXPECT_FALSE(store.get_message(clash.messages.front().id));

  auto retry = record_run(store, run_of(id, "occ-1"), batch_of(store, id, 2));
  ASSERT_FALSE(retry.ec) << retry.ec.message();
  EXPECT_EQ(retry.result, RecordRunResult::recorded);
  EXPECT_EQ(all_messages(store), 3);
}

TEST_F(SchedulesStoreTest, RunWithoutBatch) {
  Store& store = open();
  auto [r, id] = create(store, "alpha");
  ASSERT_EQ(r, WriteResult::ok);
  ASSERT_EQ(record_run(store, run_of(id, "occ-1", RunOutcome::missed)).result, RecordRunResult::recorded);
  ScheduleRun failed = run_of(id, "occ-2", RunOutcome::failed);
  failed.error = "template weekly gone";
  ASSERT_EQ(record_run(store, failed).result, RecordRunResult::recorded);
  EXPECT_EQ(all_messages(store), 0);

  auto page = store.list_runs(id, 10, std::nullopt);
  ASSERT_EQ(page.runs.size(), 2u);
  EXPECT_EQ(page.runs[0].occurrence, "occ-2");
  EXPECT_EQ(page.runs[0].outcome, RunOutcome::failed);
  EXPECT_EQ(page.runs[0].error, "template weekly gone");
  EXPECT_FALSE(page.runs[0].batch_id);
  EXPECT_EQ(page.runs[0].count, 0);
  EXPECT_EQ(page.runs[1].outcome, RunOutcome::missed);
  EXPECT_FALSE(page.runs[1].batch_id);
  EXPECT_FALSE(page.runs[1].caught_up);
}

TEST_F(SchedulesStoreTest, ListRunsPagesNewestFirst) {
  Store& store = open();
  auto [ra, a] = create(store, "alpha");
  auto [rb, b] = create(store, "beta");
  ASSERT_EQ(ra, WriteResult::ok);
  ASSERT_EQ(rb, WriteResult::ok);
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(record_run(store, run_of(a, "a-" + std::to_string(i))).result, RecordRunResult::recorded);
    ASSERT_EQ(record_run(store, run_of(b, "b-" + std::to_string(i))).result, RecordRunResult::recorded);
  }
  std::vector<std::string> seen;
  std::optional<std::int64_t> cursor;
  int pages = 0;
  do {
    auto page = store.list_runs(a, 3, cursor);
    ASSERT_LE(page.runs.size(), 3u);
    for (const auto& run : page.runs) {
      EXPECT_EQ(run.schedule_id, a);
      seen.push_back(run.occurrence);
    }
    cursor = page.next_cursor;
    ASSERT_LT(++pages, 10);
  } while (cursor);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"a-6", "a-5", "a-4", "a-3", "a-2", "a-1", "a-0"}));

  // An exact fit has no next page.
  auto all = store.list_runs(a, 7, std::nullopt);
  EXPECT_EQ(all.runs.size(), 7u);
  EXPECT_FALSE(all.next_cursor);
  // Limits are clamped to 1..1000.
  EXPECT_EQ(store.list_runs(a, 0, std::nullopt).runs.size(), 1u);
  EXPECT_TRUE(store.list_runs(b + 100, 10, std::nullopt).runs.empty());
}

TEST_F(SchedulesStoreTest, LastRunHasRunCountRuns) {
  Store& store = open();
  auto [r, id] = create(store, "alpha");
  ASSERT_EQ(r, WriteResult::ok);
  EXPECT_FALSE(store.last_run(id));
  EXPECT_FALSE(store.has_run(id, "occ-1"));
  auto counts = store.count_runs();
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[RunOutcome::fired], 0);
  EXPECT_EQ(counts[RunOutcome::missed], 0);
  EXPECT_EQ(counts[RunOutcome::failed], 0);

  ASSERT_EQ(record_run(store, run_of(id, "occ-1"), batch_of(store, id, 1)).result, RecordRunResult::recorded);
  ASSERT_EQ(record_run(store, run_of(id, "occ-2", RunOutcome::missed)).result, RecordRunResult::recorded);
  ASSERT_EQ(record_run(store, run_of(id, "occ-3", RunOutcome::failed)).result, RecordRunResult::recorded);
  ASSERT_EQ(record_run(store, run_of(id + 1, "occ-1", RunOutcome::missed)).result, RecordRunResult::recorded);

  EXPECT_TRUE(store.has_run(id, "occ-1"));
  EXPECT_TRUE(store.has_run(id, "occ-3"));
  EXPECT_FALSE(store.has_run(id, "occ-4"));
  EXPECT_FALSE(store.has_run(id + 2, "occ-1"));
  EXPECT_EQ(store.last_run(id)->occurrence, "occ-3");
  EXPECT_EQ(store.last_run(id + 1)->occurrence, "occ-1");

  counts = store.count_runs();
  EXPECT_EQ(counts[RunOutcome::fired], 1);
  EXPECT_EQ(counts[RunOutcome::missed], 2);
  EXPECT_EQ(counts[RunOutcome::failed], 1);
}

TEST_F(SchedulesStoreTest, RunsAndTheUniqueKeySurviveReopen) {
  std::int64_t id = 0;
  std::int64_t batch_id = 0;
  {
    Store& store = open();
    auto [r, created] = create(store, "alpha", "{\"x\":1}", false);
    ASSERT_EQ(r, WriteResult::ok);
    id = created;
    NewBatch batch = batch_of(store, id, 2);
    batch_id = batch.id;
    ASSERT_EQ(record_run(store, run_of(id, "occ-1"), std::move(batch)).result, RecordRunResult::recorded);
    store_.reset();
  }
  Store& store = open();
  auto row = store.get_schedule(id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->spec_json, "{\"x\":1}");
  EXPECT_FALSE(row->enabled);
  EXPECT_TRUE(store.has_run(id, "occ-1"));
  ASSERT_TRUE(store.last_run(id));
  EXPECT_EQ(store.last_run(id)->batch_id, batch_id);
  EXPECT_EQ(messages_in(store, batch_id), 2);

  NewBatch again = batch_of(store, id, 3);
  EXPECT_GT(again.id, batch_id);  // ids are never reused across restarts
  const std::int64_t again_id = again.id;
  auto dup = record_run(store, run_of(id, "occ-1"), std::move(again));
  ASSERT_FALSE(dup.ec) << dup.ec.message();
  EXPECT_EQ(dup.result, RecordRunResult::duplicate);
  EXPECT_FALSE(store.get_batch(again_id));
  EXPECT_EQ(all_messages(store), 2);
}

TEST_F(SchedulesStoreTest, VersionTwoDatabaseMigrates) {
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    migrate_to(db, 2);
    ASSERT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 2);
    ASSERT_FALSE(db.tableExists("schedules"));
    db.exec("INSERT INTO batches (id, source, created_at, count) VALUES (7, 'api:old', 1000, 1)");
    db.exec(
        "INSERT INTO messages (id, batch_id, recipient, text, segments, status, priority, send_at, "
        "next_attempt_at, created_at, updated_at) VALUES "
        "(1, 7, '+8613900010000', 'a', 1, 'sent', 0, 1000, 1000, 1000, 1000)");
    db.exec("INSERT INTO templates (name, body, created_at, updated_at) VALUES ('weekly', 'hi', 1, 1)");
  }
  Store& store = open();
  EXPECT_EQ(user_version(), 17);
  EXPECT_EQ(schema_version(), 17);
  ASSERT_TRUE(store.get_batch(7));
  EXPECT_EQ(store.get_batch(7)->total, 1);
  EXPECT_TRUE(store.get_template("weekly"));
  EXPECT_TRUE(store.list_schedules().empty());

  auto [r, id] = create(store, "alpha");
  ASSERT_EQ(r, WriteResult::ok);
  NewBatch batch = batch_of(store, id, 1);
  EXPECT_EQ(batch.id, 8);
  EXPECT_EQ(batch.messages.front().id, 2);
  ASSERT_EQ(record_run(store, run_of(id, "occ-1"), std::move(batch)).result, RecordRunResult::recorded);
  EXPECT_EQ(record_run(store, run_of(id, "occ-1")).result, RecordRunResult::duplicate);
  store_.reset();

  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_TRUE(db.tableExists("schedules"));
  EXPECT_TRUE(db.tableExists("schedule_runs"));
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = 'schedule_runs_schedule'").getInt(), 1);
}

TEST(RunOutcomeTest, RoundTrips) {
  for (RunOutcome o : {RunOutcome::fired, RunOutcome::missed, RunOutcome::failed})
    EXPECT_EQ(parse_run_outcome(to_string(o)), o);
  EXPECT_EQ(to_string(RunOutcome::missed), "missed");
  EXPECT_FALSE(parse_run_outcome("Fired"));
  EXPECT_FALSE(parse_run_outcome(""));
}

}  // namespace
}  // namespace smsgw::store
