// The directory members of Store (see directory.hpp): recipients, groups, templates, API tokens,
// and the fan-out reads a send needs (resolve_targets, counts_since).

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/time.hpp"
#include "store/store.hpp"
#include "store/store_impl.hpp"

namespace smsgw::store {

using namespace detail;

namespace {

// List values (template params, token scopes) are stored joined by the unit separator.
constexpr char kListSeparator = '\x1f';
// Up to this many explicit numbers are looked up one by one (see resolve_targets).
constexpr std::size_t kSmallLookup = 16;

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += kListSeparator;
    out += items[i];
  }
  return out;
}

std::vector<std::string> split_list(const std::string& joined) {
  std::vector<std::string> items;
  if (joined.empty()) return items;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = joined.find(kListSeparator, start);
    items.push_back(joined.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return items;
}

void bind_optional_bool(SQLite::Statement& s, int index, const std::optional<bool>& v) {
  if (v) {
    s.bind(index, *v ? 1 : 0);
  } else {
    s.bind(index);
  }
}

void bind_optional_text(SQLite::Statement& s, int index, const std::optional<std::string>& v) {
  if (v) {
    s.bindNoCopy(index, *v);
  } else {
    s.bind(index);
  }
}

// IN lists are bound in chunks of a fixed width so each query shape is prepared once; the unused
// tail of the last chunk is bound to NULL, which matches nothing.
constexpr int kInChunk = 256;

const std::string& in_placeholders() {
  static const std::string list = [] {
    std::string s = "?";
    for (int i = 1; i < kInChunk; ++i) s += ", ?";
    return s;
  }();
  return list;
}

// Binds values[first, first + kInChunk) (NULL past the end) to parameters offset+1.. .
void bind_chunk(SQLite::Statement& s, int offset, const std::vector<std::string>& values, std::size_t first) {
  for (int i = 0; i < kInChunk; ++i) {
    const std::size_t at = first + static_cast<std::size_t>(i);
    if (at < values.size()) {
      s.bindNoCopy(offset + i + 1, values[at]);
    } else {
      s.bind(offset + i + 1);
    }
  }
}

// The distinct values of `values`, in first-seen order.
std::vector<std::string> distinct(const std::vector<std::string>& values) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(values.size());
  std::vector<std::string> out;
  for (const std::string& v : values)
    if (seen.insert(v).second) out.push_back(v);
  return out;
}

// Which of `values` (distinct) a one-column lookup finds. A few values are looked up one by one
// with `point_sql` ("... = ?"): cheaper than a 256-wide IN list, whose ephemeral table SQLite
// rebuilds on every run. Many go through `in_sql` ("... IN (in_placeholders())"), one run per
// kInChunk values instead of one per value.
std::unordered_set<std::string> select_existing(Store::Impl& impl, const std::string& point_sql,
                                                const std::string& in_sql,
                                                const std::vector<std::string>& values) {
  std::unordered_set<std::string> found;
  if (values.size() <= kSmallLookup) {
    Use s(impl.read_stmt(point_sql));
    for (const std::string& v : values) {
      s->bindNoCopy(1, v);
      if (s->executeStep()) found.insert(text_of(s->getColumn(0)));
      s->reset();
    }
    return found;
  }
  Use s(impl.read_stmt(in_sql));
  for (std::size_t first = 0; first < values.size(); first += kInChunk) {
    bind_chunk(*s, 0, values, first);
    while (s->executeStep()) found.insert(text_of(s->getColumn(0)));
    s->reset();
  }
  return found;
}

const std::string kPhoneExists = "SELECT phone FROM recipients WHERE phone = ?";
const std::string kPhonesExist = "SELECT phone FROM recipients WHERE phone IN (" + in_placeholders() + ")";
const std::string kGroupExists = "SELECT name FROM groups WHERE name = ?";
const std::string kGroupsExist = "SELECT name FROM groups WHERE name IN (" + in_placeholders() + ")";

const std::string kRecipientColumns =
    "r.id, r.name, r.phone, r.unit, r.title, r.active, r.created_at, r.updated_at, "
    "(SELECT group_concat(group_name, char(31)) FROM group_members WHERE recipient_id = r.id)";

Recipient recipient_of(SQLite::Statement& s) {
  Recipient r;
  r.id = s.getColumn(0).getInt64();
  r.name = text_of(s.getColumn(1));
  r.phone = text_of(s.getColumn(2));
  r.unit = text_of(s.getColumn(3));
  r.title = text_of(s.getColumn(4));
  r.active = s.getColumn(5).getInt() != 0;
  r.created_at = s.getColumn(6).getInt64();
  r.updated_at = s.getColumn(7).getInt64();
  r.groups = split_list(text_of(s.getColumn(8)));
  std::sort(r.groups.begin(), r.groups.end());
  return r;
}

