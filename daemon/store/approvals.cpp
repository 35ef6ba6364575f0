// The two-person approval members of Store (see approvals.hpp).

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/store.hpp"
#include "store/store_impl.hpp"

namespace smsgw::store {

using namespace detail;

std::string effective_status(const ApprovalRow& row, UnixMs now) {
  if (row.status == "pending" && row.expires_at <= now) return "expired";
  return row.status;
}

namespace {

constexpr const char* kColumns =
    "id, kind, status, requested_by, requested_from, requested_at, expires_at, summary, request, "
    "object_id, decided_by, decided_at, note";

ApprovalRow row_of(SQLite::Statement& s) {
  ApprovalRow r;
  r.id = s.getColumn(0).getInt64();
  r.kind = text_of(s.getColumn(1));
  r.status = text_of(s.getColumn(2));
  r.requested_by = text_of(s.getColumn(3));
  r.requested_from = text_of(s.getColumn(4));
  r.requested_at = s.getColumn(5).getInt64();
  r.expires_at = s.getColumn(6).getInt64();
  r.summary = text_of(s.getColumn(7));
  r.request = text_of(s.getColumn(8));
  r.object_id = text_of(s.getColumn(9));
  r.decided_by = text_of(s.getColumn(10));
  r.decided_at = s.getColumn(11).getInt64();
  r.note = text_of(s.getColumn(12));
  return r;
}

std::error_code create_approval(Writer& w, const ApprovalRow& row, WriteResult& result, std::int64_t& id) {
  Use ins(w.stmt(
      "INSERT INTO approvals (kind, status, requested_by, requested_from, requested_at, expires_at, "
      "summary, request, object_id, decided_by, decided_at, note) "
      "VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, '', 0, '')"));
  ins->bindNoCopy(1, row.kind);
  ins->bindNoCopy(2, row.requested_by);
  ins->bindNoCopy(3, row.requested_from);
  ins->bind(4, row.requested_at != 0 ? row.requested_at : w.now());
  ins->bind(5, row.expires_at);
  ins->bindNoCopy(6, row.summary);
  ins->bindNoCopy(7, row.request);
  ins->bindNoCopy(8, row.object_id);
  ins->exec();
  id = w.db.getLastInsertRowid();
  result = WriteResult::ok;
  return {};
}

}  // namespace

namespace detail {

WriteResult decide_approval(Writer& w, const ApprovalDecision& d) {
  Use up(w.stmt(
      "UPDATE approvals SET status = ?1, decided_by = ?2, decided_at = ?3, note = ?4, "
      "object_id = CASE WHEN ?5 = '' THEN object_id ELSE ?5 END "
      "WHERE id = ?6 AND status = 'pending' AND expires_at > ?3"));
  up->bindNoCopy(1, d.status);
  up->bindNoCopy(2, d.decided_by);
  up->bind(3, d.at != 0 ? d.at : w.now());
  up->bindNoCopy(4, d.note);
  up->bindNoCopy(5, d.object_id);
  up->bind(6, d.id);
  return up->exec() > 0 ? WriteResult::ok : WriteResult::conflict;
}

}  // namespace detail

void Store::async_create_approval(ApprovalRow row,
                                  std::function<void(std::error_code, WriteResult, std::int64_t id)> done,
                                  Audit audit) {
  submit_create(
      *impl_,
      [row = std::move(row)](Writer& w, WriteResult& r, std::int64_t& id) { return create_approval(w, row, r, id); },
      std::move(done), std::move(audit));
}

void Store::async_decide_approval(ApprovalDecision decision, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [d = std::move(decision)](Writer& w, WriteResult& r) {
        r = decide_approval(w, d);
        return std::error_code{};
      },
      std::move(done), std::move(audit));
}

void Store::async_approve_schedule_enable(ApprovalDecision decision, std::int64_t schedule_id, WriteDone done,
                                          Audit audit, Audit decided) {
  submit_write(
      *impl_,
      [d = std::move(decision), schedule_id, decided = std::move(decided)](Writer& w, WriteResult& r) {
        {
          // Deleted meanwhile: not_found, and the request stays pending (it will expire).
          Use find(w.stmt("SELECT 1 FROM schedules WHERE id = ?"));
          find->bind(1, schedule_id);
          if (!find->executeStep()) {
            r = WriteResult::not_found;
            return std::error_code{};
          }
        }
        r = decide_approval(w, d);
        if (r != WriteResult::ok) return std::error_code{};
        Use up(w.stmt("UPDATE schedules SET enabled = 1, updated_at = ? WHERE id = ?"));
        up->bind(1, d.at != 0 ? d.at : w.now());
        up->bind(2, schedule_id);
        up->exec();
        if (decided) write_audit(w, *decided, std::nullopt, std::nullopt);
        return std::error_code{};
      },
      std::move(done), std::move(audit));
}

std::optional<ApprovalRow> Store::get_approval(std::int64_t id) {
  return impl_->read<std::optional<ApprovalRow>>("get_approval", std::nullopt, [&]() -> std::optional<ApprovalRow> {
    Use s(impl_->read_stmt(std::string("SELECT ") + kColumns + " FROM approvals WHERE id = ?"));
    s->bind(1, id);
    if (!s->executeStep()) return std::nullopt;
    return row_of(*s);
  });
}

ApprovalPage Store::list_approvals(const ApprovalFilter& f) {
  return impl_->read<ApprovalPage>("list_approvals", ApprovalPage{}, [&] {
    std::string sql = std::string("SELECT ") + kColumns + " FROM approvals WHERE (?1 = 0 OR id < ?1)";
    if (f.status == "pending") {
      sql += " AND status = 'pending' AND expires_at > ?2";
    } else if (f.status == "expired") {
      sql += " AND status = 'pending' AND expires_at <= ?2";
    } else if (!f.status.empty()) {
      sql += " AND status = ?3";
    }
    sql += " ORDER BY id DESC LIMIT ?4";
    Use s(impl_->read_stmt(sql));
    s->bind(1, f.before_id);
    if (f.status == "pending" || f.status == "expired") s->bind(2, f.now);
    if (!f.status.empty() && f.status != "pending" && f.status != "expired") s->bind(3, f.status);
    s->bind(4, f.limit + 1);
    ApprovalPage page;
    while (s->executeStep()) page.rows.push_back(row_of(*s));
    if (page.rows.size() > static_cast<std::size_t>(f.limit)) {
      page.rows.pop_back();
      page.next_before = page.rows.back().id;
    }
    return page;
  });
}

std::int64_t Store::count_pending_approvals(UnixMs now) {
  return impl_->read<std::int64_t>("count_pending_approvals", 0, [&] {
    Use s(impl_->read_stmt("SELECT COUNT(*) FROM approvals WHERE status = 'pending' AND expires_at > ?"));
    s->bind(1, now);
    return s->executeStep() ? s->getColumn(0).getInt64() : std::int64_t{0};
  });
}

}  // namespace smsgw::store
