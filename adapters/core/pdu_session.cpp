#include "adapters/core/pdu_session.hpp"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "adapters/core/failure.hpp"

namespace smsgw::adapters {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

PduSession::PduSession(asio::io_context& io, SessionOptions options,
                       std::unique_ptr<SessionProtocol> protocol, SessionEvents& events)
    : io_(io),
      options_(std::move(options)),
      protocol_(std::move(protocol)),
      events_(events),
      socket_(io),
      resolver_(io),
      connect_timer_(io),
      deadline_timer_(io),
      heartbeat_timer_(io),
      reconnect_timer_(io),
      pause_timer_(io),
      drain_timer_(io),
      random_(std::random_device{}()) {
  options_.window = std::max<std::size_t>(options_.window, 1);
  options_.sends = std::max(options_.sends, 1);
}

PduSession::~PduSession() = default;

std::string PduSession::label(std::string_view what) const {
  std::string s = options_.name;
  if (!s.empty()) s += ": ";
  s += what;
  return s;
}

std::size_t PduSession::free_slots() const noexcept {
  if (state_ != State::up || paused_) return 0;
  const std::size_t busy = outstanding_.size() - heartbeats_outstanding_;
  return busy >= options_.window ? 0 : options_.window - busy;
}

std::uint32_t PduSession::next_sequence() noexcept {
  sequence_ = sequence_ >= 0x7FFFFFFFu ? 1 : sequence_ + 1;
  return sequence_;
}

void PduSession::start() {
  if (state_ != State::idle) return;
  connect();
}

void PduSession::connect() {
  state_ = State::connecting;
  ++connection_;
  in_.clear();
  in_offset_ = 0;
  out_.clear();
  drop_after_flush_.clear();
  heartbeat_misses_ = 0;
  const std::uint64_t conn = connection_;
  auto self = shared_from_this();
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([self, conn](std::error_code ec) {
    if (ec || conn != self->connection_ || self->state_ != State::connecting) return;
    self->drop("connecting to " + self->options_.host + ":" + std::to_string(self->options_.port) +
               " timed out");
  });
  resolver_.async_resolve(
      options_.host, std::to_string(options_.port), tcp::resolver::numeric_service,
      [self, conn](std::error_code ec, const tcp::resolver::results_type& results) {
        if (conn != self->connection_ || self->state_ != State::connecting) return;
        if (ec) return self->drop("cannot resolve " + self->options_.host + ": " + ec.message());
        asio::async_connect(self->socket_, results, [self, conn](std::error_code ec2, const tcp::endpoint&) {
          if (conn != self->connection_ || self->state_ != State::connecting) return;
          if (ec2) {
            return self->drop("cannot connect to " + self->options_.host + ":" +
                              std::to_string(self->options_.port) + ": " + ec2.message());
          }
          self->on_connected();
        });
      });
}

void PduSession::on_connected() {
  connect_timer_.cancel();
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  state_ = State::logging_in;
  last_heard_ = Clock::now();
  read();
  login_sequence_ = next_sequence();
  const std::uint64_t conn = connection_;
  auto self = shared_from_this();
  send_request(login_sequence_, protocol_->login_request(login_sequence_),
               [self, conn](std::error_code ec, std::string_view response) {
                 if (conn != self->connection_ || self->state_ != State::logging_in) return;
                 if (ec) return self->drop("no answer to the login request");
                 if (std::string refused = self->protocol_->login_refused(response); !refused.empty()) {
                   return self->drop("login refused: " + refused);
                 }
                 self->state_ = State::up;
                 self->backoff_ = std::chrono::milliseconds{0};
                 self->arm_heartbeat();
                 if (self->closing_) return self->maybe_logout();
                 if (!self->detached_) self->events_.on_up(*self);
               },
               options_.response_timeout, 1, false);
}

void PduSession::read() {
  const std::uint64_t conn = connection_;
  auto self = shared_from_this();
  socket_.async_read_some(asio::buffer(read_buffer_), [self, conn](boost::system::error_code ec, std::size_t n) {
    if (conn != self->connection_) return;
    if (ec) {
      return self->drop(ec == asio::error::eof ? std::string("the peer closed the connection")
                                               : "connection lost: " + ec.message());
    }
    self->in_.append(self->read_buffer_.data(), n);
    self->in_read_ = true;
    self->on_bytes();
    self->in_read_ = false;
    if (!self->detached_) self->events_.on_read_end(*self);
    if (conn == self->connection_) self->read();
  });
}

void PduSession::on_bytes() {
  const std::uint64_t conn = connection_;
  while (in_offset_ < in_.size()) {
    const std::string_view rest(in_.data() + in_offset_, in_.size() - in_offset_);
    std::string error;
    const auto length = protocol_->frame(rest, error);
    if (!error.empty()) return drop("unreadable data from the peer: " + error);
    if (!length || rest.size() < *length) break;
    on_pdu(rest.substr(0, *length));
    if (conn != connection_) return;  // dropped meanwhile; in_ belongs to the next connection
    in_offset_ += *length;
  }
  if (in_offset_ == in_.size()) {
    in_.clear();
    in_offset_ = 0;
  } else if (in_offset_ > 65536) {
    in_.erase(0, in_offset_);
    in_offset_ = 0;
  }
}

void PduSession::on_pdu(std::string_view pdu) {
  last_heard_ = Clock::now();
  heartbeat_misses_ = 0;
  const PduHead head = protocol_->head(pdu);
  if ((head.command_id & kResponseBit) != 0) {
    const auto it = outstanding_.find(head.sequence);
    if (it == outstanding_.end()) return;  // late: its request already timed out
    PduResponseHandler handler = std::move(it->second.handler);
    const bool heartbeat = it->second.heartbeat;
    deadlines_.erase({it->second.deadline, head.sequence});
    outstanding_.erase(it);
    if (heartbeat) --heartbeats_outstanding_;
    handler({}, pdu);
    after_response(heartbeat);
    return;
  }
  if (protocol_->is_heartbeat(head.command_id)) {
    write(protocol_->simple_response(head));
    return;
  }
  if (protocol_->is_logout(head.command_id)) {
    out_ += protocol_->simple_response(head);
    flush();  // now, not at the end of the turn: the connection closes once it is out
    drop_after_flush_ = "the peer logged out";
    if (!write_in_flight_) drop(drop_after_flush_);
    return;
  }
  if ((state_ == State::up || state_ == State::closing) && !detached_) {
    events_.on_request(*this, connection_, pdu);
  }
}

void PduSession::after_response(bool heartbeat) {
  if (state_ == State::closing) return maybe_logout();
  if (!heartbeat && state_ == State::up && !paused_ && !detached_) events_.on_slots(*this);
}

void PduSession::request(std::uint32_t sequence, std::string pdu, PduResponseHandler on_response) {
  if (free_slots() == 0) {
    asio::post(io_, [h = std::move(on_response)] { h(make_error_code(carrier_errc::unavailable), {}); });
    return;
  }
  send_request(sequence, std::move(pdu), std::move(on_response), options_.response_timeout,
               options_.sends, false);
}

void PduSession::send_request(std::uint32_t sequence, std::string pdu, PduResponseHandler handler,
                              std::chrono::milliseconds timeout, int sends, bool heartbeat) {
  const auto deadline = Clock::now() + timeout;
  Outstanding o;
  o.handler = std::move(handler);
  o.deadline = deadline;
  o.sends_left = sends;
  o.heartbeat = heartbeat;
  if (sends > 1) o.pdu = pdu;  // kept only to send again
  outstanding_[sequence] = std::move(o);
  if (heartbeat) ++heartbeats_outstanding_;
  deadlines_.emplace(deadline, sequence);
  write(std::move(pdu));
  arm_deadlines();
}

void PduSession::respond(std::uint64_t connection, std::string pdu) {
  if (connection != connection_) return;
  if (state_ != State::up && state_ != State::closing && state_ != State::logging_in) return;
  write(std::move(pdu));
}

// PDUs written in one io turn (a window refilled, the receipts of one commit answered) go out
// in one send: fewer syscalls here, and fewer reads for the peer.
void PduSession::write(std::string pdu) {
  out_ += pdu;
  if (write_in_flight_ || flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->flush();  // out_ holds only the current connection's bytes (connect() clears it)
  });
}