// LIKE pattern for a substring match with the user's % and _ taken literally (ESCAPE '\').
std::string like_pattern(const std::string& q) {
  std::string p = "%";
  for (char c : q) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  p += '%';
  return p;
}

// --- job bodies (writer thread, inside the job's SAVEPOINT) ---

// Replaces the recipient's memberships with `groups`, creating missing groups. `known_groups`
// remembers the groups this job already made sure of, so an import of 10,000 rows into the
// same three groups runs three group inserts, not 10,000.
void set_groups(Writer& w, std::int64_t recipient_id, const std::vector<std::string>& groups, bool fresh,
                UnixMs now, std::unordered_set<std::string>& known_groups) {
  if (!fresh) {
    Use del(w.stmt("DELETE FROM group_members WHERE recipient_id = ?"));
    del->bind(1, recipient_id);
    del->exec();
  }
  for (const std::string& g : groups) {
    if (known_groups.insert(g).second) {
      Use ins(w.stmt("INSERT OR IGNORE INTO groups (name, description, created_at) VALUES (?, '', ?)"));
      ins->bindNoCopy(1, g);
      ins->bind(2, now);
      ins->exec();
    }
    Use ins(w.stmt("INSERT OR IGNORE INTO group_members (group_name, recipient_id) VALUES (?, ?)"));
    ins->bindNoCopy(1, g);
    ins->bind(2, recipient_id);
    ins->exec();
  }
}

std::error_code upsert_recipients(Writer& w, const std::vector<RecipientUpsert>& rows, UpsertCounts& out) {
  out = {};
  const UnixMs now = w.now();
  // Rowids of new rows are above the largest existing one (no deletes happen in this job), so
  // the returned id tells "created" from "updated" without a lookup per row.
  std::int64_t max_before = 0;
  {
    Use s(w.stmt("SELECT COALESCE(MAX(id), 0) FROM recipients"));
    if (s->executeStep()) max_before = s->getColumn(0).getInt64();
  }
  std::unordered_set<std::int64_t> created_ids;
  std::unordered_set<std::string> known_groups;
  Use up(w.stmt(
      "INSERT INTO recipients (name, phone, unit, title, active, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, COALESCE(?5, 1), ?6, ?6) "
      "ON CONFLICT (phone) DO UPDATE SET name = excluded.name, unit = excluded.unit, "
      "title = excluded.title, active = COALESCE(?5, active), updated_at = excluded.updated_at "
      "RETURNING id"));
  for (const RecipientUpsert& row : rows) {
    up->bindNoCopy(1, row.name);
    up->bindNoCopy(2, row.phone);
    up->bindNoCopy(3, row.unit);
    up->bindNoCopy(4, row.title);
    bind_optional_bool(*up, 5, row.active);
    up->bind(6, now);
    if (!up->executeStep()) throw SQLite::Exception("upsert returned no row", SQLITE_ERROR);
    const std::int64_t id = up->getColumn(0).getInt64();
    up->reset();
    // A phone repeated within the import is created once, then updated.
    const bool fresh = id > max_before && created_ids.insert(id).second;
    if (fresh) {
      ++out.created;
    } else {
      ++out.updated;
    }
    if (row.groups) set_groups(w, id, *row.groups, fresh, now, known_groups);
  }
  return {};
}

bool phone_taken(Writer& w, const std::string& phone, std::int64_t except_id) {
  Use s(w.stmt("SELECT 1 FROM recipients WHERE phone = ? AND id != ?"));
  s->bindNoCopy(1, phone);
  s->bind(2, except_id);
  return s->executeStep();
}

