// The directory in the store (recipients, groups, templates, tokens, fan-out reads) against real
// SQLite files, one fresh directory per test.

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>
#include <unordered_set>
#include <vector>

#include "store/schema.hpp"
#include "store/store.hpp"

namespace smsgw::store {
namespace {

namespace fs = std::filesystem;

// --- synchronous wrappers: the tests wait on a future, never sleep ---

struct Written {
  std::error_code ec;
  WriteResult result = WriteResult::not_found;
};

template <typename Submit>
Written wait_write(Submit submit) {
  std::promise<Written> p;
  auto f = p.get_future();
  submit([&p](std::error_code ec, WriteResult r) { p.set_value({ec, r}); });
  return f.get();
}

UpsertCounts upsert(Store& store, std::vector<RecipientUpsert> rows, std::error_code* ec_out = nullptr) {
  std::promise<std::pair<std::error_code, UpsertCounts>> p;
  auto f = p.get_future();
  store.async_upsert_recipients(std::move(rows), [&p](std::error_code ec, UpsertCounts c) { p.set_value({ec, c}); });
  auto [ec, counts] = f.get();
  if (ec_out) {
    *ec_out = ec;
  } else {
    EXPECT_FALSE(ec) << ec.message();
  }
  return counts;
}

std::pair<WriteResult, std::int64_t> create(Store& store, RecipientUpsert row) {
  std::promise<std::pair<WriteResult, std::int64_t>> p;
  auto f = p.get_future();
  store.async_create_recipient(std::move(row), [&p](std::error_code ec, WriteResult r, std::int64_t id) {
    EXPECT_FALSE(ec) << ec.message();
    p.set_value({r, id});
  });
  return f.get();
}

RecipientUpsert person(std::string name, std::string phone, std::optional<std::vector<std::string>> groups = {},
                       std::string unit = {}, std::string title = {}) {
  RecipientUpsert r;
  r.name = std::move(name);
  r.phone = std::move(phone);
  r.unit = std::move(unit);
  r.title = std::move(title);
  r.groups = std::move(groups);
  return r;
}

WriteResult update(Store& store, std::int64_t id, RecipientPatch patch) {
  auto w = wait_write([&](auto done) { store.async_update_recipient(id, std::move(patch), std::move(done)); });
  EXPECT_FALSE(w.ec) << w.ec.message();
  return w.result;
}

WriteResult create_group(Store& store, std::string name, std::string description = {}) {
  auto w = wait_write([&](auto done) { store.async_create_group(name, description, std::move(done)); });
  EXPECT_FALSE(w.ec) << w.ec.message();
  return w.result;
}

std::string phone(int i) { return "+861390000" + std::to_string(10000 + i); }

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "smsgw-dir-XXXXXX").string();
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

  fs::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(DirectoryTest, FreshStoreIsAtTheCurrentVersion) {
  open();
  store_.reset();
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), schema_version());
  EXPECT_EQ(schema_version(), 17);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages_recipient_created'").getInt(),
            1);
}

TEST_F(DirectoryTest, VersionOneDatabaseUpgradesKeepingItsMessages) {
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    migrate_to(db, 1);
    ASSERT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 1);
    ASSERT_EQ(db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = 'recipients'").getInt(), 0);
    db.exec("INSERT INTO batches (id, source, created_at, count) VALUES (7, 'api:old', 1000, 2)");
    db.exec(
        "INSERT INTO messages (id, batch_id, recipient, text, segments, status, priority, send_at, "
        "next_attempt_at, created_at, updated_at) VALUES "
        "(1, 7, '+8613900010000', 'a', 1, 'sent', 0, 1000, 1000, 1000, 1000), "
        "(2, 7, '+8613900010000', 'b', 1, 'cancelled', 0, 1000, 1000, 1000, 1000)");
  }
  Store& store = open();
  auto batch = store.get_batch(7);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->total, 2);
  EXPECT_EQ(batch->skipped, 0);
  EXPECT_EQ(store.counts_since({"+8613900010000"}, 0).at("+8613900010000"), 1);
  EXPECT_EQ(store.allocate_message_ids(1), 3);
  auto [r, id] = create(store, person("张三", phone(1)));
  EXPECT_EQ(r, WriteResult::ok);
  EXPECT_GT(id, 0);
  store_.reset();
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), schema_version());
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages_recipient'").getInt(), 0);
}

