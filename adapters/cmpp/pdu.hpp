#pragma once
// CMPP 2.0 and 3.0 PDUs (China Mobile's SP <-> ISMG protocol, reference notes §1), as plain
// structs and pure functions apart from any socket: encoding, framing, bounds-checked decoding
// and the login authenticators. The two versions differ only in field widths (terminal ids
// 21 vs 32 bytes, status/result 1 vs 4 bytes, 3.0's terminal-type bytes and 20-byte LinkID);
// every function takes the version.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace smsgw::adapters::cmpp {

enum class Version : std::uint8_t { v20 = 0x20, v30 = 0x30 };

enum class Command : std::uint32_t {
  connect = 0x00000001,
  connect_resp = 0x80000001,
  terminate = 0x00000002,
  terminate_resp = 0x80000002,
  submit = 0x00000004,
  submit_resp = 0x80000004,
  deliver = 0x00000005,
  deliver_resp = 0x80000005,
  active_test = 0x00000008,
  active_test_resp = 0x80000008,
};

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxPduSize = 4096;  // a SUBMIT to 99 numbers is under 3,500 bytes

// SUBMIT_RESP results (§8.4.3.2) smsgw acts on.
namespace result {
inline constexpr std::uint32_t ok = 0;
inline constexpr std::uint32_t flow_control = 8;  // 流量控制错: throttled
}  // namespace result

struct Header {
  std::uint32_t length = 0;
  std::uint32_t command_id = 0;
  std::uint32_t sequence = 0;
};

// MD5(Source_Addr + 9 NUL bytes + secret + MMDDHHMMSS), raw 16 bytes.
std::string authenticator_source(std::string_view source_addr, std::string_view secret,
                                 std::uint32_t timestamp);
// MD5(Status + AuthenticatorSource + secret), Status in its wire width for `version`.
std::string authenticator_ismg(Version version, std::uint32_t status, std::string_view auth_source,
                               std::string_view secret);
// MMDDHHMMSS as the decimal integer CMPP sends (e.g. 0708123456 -> 708123456).
std::uint32_t timestamp(int month, int day, int hour, int minute, int second);

struct Connect {
  std::string source_addr;          // SP_Id, 6 characters
  std::string authenticator;        // 16 raw bytes
  std::uint8_t version = 0x30;
  std::uint32_t timestamp = 0;
};

struct ConnectResp {
  std::uint32_t status = 0;         // 0 ok, 1 structure, 2 source address, 3 authentication, 4 version
  std::string authenticator;        // 16 raw bytes (empty on failure)
  std::uint8_t version = 0x30;
};

struct Submit {
  std::uint64_t msg_id = 0;
  std::uint8_t pk_total = 1, pk_number = 1;
  std::uint8_t registered_delivery = 1;
  std::uint8_t msg_level = 0;
  std::string service_id;           // 10
  std::uint8_t fee_user_type = 0;
  std::string fee_terminal_id;      // 21 / 32
  std::uint8_t fee_terminal_type = 0;  // 3.0 only
  std::uint8_t tp_pid = 0, tp_udhi = 0;
  std::uint8_t msg_fmt = 8;         // 0 ASCII, 8 UCS-2, 15 GBK
  std::string msg_src;              // SP_Id, 6
  std::string fee_type = "01";      // 2
  std::string fee_code = "000000";  // 6
  std::string valid_time, at_time;  // 17 each (SMPP time format), "" = none
  std::string src_id;               // 21: service code (+ extension)
  std::vector<std::string> dest_terminal_ids;  // 1..99, each 21 / 32
  std::uint8_t dest_terminal_type = 0;  // 3.0 only
  std::string msg_content;          // <= 140 octets incl. UDH (< 160 for ASCII)
  std::string link_id;              // 3.0: 20; 2.0 Reserve: 8
};

struct SubmitResp {
  std::uint64_t msg_id = 0;
  std::uint32_t result = 0;
};

// A status report inside a DELIVER with Registered_Delivery = 1 (60 bytes in 2.0, 71 in 3.0;
// read by its length, since some 3.0 gateways send the 2.0 layout).
struct StatusReport {
  std::uint64_t msg_id = 0;         // the Msg_Id of the SUBMIT_RESP
  std::string stat;                 // DELIVRD, EXPIRED, UNDELIV, ... or MA:xxxx etc.
  std::string submit_time, done_time;  // YYMMDDHHMM
  std::string dest_terminal_id;
  std::uint32_t smsc_sequence = 0;
};

struct Deliver {
  std::uint64_t msg_id = 0;
  std::string dest_id;              // 21: the number the user sent to (service code + extension)
  std::string service_id;           // 10
  std::uint8_t tp_pid = 0, tp_udhi = 0, msg_fmt = 0;
  std::string src_terminal_id;      // 21 / 32
  std::uint8_t src_terminal_type = 0;  // 3.0 only
  std::uint8_t registered_delivery = 0;  // 0 MO, 1 status report
  std::string msg_content;
  std::string link_id;
  std::optional<StatusReport> report;  // decoded from msg_content when registered_delivery = 1
};

struct DeliverResp {
  std::uint64_t msg_id = 0;
  std::uint32_t result = 0;
};

struct Empty {};  // terminate(_resp), active_test; active_test_resp carries one reserved byte

using Body = std::variant<Empty, Connect, ConnectResp, Submit, SubmitResp, Deliver, DeliverResp>;

struct Pdu {
  Header header;
  Body body;
  Command command() const { return static_cast<Command>(header.command_id); }
};

std::string encode(Version version, Command command, std::uint32_t sequence, const Body& body = Empty{});
std::string encode_report(Version version, const StatusReport& report);  // a DELIVER's Msg_Content

struct Frame {
  std::optional<std::size_t> length;
  std::optional<std::string> error;
};
Frame frame(std::string_view buffer);

struct Decoded {
  std::optional<Pdu> pdu;
  Header header;
  std::optional<std::string> error;  // for logs: no message content
};
Decoded decode(Version version, std::string_view pdu);

}  // namespace smsgw::adapters::cmpp