std::error_code create_recipient(Writer& w, const RecipientUpsert& row, WriteResult& result, std::int64_t& id) {
  if (phone_taken(w, row.phone, 0)) {
    result = WriteResult::conflict;
    return {};
  }
  const UnixMs now = w.now();
  {
    Use ins(w.stmt(
        "INSERT INTO recipients (name, phone, unit, title, active, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    ins->bindNoCopy(1, row.name);
    ins->bindNoCopy(2, row.phone);
    ins->bindNoCopy(3, row.unit);
    ins->bindNoCopy(4, row.title);
    ins->bind(5, row.active.value_or(true) ? 1 : 0);
    ins->bind(6, now);
    ins->bind(7, now);
    if (!ins->executeStep()) throw SQLite::Exception("insert returned no row", SQLITE_ERROR);
    id = ins->getColumn(0).getInt64();
  }
  if (row.groups) {
    std::unordered_set<std::string> known;
    set_groups(w, id, *row.groups, true, now, known);
  }
  result = WriteResult::ok;
  return {};
}

std::error_code update_recipient(Writer& w, std::int64_t id, const RecipientPatch& patch, WriteResult& result) {
  {
    Use s(w.stmt("SELECT 1 FROM recipients WHERE id = ?"));
    s->bind(1, id);
    if (!s->executeStep()) {
      result = WriteResult::not_found;
      return {};
    }
  }
  if (patch.phone && phone_taken(w, *patch.phone, id)) {
    result = WriteResult::conflict;
    return {};
  }
  const UnixMs now = w.now();
  {
    Use up(w.stmt(
        "UPDATE recipients SET name = COALESCE(?, name), phone = COALESCE(?, phone), "
        "unit = COALESCE(?, unit), title = COALESCE(?, title), active = COALESCE(?, active), "
        "updated_at = ? WHERE id = ?"));
    bind_optional_text(*up, 1, patch.name);
    bind_optional_text(*up, 2, patch.phone);
    bind_optional_text(*up, 3, patch.unit);
    bind_optional_text(*up, 4, patch.title);
    bind_optional_bool(*up, 5, patch.active);
    up->bind(6, now);
    up->bind(7, id);
    up->exec();
  }
  if (patch.groups) {
    std::unordered_set<std::string> known;
    set_groups(w, id, *patch.groups, false, now, known);
  }
  result = WriteResult::ok;
  return {};
}

// For single-statement writes: ok when it changed a row, `otherwise` when it changed none.
std::error_code exec_changes(SQLite::Statement& s, WriteResult otherwise, WriteResult& result) {
  result = s.exec() > 0 ? WriteResult::ok : otherwise;
  return {};
}

std::error_code put_template(Writer& w, const TemplateRow& row, bool create_only, WriteResult& result) {
  const UnixMs now = w.now();
  const std::string params = join_list(row.params);
  if (create_only) {
    Use ins(w.stmt(
        "INSERT OR IGNORE INTO templates (name, body, description, params, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?5)"));
    ins->bindNoCopy(1, row.name);
    ins->bindNoCopy(2, row.body);
    ins->bindNoCopy(3, row.description);
    ins->bindNoCopy(4, params);
    ins->bind(5, now);
    return exec_changes(*ins, WriteResult::conflict, result);
  }
  Use up(w.stmt(
      "INSERT INTO templates (name, body, description, params, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (name) DO UPDATE SET body = excluded.body, "
      "description = excluded.description, params = excluded.params, updated_at = excluded.updated_at"));
  up->bindNoCopy(1, row.name);
  up->bindNoCopy(2, row.body);
  up->bindNoCopy(3, row.description);
  up->bindNoCopy(4, params);
  up->bind(5, now);
  up->exec();
  result = WriteResult::ok;
  return {};
}

std::error_code create_token(Writer& w, const TokenRow& row, WriteResult& result) {
  {
    Use s(w.stmt("SELECT 1 FROM api_tokens WHERE name = ? OR sha256 = ?"));
    s->bindNoCopy(1, row.name);
    s->bindNoCopy(2, row.sha256);
    if (s->executeStep()) {
      result = WriteResult::conflict;
      return {};
    }
  }
  Use ins(w.stmt("INSERT INTO api_tokens (name, sha256, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)"));
  ins->bindNoCopy(1, row.name);
  ins->bindNoCopy(2, row.sha256);
  ins->bind(3, join_list(row.scopes));
  ins->bind(4, row.created_at != 0 ? row.created_at : w.now());
  bind_optional(*ins, 5, row.revoked_at);
  ins->exec();
  result = WriteResult::ok;
  return {};
}

std::error_code create_user(Writer& w, const UserRow& row, WriteResult& result) {
  const UnixMs now = row.created_at != 0 ? row.created_at : w.now();
  Use ins(w.stmt(
      "INSERT INTO users (name, role, password_hash, created_at, updated_at, password_changed_at, "
      "disabled_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING"));
  ins->bindNoCopy(1, row.name);
  ins->bindNoCopy(2, row.role);
  ins->bindNoCopy(3, row.password_hash);
  ins->bind(4, now);
  ins->bind(5, now);
  ins->bind(6, now);
  bind_optional(*ins, 7, row.disabled_at);
  result = ins->exec() == 1 ? WriteResult::ok : WriteResult::conflict;
  return {};
}

std::error_code update_user(Writer& w, const std::string& name, const UserUpdate& u, WriteResult& result) {
  const UnixMs now = w.now();
  // One statement: unset fields keep their value (a NULL parameter means "keep"), so the
  // change is a single row write whatever it touches.
  Use up(w.stmt(
      "UPDATE users SET role = COALESCE(?1, role), password_hash = COALESCE(?2, password_hash), "
      "password_changed_at = CASE WHEN ?2 IS NULL THEN password_changed_at ELSE ?4 END, "
      "disabled_at = CASE ?3 WHEN 1 THEN COALESCE(disabled_at, ?4) WHEN 0 THEN NULL ELSE disabled_at END, "
      "updated_at = ?4 WHERE name = ?5"));
  if (u.role) {
    up->bindNoCopy(1, *u.role);
  } else {
    up->bind(1);
  }
  if (u.password_hash) {
    up->bindNoCopy(2, *u.password_hash);
  } else {
    up->bind(2);
  }
  if (u.disabled) {
    up->bind(3, *u.disabled ? 1 : 0);
  } else {
    up->bind(3);
  }
  up->bind(4, now);
  up->bindNoCopy(5, name);
  exec_changes(*up, WriteResult::not_found, result);
  // Whoever knew the old password, or holds a session of a person now disabled, is out.
  if (result == WriteResult::ok && (u.password_hash || u.disabled.value_or(false))) {
    delete_user_sessions(w, name);
  }
  return {};
}

UserRow user_of(SQLite::Statement& s) {
  UserRow u;
  u.name = text_of(s.getColumn(0));
  u.role = text_of(s.getColumn(1));
  u.password_hash = text_of(s.getColumn(2));
  u.created_at = s.getColumn(3).getInt64();
  u.updated_at = s.getColumn(4).getInt64();
  u.password_changed_at = s.getColumn(5).getInt64();
  u.disabled_at = int64_of(s.getColumn(6));
  return u;
}

constexpr const char* kUserColumns =
    "SELECT name, role, password_hash, created_at, updated_at, password_changed_at, disabled_at FROM users ";

}  // namespace

// --- writes ---

void Store::async_upsert_recipients(std::vector<RecipientUpsert> rows,
                                    std::function<void(std::error_code, UpsertCounts)> done, Audit audit) {
  auto result = std::make_shared<UpsertCounts>();
  impl_->submit(Job{[rows = std::move(rows), result, audit = std::move(audit)](Writer& w) mutable {
                      auto ec = upsert_recipients(w, rows, *result);
                      if (!ec && audit) {
                        // An import's entry says how many people it created and changed, not
                        // each one's state (thousands of rows).
                        audit->detail = "{\"rows\":" + std::to_string(rows.size()) +
                                        ",\"created\":" + std::to_string(result->created) +
                                        ",\"updated\":" + std::to_string(result->updated) + "}";
                        write_audit(w, *audit, std::nullopt, std::nullopt);
                      }
                      return ec;
                    },
                    [result, done = std::move(done)](std::error_code ec) {
                      done(ec, ec ? UpsertCounts{} : *result);
                    },
                    /*bounded=*/true});
}

void Store::async_create_recipient(RecipientUpsert row,
                                   std::function<void(std::error_code, WriteResult, std::int64_t)> done, Audit audit) {
  submit_create(
      *impl_,
      [row = std::move(row)](Writer& w, WriteResult& result, std::int64_t& id) {
        return create_recipient(w, row, result, id);
      },
      std::move(done), std::move(audit));
}

void Store::async_update_recipient(std::int64_t id, RecipientPatch patch, WriteDone done, Audit audit) {
  submit_write(
      *impl_, [id, patch = std::move(patch)](Writer& w, WriteResult& r) { return update_recipient(w, id, patch, r); },
      std::move(done), std::move(audit));
}

void Store::async_delete_recipient(std::int64_t id, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [id](Writer& w, WriteResult& r) {
        // Memberships go with it (ON DELETE CASCADE).
        Use del(w.stmt("DELETE FROM recipients WHERE id = ?"));
        del->bind(1, id);
        return exec_changes(*del, WriteResult::not_found, r);
      },
      std::move(done), std::move(audit));
}