void PduSession::flush() {
  if (write_in_flight_ || out_.empty()) return;
  if (state_ != State::logging_in && state_ != State::up && state_ != State::closing) return;
  writing_.swap(out_);
  out_.clear();
  write_in_flight_ = true;
  const std::uint64_t conn = connection_;
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(writing_), [self, conn](std::error_code ec, std::size_t) {
    self->write_in_flight_ = false;
    self->writing_.clear();
    if (conn != self->connection_) return self->flush();  // the next connection's bytes, if any
    if (ec) return self->drop("write failed: " + ec.message());
    if (!self->drop_after_flush_.empty() && self->out_.empty()) return self->drop(self->drop_after_flush_);
    self->flush();
  });
}

void PduSession::arm_deadlines() {
  if (deadlines_.empty()) return;
  const auto earliest = deadlines_.begin()->first;
  if (deadline_armed_ && armed_for_ <= earliest) return;
  deadline_armed_ = true;
  armed_for_ = earliest;
  const std::uint64_t generation = ++deadline_generation_;
  deadline_timer_.expires_at(earliest);
  const std::uint64_t conn = connection_;
  auto self = shared_from_this();
  deadline_timer_.async_wait([self, conn, generation](std::error_code) {
    if (generation != self->deadline_generation_) return;  // re-armed for an earlier deadline
    self->deadline_armed_ = false;
    if (conn != self->connection_ || self->detached_) return self->arm_deadlines();
    self->on_deadline();
  });
}

