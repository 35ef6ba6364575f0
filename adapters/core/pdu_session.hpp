#pragma once
// One TCP session engine for the binary carrier protocols, SMPP 3.4 and CMPP 2.0/3.0 (issue 11).
// Both frame PDUs by a leading 4-byte length, answer a request with command_id | 0x80000000
// and the request's sequence number, log in with one request (bind_transceiver,
// CMPP_CONNECT), keep the link alive with a heartbeat request (enquire_link,
// CMPP_ACTIVE_TEST) and log out with one (unbind, CMPP_TERMINATE). What differs lives behind
// SessionProtocol (pure PDU functions, in the protocol's folder); what the adapter does with
// the traffic behind SessionEvents. Everything else is here, once:
//
//  * connect with a deadline, then the login request with the response deadline;
//  * a window of outstanding requests, each with a deadline, sent again up to `sends` times
//    (CMPP: T = 60 s, N = 3) before its handler gets carrier_errc::timeout;
//  * heartbeats after `heartbeat` without traffic from the peer, one sent again at once when
//    unanswered, and the connection dropped (dead peer) when `heartbeat_misses` in a row go
//    unanswered (CMPP: C = 3 min, T = 60 s, N = 3); the peer's heartbeats are answered;
//  * reconnect after any loss, with exponential backoff and jitter, until close();
//  * pause(d): no new requests for d (a throttling answer), without failing anything;
//  * close(): no new requests, the outstanding ones answered or timed out (at most
//    `drain_timeout`), then the logout request (answered or timed out), then the socket
//    closed, then `done`.
//
// Timers are actors, as in Asio's timeouts example: one deadline timer per concern (connect
// or response deadlines, heartbeat, reconnect, pause), each re-armed by its own handler; no
// handler blocks. Every member runs on the io_context thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>