void Store::async_create_group(std::string name, std::string description, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [name = std::move(name), description = std::move(description)](Writer& w, WriteResult& r) {
        Use ins(w.stmt("INSERT OR IGNORE INTO groups (name, description, created_at) VALUES (?, ?, ?)"));
        ins->bindNoCopy(1, name);
        ins->bindNoCopy(2, description);
        ins->bind(3, w.now());
        return exec_changes(*ins, WriteResult::conflict, r);
      },
      std::move(done), std::move(audit));
}

void Store::async_delete_group(std::string name, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [name = std::move(name)](Writer& w, WriteResult& r) {
        Use del(w.stmt("DELETE FROM groups WHERE name = ?"));
        del->bindNoCopy(1, name);
        return exec_changes(*del, WriteResult::not_found, r);
      },
      std::move(done), std::move(audit));
}

void Store::async_put_template(TemplateRow row, bool create_only, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [row = std::move(row), create_only](Writer& w, WriteResult& r) { return put_template(w, row, create_only, r); },
      std::move(done), std::move(audit));
}

void Store::async_delete_template(std::string name, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [name = std::move(name)](Writer& w, WriteResult& r) {
        Use del(w.stmt("DELETE FROM templates WHERE name = ?"));
        del->bindNoCopy(1, name);
        return exec_changes(*del, WriteResult::not_found, r);
      },
      std::move(done), std::move(audit));
}