void PduSession::on_deadline() {
  const std::uint64_t conn = connection_;
  const auto now = Clock::now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now && conn == connection_) {
    const auto [deadline, sequence] = *deadlines_.begin();
    deadlines_.erase(deadlines_.begin());
    const auto it = outstanding_.find(sequence);
    if (it == outstanding_.end() || it->second.deadline != deadline) continue;
    Outstanding& o = it->second;
    if (--o.sends_left > 0) {
      o.deadline = now + options_.response_timeout;
      deadlines_.emplace(o.deadline, sequence);
      write(o.pdu);
      continue;
    }
    PduResponseHandler handler = std::move(o.handler);
    const bool heartbeat = o.heartbeat;
    outstanding_.erase(it);
    if (heartbeat) {
      --heartbeats_outstanding_;
      if (++heartbeat_misses_ >= std::max(options_.heartbeat_misses, 1)) {
        drop(std::to_string(heartbeat_misses_) + " heartbeats unanswered: the peer is gone");
        return;
      }
      // CMPP §7.1: an unanswered link test is sent again at once, not after another idle C.
      send_heartbeat();
      continue;
    }
    handler(make_error_code(carrier_errc::timeout), {});
    if (conn == connection_) after_response(heartbeat);
  }
  if (conn == connection_) arm_deadlines();
}

void PduSession::arm_heartbeat() {
  if (options_.heartbeat.count() <= 0) return;
  const std::uint64_t conn = connection_;
  auto self = shared_from_this();
  // Wakes at least every second so idle time is measured from the last PDU heard, not from
  // when the timer was set.
  heartbeat_timer_.expires_after(std::min<std::chrono::milliseconds>(options_.heartbeat, std::chrono::milliseconds{1000}));
  heartbeat_timer_.async_wait([self, conn](std::error_code ec) {
    if (ec || conn != self->connection_ || self->detached_) return;
    if (self->state_ != State::up && self->state_ != State::closing) return;
    if (self->heartbeats_outstanding_ == 0 && Clock::now() - self->last_heard_ >= self->options_.heartbeat) {
      self->send_heartbeat();
    }
    if (conn == self->connection_) self->arm_heartbeat();
  });
}

void PduSession::send_heartbeat() {
  const std::uint32_t sequence = next_sequence();
  // A heartbeat's answer is due within the heartbeat interval even where requests may take
  // longer: an idle link is otherwise found dead only after minutes.
  const auto timeout = std::min(options_.response_timeout, options_.heartbeat);
  send_request(sequence, protocol_->heartbeat_request(sequence),
               [](std::error_code, std::string_view) {}, timeout, 1, true);
  last_heard_ = Clock::now();  // the next heartbeat waits a whole interval again
}

