// The poll members of Store (see polls.hpp), and cast_ballot, which store_inbound calls for a
// reply shaped like a vote.

#include "store/polls.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/store.hpp"
#include "store/store_impl.hpp"
#include "twoway/keywords.hpp"

namespace smsgw::store {

using namespace detail;

namespace {

constexpr const char* kPollColumns = "id, name, keyword, opens_at, closes_at, counts, created_by, created_at";

PollRow poll_of(SQLite::Statement& s) {
  PollRow p;
  p.id = s.getColumn(0).getInt64();
  p.name = text_of(s.getColumn(1));
  p.keyword = text_of(s.getColumn(2));
  p.opens_at = s.getColumn(3).getInt64();
  p.closes_at = s.getColumn(4).getInt64();
  p.counts = text_of(s.getColumn(5));
  p.created_by = text_of(s.getColumn(6));
  p.created_at = s.getColumn(7).getInt64();
  return p;
}

// Options (with their votes when `count`) and groups of a poll read through the reader.
void fill_poll(Store::Impl& impl, PollRow& p, bool count) {
  Use o(impl.read_stmt(
      "SELECT o.shown, o.label, (SELECT count(*) FROM votes v WHERE v.poll_id = o.poll_id AND v.code = o.code) "
      "FROM poll_options o WHERE o.poll_id = ? ORDER BY o.pos"));
  o->bind(1, p.id);
  while (o->executeStep()) {
    p.options.push_back({text_of(o->getColumn(0)), text_of(o->getColumn(1)), count ? o->getColumn(2).getInt64() : 0});
  }
  Use g(impl.read_stmt("SELECT group_name FROM poll_groups WHERE poll_id = ? ORDER BY group_name"));
  g->bind(1, p.id);
  while (g->executeStep()) p.groups.push_back(text_of(g->getColumn(0)));
}

BallotRow ballot_of(SQLite::Statement& s) {
  return {s.getColumn(0).getInt64(), s.getColumn(1).getInt64(), text_of(s.getColumn(2)), text_of(s.getColumn(3)),
          s.getColumn(4).getInt64(), text_of(s.getColumn(5))};
}

}  // namespace

namespace detail {

std::optional<PollMatch> poll_for(Writer& w, const std::string& keyword, UnixMs at) {
  // The poll open at `at`; else the latest to close (a late vote); a poll not yet open is early.
  Use s(w.stmt(
      "SELECT id, opens_at, closes_at, counts, EXISTS (SELECT 1 FROM poll_groups g WHERE g.poll_id = polls.id) "
      "FROM polls WHERE keyword = ?1 ORDER BY (opens_at <= ?2 AND ?2 < closes_at) DESC, closes_at DESC LIMIT 1"));
  s->bindNoCopy(1, keyword);
  s->bind(2, at);
  if (!s->executeStep()) return std::nullopt;
  return PollMatch{s->getColumn(0).getInt64(), s->getColumn(1).getInt64(), s->getColumn(2).getInt64(),
                   s->getColumn(3).getString() == "last", s->getColumn(4).getInt() != 0};
}

std::string cast_ballot(Writer& w, const PollMatch& poll, const std::string& phone, const std::string& code,
                        std::int64_t inbound_id, UnixMs at) {
  std::string outcome;
  std::optional<std::string> earlier;  // the phone's counted vote
  if (at < poll.opens_at) {
    outcome = "early";
  } else if (at >= poll.closes_at) {
    outcome = "late";
  } else {
    Use opt(w.stmt("SELECT 1 FROM poll_options WHERE poll_id = ? AND code = ?"));
    opt->bind(1, poll.id);
    opt->bindNoCopy(2, code);
    if (!opt->executeStep()) outcome = "unknown_code";
  }
  if (outcome.empty() && poll.restricted) {
    Use m(w.stmt(
        "SELECT 1 FROM recipients r JOIN group_members gm ON gm.recipient_id = r.id "
        "JOIN poll_groups pg ON pg.group_name = gm.group_name AND pg.poll_id = ?1 "
        "WHERE r.phone = ?2 AND r.active = 1 LIMIT 1"));
    m->bind(1, poll.id);
    m->bindNoCopy(2, phone);
    if (!m->executeStep()) outcome = "not_member";
  }
  if (outcome.empty()) {
    Use v(w.stmt("SELECT code FROM votes WHERE poll_id = ? AND phone = ?"));
    v->bind(1, poll.id);
    v->bindNoCopy(2, phone);
    if (v->executeStep()) earlier = v->getColumn(0).getString();
    outcome = !earlier ? "counted" : poll.counts_last ? "changed" : "duplicate";
  }
  Use ins(w.stmt("INSERT INTO ballots (poll_id, inbound_id, phone, code, at, outcome) VALUES (?, ?, ?, ?, ?, ?)"));
  ins->bind(1, poll.id);
  ins->bind(2, inbound_id);
  ins->bindNoCopy(3, phone);
  ins->bindNoCopy(4, code);
  ins->bind(5, at);
  ins->bind(6, outcome);
  ins->exec();
  const std::int64_t ballot = w.db.getLastInsertRowid();
  if (outcome == "counted" || outcome == "changed") {
    Use up(w.stmt(
        "INSERT INTO votes (poll_id, phone, code, ballot_id) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (poll_id, phone) DO UPDATE SET code = excluded.code, ballot_id = excluded.ballot_id"));
    up->bind(1, poll.id);
    up->bindNoCopy(2, phone);
    up->bindNoCopy(3, code);
    up->bind(4, ballot);
    up->exec();
  }
  return outcome;
}

}  // namespace detail

void Store::async_create_poll(PollRow poll, std::function<void(std::error_code, WriteResult, std::int64_t id)> done,
                              Audit audit) {
  submit_create(
      *impl_,
      [poll = std::move(poll)](Writer& w, WriteResult& r, std::int64_t& id) {
        {
          Use dup(w.stmt("SELECT 1 FROM polls WHERE name = ?"));
          dup->bindNoCopy(1, poll.name);
          if (dup->executeStep()) {
            r = WriteResult::conflict;
            return std::error_code{};
          }
        }
        {
          // One keyword reads one poll at a time: windows of polls sharing it may not overlap.
          Use overlap(w.stmt("SELECT 1 FROM polls WHERE keyword = ?1 AND opens_at < ?3 AND ?2 < closes_at"));
          overlap->bindNoCopy(1, poll.keyword);
          overlap->bind(2, poll.opens_at);
          overlap->bind(3, poll.closes_at);
          if (overlap->executeStep()) {
            r = WriteResult::conflict;
            return std::error_code{};
          }
        }
        Use ins(w.stmt(
            "INSERT INTO polls (name, keyword, opens_at, closes_at, counts, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)"));
        ins->bindNoCopy(1, poll.name);
        ins->bindNoCopy(2, poll.keyword);
        ins->bind(3, poll.opens_at);
        ins->bind(4, poll.closes_at);
        ins->bindNoCopy(5, poll.counts);
        ins->bindNoCopy(6, poll.created_by);
        ins->bind(7, poll.created_at != 0 ? poll.created_at : w.now());
        ins->exec();
        id = w.db.getLastInsertRowid();
        Use opt(w.stmt("INSERT INTO poll_options (poll_id, code, label, pos, shown) VALUES (?, ?, ?, ?, ?)"));
        std::int64_t pos = 0;
        for (const PollOption& o : poll.options) {
          // Keyed by the form votes are compared in; shown as the office wrote it.
          opt->bind(1, id);
          opt->bind(2, twoway::normal_code(o.code));
          opt->bindNoCopy(3, o.label);
          opt->bind(4, pos++);
          opt->bindNoCopy(5, o.code);
          opt->exec();
          opt->reset();
        }
        Use grp(w.stmt("INSERT INTO poll_groups (poll_id, group_name) VALUES (?, ?) ON CONFLICT DO NOTHING"));
        for (const std::string& g : poll.groups) {
          grp->bind(1, id);
          grp->bindNoCopy(2, g);
          grp->exec();
          grp->reset();
        }
        r = WriteResult::ok;
        return std::error_code{};
      },
      std::move(done), std::move(audit));
}

std::optional<PollRow> Store::get_poll(const std::string& name) {
  return impl_->read<std::optional<PollRow>>("get_poll", std::nullopt, [&]() -> std::optional<PollRow> {
    Use s(impl_->read_stmt(std::string("SELECT ") + kPollColumns + " FROM polls WHERE name = ?"));
    s->bindNoCopy(1, name);
    if (!s->executeStep()) return std::nullopt;
    PollRow p = poll_of(*s);
    s->reset();
    fill_poll(*impl_, p, false);
    return p;
  });
}

std::vector<PollRow> Store::list_polls() {
  return impl_->read<std::vector<PollRow>>("list_polls", {}, [&] {
    std::vector<PollRow> out;
    {
      Use s(impl_->read_stmt(std::string("SELECT ") + kPollColumns + " FROM polls ORDER BY opens_at DESC, id DESC"));
      while (s->executeStep()) out.push_back(poll_of(*s));
    }
    for (PollRow& p : out) fill_poll(*impl_, p, false);
    return out;
  });
}

std::optional<PollTally> Store::poll_tally(const std::string& name) {
  return impl_->read<std::optional<PollTally>>("poll_tally", std::nullopt, [&]() -> std::optional<PollTally> {
    PollTally t;
    {
      Use s(impl_->read_stmt(std::string("SELECT ") + kPollColumns + " FROM polls WHERE name = ?"));
      s->bindNoCopy(1, name);
      if (!s->executeStep()) return std::nullopt;
      t.poll = poll_of(*s);
    }
    // One read transaction (the reader's lock): options, total and outcomes agree.
    fill_poll(*impl_, t.poll, true);
    for (const PollOption& o : t.poll.options) t.total += o.votes;
    Use b(impl_->read_stmt("SELECT outcome, count(*) FROM ballots WHERE poll_id = ? GROUP BY outcome"));
    b->bind(1, t.poll.id);
    while (b->executeStep()) {
      const std::string outcome = b->getColumn(0).getString();
      const std::int64_t n = b->getColumn(1).getInt64();
      t.by_outcome[outcome] = n;
      if (outcome != "counted" && outcome != "changed") t.rejected += n;
    }
    return t;
  });
}

BallotPage Store::list_ballots(std::int64_t poll_id, const std::string& outcome, std::int64_t after, int limit) {
  return impl_->read<BallotPage>("list_ballots", BallotPage{}, [&] {
    Use s(impl_->read_stmt(
        "SELECT id, inbound_id, phone, code, at, outcome FROM ballots WHERE poll_id = ?1 AND id > ?2 "
        "AND (?3 = '' OR outcome = ?3) ORDER BY id LIMIT ?4"));
    s->bind(1, poll_id);
    s->bind(2, after);
    s->bindNoCopy(3, outcome);
    s->bind(4, limit + 1);
    BallotPage page;
    while (s->executeStep()) page.rows.push_back(ballot_of(*s));
    if (page.rows.size() > static_cast<std::size_t>(limit)) {
      page.rows.pop_back();
      page.next_after = page.rows.back().id;
    }
    return page;
  });
}

}  // namespace smsgw::store