void Store::async_create_token(TokenRow row, WriteDone done, Audit audit) {
  submit_write(
      *impl_, [row = std::move(row)](Writer& w, WriteResult& r) { return create_token(w, row, r); },
      std::move(done), std::move(audit));
}

void Store::async_revoke_token(std::string name, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [name = std::move(name)](Writer& w, WriteResult& r) {
        Use up(w.stmt("UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"));
        up->bind(1, w.now());
        up->bindNoCopy(2, name);
        return exec_changes(*up, WriteResult::not_found, r);
      },
      std::move(done), std::move(audit));
}

void Store::async_create_user(UserRow row, WriteDone done, Audit audit) {
  submit_write(
      *impl_, [row = std::move(row)](Writer& w, WriteResult& r) { return create_user(w, row, r); },
      std::move(done), std::move(audit));
}

void Store::async_update_user(std::string name, UserUpdate update, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [name = std::move(name), update = std::move(update)](Writer& w, WriteResult& r) {
        return update_user(w, name, update, r);
      },
      std::move(done), std::move(audit));
}

// --- reads ---

std::optional<Recipient> Store::get_recipient(std::int64_t id) {
  return impl_->read<std::optional<Recipient>>("get_recipient", std::nullopt, [&]() -> std::optional<Recipient> {
    static const std::string sql = "SELECT " + kRecipientColumns + " FROM recipients r WHERE r.id = ?";
    Use s(impl_->read_stmt(sql));
    s->bind(1, id);
    if (!s->executeStep()) return std::nullopt;
    return recipient_of(*s);
  });
}

std::optional<Recipient> Store::find_recipient_by_phone(const std::string& e164) {
  return impl_->read<std::optional<Recipient>>(
      "find_recipient_by_phone", std::nullopt, [&]() -> std::optional<Recipient> {
        static const std::string sql = "SELECT " + kRecipientColumns + " FROM recipients r WHERE r.phone = ?";
        Use s(impl_->read_stmt(sql));
        s->bindNoCopy(1, e164);
        if (!s->executeStep()) return std::nullopt;
        return recipient_of(*s);
      });
}

UpsertCounts Store::count_upsert(const std::vector<std::string>& phones) {
  return impl_->read<UpsertCounts>("count_upsert", {}, [&] {
    // Like the upsert: a phone that exists is updated; a new one is created by its first row
    // and updated by any later one.
    const std::vector<std::string> unique = distinct(phones);
    const std::unordered_set<std::string> existing = select_existing(*impl_, kPhoneExists, kPhonesExist, unique);
    UpsertCounts counts;
    counts.created = static_cast<std::int64_t>(unique.size() - existing.size());
    counts.updated = static_cast<std::int64_t>(phones.size()) - counts.created;
    return counts;
  });
}

std::unordered_set<std::string> Store::existing_groups(const std::vector<std::string>& names) {
  return impl_->read<std::unordered_set<std::string>>("existing_groups", {}, [&] {
    return select_existing(*impl_, kGroupExists, kGroupsExist, distinct(names));
  });
}

RecipientPage Store::list_recipients(const RecipientFilter& filter) {
  return impl_->read<RecipientPage>("list_recipients", {}, [&] {
    const int limit = std::clamp(filter.limit, 1, 1000);
    // At most 16 shapes, each prepared once. With a group the scan walks that group's slice of
    // the membership primary key, already in recipient id order.
    std::string sql = "SELECT " + kRecipientColumns + " FROM ";
    std::string id_column = "r.id";
    if (filter.group) {
      sql += "group_members m JOIN recipients r ON r.id = m.recipient_id WHERE m.group_name = ?";
      id_column = "m.recipient_id";
    } else {
      sql += "recipients r WHERE 1";
    }
    // The phone too: staff search by the number a person gave them (digits match inside the
    // stored E.164 form).
    if (filter.q) {
      sql += " AND (r.name LIKE ? ESCAPE '\\' OR r.unit LIKE ? ESCAPE '\\' OR r.phone LIKE ? ESCAPE '\\')";
    }
    if (filter.active) sql += " AND r.active = ?";
    if (filter.after_id) sql += " AND " + id_column + " > ?";
    sql += " ORDER BY " + id_column + " LIMIT ?";
    Use s(impl_->read_stmt(sql));
    int i = 0;
    if (filter.group) s->bindNoCopy(++i, *filter.group);
    if (filter.q) {
      const std::string pattern = like_pattern(*filter.q);
      s->bind(++i, pattern);
      s->bind(++i, pattern);
      s->bind(++i, pattern);
    }
    if (filter.active) s->bind(++i, *filter.active ? 1 : 0);
    if (filter.after_id) s->bind(++i, *filter.after_id);
    s->bind(++i, limit + 1);  // one extra row tells whether there is a next page
    RecipientPage page;
    while (s->executeStep()) {
      if (static_cast<int>(page.recipients.size()) == limit) {
        page.next_cursor = page.recipients.back().id;
        break;
      }
      page.recipients.push_back(recipient_of(*s));
    }
    return page;
  });
}