void PduSession::pause(std::chrono::milliseconds duration) {
  const auto until = Clock::now() + duration;
  if (paused_ && pause_timer_.expiry() >= until) return;
  paused_ = true;
  pause_timer_.expires_at(until);
  auto self = shared_from_this();
  pause_timer_.async_wait([self](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted || self->detached_) return;
    self->paused_ = false;
    if (self->state_ == State::up) self->events_.on_slots(*self);
  });
}

// Ends the connection: stale handlers see a new connection_, requests in flight fail.
void PduSession::teardown(State next) {
  ++connection_;
  state_ = next;
  boost::system::error_code ignored;
  resolver_.cancel();
  socket_.close(ignored);
  connect_timer_.cancel();
  deadline_timer_.cancel();
  deadline_armed_ = false;
  ++deadline_generation_;
  heartbeat_timer_.cancel();
  deadlines_.clear();
  drop_after_flush_.clear();
  auto outstanding = std::move(outstanding_);
  outstanding_.clear();
  heartbeats_outstanding_ = 0;
  for (auto& [sequence, o] : outstanding) {
    if (!o.heartbeat && o.handler && !detached_) o.handler(make_error_code(carrier_errc::connection_failed), {});
  }
}

void PduSession::drop(const std::string& reason) {
  if (state_ == State::closed || state_ == State::idle || state_ == State::waiting) return;
  const bool was_closing = closing_;
  teardown(State::waiting);
  if (was_closing) return finish_close();
  if (!detached_) events_.on_down(*this, label(reason));
  if (state_ == State::waiting && !closing_) schedule_reconnect();
}

void PduSession::schedule_reconnect() {
  backoff_ = backoff_.count() == 0 ? options_.reconnect_min : std::min(backoff_ * 2, options_.reconnect_max);
  // Half fixed, half random: sessions (and gateways) that lost the peer together do not all
  // come back in the same millisecond.
  const auto half = backoff_.count() / 2;
  std::uniform_int_distribution<std::int64_t> jitter(0, std::max<std::int64_t>(half, 0));
  reconnect_timer_.expires_after(std::chrono::milliseconds{half + jitter(random_)});
  auto self = shared_from_this();
  reconnect_timer_.async_wait([self](std::error_code ec) {
    if (ec || self->state_ != State::waiting || self->closing_ || self->detached_) return;
    self->connect();
  });
}

void PduSession::close(std::function<void()> done) {
  if (closing_) {
    // Already closing: this caller learns it with the first one.
    auto first = std::move(close_done_);
    close_done_ = [first = std::move(first), done = std::move(done)] {
      if (first) first();
      if (done) done();
    };
    if (state_ == State::closed) finish_close();
    return;
  }
  closing_ = true;
  close_done_ = std::move(done);
  drain_timer_.expires_after(options_.drain_timeout);
  drain_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || self->state_ != State::closing) return;
    self->maybe_logout(true);
  });
  switch (state_) {
    case State::up:
      state_ = State::closing;
      maybe_logout();
      break;
    case State::logging_in:
      break;  // the login handler sees closing_ and logs out
    case State::connecting:
      ++connection_;
      [[fallthrough]];
    case State::idle:
    case State::waiting:
    case State::closed:
      finish_close();
      break;
    case State::closing:
      break;
  }
}

void PduSession::maybe_logout(bool even_if_outstanding) {
  if (state_ == State::up) state_ = State::closing;
  if (logout_sequence_ != 0) return;
  if (!even_if_outstanding && outstanding_.size() > heartbeats_outstanding_) return;
  logout_sequence_ = next_sequence();
  const std::uint64_t conn = connection_;
  auto self = shared_from_this();
  send_request(logout_sequence_, protocol_->logout_request(logout_sequence_),
               [self, conn](std::error_code, std::string_view) {
                 if (conn != self->connection_) return;
                 self->finish_close();
               },
               options_.logout_timeout, 1, false);
}

void PduSession::finish_close() {
  if (state_ != State::closed) {
    teardown(State::closed);
    reconnect_timer_.cancel();
    pause_timer_.cancel();
    drain_timer_.cancel();
  }
  if (close_done_) asio::post(io_, std::move(close_done_));
  close_done_ = nullptr;
}

void PduSession::detach() {
  detached_ = true;
  closing_ = true;
  close_done_ = nullptr;
  finish_close();
}

}  // namespace smsgw::adapters