TEST_F(DirectoryTest, RecipientCrud) {
  Store& store = open();
  auto [r, id] = create(store, person("张三", phone(1), std::vector<std::string>{"deputies", "cadres"}, "纪委", "主任"));
  ASSERT_EQ(r, WriteResult::ok);
  auto got = store.get_recipient(id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "张三");
  EXPECT_EQ(got->phone, phone(1));
  EXPECT_EQ(got->unit, "纪委");
  EXPECT_EQ(got->title, "主任");
  EXPECT_TRUE(got->active);
  EXPECT_EQ(got->groups, (std::vector<std::string>{"cadres", "deputies"}));
  EXPECT_GT(got->created_at, 0);
  EXPECT_EQ(got->created_at, got->updated_at);
  EXPECT_TRUE(store.get_group("cadres"));  // groups are created on demand

  // Same phone again: conflict, nothing written.
  auto [r2, id2] = create(store, person("李四", phone(1)));
  EXPECT_EQ(r2, WriteResult::conflict);
  EXPECT_EQ(id2, 0);

  auto [r3, other] = create(store, person("李四", phone(2)));
  ASSERT_EQ(r3, WriteResult::ok);
  EXPECT_NE(other, id);

  RecipientPatch patch;
  patch.title = "副主任";
  patch.active = false;
  patch.groups = std::vector<std::string>{"cppcc"};
  EXPECT_EQ(update(store, id, patch), WriteResult::ok);
  got = store.get_recipient(id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "张三");  // unset fields keep
  EXPECT_EQ(got->title, "副主任");
  EXPECT_FALSE(got->active);
  EXPECT_EQ(got->groups, (std::vector<std::string>{"cppcc"}));

  RecipientPatch steal;
  steal.phone = phone(2);
  EXPECT_EQ(update(store, id, steal), WriteResult::conflict);
  RecipientPatch own;
  own.phone = phone(1);  // its own number is no conflict
  EXPECT_EQ(update(store, id, own), WriteResult::ok);
  RecipientPatch move;
  move.phone = phone(3);
  EXPECT_EQ(update(store, id, move), WriteResult::ok);
  EXPECT_EQ(store.find_recipient_by_phone(phone(3))->id, id);
  EXPECT_FALSE(store.find_recipient_by_phone(phone(1)));
  EXPECT_EQ(update(store, 9999, patch), WriteResult::not_found);

  auto del = wait_write([&](auto done) { store.async_delete_recipient(id, std::move(done)); });
  EXPECT_FALSE(del.ec);
  EXPECT_EQ(del.result, WriteResult::ok);
  EXPECT_FALSE(store.get_recipient(id));
  EXPECT_EQ(store.get_group("cppcc")->members, 0);  // membership went with it
  EXPECT_EQ(wait_write([&](auto done) { store.async_delete_recipient(id, std::move(done)); }).result,
            WriteResult::not_found);
}

TEST_F(DirectoryTest, UpsertCountsCreatedAndUpdatedAndReplacesGroups) {
  Store& store = open();
  auto first = upsert(store, {person("A", phone(1), std::vector<std::string>{"cadres"}),
                              person("B", phone(2), std::vector<std::string>{"cadres", "deputies"}),
                              person("C", phone(3))});
  EXPECT_EQ(first.created, 3);
  EXPECT_EQ(first.updated, 0);

  RecipientUpsert b = person("B2", phone(2), std::vector<std::string>{"cppcc"}, "政协");
  b.active = false;
  RecipientUpsert c = person("C2", phone(3));  // no groups: memberships kept
  auto second = upsert(store, {b, c, person("D", phone(4)), person("D again", phone(4))});
  EXPECT_EQ(second.created, 1);
  EXPECT_EQ(second.updated, 3);  // B, C, and D's repeat within the import

  auto rb = store.find_recipient_by_phone(phone(2));
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->name, "B2");
  EXPECT_EQ(rb->unit, "政协");
  EXPECT_FALSE(rb->active);
  EXPECT_EQ(rb->groups, (std::vector<std::string>{"cppcc"}));
  EXPECT_EQ(store.find_recipient_by_phone(phone(4))->name, "D again");
  EXPECT_EQ(store.find_recipient_by_phone(phone(1))->groups, (std::vector<std::string>{"cadres"}));

  // Unset `active` keeps an existing recipient's flag.
  upsert(store, {person("B3", phone(2))});
  EXPECT_FALSE(store.find_recipient_by_phone(phone(2))->active);

  auto groups = store.list_groups();
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].name, "cadres");
  EXPECT_EQ(groups[0].members, 1);
  EXPECT_EQ(groups[1].name, "cppcc");
  EXPECT_EQ(groups[1].members, 1);
  EXPECT_EQ(groups[1].active_members, 0);
  EXPECT_EQ(groups[2].name, "deputies");
  EXPECT_EQ(groups[2].members, 0);
}