namespace {

const char* const kGroupSelect =
    "SELECT g.name, g.description, g.created_at, COUNT(r.id), COALESCE(SUM(r.active), 0) FROM groups g "
    "LEFT JOIN group_members m ON m.group_name = g.name LEFT JOIN recipients r ON r.id = m.recipient_id ";

Group group_of(SQLite::Statement& s) {
  Group g;
  g.name = text_of(s.getColumn(0));
  g.description = text_of(s.getColumn(1));
  g.created_at = s.getColumn(2).getInt64();
  g.members = s.getColumn(3).getInt64();
  g.active_members = s.getColumn(4).getInt64();
  return g;
}

TemplateRow template_of(SQLite::Statement& s) {
  TemplateRow t;
  t.name = text_of(s.getColumn(0));
  t.body = text_of(s.getColumn(1));
  t.description = text_of(s.getColumn(2));
  t.params = split_list(text_of(s.getColumn(3)));
  t.created_at = s.getColumn(4).getInt64();
  t.updated_at = s.getColumn(5).getInt64();
  return t;
}

}  // namespace

std::vector<Group> Store::list_groups() {
  return impl_->read<std::vector<Group>>("list_groups", {}, [&] {
    static const std::string sql = std::string(kGroupSelect) + "GROUP BY g.name ORDER BY g.name";
    Use s(impl_->read_stmt(sql));
    std::vector<Group> groups;
    while (s->executeStep()) groups.push_back(group_of(*s));
    return groups;
  });
}

std::optional<Group> Store::get_group(const std::string& name) {
  return impl_->read<std::optional<Group>>("get_group", std::nullopt, [&]() -> std::optional<Group> {
    static const std::string sql = std::string(kGroupSelect) + "WHERE g.name = ? GROUP BY g.name";
    Use s(impl_->read_stmt(sql));
    s->bindNoCopy(1, name);
    if (!s->executeStep()) return std::nullopt;
    return group_of(*s);
  });
}

std::optional<TemplateRow> Store::get_template(const std::string& name) {
  return impl_->read<std::optional<TemplateRow>>("get_template", std::nullopt, [&]() -> std::optional<TemplateRow> {
    Use s(impl_->read_stmt(
        "SELECT name, body, description, params, created_at, updated_at FROM templates WHERE name = ?"));
    s->bindNoCopy(1, name);
    if (!s->executeStep()) return std::nullopt;
    return template_of(*s);
  });
}

std::vector<TemplateRow> Store::list_templates() {
  return impl_->read<std::vector<TemplateRow>>("list_templates", {}, [&] {
    Use s(impl_->read_stmt(
        "SELECT name, body, description, params, created_at, updated_at FROM templates ORDER BY name"));
    std::vector<TemplateRow> rows;
    while (s->executeStep()) rows.push_back(template_of(*s));
    return rows;
  });
}

std::vector<TokenRow> Store::list_tokens() {
  return impl_->read<std::vector<TokenRow>>("list_tokens", {}, [&] {
    Use s(impl_->read_stmt("SELECT name, sha256, scopes, created_at, revoked_at FROM api_tokens ORDER BY name"));
    std::vector<TokenRow> rows;
    while (s->executeStep()) {
      TokenRow t;
      t.name = text_of(s->getColumn(0));
      t.sha256 = text_of(s->getColumn(1));
      t.scopes = split_list(text_of(s->getColumn(2)));
      t.created_at = s->getColumn(3).getInt64();
      t.revoked_at = int64_of(s->getColumn(4));
      rows.push_back(std::move(t));
    }
    return rows;
  });
}

std::vector<UserRow> Store::list_users() {
  return impl_->read<std::vector<UserRow>>("list_users", {}, [&] {
    Use s(impl_->read_stmt(std::string(kUserColumns) + "ORDER BY name"));
    std::vector<UserRow> rows;
    while (s->executeStep()) rows.push_back(user_of(*s));
    return rows;
  });
}

std::optional<UserRow> Store::get_user(const std::string& name) {
  return impl_->read<std::optional<UserRow>>("get_user", std::nullopt, [&]() -> std::optional<UserRow> {
    Use s(impl_->read_stmt(std::string(kUserColumns) + "WHERE name = ?"));
    s->bind(1, name);
    if (!s->executeStep()) return std::nullopt;
    return user_of(*s);
  });
}

