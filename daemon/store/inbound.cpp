// The two-way members of Store (see inbound.hpp): inbound messages and the suppression list.

#include "store/inbound.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "store/store.hpp"
#include "store/store_impl.hpp"
#include "twoway/keywords.hpp"

namespace smsgw::store {

using namespace detail;

namespace {

constexpr const char* kInboundColumns =
    "id, carrier, carrier_id, from_number, to_number, text, received_at, created_at, message_id, "
    "batch_id, matched_by, kind";

InboundRow inbound_of(SQLite::Statement& s) {
  InboundRow r;
  r.id = s.getColumn(0).getInt64();
  r.carrier = text_of(s.getColumn(1));
  r.carrier_id = text_of(s.getColumn(2));
  r.from = text_of(s.getColumn(3));
  r.to = text_of(s.getColumn(4));
  r.text = text_of(s.getColumn(5));
  r.received_at = s.getColumn(6).getInt64();
  r.created_at = s.getColumn(7).getInt64();
  r.message_id = int64_of(s.getColumn(8));
  r.batch_id = int64_of(s.getColumn(9));
  r.matched_by = text_of(s.getColumn(10));
  r.kind = text_of(s.getColumn(11));
  return r;
}

SuppressionRow suppression_of(SQLite::Statement& s) {
  SuppressionRow r;
  r.phone = text_of(s.getColumn(0));
  r.reason = text_of(s.getColumn(1));
  r.source = text_of(s.getColumn(2));
  r.note = text_of(s.getColumn(3));
  r.created_at = s.getColumn(4).getInt64();
  return r;
}

struct Match {
  std::int64_t message_id = 0;
  std::int64_t batch_id = 0;
};

constexpr char kWordSeparator = '\x1f';

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += kWordSeparator;
    out += words[i];
  }
  return out;
}