TEST_F(DirectoryTest, UpsertIsAllOrNothing) {
  Store& store = open();
  upsert(store, {person("A", phone(1))});
  // The third row is rejected by a trigger (standing in for any failure mid-import): the rows
  // before it must be rolled back with it.
  SQLite::Database db(path_, SQLite::OPEN_READWRITE);
  db.exec("CREATE TRIGGER reject_bad BEFORE INSERT ON recipients WHEN NEW.name = 'bad' "
          "BEGIN SELECT RAISE(ABORT, 'rejected'); END");
  std::vector<RecipientUpsert> rows{person("A2", phone(1)), person("B", phone(2)), person("bad", phone(3))};
  std::error_code ec;
  auto counts = upsert(store, rows, &ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(counts.created + counts.updated, 0);
  EXPECT_EQ(store.find_recipient_by_phone(phone(1))->name, "A");
  EXPECT_FALSE(store.find_recipient_by_phone(phone(2)));
}

TEST_F(DirectoryTest, ListFiltersAndPages) {
  Store& store = open();
  std::vector<RecipientUpsert> rows;
  for (int i = 0; i < 25; ++i) {
    RecipientUpsert r = person("人" + std::to_string(i), phone(i),
                               i % 2 == 0 ? std::optional<std::vector<std::string>>(std::vector<std::string>{"even"})
                                          : std::nullopt,
                               i < 5 ? "纪委 50%_off" : "区政府");
    r.active = i % 5 != 0;
    rows.push_back(r);
  }
  upsert(store, rows);

  RecipientFilter all;
  all.limit = 10;
  std::vector<std::int64_t> ids;
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 5);
    auto page = store.list_recipients(all);
    for (auto& r : page.recipients) ids.push_back(r.id);
    if (!page.next_cursor) break;
    EXPECT_EQ(page.recipients.size(), 10u);
    all.after_id = page.next_cursor;
  }
  ASSERT_EQ(ids.size(), 25u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));

  RecipientFilter even;
  even.group = "even";
  even.limit = 5;
  auto p1 = store.list_recipients(even);
  ASSERT_EQ(p1.recipients.size(), 5u);
  ASSERT_TRUE(p1.next_cursor);
  EXPECT_EQ(p1.recipients[0].groups, (std::vector<std::string>{"even"}));
  even.after_id = p1.next_cursor;
  even.limit = 100;
  auto p2 = store.list_recipients(even);
  EXPECT_EQ(p2.recipients.size(), 8u);  // 13 even numbers in 0..24
  EXPECT_FALSE(p2.next_cursor);
  EXPECT_GT(p2.recipients[0].id, p1.recipients.back().id);

  RecipientFilter inactive;
  inactive.active = false;
  EXPECT_EQ(store.list_recipients(inactive).recipients.size(), 5u);

  RecipientFilter q;
  q.q = "纪委";
  EXPECT_EQ(store.list_recipients(q).recipients.size(), 5u);
  q.q = "50%_";  // taken literally
  EXPECT_EQ(store.list_recipients(q).recipients.size(), 5u);
  q.q = "0%";
  EXPECT_EQ(store.list_recipients(q).recipients.size(), 5u);
  q.q = "%";
  EXPECT_EQ(store.list_recipients(q).recipients.size(), 5u);
  q.q = "人1";  // name: 人1, 人10..人19
  EXPECT_EQ(store.list_recipients(q).recipients.size(), 11u);
  q.active = true;
  q.group = "even";
  // even, active (i % 5 != 0), name contains 人1: 12, 14, 16, 18
  EXPECT_EQ(store.list_recipients(q).recipients.size(), 4u);
  q.group = "nobody";
  EXPECT_TRUE(store.list_recipients(q).recipients.empty());
}

TEST_F(DirectoryTest, GroupsCreateCountAndDeleteKeepingRecipients) {
  Store& store = open();
  EXPECT_EQ(create_group(store, "commission", "纪委委员"), WriteResult::ok);
  EXPECT_EQ(create_group(store, "commission", "again"), WriteResult::conflict);
  auto g = store.get_group("commission");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->description, "纪委委员");
  EXPECT_EQ(g->members, 0);
  EXPECT_GT(g->created_at, 0);

  RecipientUpsert off = person("B", phone(2), std::vector<std::string>{"commission"});
  off.active = false;
  upsert(store, {person("A", phone(1), std::vector<std::string>{"commission"}), off});
  g = store.get_group("commission");
  EXPECT_EQ(g->members, 2);
  EXPECT_EQ(g->active_members, 1);
  EXPECT_EQ(g->description, "纪委委员");  // auto-creation never touches an existing group

  auto del = wait_write([&](auto done) { store.async_delete_group("commission", std::move(done)); });
  EXPECT_EQ(del.result, WriteResult::ok);
  EXPECT_FALSE(store.get_group("commission"));
  auto a = store.find_recipient_by_phone(phone(1));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->groups.empty());
  EXPECT_TRUE(store.find_recipient_by_phone(phone(2)));
  EXPECT_EQ(wait_write([&](auto done) { store.async_delete_group("commission", std::move(done)); }).result,
            WriteResult::not_found);
}

TEST_F(DirectoryTest, TemplatesCreateOnlyConflictsAndReplaceKeepsCreatedAt) {
  Store& store = open();
  TemplateRow t{"holiday", "{holiday}期间请廉洁自律", "节日提醒", {"holiday", "x"}, 0, 0};
  auto put = [&](TemplateRow row, bool create_only) {
    return wait_write([&](auto done) { store.async_put_template(row, create_only, std::move(done)); }).result;
  };
  EXPECT_EQ(put(t, true), WriteResult::ok);
  auto got = store.get_template("holiday");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->body, t.body);
  EXPECT_EQ(got->description, "节日提醒");
  EXPECT_EQ(got->params, (std::vector<std::string>{"holiday", "x"}));
  const UnixMs created = got->created_at;

  TemplateRow changed = t;
  changed.body = "changed";
  changed.params = {};
  EXPECT_EQ(put(changed, true), WriteResult::conflict);
  EXPECT_EQ(store.get_template("holiday")->body, t.body);
  EXPECT_EQ(put(changed, false), WriteResult::ok);
  got = store.get_template("holiday");
  EXPECT_EQ(got->body, "changed");
  EXPECT_TRUE(got->params.empty());
  EXPECT_EQ(got->created_at, created);

  EXPECT_EQ(put(TemplateRow{"another", "b", "", {}, 0, 0}, false), WriteResult::ok);  // PUT creates
  auto all = store.list_templates();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "another");
  auto del = wait_write([&](auto done) { store.async_delete_template("another", std::move(done)); });
  EXPECT_EQ(del.result, WriteResult::ok);
  EXPECT_EQ(wait_write([&](auto done) { store.async_delete_template("another", std::move(done)); }).result,
            WriteResult::not_found);
  EXPECT_EQ(store.list_templates().size(), 1u);
}