void TargetList::add(std::string_view phone, std::optional<std::int64_t> recipient_id,
                     std::string_view name, std::string_view unit, std::string_view title,
                     bool active) {
  constexpr std::size_t kBlock = 64 * 1024;
  // At most a flags byte, 10 bytes of id and 4 lengths of 10, then the fields.
  const std::size_t most = 51 + phone.size() + name.size() + unit.size() + title.size();
  if (blocks_.empty() || blocks_.back().capacity - blocks_.back().size < most) {
    // Small first (most sends name one number), doubling up to kBlock; a record larger than
    // that (fields of megabytes) gets a block of its own.
    const std::size_t grown = blocks_.empty() ? 256 : std::min(kBlock, blocks_.back().capacity * 2);
    const std::size_t capacity = std::max(grown, most);
    blocks_.push_back({std::make_unique_for_overwrite<char[]>(capacity), 0, capacity});
  }
  Block& b = blocks_.back();
  at_.push_back({static_cast<std::uint32_t>(blocks_.size() - 1), static_cast<std::uint32_t>(b.size)});
  char* const start = b.data.get() + b.size;
  char* p = start;
  auto varint = [&p](std::uint64_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
  };
  *p++ = static_cast<char>((active ? 1 : 0) | (recipient_id ? 2 : 0));
  if (recipient_id) varint(static_cast<std::uint64_t>(*recipient_id));
  for (std::string_view f : {phone, name, unit, title}) varint(f.size());
  for (std::string_view f : {phone, name, unit, title}) {
    if (!f.empty()) std::memcpy(p, f.data(), f.size());
    p += f.size();
  }
  b.size += static_cast<std::size_t>(p - start);
}

Target TargetList::operator[](std::size_t i) const noexcept {
  const At at = at_[i];
  const char* p = blocks_[at.block].data.get() + at.offset;
  auto varint = [&p] {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(*p++);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
  };
  const char flags = *p++;
  Target t;
  t.active = (flags & 1) != 0;
  if ((flags & 2) != 0) t.recipient_id = static_cast<std::int64_t>(varint());
  std::size_t len[4];
  for (auto& n : len) n = static_cast<std::size_t>(varint());
  std::string_view* fields[4] = {&t.phone, &t.name, &t.unit, &t.title};
  for (int f = 0; f < 4; ++f) {
    *fields[f] = std::string_view(p, len[f]);
    p += len[f];
  }
  return t;
}

std::size_t TargetList::bytes() const noexcept {
  std::size_t n = at_.capacity() * sizeof(At) + blocks_.capacity() * sizeof(Block);
  for (const Block& b : blocks_) n += b.capacity;
  return n;
}

namespace {

// The fields of a recipient row as read for a fan-out (columns id, phone, name, unit, title,
// active); owning, for the few explicit numbers looked up before they are put in order.
struct KnownTarget {
  std::int64_t id = 0;
  std::string phone, name, unit, title;
  bool active = true;
};

KnownTarget known_of(SQLite::Statement& s) {
  KnownTarget t;
  t.id = s.getColumn(0).getInt64();
  t.phone = text_of(s.getColumn(1));
  t.name = text_of(s.getColumn(2));
  t.unit = text_of(s.getColumn(3));
  t.title = text_of(s.getColumn(4));
  t.active = s.getColumn(5).getInt() != 0;
  return t;
}

// Reads the column as a view: valid until the statement steps again.
std::string_view view_of(const SQLite::Column& c) {
  const char* text = c.getText();
  return std::string_view(text, static_cast<std::size_t>(c.getBytes()));
}

}  // namespace

