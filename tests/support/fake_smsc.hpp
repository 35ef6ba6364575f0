#pragma once
// A fake SMSC on 127.0.0.1 speaking SMPP 3.4 (adapters/smpp/pdu.hpp) on its own io thread, for
// the SMPP session and adapter tests (issue 11): binds checked against a system_id and
// password, submit_sm answered with message ids (hex or decimal) and, when asked for, a
// delivery receipt as a deliver_sm; enquire_link, unbind and generic_nack as the spec says.
// Faults: status codes for the next submits (ESME_RTHROTTLED...), answering late or not at
// all, dropping the connection after K submits; and it reports window violations (more
// submits outstanding at once than the window).
//
// Thread safety: every public member may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <string>
#include <thread>
#include <vector>

namespace smsgw::testing {

class FakeSmsc {
 public:
  struct Options {
    std::string system_id = "smsgw";
    std::string password = "secret";
    bool hex_ids = true;           // message ids in submit_sm_resp: hex ("1A2B"), else decimal
    bool receipts = true;          // a receipt for each submit with registered_delivery
    std::size_t window = 10;       // more outstanding submits than this is a violation
    bool record = true;            // keep every submit for submits() (benchmarks: false)
  };
  struct Submit {
    std::string source_addr, dest_addr, short_message, message_id;
    std::uint8_t esm_class = 0, data_coding = 0, registered_delivery = 0;
    std::vector<std::pair<std::uint16_t, std::string>> tlvs;
    std::uint32_t sequence = 0;
  };

  FakeSmsc();
  explicit FakeSmsc(Options options);
  ~FakeSmsc();  // stop()
  FakeSmsc(const FakeSmsc&) = delete;
  FakeSmsc& operator=(const FakeSmsc&) = delete;

  unsigned short port() const noexcept { return port_; }

  void push_status(std::uint32_t status);                  // for the next submits, one each
  void set_response_delay(std::chrono::milliseconds delay);  // before each submit_sm_resp
  void set_silent(bool silent);                             // stop answering anything
  void drop_after(std::size_t submits);                     // close after this many (0 = never)
  // A message from a phone, as a deliver_sm to every bound session.
  void send_mo(const std::string& from, const std::string& to, const std::string& text);

  std::vector<Submit> submits() const;
  std::size_t binds() const;            // successful binds so far
  std::size_t receipts_acked() const;   // deliver_sm_resp with status 0
  std::size_t deliver_nacks() const;    // deliver_sm_resp with another status
  std::size_t unbinds() const;          // unbind requests received
  std::size_t enquire_links() const;    // enquire_link requests received
  // Sends enquire_link to every bound session; counts the answers (enquire_link_resps()).
  void send_enquire_link();
  std::size_t enquire_link_resps() const;
  std::size_t max_outstanding() const;  // most submits received and not yet answered
  bool window_violated() const;
  // Per receipt answered with status 0: from its submit_sm arriving to the deliver_sm_resp.
  std::vector<double> receipt_latencies_ms() const;
  std::size_t submit_count() const;     // accepted submits, recorded or not

  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

}  // namespace smsgw::testing
