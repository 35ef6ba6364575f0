// The console-session members of Store (see sessions.hpp).

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/store.hpp"
#include "store/store_impl.hpp"

namespace smsgw::store {

using namespace detail;

namespace {

std::error_code create_session(Writer& w, const SessionRow& row, UnixMs idle_ms, UnixMs lifetime_ms,
                               WriteResult& result) {
  {
    Use prune(w.stmt("DELETE FROM console_sessions WHERE last_seen_at < ?1 OR created_at < ?2"));
    prune->bind(1, row.created_at - idle_ms);
    prune->bind(2, row.created_at - lifetime_ms);
    prune->exec();
  }
  Use ins(w.stmt(
      "INSERT INTO console_sessions (id_sha256, user, csrf_token, created_at, last_seen_at, "
      "address, user_agent) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6) ON CONFLICT (id_sha256) DO NOTHING"));
  ins->bindNoCopy(1, row.id_sha256);
  ins->bindNoCopy(2, row.user);
  ins->bindNoCopy(3, row.csrf_token);
  ins->bind(4, row.created_at);
  ins->bindNoCopy(5, row.address);
  ins->bindNoCopy(6, row.user_agent);
  result = ins->exec() == 1 ? WriteResult::ok : WriteResult::conflict;
  return {};
}

std::error_code touch_session(Writer& w, const std::string& id, UnixMs at, WriteResult& result) {
  // MAX: a late touch never moves last_seen back.
  Use up(w.stmt("UPDATE console_sessions SET last_seen_at = MAX(last_seen_at, ?1) WHERE id_sha256 = ?2"));
  up->bind(1, at);
  up->bindNoCopy(2, id);
  result = up->exec() > 0 ? WriteResult::ok : WriteResult::not_found;
  return {};
}

std::error_code delete_session(Writer& w, const std::string& id, WriteResult& result) {
  Use del(w.stmt("DELETE FROM console_sessions WHERE id_sha256 = ?"));
  del->bindNoCopy(1, id);
  result = del->exec() > 0 ? WriteResult::ok : WriteResult::not_found;
  return {};
}

}  // namespace

namespace detail {

void delete_user_sessions(Writer& w, const std::string& user) {
  Use del(w.stmt("DELETE FROM console_sessions WHERE user = ?"));
  del->bindNoCopy(1, user);
  del->exec();
}

}  // namespace detail

void Store::async_create_session(SessionRow row, UnixMs idle_ms, UnixMs lifetime_ms, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [row = std::move(row), idle_ms, lifetime_ms](Writer& w, WriteResult& r) {
        return create_session(w, row, idle_ms, lifetime_ms, r);
      },
      std::move(done), std::move(audit));
}

void Store::async_touch_session(std::string id_sha256, UnixMs at, WriteDone done) {
  submit_write(
      *impl_, [id = std::move(id_sha256), at](Writer& w, WriteResult& r) { return touch_session(w, id, at, r); },
      std::move(done));
}

void Store::async_delete_session(std::string id_sha256, WriteDone done, Audit audit) {
  submit_write(
      *impl_, [id = std::move(id_sha256)](Writer& w, WriteResult& r) { return delete_session(w, id, r); },
      std::move(done), std::move(audit));
}

void Store::async_delete_user_sessions(std::string user, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [user = std::move(user)](Writer& w, WriteResult& r) -> std::error_code {
        delete_user_sessions(w, user);
        r = WriteResult::ok;
        return {};
      },
      std::move(done), std::move(audit));
}

std::optional<SessionLookup> Store::get_session(const std::string& id_sha256) {
  return impl_->read<std::optional<SessionLookup>>("get_session", std::nullopt, [&]() -> std::optional<SessionLookup> {
    Use s(impl_->read_stmt(
        "SELECT s.user, s.csrf_token, s.created_at, s.last_seen_at, s.address, s.user_agent, u.role, "
        "u.disabled_at IS NOT NULL FROM console_sessions s JOIN users u ON u.name = s.user "
        "WHERE s.id_sha256 = ?"));
    s->bind(1, id_sha256);
    if (!s->executeStep()) return std::nullopt;
    SessionLookup out;
    out.session.id_sha256 = id_sha256;
    out.session.user = text_of(s->getColumn(0));
    out.session.csrf_token = text_of(s->getColumn(1));
    out.session.created_at = s->getColumn(2).getInt64();
    out.session.last_seen_at = s->getColumn(3).getInt64();
    out.session.address = text_of(s->getColumn(4));
    out.session.user_agent = text_of(s->getColumn(5));
    out.role = text_of(s->getColumn(6));
    out.disabled = s->getColumn(7).getInt() != 0;
    return out;
  });
}

std::int64_t Store::count_user_sessions(const std::string& user) {
  return impl_->read<std::int64_t>("count_user_sessions", 0, [&] {
    Use s(impl_->read_stmt("SELECT COUNT(*) FROM console_sessions WHERE user = ?"));
    s->bind(1, user);
    return s->executeStep() ? s->getColumn(0).getInt64() : std::int64_t{0};
  });
}

}  // namespace smsgw::store