TargetList Store::resolve_targets(const std::vector<std::string>& groups,
                                  const std::vector<std::string>& phones,
                                  std::vector<std::string>& unknown_groups) {
  unknown_groups.clear();
  return impl_->read<TargetList>("resolve_targets", {}, [&] {
    TargetList targets;
    std::unordered_set<std::string_view> seen;  // into `phones`
    // Explicit numbers, in the given order; the known ones carry their recipient's fields.
    if (!phones.empty()) {
      targets.reserve(phones.size());
      std::unordered_map<std::string, KnownTarget> known;
      if (phones.size() <= kSmallLookup) {
        // The common API send names one or a few numbers: a point lookup each is far cheaper
        // than binding a 256-wide IN list, whose ephemeral table SQLite rebuilds every time.
        static const std::string one =
            "SELECT id, phone, name, unit, title, active FROM recipients WHERE phone = ?";
        Use s(impl_->read_stmt(one));
        for (const std::string& phone : phones) {
          s->bindNoCopy(1, phone);
          if (s->executeStep()) {
            KnownTarget t = known_of(*s);
            std::string key = t.phone;
            known.emplace(std::move(key), std::move(t));
          }
          s->reset();
        }
      } else {
        static const std::string sql =
            "SELECT id, phone, name, unit, title, active FROM recipients WHERE phone IN (" + in_placeholders() + ")";
        Use s(impl_->read_stmt(sql));
        for (std::size_t first = 0; first < phones.size(); first += kInChunk) {
          bind_chunk(*s, 0, phones, first);
          while (s->executeStep()) {
            KnownTarget t = known_of(*s);
            std::string phone = t.phone;
            known.emplace(std::move(phone), std::move(t));
          }
          s->reset();
        }
      }
      for (const std::string& phone : phones) {
        if (!seen.insert(phone).second) continue;
        if (auto it = known.find(phone); it != known.end()) {
          const KnownTarget& k = it->second;
          targets.add(k.phone, k.id, k.name, k.unit, k.title, k.active);
        } else {
          targets.add(phone, std::nullopt, {}, {}, {}, true);
        }
      }
    }
    // Group members: one streaming query over every known group, in recipient id order, so a
    // recipient in several groups arrives as adjacent rows. Phones are unique among recipients,
    // so only the explicit numbers need the hash set.
    // Which groups exist, 256 per statement: a request may name thousands, and a query plus
    // a linear duplicate search per name was quadratic.
    std::vector<std::string> known_groups;
    if (!groups.empty()) {
      const std::vector<std::string> named = distinct(groups);
      const std::unordered_set<std::string> existing = select_existing(*impl_, kGroupExists, kGroupsExist, named);
      for (const std::string& group : named) (existing.count(group) != 0 ? known_groups : unknown_groups).push_back(group);
    }
    if (known_groups.empty()) return targets;
    // One shape per number of groups (a handful in practice), each prepared once.
    std::string sql =
        "SELECT r.id, r.phone, r.name, r.unit, r.title, r.active FROM group_members m "
        "JOIN recipients r ON r.id = m.recipient_id WHERE m.group_name IN (?";
    for (std::size_t i = 1; i < known_groups.size(); ++i) sql += ", ?";
    sql += ") ORDER BY m.recipient_id";
    {
      // Sizing the result up front spares a 100,000-member fan-out its reallocations.
      std::string count_sql = "SELECT COUNT(*) FROM group_members WHERE group_name IN (?";
      for (std::size_t i = 1; i < known_groups.size(); ++i) count_sql += ", ?";
      count_sql += ")";
      Use c(impl_->read_stmt(count_sql));
      for (std::size_t i = 0; i < known_groups.size(); ++i) c->bindNoCopy(static_cast<int>(i) + 1, known_groups[i]);
      if (c->executeStep()) targets.reserve(targets.size() + static_cast<std::size_t>(c->getColumn(0).getInt64()));
    }
    Use s(impl_->read_stmt(sql));
    for (std::size_t i = 0; i < known_groups.size(); ++i) s->bindNoCopy(static_cast<int>(i) + 1, known_groups[i]);
    std::int64_t last_id = 0;
    while (s->executeStep()) {
      const std::int64_t id = s->getColumn(0).getInt64();
      if (id == last_id) continue;
      last_id = id;
      const std::string_view phone = view_of(s->getColumn(1));
      if (!seen.empty() && seen.count(phone) > 0) continue;
      targets.add(phone, id, view_of(s->getColumn(2)), view_of(s->getColumn(3)),
                  view_of(s->getColumn(4)), s->getColumn(5).getInt() != 0);
    }
    return targets;
  });
}

std::map<std::string, std::int64_t> Store::counts_since(const std::vector<std::string>& phones, UnixMs since) {
  return impl_->read<std::map<std::string, std::int64_t>>("counts_since", {}, [&] {
    std::map<std::string, std::int64_t> counts;
    for (const std::string& phone : phones) counts.emplace(phone, 0);
    if (phones.empty()) return counts;
    // A range of messages_recipient_created per phone; status is read from the rows in range
    // only (it changes too often to be worth indexing).
    static const std::string sql =
        "SELECT recipient, COUNT(*) FROM messages WHERE created_at >= ? AND status != 'cancelled' "
        "AND recipient IN (" + in_placeholders() + ") GROUP BY recipient";
    Use s(impl_->read_stmt(sql));
    for (std::size_t first = 0; first < phones.size(); first += kInChunk) {
      s->bind(1, since);
      bind_chunk(*s, 1, phones, first);
      while (s->executeStep()) counts[text_of(s->getColumn(0))] = s->getColumn(1).getInt64();
      s->reset();
    }
    return counts;
  });
}

}  // namespace smsgw::store