TEST_F(DirectoryTest, UsersCreateUpdateDisableList) {
  Store& store = open();
  auto create = [&](UserRow row) {
    return wait_write([&](auto done) { store.async_create_user(row, std::move(done)); }).result;
  };
  auto update = [&](std::string name, UserUpdate u) {
    return wait_write([&](auto done) { store.async_update_user(name, u, std::move(done)); }).result;
  };
  EXPECT_EQ(create(UserRow{"zhang.wei", "admin", "$argon2id$first", 0, 0, 0, {}}), WriteResult::ok);
  EXPECT_EQ(create(UserRow{"zhang.wei", "viewer", "$argon2id$other", 0, 0, 0, {}}), WriteResult::conflict);
  EXPECT_EQ(create(UserRow{"li.na", "sender", "$argon2id$li", 0, 0, 0, {}}), WriteResult::ok);
  auto users = store.list_users();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "li.na");
  const UserRow zhang = users[1];
  EXPECT_EQ(zhang.role, "admin");
  EXPECT_EQ(zhang.password_hash, "$argon2id$first");  // the conflicting create changed nothing
  EXPECT_GT(zhang.created_at, 0);
  EXPECT_EQ(zhang.password_changed_at, zhang.created_at);
  EXPECT_FALSE(zhang.disabled_at);

  // A role change leaves the password (and when it was set) alone.
  EXPECT_EQ(update("zhang.wei", UserUpdate{"viewer", {}, {}}), WriteResult::ok);
  auto got = store.get_user("zhang.wei");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->role, "viewer");
  EXPECT_EQ(got->password_hash, "$argon2id$first");
  EXPECT_EQ(got->password_changed_at, zhang.password_changed_at);

  EXPECT_EQ(update("zhang.wei", UserUpdate{{}, {}, "$argon2id$second"}), WriteResult::ok);
  got = store.get_user("zhang.wei");
  EXPECT_EQ(got->password_hash, "$argon2id$second");
  EXPECT_EQ(got->role, "viewer");
  EXPECT_GE(got->password_changed_at, zhang.password_changed_at);

  EXPECT_EQ(update("zhang.wei", UserUpdate{{}, true, {}}), WriteResult::ok);
  got = store.get_user("zhang.wei");
  ASSERT_TRUE(got->disabled_at);
  const UnixMs disabled_at = *got->disabled_at;
  EXPECT_EQ(update("zhang.wei", UserUpdate{{}, true, {}}), WriteResult::ok);  // kept, not moved
  EXPECT_EQ(store.get_user("zhang.wei")->disabled_at, disabled_at);
  EXPECT_EQ(store.get_user("li.na")->disabled_at, std::nullopt);  // only the named row
  EXPECT_EQ(update("zhang.wei", UserUpdate{{}, false, {}}), WriteResult::ok);
  EXPECT_FALSE(store.get_user("zhang.wei")->disabled_at);

  EXPECT_EQ(update("nobody", UserUpdate{"admin", {}, {}}), WriteResult::not_found);
  EXPECT_FALSE(store.get_user("nobody"));
}

