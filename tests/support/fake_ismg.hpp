#pragma once
// A fake China Mobile ISMG on 127.0.0.1 speaking CMPP 2.0 or 3.0 (adapters/cmpp/pdu.hpp) on its
// own io thread, for the CMPP adapter tests (issue 11): CMPP_CONNECT checked against an SP id
// and shared secret (AuthenticatorSource recomputed, AuthenticatorISMG sent back), SUBMITs
// answered with 64-bit Msg_Ids and, when Registered_Delivery = 1, a status report as a
// CMPP_DELIVER; ACTIVE_TEST and TERMINATE both ways. Faults: results for the next SUBMITs
// (8 = flow control...), answering late or not at all, dropping the connection after K
// SUBMITs; it counts SUBMITs sent again (same Sequence_Id) and reports window violations.
//
// Thread safety: every public member may be called from any thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/cmpp/pdu.hpp"

namespace smsgw::testing {

class FakeIsmg {
 public:
  struct Options {
    adapters::cmpp::Version version = adapters::cmpp::Version::v30;
    std::string sp_id = "901234";
    std::string secret = "secret";
    std::size_t window = 16;
    bool reports = true;           // a status report for each SUBMIT with Registered_Delivery
    std::string report_stat = "DELIVRD";
    bool forged_authenticator = false;  // accept CONNECT with an AuthenticatorISMG of another secret
    bool record = true;                 // keep every SUBMIT for submits() (benchmarks: false)
  };
  struct Submit {
    adapters::cmpp::Submit pdu;
    std::uint64_t msg_id = 0;       // what the SUBMIT_RESP said
    std::uint32_t sequence = 0;
  };

  FakeIsmg();
  explicit FakeIsmg(Options options);
  ~FakeIsmg();  // stop()
  FakeIsmg(const FakeIsmg&) = delete;
  FakeIsmg& operator=(const FakeIsmg&) = delete;

  unsigned short port() const noexcept { return port_; }

  void push_result(std::uint32_t result);                    // for the next SUBMITs, one each
  void set_response_delay(std::chrono::milliseconds delay);  // before each SUBMIT_RESP
  void set_silent(bool silent);                              // stop answering anything
  void drop_after(std::size_t submits);                      // close after this many (0 = never)
  // A message from a phone (Msg_Fmt 8, UCS-2 bytes in `ucs2`) to every connected SP.
  void send_mo(const std::string& from, const std::string& dest_id, const std::string& ucs2);
  void send_terminate();    // the ISMG ends the session (CMPP_TERMINATE)
  void send_active_test();

  std::vector<Submit> submits() const;  // answered with result 0
  std::size_t connects() const;         // successful logins
  std::size_t refused_connects() const;
  std::size_t resent() const;           // SUBMITs whose Sequence_Id came before
  std::size_t deliver_acks() const;     // CMPP_DELIVER_RESP with Result 0
  std::size_t deliver_nacks() const;
  std::size_t terminates() const;       // CMPP_TERMINATE received
  std::size_t terminate_resps() const;
  std::size_t active_tests() const;
  std::size_t active_test_resps() const;
  std::size_t max_outstanding() const;
  bool window_violated() const;
  // Per report answered with Result 0: from its SUBMIT arriving to the DELIVER_RESP.
  std::vector<double> receipt_latencies_ms() const;
  std::size_t submit_count() const;     // accepted SUBMITs, recorded or not

  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

}  // namespace smsgw::testing
