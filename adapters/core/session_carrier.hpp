#pragma once
// What the adapters over PDU sessions (smpp, cmpp) share, on top of the session engine
// (pdu_session.hpp): `sessions` connections to one carrier; each message split into parts
// that each take a window slot (SMPP and CMPP send a long message as one request per
// segment); credit() = free slots of the bound, unpaused sessions minus the parts still
// waiting, so the core never gives more than the windows take (contract rule 4) and a part
// waits at most for a slot; one SubmitResult per message from its parts' answers, with one
// carrier id per part (rule 9). The first failing part names the message's outcome and its
// later parts are not sent: the core retries the message whole. A throttling answer pauses the
// session it came on, not the others. async_stop() closes every session after its answers.
//
// The protocol adapter says how a message becomes parts (parts_of), how a response reads
// (read_answer), and handles the peer's requests (SessionEvents::on_request).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "adapters/core/contract.hpp"
#include "adapters/core/pdu_session.hpp"

namespace smsgw::adapters {

class SessionCarrier : public Adapter, public SessionEvents {
 public:
  // One part's outcome.
  struct PartAnswer {
    std::error_code error;       // empty: accepted
    std::string carrier_id;      // accepted: the carrier's id for this part (valid_carrier_message_id)
    std::string detail;          // rule 10
    // With a throttled error: how long the session waits before its next request.
    std::optional<std::chrono::milliseconds> pause;
  };
  // Encodes a part's request with the sequence number it goes out with.
  using PartEncoder = std::function<std::string(std::uint32_t sequence)>;

  ~SessionCarrier() override;

  void start() override;
  std::size_t credit() const override;
  std::size_t max_batch() const override;
  bool up() const override;
  void submit(std::vector<Submission> batch, ResultHandler on_result) override;
  void async_stop(std::function<void()> done) override;

  void on_up(PduSession& session) override;
  void on_down(PduSession& session, const std::string& reason) override;
  void on_slots(PduSession& session) override;
  void on_read_end(PduSession& session) override;

 protected:
  // `protocol_name` for logs and details ("SMPP", "CMPP").
  SessionCarrier(const AdapterContext& context, std::string protocol_name);
  // Called by the derived constructor, once per session.
  void add_session(SessionOptions options, std::unique_ptr<SessionProtocol> protocol);

  // At least one part; every part of a message is sent, in order, unless one fails first.
  virtual std::vector<PartEncoder> parts_of(const Submission& message) = 0;
  // The response to a part's request.
  virtual PartAnswer read_answer(std::string_view response) = 0;

  // Rule 11 for receipts and MO messages from the peer: committed with the others of the same
  // read, in one ReportSink call (one store job, not one per PDU), then `answer` is called with
  // the commit's outcome. Without a sink they are answered as committed.
  using Answer = std::function<void(std::error_code)>;
  void commit_then_answer(std::optional<Report> report, std::optional<Inbound> inbound, Answer answer);

  boost::asio::io_context& io() const noexcept { return io_; }
  ReportSink* sink() const noexcept { return sink_; }
  const std::string& carrier() const noexcept { return carrier_; }
  const std::string& protocol_name() const noexcept { return protocol_; }

 private:
  struct InFlight {
    SubmitResult result;
    std::size_t parts = 0;
    std::size_t answered = 0;
    std::size_t accepted = 0;
    ResultHandler handler;
  };
  struct Part {
    std::shared_ptr<InFlight> message;
    std::size_t index = 0;
    PartEncoder encode;
  };

  PduSession* freest() const;
  std::size_t bound_sessions() const;
  void pump();
  void on_answer(const std::weak_ptr<PduSession>& session, InFlight& m, std::size_t index, std::error_code ec,
                 std::string_view response);
  void fail(InFlight& m, std::error_code ec, std::string detail, std::size_t index);
  void answered(const std::shared_ptr<InFlight>& m);
  void finish(InFlight& m);
  void fail_waiting(std::error_code ec, const std::string& detail);

  boost::asio::io_context& io_;
  ReportSink* sink_;
  std::string carrier_;
  std::string protocol_;
  std::vector<std::shared_ptr<PduSession>> sessions_;
  std::deque<Part> waiting_;
  std::vector<Report> to_commit_reports_;
  std::vector<Inbound> to_commit_inbound_;
  std::vector<Answer> to_answer_;
  bool credit_grew_ = false;  // during a read: told once, at its end
  std::size_t sessions_up_ = 0;
  bool stopping_ = false;
  bool told_down_ = false;
};

}  // namespace smsgw::adapters