std::vector<std::string> split_words(const std::string& joined) {
  std::vector<std::string> out;
  if (joined.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = joined.find(kWordSeparator, start);
    out.push_back(joined.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

bool has_word(const std::vector<std::string>& words, const std::string& normalized) {
  for (const auto& w : words)
    if (w == normalized) return true;
  return false;
}

constexpr const char* kConfirmOf = "SELECT yes_words, no_words, until, counts_for FROM batch_confirm WHERE batch_id = ?";

// A batch's confirm settings through either connection's statement for kConfirmOf.
std::optional<ConfirmSpec> confirm_from(SQLite::Statement& stmt, std::int64_t batch_id) {
  Use s(stmt);
  s->bind(1, batch_id);
  if (!s->executeStep()) return std::nullopt;
  ConfirmSpec c;
  c.yes = split_words(text_of(s->getColumn(0)));
  c.no = split_words(text_of(s->getColumn(1)));
  c.until = s->getColumn(2).getInt64();
  c.counts_for = s->getColumn(3).getInt64();
  return c;
}

std::optional<ConfirmSpec> confirm_of(Writer& w, std::int64_t batch_id) { return confirm_from(w.stmt(kConfirmOf), batch_id); }

// The latest message to `phone` in the window whose send still asks for a reply at `at`.
std::optional<Match> latest_asking(Writer& w, const std::string& phone, UnixMs at, UnixMs window) {
  Use s(w.stmt(
      "SELECT m.id, m.batch_id FROM messages m JOIN batch_confirm c ON c.batch_id = m.batch_id "
      "WHERE m.recipient = ?1 AND m.created_at >= ?2 AND m.created_at <= ?3 AND c.until >= ?3 "
      "AND m.status IN ('sending', 'sent', 'delivered') ORDER BY m.created_at DESC, m.id DESC LIMIT 1"));
  s->bindNoCopy(1, phone);
  s->bind(2, at - window);
  s->bind(3, at);
  if (!s->executeStep()) return std::nullopt;
  return Match{s->getColumn(0).getInt64(), s->getColumn(1).getInt64()};
}

// Records the reply's answer for the person: a readable answer replaces an earlier one (people
// change their minds: "1" then "2"); an unreadable reply never replaces a readable one.
void record_confirmation(Writer& w, std::int64_t batch_id, const NewInbound& in, std::int64_t inbound_id,
                         const std::string& status, UnixMs at) {
  Use up(w.stmt(
      "INSERT INTO confirmations (batch_id, phone, status, inbound_id, text, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT (batch_id, phone) DO UPDATE SET status = excluded.status, inbound_id = excluded.inbound_id, "
      "text = excluded.text, at = excluded.at "
      "WHERE excluded.status != 'unreadable' OR confirmations.status = 'unreadable'"));
  up->bind(1, batch_id);
  up->bindNoCopy(2, in.from);
  up->bindNoCopy(3, status);
  up->bind(4, inbound_id);
  up->bindNoCopy(5, in.text);
  up->bind(6, at);
  up->exec();
}

// The latest message to `phone` accepted in the window before the reply that a carrier may
// have delivered (never one still queued, cancelled or refused by every carrier).
std::optional<Match> latest_outbound(Writer& w, const std::string& phone, UnixMs at, UnixMs window) {
  if (window <= 0) return std::nullopt;
  Use s(w.stmt(
      "SELECT id, batch_id FROM messages WHERE recipient = ?1 AND created_at >= ?2 AND "
      "created_at <= ?3 AND status IN ('sending', 'sent', 'delivered') "
      "ORDER BY created_at DESC, id DESC LIMIT 1"));
  s->bindNoCopy(1, phone);
  s->bind(2, at - window);
  s->bind(3, at);
  if (!s->executeStep()) return std::nullopt;
  return Match{s->getColumn(0).getInt64(), s->getColumn(1).getInt64()};
}

AuditEntry keyword_entry(const NewInbound& in, std::int64_t id, const char* action, UnixMs at) {
  AuditEntry e;
  e.at = at;
  e.actor = "smsgwd";
  e.actor_kind = "system";
  e.action = action;
  e.object_kind = "suppression";
  e.object_id = in.from;
  e.detail = nlohmann::json{{"reason", "keyword"}, {"keyword", in.keyword}, {"inbound_id", id},
                            {"carrier", in.carrier}}
                 .dump();
  return e;
}

// Adds or removes the sender on the suppression list for a keyword reply; audited only when
// the list changed (a second "TD" changes nothing and is not an event).
void apply_keyword(Writer& w, const NewInbound& in, std::int64_t id, UnixMs now) {
  if (in.kind == "opt_out") {
    Use ins(w.stmt(
        "INSERT INTO suppressions (phone, reason, source, note, created_at) VALUES (?1, 'keyword', ?2, ?3, ?4) "
        "ON CONFLICT (phone) DO NOTHING"));
    const std::string source = "inbound:" + std::to_string(id);
    ins->bindNoCopy(1, in.from);
    ins->bindNoCopy(2, source);
    ins->bindNoCopy(3, in.keyword);
    ins->bind(4, now);
    if (ins->exec() == 0) return;
    write_audit(w, keyword_entry(in, id, "suppression.add", now), std::nullopt,
                audit_snapshot(w, "suppression", in.from));
  } else if (in.kind == "opt_in") {
    const auto before = audit_snapshot(w, "suppression", in.from);
    if (!before) return;
    Use del(w.stmt("DELETE FROM suppressions WHERE phone = ?"));
    del->bindNoCopy(1, in.from);
    del->exec();
    write_audit(w, keyword_entry(in, id, "suppression.remove", now), before, std::nullopt);
  }
}

std::error_code store_inbound(Writer& w, const std::vector<NewInbound>& rows, const InboundRules& rules,
                              std::vector<InboundOutcome>& out) {
  out.clear();
  out.reserve(rows.size());
  const UnixMs now = w.now();
  for (const NewInbound& in : rows) {
    InboundOutcome o;
    if (!in.carrier_id.empty()) {
      Use find(w.stmt("SELECT id FROM inbound WHERE carrier = ?1 AND carrier_id = ?2"));
      find->bindNoCopy(1, in.carrier);
      find->bindNoCopy(2, in.carrier_id);
      if (find->executeStep()) {
        o.result = InboundResult::duplicate;
        o.id = find->getColumn(0).getInt64();
        out.push_back(o);
        continue;
      }
    }
    const UnixMs at = in.received_at > 0 ? in.received_at : now;
    // A reply shaped like a vote whose keyword names a poll is a vote, not an answer.
    std::optional<PollMatch> poll;
    std::optional<twoway::Ballot> ballot;
    if (in.kind == "reply") {
      ballot = twoway::split_ballot(in.normalized);
      if (ballot) poll = poll_for(w, ballot->keyword, at);
    }
    auto match = latest_outbound(w, in.from, at, rules.reply_window_ms);
    const char* matched_by = "recent";
    std::optional<ConfirmSpec> confirm;
    if (match && in.kind == "reply" && !poll) {
      confirm = confirm_of(w, match->batch_id);
      if (confirm && confirm->until < at) confirm.reset();
      if (!confirm) {
        // A later send asked nothing ("回复1确认参会", then a holiday reminder): a yes or no
        // word still answers the latest send that asks for one.
        if (auto asking = latest_asking(w, in.from, at, rules.reply_window_ms)) {
          auto c = confirm_of(w, asking->batch_id);
          if (c && (has_word(c->yes, in.normalized) || has_word(c->no, in.normalized))) {
            match = asking;
            confirm = std::move(c);
            matched_by = "confirm";
          }
        }
      }
    }
    Use ins(w.stmt(
        "INSERT INTO inbound (carrier, carrier_id, from_number, to_number, text, received_at, created_at, "
        "message_id, batch_id, matched_by, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
    ins->bindNoCopy(1, in.carrier);
    bind_text_or_null(*ins, 2, in.carrier_id);
    ins->bindNoCopy(3, in.from);
    ins->bindNoCopy(4, in.to);
    ins->bindNoCopy(5, in.text);
    ins->bind(6, at);
    ins->bind(7, now);
    if (match) {
      ins->bind(8, match->message_id);
      ins->bind(9, match->batch_id);
      ins->bind(10, matched_by);
    } else {
      ins->bind(8);
      ins->bind(9);
      ins->bind(10);
    }
    ins->bind(11, poll ? std::string("vote") : in.kind);
    ins->exec();
    o.id = w.db.getLastInsertRowid();
    if (poll) {
      o.poll_id = poll->id;
      o.ballot = cast_ballot(w, *poll, in.from, ballot->code, o.id, at);
    }
    apply_keyword(w, in, o.id, now);
    if (confirm && match) {
      o.confirmation = has_word(confirm->yes, in.normalized)  ? "confirmed"
                       : has_word(confirm->no, in.normalized) ? "declined"
                                                              : "unreadable";
      o.confirmation_batch = confirm->counts_for != 0 ? confirm->counts_for : match->batch_id;
      record_confirmation(w, o.confirmation_batch, in, o.id, o.confirmation, at);
    }
    out.push_back(o);
  }
  return {};
}

}  // namespace

namespace detail {

void write_confirm(Writer& w, std::int64_t batch_id, const ConfirmSpec& confirm) {
  Use ins(w.stmt("INSERT INTO batch_confirm (batch_id, yes_words, no_words, until, counts_for) VALUES (?, ?, ?, ?, ?)"));
  const std::string yes = join_words(confirm.yes), no = join_words(confirm.no);
  ins->bind(1, batch_id);
  ins->bindNoCopy(2, yes);
  ins->bindNoCopy(3, no);
  ins->bind(4, confirm.until);
  ins->bind(5, confirm.counts_for != 0 ? confirm.counts_for : batch_id);
  ins->exec();
}

std::optional<ConfirmSpec> read_confirm(Store::Impl& impl, std::int64_t batch_id) {
  return confirm_from(impl.read_stmt(kConfirmOf), batch_id);
}

std::map<std::string, std::int64_t> count_confirmations(Store::Impl& impl, std::int64_t batch_id) {
  std::map<std::string, std::int64_t> out{{"confirmed", 0}, {"declined", 0}, {"unreadable", 0}, {"no_reply", 0}};
  std::int64_t people = 0;
  {
    Use s(impl.read_stmt("SELECT COUNT(DISTINCT recipient) FROM messages WHERE batch_id = ? AND status != 'cancelled'"));
    s->bind(1, batch_id);
    if (s->executeStep()) people = s->getColumn(0).getInt64();
  }
  std::int64_t answered = 0;
  Use s(impl.read_stmt("SELECT status, COUNT(*) FROM confirmations WHERE batch_id = ? GROUP BY status"));
  s->bind(1, batch_id);
  while (s->executeStep()) {
    const std::int64_t n = s->getColumn(1).getInt64();
    out[text_of(s->getColumn(0))] = n;
    answered += n;
  }
  out["no_reply"] = std::max<std::int64_t>(0, people - answered);
  return out;
}

}  // namespace detail

ReplyPage Store::list_replies(std::int64_t batch_id, const std::string& status, const std::string& after, int limit) {
  return impl_->read<ReplyPage>("list_replies", ReplyPage{}, [&] {
    std::string sql =
        "SELECT r.recipient, COALESCE(c.status, 'no_reply'), COALESCE(c.text, ''), COALESCE(c.at, 0) "
        "FROM (SELECT DISTINCT recipient FROM messages WHERE batch_id = ?1 AND status != 'cancelled') r "
        "LEFT JOIN confirmations c ON c.batch_id = ?1 AND c.phone = r.recipient WHERE r.recipient > ?2";
    if (!status.empty()) sql += " AND COALESCE(c.status, 'no_reply') = ?3";
    sql += " ORDER BY r.recipient LIMIT ?4";
    Use s(impl_->read_stmt(sql));
    s->bind(1, batch_id);
    s->bindNoCopy(2, after);
    if (!status.empty()) s->bindNoCopy(3, status);
    s->bind(4, limit + 1);
    ReplyPage page;
    while (s->executeStep()) {
      page.rows.push_back({text_of(s->getColumn(0)), text_of(s->getColumn(1)), text_of(s->getColumn(2)),
                           s->getColumn(3).getInt64()});
    }
    if (page.rows.size() > static_cast<std::size_t>(limit)) {
      page.rows.pop_back();
      page.next_after = page.rows.back().to;
    }
    return page;
  });
}

void Store::async_inbound(std::vector<NewInbound> rows, InboundRules rules,
                          std::function<void(std::error_code, std::vector<InboundOutcome>)> done) {
  auto out = std::make_shared<std::vector<InboundOutcome>>();
  impl_->submit(Job{[rows = std::move(rows), rules, out](Writer& w) { return store_inbound(w, rows, rules, *out); },
                    [out, done = std::move(done)](std::error_code ec) {
                      if (ec) out->clear();
                      done(ec, std::move(*out));
                    },
                    /*bounded=*/true});
}

std::optional<InboundRow> Store::get_inbound(std::int64_t id) {
  return impl_->read<std::optional<InboundRow>>("get_inbound", std::nullopt, [&]() -> std::optional<InboundRow> {
    Use s(impl_->read_stmt(std::string("SELECT ") + kInboundColumns + " FROM inbound WHERE id = ?"));
    s->bind(1, id);
    if (!s->executeStep()) return std::nullopt;
    return inbound_of(*s);
  });
}

InboundPage Store::list_inbound(const InboundFilter& f) {
  return impl_->read<InboundPage>("list_inbound", InboundPage{}, [&] {
    // One statement shape per set of filters given, each prepared once: the planner picks the
    // index of the filter that narrows most (from, batch, or the id order).
    std::string sql = std::string("SELECT ") + kInboundColumns + " FROM inbound WHERE (?1 = 0 OR id < ?1)";
    if (!f.from.empty()) sql += " AND from_number = ?2";
    if (!f.carrier.empty()) sql += " AND carrier = ?3";
    if (f.batch_id) sql += " AND batch_id = ?4";
    if (f.message_id) sql += " AND message_id = ?5";
    if (!f.kind.empty()) sql += " AND kind = ?6";
    if (f.since > 0) sql += " AND received_at >= ?7";
    if (f.until > 0) sql += " AND received_at < ?8";
    sql += " ORDER BY id DESC LIMIT ?9";
    Use s(impl_->read_stmt(sql));
    s->bind(1, f.before_id);
    if (!f.from.empty()) s->bindNoCopy(2, f.from);
    if (!f.carrier.empty()) s->bindNoCopy(3, f.carrier);
    if (f.batch_id) s->bind(4, *f.batch_id);
    if (f.message_id) s->bind(5, *f.message_id);
    if (!f.kind.empty()) s->bindNoCopy(6, f.kind);
    if (f.since > 0) s->bind(7, f.since);
    if (f.until > 0) s->bind(8, f.until);
    s->bind(9, f.limit + 1);
    InboundPage page;
    while (s->executeStep()) page.rows.push_back(inbound_of(*s));
    if (page.rows.size() > static_cast<std::size_t>(f.limit)) {
      page.rows.pop_back();
      page.next_before = page.rows.back().id;
    }
    return page;
  });
}

void Store::async_add_suppression(SuppressionRow row, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [row = std::move(row)](Writer& w, WriteResult& r) {
        Use ins(w.stmt(
            "INSERT INTO suppressions (phone, reason, source, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
            "ON CONFLICT (phone) DO NOTHING"));
        ins->bindNoCopy(1, row.phone);
        ins->bindNoCopy(2, row.reason);
        ins->bindNoCopy(3, row.source);
        ins->bindNoCopy(4, row.note);
        ins->bind(5, row.created_at != 0 ? row.created_at : w.now());
        r = ins->exec() == 1 ? WriteResult::ok : WriteResult::conflict;
        return std::error_code{};
      },
      std::move(done), std::move(audit));
}

void Store::async_remove_suppression(std::string phone, WriteDone done, Audit audit) {
  submit_write(
      *impl_,
      [phone = std::move(phone)](Writer& w, WriteResult& r) {
        Use del(w.stmt("DELETE FROM suppressions WHERE phone = ?"));
        del->bindNoCopy(1, phone);
        r = del->exec() == 1 ? WriteResult::ok : WriteResult::not_found;
        return std::error_code{};
      },
      std::move(done), std::move(audit));
}

std::optional<SuppressionRow> Store::get_suppression(const std::string& phone) {
  return impl_->read<std::optional<SuppressionRow>>("get_suppression", std::nullopt,
                                                    [&]() -> std::optional<SuppressionRow> {
    Use s(impl_->read_stmt("SELECT phone, reason, source, note, created_at FROM suppressions WHERE phone = ?"));
    s->bindNoCopy(1, phone);
    if (!s->executeStep()) return std::nullopt;
    return suppression_of(*s);
  });
}

SuppressionPage Store::list_suppressions(const std::string& after, int limit) {
  return impl_->read<SuppressionPage>("list_suppressions", SuppressionPage{}, [&] {
    Use s(impl_->read_stmt(
        "SELECT phone, reason, source, note, created_at FROM suppressions WHERE phone > ?1 ORDER BY phone LIMIT ?2"));
    s->bindNoCopy(1, after);
    s->bind(2, limit + 1);
    SuppressionPage page;
    while (s->executeStep()) page.rows.push_back(suppression_of(*s));
    if (page.rows.size() > static_cast<std::size_t>(limit)) {
      page.rows.pop_back();
      page.next_after = page.rows.back().phone;
    }
    return page;
  });
}

std::unordered_set<std::string> Store::suppressed_among(const std::vector<std::string>& phones) {
  return impl_->read<std::unordered_set<std::string>>("suppressed_among", {}, [&] {
    std::unordered_set<std::string> found;
    Use s(impl_->read_stmt("SELECT 1 FROM suppressions WHERE phone = ?"));
    for (const std::string& p : phones) {
      s->bindNoCopy(1, p);
      if (s->executeStep()) found.insert(p);
      s->reset();
    }
    return found;
  });
}

std::unordered_set<std::string> Store::suppressed_phones() {
  return impl_->read<std::unordered_set<std::string>>("suppressed_phones", {}, [&] {
    std::unordered_set<std::string> found;
    Use s(impl_->read_stmt("SELECT phone FROM suppressions"));
    while (s->executeStep()) found.insert(text_of(s->getColumn(0)));
    return found;
  });
}

}  // namespace smsgw::store
