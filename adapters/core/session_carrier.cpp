#include "adapters/core/session_carrier.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "adapters/core/failure.hpp"

namespace smsgw::adapters {

namespace asio = boost::asio;

SessionCarrier::SessionCarrier(const AdapterContext& context, std::string protocol_name)
    : io_(context.io), sink_(context.reports), carrier_(context.config.name), protocol_(std::move(protocol_name)) {}

SessionCarrier::~SessionCarrier() {
  for (auto& s : sessions_) s->detach();
}

void SessionCarrier::add_session(SessionOptions options, std::unique_ptr<SessionProtocol> protocol) {
  sessions_.push_back(std::make_shared<PduSession>(io_, std::move(options), std::move(protocol), *this));
}

void SessionCarrier::start() {
  for (auto& s : sessions_) s->start();
}

std::size_t SessionCarrier::credit() const {
  if (stopping_) return 0;
  std::size_t free = 0;
  for (const auto& s : sessions_) free += s->free_slots();
  return free > waiting_.size() ? free - waiting_.size() : 0;
}

std::size_t SessionCarrier::max_batch() const {
  std::size_t window = 0;
  for (const auto& s : sessions_) window += s->options().window;
  return std::max<std::size_t>(window, 1);
}

bool SessionCarrier::up() const { return bound_sessions() > 0; }

std::size_t SessionCarrier::bound_sessions() const {
  return static_cast<std::size_t>(
      std::count_if(sessions_.begin(), sessions_.end(), [](const auto& s) { return s->up(); }));
}

void SessionCarrier::submit(std::vector<Submission> batch, ResultHandler on_result) {
  if (stopping_ || !up()) {
    const std::string why = stopping_ ? "the carrier is stopping" : "no " + protocol_ + " session is up";
    for (const auto& s : batch) {
      asio::post(io_, [on_result, r = SubmitResult{s.id, carrier_errc::unavailable, {}, {}, why}]() mutable {
        on_result(std::move(r));
      });
    }
    return;
  }
  for (const auto& s : batch) {
    auto message = std::make_shared<InFlight>();
    message->result.id = s.id;
    message->handler = on_result;
    auto parts = parts_of(s);
    message->parts = parts.size();
    message->result.carrier_ids.resize(parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) waiting_.push_back({message, i, std::move(parts[i])});
  }
  pump();
}

PduSession* SessionCarrier::freest() const {
  PduSession* best = nullptr;
  for (const auto& s : sessions_) {
    if (s->free_slots() > 0 && (best == nullptr || s->free_slots() > best->free_slots())) best = s.get();
  }
  return best;
}

// Never calls a result handler itself (submit() must not answer synchronously): a part of a
// message that already failed is skipped through answered(), whose finish() is posted.
void SessionCarrier::pump() {
  while (!waiting_.empty()) {
    if (waiting_.front().message->result.error) {
      auto message = waiting_.front().message;
      waiting_.pop_front();
      ++message->answered;
      if (message->answered == message->parts) {
        asio::post(io_, [this, message] { finish(*message); });
      }
      continue;
    }
    PduSession* session = freest();
    if (session == nullptr) return;
    Part part = std::move(waiting_.front());
    waiting_.pop_front();
    const std::uint32_t sequence = session->next_sequence();
    session->request(sequence, part.encode(sequence),
                     [this, weak = std::weak_ptr<PduSession>(session->shared_from_this()), message = part.message,
                      index = part.index](std::error_code ec, std::string_view response) {
                       on_answer(weak, *message, index, ec, response);
                       answered(message);
                     });
  }
}

void SessionCarrier::on_answer(const std::weak_ptr<PduSession>& session, InFlight& m, std::size_t index,
                               std::error_code ec, std::string_view response) {
  if (ec) {
    return fail(m, ec,
                ec == carrier_errc::timeout ? "no answer from the " + protocol_ + " peer in time"
                                            : "the " + protocol_ + " session was lost before the answer",
                index);
  }
  PartAnswer answer = read_answer(response);
  if (answer.error) {
    if (answer.pause) {
      if (auto s = session.lock()) s->pause(*answer.pause);
      if (!m.result.error && is_throttled(answer.error)) m.result.retry_after = answer.pause;
    }
    return fail(m, answer.error, std::move(answer.detail), index);
  }
  m.result.carrier_ids[index] = std::move(answer.carrier_id);
  ++m.accepted;
}

void SessionCarrier::fail(InFlight& m, std::error_code ec, std::string detail, std::size_t index) {
  if (m.result.error) return;  // the first failure names the message's outcome
  m.result.error = ec;
  m.result.detail = std::move(detail);
  if (m.parts > 1) m.result.detail += " (part " + std::to_string(index + 1) + " of " + std::to_string(m.parts) + ")";
}

void SessionCarrier::answered(const std::shared_ptr<InFlight>& m) {
  ++m->answered;
  if (m->answered == m->parts) finish(*m);
}

void SessionCarrier::finish(InFlight& m) {
  if (m.result.error) {
    m.result.carrier_ids.clear();
    if (m.accepted > 0) {
      m.result.detail += "; " + std::to_string(m.accepted) + " of " + std::to_string(m.parts) +
                         " parts were accepted and may arrive";
    }
  }
  auto handler = std::move(m.handler);
  if (handler) handler(std::move(m.result));
}

void SessionCarrier::fail_waiting(std::error_code ec, const std::string& detail) {
  auto parts = std::move(waiting_);
  waiting_.clear();
  for (auto& p : parts) {
    fail(*p.message, ec, detail, p.index);
    ++p.message->answered;
    if (p.message->answered == p.message->parts) {
      asio::post(io_, [this, message = p.message] { finish(*message); });
    }
  }
}

void SessionCarrier::async_stop(std::function<void()> done) {
  stopping_ = true;
  fail_waiting(make_error_code(carrier_errc::unavailable), "the carrier is stopping");
  auto left = std::make_shared<std::size_t>(sessions_.size());
  auto finished = std::make_shared<std::function<void()>>(std::move(done));
  if (sessions_.empty()) {
    asio::post(io_, [finished] { (*finished)(); });
    return;
  }
  for (auto& s : sessions_) {
    s->close([left, finished] {
      if (--*left == 0 && *finished) (*finished)();
    });
  }
}

void SessionCarrier::on_up(PduSession& session) {
  spdlog::info("carrier {}: {} session {} is up", carrier_, protocol_, session.options().name);
  const bool first = sessions_up_ == 0;
  sessions_up_ = bound_sessions();
  told_down_ = false;
  pump();
  if (first) notify_state(true, protocol_ + " session up");
  notify_credit();
}

void SessionCarrier::on_down(PduSession&, const std::string& reason) {
  spdlog::warn("carrier {}: {} {}", carrier_, protocol_, reason);
  const bool was_up = sessions_up_ > 0;
  sessions_up_ = bound_sessions();
  if (sessions_up_ > 0) return;
  fail_waiting(make_error_code(carrier_errc::unavailable), "the " + protocol_ + " session was lost");
  // Said when the last session goes, and once while none comes back (so /readyz and the log
  // say why); not for every further failed reconnect.
  if (was_up || !told_down_) notify_state(false, reason);
  told_down_ = true;
}

void SessionCarrier::on_slots(PduSession& session) {
  pump();
  // The responses of one read free several slots: the dispatcher hears of them once.
  if (session.in_read()) {
    credit_grew_ = true;
  } else if (credit() > 0) {
    notify_credit();
  }
}

}  // namespace smsgw::adapters

namespace smsgw::adapters {

void SessionCarrier::commit_then_answer(std::optional<Report> report, std::optional<Inbound> inbound, Answer answer) {
  if (report) to_commit_reports_.push_back(std::move(*report));
  if (inbound) to_commit_inbound_.push_back(std::move(*inbound));
  to_answer_.push_back(std::move(answer));
}

void SessionCarrier::on_read_end(PduSession&) {
  if (credit_grew_) {
    credit_grew_ = false;
    if (credit() > 0) notify_credit();
  }
  if (to_answer_.empty()) return;
  auto answers = std::move(to_answer_);
  to_answer_.clear();
  auto reports = std::move(to_commit_reports_);
  to_commit_reports_.clear();
  auto inbound = std::move(to_commit_inbound_);
  to_commit_inbound_.clear();
  auto answer_all = [answers = std::move(answers)](std::error_code ec) {
    for (const auto& a : answers) a(ec);
  };
  if (sink_ == nullptr) return answer_all({});
  sink_->deliver(std::move(reports), std::move(inbound), std::move(answer_all));
}

}  // namespace smsgw::adapters