TEST_F(DirectoryTest, ConsoleSessionsAreReadWithTheirPersonAndEndWithAPasswordOrADisable) {
  Store& store = open();
  auto write = [&](auto submit) { return wait_write(submit).result; };
  ASSERT_EQ(write([&](auto done) { store.async_create_user(UserRow{"li.na", "sender", "$argon2id$a", 0, 0, 0, {}}, std::move(done)); }),
            WriteResult::ok);
  ASSERT_EQ(write([&](auto done) { store.async_create_user(UserRow{"wang", "viewer", "$argon2id$b", 0, 0, 0, {}}, std::move(done)); }),
            WriteResult::ok);
  const UnixMs t = 1'800'000'000'000;
  constexpr UnixMs kIdle = 30 * 60'000, kLife = 12 * 3'600'000;
  auto create = [&](std::string id, std::string user, UnixMs at) {
    SessionRow row{id, user, "csrf-" + id, at, at, "127.0.0.1", "Firefox"};
    return write([&](auto done) { store.async_create_session(row, kIdle, kLife, std::move(done)); });
  };
  EXPECT_EQ(create("s1", "li.na", t), WriteResult::ok);
  EXPECT_EQ(create("s1", "li.na", t), WriteResult::conflict);
  EXPECT_EQ(create("s2", "li.na", t), WriteResult::ok);
  EXPECT_EQ(create("w1", "wang", t), WriteResult::ok);
  auto s = store.get_session("s1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->session.user, "li.na");
  EXPECT_EQ(s->session.csrf_token, "csrf-s1");
  EXPECT_EQ(s->session.address, "127.0.0.1");
  EXPECT_EQ(s->role, "sender");
  EXPECT_FALSE(s->disabled);
  EXPECT_EQ(store.count_user_sessions("li.na"), 2);
  // A session of no person cannot exist (the users row is referenced).
  EXPECT_NE(wait_write([&](auto done) {
              store.async_create_session(SessionRow{"x", "nobody", "c", t, t, "", ""}, kIdle, kLife, std::move(done));
            }).ec,
            std::error_code());

  // Touch moves last_seen forward only.
  EXPECT_EQ(write([&](auto done) { store.async_touch_session("s1", t + 5 * 60'000, std::move(done)); }), WriteResult::ok);
  EXPECT_EQ(write([&](auto done) { store.async_touch_session("s1", t + 60'000, std::move(done)); }), WriteResult::ok);
  EXPECT_EQ(store.get_session("s1")->session.last_seen_at, t + 5 * 60'000);
  EXPECT_EQ(write([&](auto done) { store.async_touch_session("none", t, std::move(done)); }), WriteResult::not_found);

  // A role change keeps sessions (they read the new role); a new password ends them all.
  EXPECT_EQ(write([&](auto done) { store.async_update_user("li.na", UserUpdate{"admin", {}, {}}, std::move(done)); }),
            WriteResult::ok);
  EXPECT_EQ(store.get_session("s2")->role, "admin");
  EXPECT_EQ(write([&](auto done) { store.async_update_user("li.na", UserUpdate{{}, {}, "$argon2id$new"}, std::move(done)); }),
            WriteResult::ok);
  EXPECT_EQ(store.count_user_sessions("li.na"), 0);
  EXPECT_TRUE(store.get_session("w1"));  // only hers
  EXPECT_EQ(write([&](auto done) { store.async_update_user("wang", UserUpdate{{}, true, {}}, std::move(done)); }),
            WriteResult::ok);
  EXPECT_FALSE(store.get_session("w1"));

  // Creating a session sweeps out the expired ones: idle ones and too old ones.
  EXPECT_EQ(create("old", "li.na", t), WriteResult::ok);
  EXPECT_EQ(write([&](auto done) { store.async_touch_session("old", t + 11 * 3'600'000, std::move(done)); }), WriteResult::ok);
  EXPECT_EQ(create("idle", "li.na", t + 11 * 3'600'000), WriteResult::ok);
  EXPECT_TRUE(store.get_session("old"));
  EXPECT_EQ(write([&](auto done) { store.async_touch_session("old", t + 12 * 3'600'000, std::move(done)); }), WriteResult::ok);
  EXPECT_EQ(create("new", "li.na", t + 12 * 3'600'000 + 60'000), WriteResult::ok);
  EXPECT_FALSE(store.get_session("old"));   // past its lifetime, though active
  EXPECT_FALSE(store.get_session("idle"));  // an hour without a request
  EXPECT_TRUE(store.get_session("new"));
  EXPECT_EQ(write([&](auto done) { store.async_delete_session("new", std::move(done)); }), WriteResult::ok);
  EXPECT_EQ(write([&](auto done) { store.async_delete_session("new", std::move(done)); }), WriteResult::not_found);
  EXPECT_EQ(create("a", "li.na", t + 13 * 3'600'000), WriteResult::ok);
  EXPECT_EQ(write([&](auto done) { store.async_delete_user_sessions("li.na", std::move(done)); }), WriteResult::ok);
  EXPECT_EQ(store.count_user_sessions("li.na"), 0);
}

AuditEntry by(std::string actor, std::string action, std::string kind, std::string id, bool snapshot = true) {
  AuditEntry e;
  e.actor = std::move(actor);
  e.actor_kind = "person";
  e.address = "10.1.2.3";
  e.action = std::move(action);
  e.object_kind = std::move(kind);
  e.object_id = std::move(id);
  e.snapshot = snapshot;
  return e;
}

TEST_F(DirectoryTest, TheAuditLogRecordsChangesInTheirTransactionAndCannotBeRewritten) {
  Store& store = open();
  // A create: the entry names the new id and holds the state after.
  std::promise<std::pair<WriteResult, std::int64_t>> created;
  store.async_create_recipient(person("张三", "+8613800138000", std::vector<std::string>{"cadres"}, "区纪委"),
                               [&](std::error_code, WriteResult r, std::int64_t id) { created.set_value({r, id}); },
                               by("li.na", "recipient.create", "recipient", ""));
  const auto [r, id] = created.get_future().get();
  ASSERT_EQ(r, WriteResult::ok);
  // An edit: before and after.
  RecipientPatch patch;
  patch.title = "副主任";
  EXPECT_EQ(wait_write([&](auto done) {
              store.async_update_recipient(id, patch, std::move(done), by("li.na", "recipient.update", "recipient", std::to_string(id)));
            }).result,
            WriteResult::ok);
  // A change that fails writes no entry: the phone is taken.
  EXPECT_EQ(create(store, person("李四", "+8613900139000")).first, WriteResult::ok);
  RecipientPatch clash;
  clash.phone = "+8613900139000";
  EXPECT_EQ(wait_write([&](auto done) {
              store.async_update_recipient(id, clash, std::move(done), by("li.na", "recipient.update", "recipient", std::to_string(id)));
            }).result,
            WriteResult::conflict);
  // An import: counts, not states.
  std::promise<void> imported;
  store.async_upsert_recipients({person("王五", "+8613700137000"), person("张三", "+8613800138000")},
                                [&](std::error_code, UpsertCounts) { imported.set_value(); },
                                by("wang", "recipient.import", "", "", false));
  imported.get_future().get();
  std::promise<std::error_code> alone;
  AuditEntry failed = by("", "console.sign_in_failed", "user", "li.na", false);
  failed.actor_kind = "";
  store.async_audit(failed, [&](std::error_code ec) { alone.set_value(ec); });
  EXPECT_FALSE(alone.get_future().get());

  AuditPage page = store.list_audit({});
  ASSERT_EQ(page.rows.size(), 4u);
  EXPECT_EQ(page.next_before, 0);
  const AuditRow& sign_in = page.rows[0];  // newest first
  EXPECT_EQ(sign_in.action, "console.sign_in_failed");
  EXPECT_EQ(sign_in.object_id, "li.na");
  const AuditRow& import = page.rows[1];
  EXPECT_EQ(import.detail, R"({"rows":2,"created":1,"updated":1})");
  const AuditRow& update = page.rows[2];
  EXPECT_EQ(update.action, "recipient.update");
  EXPECT_EQ(update.address, "10.1.2.3");
  ASSERT_TRUE(update.before && update.after);
  EXPECT_NE(update.before->find(R"("title":"")"), std::string::npos) << *update.before;
  EXPECT_NE(update.after->find(R"("title":"副主任")"), std::string::npos) << *update.after;
  EXPECT_NE(update.after->find(R"("groups":["cadres"])"), std::string::npos) << *update.after;
  EXPECT_NE(update.after->find(R"("active":true)"), std::string::npos) << *update.after;
  const AuditRow& create_row = page.rows[3];
  EXPECT_EQ(create_row.object_id, std::to_string(id));
  EXPECT_FALSE(create_row.before);
  ASSERT_TRUE(create_row.after);
  EXPECT_NE(create_row.after->find("+8613800138000"), std::string::npos);

  // Filters and pages.
  EXPECT_EQ(store.list_audit({.actor = "li.na"}).rows.size(), 2u);
  EXPECT_EQ(store.list_audit({.action = "recipient."}).rows.size(), 3u);
  EXPECT_EQ(store.list_audit({.action = "recipient"}).rows.size(), 0u);  // exact unless it ends in '.'
  EXPECT_EQ(store.list_audit({.object_kind = "recipient", .object_id = std::to_string(id)}).rows.size(), 2u);
  AuditPage first = store.list_audit({.limit = 3});
  ASSERT_EQ(first.rows.size(), 3u);
  ASSERT_NE(first.next_before, 0);
  AuditPage second = store.list_audit({.before_id = first.next_before, .limit = 3});
  ASSERT_EQ(second.rows.size(), 1u);
  EXPECT_EQ(second.rows[0].action, "recipient.create");
  EXPECT_EQ(store.list_audit({.since = sign_in.at + 1}).rows.size(), 0u);

  // A user's state never holds the password hash.
  EXPECT_EQ(wait_write([&](auto done) {
              store.async_create_user(UserRow{"zhao", "viewer", "$argon2id$secret-hash", 0, 0, 0, {}}, std::move(done),
                                      by("admin", "user.create", "user", "zhao"));
            }).result,
            WriteResult::ok);
  const AuditRow user = store.list_audit({.limit = 1}).rows.at(0);
  ASSERT_TRUE(user.after);
  EXPECT_EQ(user.after->find("argon2"), std::string::npos) << *user.after;

  // Append-only, whoever asks.
  store_.reset();
  SQLite::Database db(path_, SQLite::OPEN_READWRITE);
  EXPECT_THROW(db.exec("UPDATE audit_log SET actor = 'nobody'"), SQLite::Exception);
  EXPECT_THROW(db.exec("DELETE FROM audit_log"), SQLite::Exception);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM audit_log").getInt(), 5);
}

TEST_F(DirectoryTest, TokensCreateRevokeList) {
  Store& store = open();
  auto create_token = [&](TokenRow row) {
    return wait_write([&](auto done) { store.async_create_token(row, std::move(done)); }).result;
  };
  auto revoke = [&](std::string name) {
    return wait_write([&](auto done) { store.async_revoke_token(name, std::move(done)); }).result;
  };
  EXPECT_EQ(create_token(TokenRow{"ops", std::string(64, 'a'), {"read", "send"}, 0, {}}), WriteResult::ok);
  EXPECT_EQ(create_token(TokenRow{"ops", std::string(64, 'b'), {"read"}, 0, {}}), WriteResult::conflict);
  EXPECT_EQ(create_token(TokenRow{"other", std::string(64, 'a'), {"read"}, 0, {}}), WriteResult::conflict);
  EXPECT_EQ(create_token(TokenRow{"admin", std::string(64, 'c'), {"admin"}, 0, {}}), WriteResult::ok);
  auto tokens = store.list_tokens();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[1].name, "ops");
  EXPECT_EQ(tokens[1].scopes, (std::vector<std::string>{"read", "send"}));
  EXPECT_EQ(tokens[1].sha256, std::string(64, 'a'));
  EXPECT_GT(tokens[1].created_at, 0);
  EXPECT_FALSE(tokens[1].revoked_at);

  EXPECT_EQ(revoke("ops"), WriteResult::ok);
  EXPECT_EQ(revoke("ops"), WriteResult::not_found);  // already revoked
  EXPECT_EQ(revoke("nobody"), WriteResult::not_found);
  tokens = store.list_tokens();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_TRUE(tokens[1].revoked_at);
  EXPECT_FALSE(tokens[0].revoked_at);
}

TEST_F(DirectoryTest, ResolveTargetsDedupesAndOrders) {
  Store& store = open();
  RecipientUpsert off = person("Off", phone(3), std::vector<std::string>{"b"}, "u3", "t3");
  off.active = false;
  upsert(store, {person("One", phone(1), std::vector<std::string>{"a", "b"}, "u1", "t1"),
                 person("Two", phone(2), std::vector<std::string>{"a"}), off,
                 person("Four", phone(4), std::vector<std::string>{"b"})});
  create_group(store, "empty");
  std::vector<std::string> unknown;
  auto targets = store.resolve_targets({"b", "nope", "a", "empty", "nope"},
                                       {"+8613700000000", phone(4), "+8613700000000"}, unknown);
  EXPECT_EQ(unknown, (std::vector<std::string>{"nope"}));
  std::vector<std::string> phones;
  for (std::size_t i = 0; i < targets.size(); ++i) phones.push_back(std::string(targets[i].phone));
  EXPECT_EQ(phones, (std::vector<std::string>{"+8613700000000", phone(4), phone(1), phone(2), phone(3)}));
  EXPECT_FALSE(targets[0].recipient_id);
  EXPECT_TRUE(targets[0].active);
  EXPECT_TRUE(targets[0].name.empty());
  EXPECT_EQ(targets[1].name, "Four");
  EXPECT_TRUE(targets[1].recipient_id);
  EXPECT_EQ(targets[2].name, "One");
  EXPECT_EQ(targets[2].unit, "u1");
  EXPECT_EQ(targets[2].title, "t1");
  EXPECT_EQ(targets[4].name, "Off");
  EXPECT_FALSE(targets[4].active);

  // An explicit number of an inactive recipient carries the flag too.
  targets = store.resolve_targets({}, {phone(3)}, unknown);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_FALSE(targets[0].active);
  EXPECT_TRUE(unknown.empty());
}

// count_upsert is the dry run of async_upsert_recipients: the same counts, for a handful of
// phones (point lookups) and for thousands (256 per statement), repeats within the list included.
TEST_F(DirectoryTest, CountUpsertPredictsTheUpsertInBatches) {
  Store& store = open();
  std::vector<RecipientUpsert> known;
  for (int i = 0; i < 3000; i += 3) known.push_back(person("K", phone(i)));
  upsert(store, known);

  for (int n : {4, 3000}) {
    SCOPED_TRACE(n);
    std::vector<std::string> phones;
    std::vector<RecipientUpsert> rows;
    for (int i = 0; i < n; ++i) phones.push_back(phone(i));
    phones.push_back(phone(1));  // known, twice
    phones.push_back(phone(2));  // new, twice: created once, then updated
    phones.push_back("+8613700000000");
    for (const auto& p : phones) rows.push_back(person("R", p));

    const auto reads_before = store.stats().read_statements;
    const UpsertCounts predicted = store.count_upsert(phones);
    const auto reads = store.stats().read_statements - reads_before;
    // Distinct phones: n + 1; point lookups up to 16, then ceil((n + 1) / 256) statements.
    EXPECT_EQ(reads, n + 1 <= 16 ? static_cast<std::uint64_t>(n + 1) : (n + 1 + 255) / 256u);
    const UpsertCounts real = upsert(store, rows);
    EXPECT_EQ(predicted.created, real.created);
    EXPECT_EQ(predicted.updated, real.updated);
    if (n == 3000) {  // new: the 2,000 not divisible by 3, less phone(1) and phone(2) of round one
      EXPECT_EQ(real.created, 1998);
      EXPECT_EQ(real.updated, 3003 - 1998);
    }
  }
  EXPECT_EQ(store.count_upsert({}).created, 0);
}

TEST_F(DirectoryTest, ExistingGroupsInBatches) {
  Store& store = open();
  create_group(store, "cadres");
  create_group(store, "deputies");
  EXPECT_EQ(store.existing_groups({"cadres", "nope", "cadres"}), (std::unordered_set<std::string>{"cadres"}));
  std::vector<std::string> many;
  for (int i = 0; i < 1000; ++i) many.push_back("g" + std::to_string(i));
  many.push_back("deputies");
  many.push_back("cadres");
  const auto reads_before = store.stats().read_statements;
  EXPECT_EQ(store.existing_groups(many), (std::unordered_set<std::string>{"cadres", "deputies"}));
  EXPECT_EQ(store.stats().read_statements - reads_before, 4u);  // 1002 names, 256 per statement

  // resolve_targets checks its groups the same way.
  std::vector<std::string> unknown;
  EXPECT_TRUE(store.resolve_targets(many, {}, unknown).empty());
  ASSERT_EQ(unknown.size(), 1000u);
  EXPECT_EQ(unknown.front(), "g0");
  EXPECT_EQ(unknown.back(), "g999");
}

TEST_F(DirectoryTest, CountsSinceSkipsCancelledAndOlder) {
  Store& store = open();
  auto enqueue = [&](NewBatch b) {
    std::promise<std::error_code> p;
    auto f = p.get_future();
    store.async_enqueue(std::move(b), std::nullopt, {}, [&p](std::error_code ec, EnqueueResult) { p.set_value(ec); });
    return f.get();
  };
  auto batch = [&](UnixMs at, std::vector<std::string> to) {
    NewBatch b;
    b.id = store.allocate_batch_id();
    b.source = "api:test";
    b.created_at = at;
    const auto first = store.allocate_message_ids(static_cast<std::int64_t>(to.size()));
    for (std::size_t i = 0; i < to.size(); ++i)
      b.messages.push_back(NewMessage{first + static_cast<std::int64_t>(i), to[i], "hi", 1, Priority::normal, 0, {}, {}});
    return b;
  };
  ASSERT_FALSE(enqueue(batch(1000, {phone(1), phone(2)})));
  ASSERT_FALSE(enqueue(batch(5000, {phone(1), phone(1), phone(3)})));
  const std::int64_t cancelled_id = store.allocate_message_ids(0) - 1;  // the last phone(3) message
  std::promise<void> p;
  store.async_cancel(cancelled_id, [&p](std::error_code, CancelResult) { p.set_value(); });
  p.get_future().wait();

  auto counts = store.counts_since({phone(1), phone(2), phone(3), phone(9)}, 5000);
  EXPECT_EQ(counts[phone(1)], 2);
  EXPECT_EQ(counts[phone(2)], 0);
  EXPECT_EQ(counts[phone(3)], 0);
  EXPECT_EQ(counts[phone(9)], 0);
  EXPECT_EQ(counts.size(), 4u);
  counts = store.counts_since({phone(1), phone(2)}, 0);
  EXPECT_EQ(counts[phone(1)], 3);
  EXPECT_EQ(counts[phone(2)], 1);

  // More phones than one IN chunk.
  std::vector<std::string> many;
  for (int i = 0; i < 1000; ++i) many.push_back(phone(1000 - i));
  counts = store.counts_since(many, 0);
  EXPECT_EQ(counts.size(), 1000u);
  EXPECT_EQ(counts[phone(1)], 3);
  EXPECT_EQ(counts[phone(2)], 1);
  EXPECT_EQ(counts[phone(500)], 0);
}

TEST_F(DirectoryTest, EnqueueRecordsSkipsPerReason) {
  Store& store = open();
  NewBatch b;
  b.id = store.allocate_batch_id();
  b.source = "api:test";
  b.messages.push_back(NewMessage{store.allocate_message_ids(1), phone(1), "hi", 1, Priority::normal, 0, {}, {}});
  b.skips = {{phone(2), "inactive"}, {phone(3), "daily_cap"}, {phone(4), "inactive"}};
  const auto id = b.id;
  std::promise<std::error_code> p;
  store.async_enqueue(std::move(b), std::nullopt, {}, [&p](std::error_code ec, EnqueueResult) { p.set_value(ec); });
  ASSERT_FALSE(p.get_future().get());
  auto summary = store.get_batch(id);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->total, 1);
  EXPECT_EQ(summary->skipped, 3);
  EXPECT_EQ(summary->skipped_by_reason, (std::map<std::string, std::int64_t>{{"daily_cap", 1}, {"inactive", 2}}));

  // Everything skipped: the batch still exists, with no messages.
  NewBatch none;
  none.id = store.allocate_batch_id();
  none.source = "api:test";
  none.skips = {{phone(2), "inactive"}};
  std::promise<std::error_code> p2;
  store.async_enqueue(std::move(none), std::nullopt, {}, [&p2](std::error_code ec, EnqueueResult) { p2.set_value(ec); });
  ASSERT_FALSE(p2.get_future().get());
  summary = store.get_batch(id + 1);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->total, 0);
  EXPECT_EQ(summary->skipped_by_reason.at("inactive"), 1);
}

// Timings: printed, not asserted (the machine is shared).
TEST_F(DirectoryTest, UpsertTenThousandAndResolveHundredThousand) {
  Store& store = open();
  std::vector<RecipientUpsert> rows;
  for (int i = 0; i < 10000; ++i)
    rows.push_back(person("人员" + std::to_string(i), "+86136" + std::to_string(10000000 + i),
                          std::vector<std::string>{"cadres", i % 3 == 0 ? "deputies" : "cppcc"}, "某单位", "科员"));
  auto start = std::chrono::steady_clock::now();
  auto counts = upsert(store, rows);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(counts.created, 10000);
  std::printf("upsert of 10,000 new recipients (2 groups each): %.3f s\n", seconds);
  start = std::chrono::steady_clock::now();
  counts = upsert(store, rows);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(counts.updated, 10000);
  std::printf("upsert of 10,000 existing recipients (groups replaced): %.3f s\n", seconds);

  rows.clear();
  for (int i = 0; i < 100000; ++i)
    rows.push_back(person("n" + std::to_string(i), "+86135" + std::to_string(10000000 + i),
                          std::vector<std::string>{"all"}));
  start = std::chrono::steady_clock::now();
  counts = upsert(store, std::move(rows));
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(counts.created, 100000);
  std::printf("upsert of 100,000 new recipients: %.3f s\n", seconds);

  std::vector<std::string> unknown;
  start = std::chrono::steady_clock::now();
  auto targets = store.resolve_targets({"all"}, {}, unknown);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(targets.size(), 100000u);
  std::printf("resolve_targets of a 100,000-member group: %.3f s\n", seconds);
  start = std::chrono::steady_clock::now();
  targets = store.resolve_targets({"all", "cadres", "deputies", "cppcc"}, {"+8613500000001"}, unknown);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(targets.size(), 110001u);
  std::printf("resolve_targets of 4 groups, 120,000 memberships: %.3f s\n", seconds);

  std::vector<std::string> phones;
  for (std::size_t i = 0; i < targets.size(); ++i) phones.push_back(std::string(targets[i].phone));
  start = std::chrono::steady_clock::now();
  auto c = store.counts_since(phones, 0);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(c.size(), 110001u);
  std::printf("counts_since for 110,001 phones: %.3f s\n", seconds);
}

}  // namespace
}  // namespace smsgw::store