namespace smsgw::adapters {

inline constexpr std::uint32_t kResponseBit = 0x80000000u;

struct PduHead {
  std::uint32_t command_id = 0;
  std::uint32_t sequence = 0;
};

// The protocol's PDU functions. Pure: no I/O, no state beyond what login needs.
class SessionProtocol {
 public:
  virtual ~SessionProtocol() = default;
  // Length of the PDU at the start of `buffer` once known (nullopt: need more bytes); `error`
  // set for a length no PDU of the protocol can have (the connection is then dropped).
  virtual std::optional<std::size_t> frame(std::string_view buffer, std::string& error) const = 0;
  // command_id and sequence of one whole PDU (at least the header, as frame() checked).
  virtual PduHead head(std::string_view pdu) const = 0;
  virtual std::string login_request(std::uint32_t sequence) = 0;
  // Empty when `response` to the login request accepts it; else why not, for people.
  virtual std::string login_refused(std::string_view response) = 0;
  virtual std::string heartbeat_request(std::uint32_t sequence) const = 0;
  virtual std::string logout_request(std::uint32_t sequence) const = 0;
  virtual bool is_heartbeat(std::uint32_t command_id) const = 0;
  virtual bool is_logout(std::uint32_t command_id) const = 0;
  // The empty-bodied response to the peer's heartbeat or logout request.
  virtual std::string simple_response(const PduHead& request) const = 0;
  // For a response whose sequence names no outstanding request: SMPP's generic_nack for a
  // request we could not read carries its sequence, nothing more is needed. Default: ignore.
};

class PduSession;

// What the adapter learns from a session. Called on the io thread, never inside a PduSession
// member the adapter called (always from a completion handler).
class SessionEvents {
 public:
  virtual ~SessionEvents() = default;
  virtual void on_up(PduSession& session) = 0;
  // Lost (or never made): `reason` for people. Outstanding handlers have already been called.
  virtual void on_down(PduSession& session, const std::string& reason) = 0;
  // A window slot came free or a pause ended: free_slots() grew.
  virtual void on_slots(PduSession& session) = 0;
  // A request from the peer that is not a heartbeat or a logout (deliver_sm, CMPP_DELIVER).
  // The adapter answers it with respond(), possibly later, quoting `connection`.
  virtual void on_request(PduSession& session, std::uint64_t connection, std::string_view pdu) = 0;
  // Every PDU of one read has been handled: a place to hand what they brought on together.
  virtual void on_read_end(PduSession& /*session*/) {}
};

struct SessionOptions {
  std::string host;
  unsigned short port = 0;
  std::size_t window = 10;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds response_timeout{10'000};
  int sends = 1;                                  // times a request goes out before it times out
  std::chrono::milliseconds heartbeat{30'000};    // idle time before a heartbeat request
  int heartbeat_misses = 3;                       // unanswered in a row: the peer is dead
  std::chrono::milliseconds reconnect_min{1'000};
  std::chrono::milliseconds reconnect_max{60'000};
  std::chrono::milliseconds logout_timeout{5'000};  // for the logout response on close()
  // close() waits this long for the outstanding answers, then logs out anyway (their answers
  // may still come until the logout's): a stop stays inside the daemon's shutdown bound.
  std::chrono::milliseconds drain_timeout{5'000};
  std::string name;                               // for reasons: "<carrier>#<n>"
};

// Called once: with the peer's response (`error` empty), or with carrier_errc::timeout (no
// response after every send) or carrier_errc::connection_failed (the connection went first;
// the peer may have received the request).
using PduResponseHandler = std::function<void(std::error_code error, std::string_view response)>;

class PduSession : public std::enable_shared_from_this<PduSession> {
 public:
  enum class State { idle, connecting, logging_in, up, waiting, closing, closed };

  PduSession(boost::asio::io_context& io, SessionOptions options,
             std::unique_ptr<SessionProtocol> protocol, SessionEvents& events);
  ~PduSession();
  PduSession(const PduSession&) = delete;
  PduSession& operator=(const PduSession&) = delete;

  void start();                         // connects; reconnects after every loss until close()
  void close(std::function<void()> done);  // see the header comment; `done` posted, once
  // For an owner going away without close(): everything stops, no event or handler is called.
  void detach();

  State state() const noexcept { return state_; }
  bool up() const noexcept { return state_ == State::up; }
  // Requests that may be sent now: 0 unless up and not paused.
  std::size_t free_slots() const noexcept;
  std::size_t outstanding() const noexcept { return outstanding_.size(); }
  const SessionOptions& options() const noexcept { return options_; }
  SessionProtocol& protocol() noexcept { return *protocol_; }

  // A sequence number for the next request (1 .. 0x7FFFFFFF, wrapping).
  std::uint32_t next_sequence() noexcept;
  // Sends a request (encoded with a sequence from next_sequence()). Needs free_slots() > 0;
  // otherwise the handler is posted carrier_errc::unavailable.
  void request(std::uint32_t sequence, std::string pdu, PduResponseHandler on_response);
  // Answers a peer request of `connection` (on_request); dropped if that connection is gone.
  void respond(std::uint64_t connection, std::string pdu);
  // No new requests for `duration` (a throttling answer); on_slots when it ends.
  void pause(std::chrono::milliseconds duration);
  bool paused() const noexcept { return paused_; }
  // True while the PDUs of one read are being handled (on_request, on_slots from responses);
  // on_read_end follows.
  bool in_read() const noexcept { return in_read_; }

 private:
  struct Outstanding {
    std::string pdu;
    PduResponseHandler handler;
    std::chrono::steady_clock::time_point deadline;
    int sends_left = 0;
    bool heartbeat = false;
  };

  void connect();
  void on_connected();
  void send_request(std::uint32_t sequence, std::string pdu, PduResponseHandler handler,
                    std::chrono::milliseconds timeout, int sends, bool heartbeat);
  void after_response(bool heartbeat);
  void read();
  void on_bytes();
  void on_pdu(std::string_view pdu);
  void write(std::string pdu);
  void flush();
  void arm_deadlines();
  void on_deadline();
  void arm_heartbeat();
  void send_heartbeat();
  void teardown(State next);
  void drop(const std::string& reason);
  void schedule_reconnect();
  void finish_close();
  void maybe_logout(bool even_if_outstanding = false);
  std::string label(std::string_view what) const;

  boost::asio::io_context& io_;
  SessionOptions options_;
  std::unique_ptr<SessionProtocol> protocol_;
  SessionEvents& events_;

  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer deadline_timer_;   // response deadlines
  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer pause_timer_;
  boost::asio::steady_timer drain_timer_;

  State state_ = State::idle;
  std::uint64_t connection_ = 0;   // grows with every connection; stale handlers compare it
  bool closing_ = false;
  std::function<void()> close_done_;
  bool paused_ = false;
  std::uint32_t sequence_ = 0;
  std::uint32_t login_sequence_ = 0;
  std::uint32_t logout_sequence_ = 0;
  int heartbeat_misses_ = 0;
  std::chrono::steady_clock::time_point last_heard_{};
  std::chrono::milliseconds backoff_{0};
  std::minstd_rand random_;

  std::unordered_map<std::uint32_t, Outstanding> outstanding_;
  std::size_t heartbeats_outstanding_ = 0;
  // (deadline, sequence) of every outstanding request, earliest first. Requests have
  // different timeouts (a heartbeat's is shorter), so the order sent is not the order due.
  std::set<std::pair<std::chrono::steady_clock::time_point, std::uint32_t>> deadlines_;
  bool deadline_armed_ = false;
  std::chrono::steady_clock::time_point armed_for_{};
  std::uint64_t deadline_generation_ = 0;  // a re-armed timer's old wait is ignored

  std::string in_;          // bytes read, from in_offset_ on not yet parsed
  std::size_t in_offset_ = 0;
  std::string out_;         // PDUs waiting for the write in flight
  std::string writing_;     // the write in flight
  bool write_in_flight_ = false;
  bool flush_posted_ = false;
  bool in_read_ = false;
  std::string drop_after_flush_;  // the peer logged out: its response goes out, then we close
  bool detached_ = false;
  std::array<char, 65536> read_buffer_{};
};

}  // namespace smsgw::adapters
