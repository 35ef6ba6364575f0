// The audit-log members of Store (see audit.hpp).

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/store.hpp"
#include "store/store_impl.hpp"

namespace smsgw::store {

using namespace detail;

namespace detail {

std::optional<std::string> audit_snapshot(Writer& w, const std::string& kind, const std::string& id) {
  // Each object's state in the words of its table, built by SQLite's JSON functions. Never a
  // secret: no password hash, no token digest.
  static constexpr std::pair<const char*, const char*> kQueries[] = {
      {"recipient",
       "SELECT json_object('name', name, 'phone', phone, 'unit', unit, 'title', title, 'active', "
       "json(CASE active WHEN 0 THEN 'false' ELSE 'true' END), 'groups', (SELECT json_group_array(group_name) "
       "FROM (SELECT group_name FROM group_members WHERE recipient_id = r.id ORDER BY group_name))) "
       "FROM recipients r WHERE id = CAST(?1 AS INTEGER)"},
      {"group",
       "SELECT json_object('name', name, 'description', description, 'members', "
       "(SELECT COUNT(*) FROM group_members WHERE group_name = g.name)) FROM groups g WHERE name = ?1"},
      {"template",
       "SELECT json_object('name', name, 'body', body, 'description', description, 'params', params) "
       "FROM templates WHERE name = ?1"},
      {"schedule",
       "SELECT json_object('name', name, 'spec', json(spec), 'enabled', "
       "json(CASE enabled WHEN 0 THEN 'false' ELSE 'true' END)) FROM schedules WHERE id = CAST(?1 AS INTEGER)"},
      {"user",
       "SELECT json_object('name', name, 'role', role, 'disabled', "
       "json(CASE WHEN disabled_at IS NULL THEN 'false' ELSE 'true' END), 'password_changed_at', "
       "strftime('%Y-%m-%dT%H:%M:%fZ', password_changed_at / 1000.0, 'unixepoch')) FROM users WHERE name = ?1"},
      {"approval",
       "SELECT json_object('kind', kind, 'status', status, 'requested_by', requested_by, 'object_id', "
       "object_id, 'decided_by', decided_by, 'note', note) FROM approvals WHERE id = CAST(?1 AS INTEGER)"},
      {"suppression",
       "SELECT json_object('phone', phone, 'reason', reason, 'source', source, 'note', note) "
       "FROM suppressions WHERE phone = ?1"},
      {"token",
       "SELECT json_object('name', name, 'scopes', scopes, 'revoked', "
       "json(CASE WHEN revoked_at IS NULL THEN 'false' ELSE 'true' END)) FROM api_tokens WHERE name = ?1"},
  };
  for (const auto& [k, sql] : kQueries) {
    if (kind != k) continue;
    Use s(w.stmt(sql));
    s->bindNoCopy(1, id);
    if (!s->executeStep()) return std::nullopt;
    return text_of(s->getColumn(0));
  }
  return std::nullopt;
}

void write_audit(Writer& w, const AuditEntry& e, const std::optional<std::string>& before,
                 const std::optional<std::string>& after) {
  Use ins(w.stmt(
      "INSERT INTO audit_log (at, actor, actor_kind, address, action, object_kind, object_id, before, "
      "after, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ins->bind(1, e.at != 0 ? e.at : w.now());
  ins->bindNoCopy(2, e.actor);
  ins->bindNoCopy(3, e.actor_kind);
  ins->bindNoCopy(4, e.address);
  ins->bindNoCopy(5, e.action);
  ins->bindNoCopy(6, e.object_kind);
  ins->bindNoCopy(7, e.object_id);
  for (auto [index, value] : {std::pair{8, &before}, std::pair{9, &after}}) {
    if (*value) {
      ins->bindNoCopy(index, **value);
    } else {
      ins->bind(index);
    }
  }
  if (e.detail.empty()) {
    ins->bind(10);
  } else {
    ins->bindNoCopy(10, e.detail);
  }
  ins->exec();
}

}  // namespace detail

void Store::async_audit(AuditEntry entry, std::function<void(std::error_code)> done) {
  impl_->submit(Job{[entry = std::move(entry)](Writer& w) {
                      write_audit(w, entry, std::nullopt, std::nullopt);
                      return std::error_code{};
                    },
                    std::move(done), /*bounded=*/true});
}

AuditPage Store::list_audit(const AuditFilter& f) {
  return impl_->read<AuditPage>("list_audit", {}, [&] {
    // One statement whatever the filter: an empty parameter matches everything. Newest first by
    // id (ids grow with time: one writer).
    Use s(impl_->read_stmt(
        "SELECT id, at, actor, actor_kind, address, action, object_kind, object_id, before, after, detail "
        "FROM audit_log WHERE (?1 = 0 OR id < ?1) AND (?2 = '' OR actor = ?2) "
        "AND (?3 = '' OR action = ?3 OR (substr(?3, -1) = '.' AND substr(action, 1, length(?3)) = ?3)) "
        "AND (?4 = '' OR object_kind = ?4) AND (?5 = '' OR object_id = ?5) "
        "AND (?6 = 0 OR at >= ?6) AND (?7 = 0 OR at < ?7) ORDER BY id DESC LIMIT ?8"));
    s->bind(1, f.before_id);
    s->bind(2, f.actor);
    s->bind(3, f.action);
    s->bind(4, f.object_kind);
    s->bind(5, f.object_id);
    s->bind(6, f.since);
    s->bind(7, f.until);
    s->bind(8, f.limit + 1);
    AuditPage page;
    while (s->executeStep()) {
      if (static_cast<int>(page.rows.size()) == f.limit) {
        page.next_before = page.rows.back().id;
        break;
      }
      AuditRow r;
      r.id = s->getColumn(0).getInt64();
      r.at = s->getColumn(1).getInt64();
      r.actor = text_of(s->getColumn(2));
      r.actor_kind = text_of(s->getColumn(3));
      r.address = text_of(s->getColumn(4));
      r.action = text_of(s->getColumn(5));
      r.object_kind = text_of(s->getColumn(6));
      r.object_id = text_of(s->getColumn(7));
      for (auto [col, out] : {std::pair{8, &r.before}, std::pair{9, &r.after}, std::pair{10, &r.detail}}) {
        if (!s->getColumn(col).isNull()) *out = text_of(s->getColumn(col));
      }
      page.rows.push_back(std::move(r));
    }
    return page;
  });
}

}  // namespace smsgw::store
