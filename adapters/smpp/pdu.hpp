#pragma once
// SMPP 3.4 PDUs (reference notes §5), as plain structs and pure functions: encoding, framing
// and bounds-checked decoding, apart from any socket (issue 11: "PDU parsing separate from
// socket I/O"). Every decode checks every length against the bytes it has; nothing is read
// past the PDU, a C-string without its NUL or longer than its field is an error, and an error
// names the generic_nack status to answer with.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace smsgw::adapters::smpp {

enum class Command : std::uint32_t {
  generic_nack = 0x80000000,
  bind_transceiver = 0x00000009,
  bind_transceiver_resp = 0x80000009,
  submit_sm = 0x00000004,
  submit_sm_resp = 0x80000004,
  deliver_sm = 0x00000005,
  deliver_sm_resp = 0x80000005,
  unbind = 0x00000006,
  unbind_resp = 0x80000006,
  enquire_link = 0x00000015,
  enquire_link_resp = 0x80000015,
};

// command_status values (Table 5-2) smsgw sends or acts on.
namespace status {
inline constexpr std::uint32_t ok = 0x00;
inline constexpr std::uint32_t invalid_message_length = 0x01;
inline constexpr std::uint32_t invalid_command_length = 0x02;
inline constexpr std::uint32_t invalid_command_id = 0x03;
inline constexpr std::uint32_t incorrect_bind_status = 0x04;
inline constexpr std::uint32_t already_bound = 0x05;
inline constexpr std::uint32_t system_error = 0x08;
inline constexpr std::uint32_t invalid_source_address = 0x0A;
inline constexpr std::uint32_t invalid_dest_address = 0x0B;
inline constexpr std::uint32_t bind_failed = 0x0D;
inline constexpr std::uint32_t invalid_password = 0x0E;
inline constexpr std::uint32_t invalid_system_id = 0x0F;
inline constexpr std::uint32_t message_queue_full = 0x14;
inline constexpr std::uint32_t submit_failed = 0x45;
inline constexpr std::uint32_t throttled = 0x58;
inline constexpr std::uint32_t receiver_temporary = 0x64;
inline constexpr std::uint32_t optional_parameter_missing = 0xC3;
inline constexpr std::uint32_t invalid_optional_parameter = 0xC4;
inline constexpr std::uint32_t delivery_failure = 0xFE;
}  // namespace status

// Optional parameter tags used here.
namespace tag {
inline constexpr std::uint16_t receipted_message_id = 0x001E;
inline constexpr std::uint16_t sar_msg_ref_num = 0x020C;
inline constexpr std::uint16_t sar_total_segments = 0x020E;
inline constexpr std::uint16_t sar_segment_seqnum = 0x020F;
inline constexpr std::uint16_t network_error_code = 0x0423;
inline constexpr std::uint16_t message_payload = 0x0424;
inline constexpr std::uint16_t message_state = 0x0427;
}  // namespace tag

inline constexpr std::size_t kHeaderSize = 16;
// Larger than any PDU an SMSC sends an ESME (a 64 KiB message_payload is the TLV maximum);
// anything longer is a broken or hostile peer and the session is dropped.
inline constexpr std::size_t kMaxPduSize = 70'000;

struct Header {
  std::uint32_t length = 0;
  std::uint32_t command_id = 0;
  std::uint32_t status = 0;
  std::uint32_t sequence = 0;
};

struct Tlv {
  std::uint16_t tag = 0;
  std::string value;  // raw octets
};

struct BindTransceiver {
  std::string system_id;    // <= 15 characters (16 with NUL)
  std::string password;     // <= 8
  std::string system_type;  // <= 12
  std::uint8_t interface_version = 0x34;
  std::uint8_t addr_ton = 0;
  std::uint8_t addr_npi = 0;
  std::string address_range;  // <= 40
};

struct BindResp {
  std::string system_id;
  std::vector<Tlv> tlvs;  // sc_interface_version, if the SMSC sends it
};

// submit_sm and deliver_sm share their body (Tables 4-10, 4-16).
struct ShortMessage {
  std::string service_type;  // <= 5
  std::uint8_t source_ton = 0;
  std::uint8_t source_npi = 0;
  std::string source_addr;   // <= 20
  std::uint8_t dest_ton = 0;
  std::uint8_t dest_npi = 0;
  std::string dest_addr;     // <= 20
  std::uint8_t esm_class = 0;
  std::uint8_t protocol_id = 0;
  std::uint8_t priority_flag = 0;
  std::string schedule_delivery_time;  // "" or 16 characters
  std::string validity_period;         // "" or 16 characters
  std::uint8_t registered_delivery = 0;
  std::uint8_t replace_if_present = 0;
  std::uint8_t data_coding = 0;
  std::uint8_t sm_default_msg_id = 0;
  std::string short_message;  // <= 254 octets; longer goes in message_payload
  std::vector<Tlv> tlvs;

  const Tlv* find(std::uint16_t t) const;
};

struct SubmitSmResp {
  std::string message_id;  // <= 64; empty when status != ok
};

struct Empty {};  // enquire_link(_resp), unbind(_resp), generic_nack, deliver_sm_resp

using Body = std::variant<Empty, BindTransceiver, BindResp, ShortMessage, SubmitSmResp>;

struct Pdu {
  Header header;
  Body body;
  Command command() const { return static_cast<Command>(header.command_id); }
};

// ---- encoding (each returns the whole PDU, header included) ----
std::string encode(std::uint32_t command_id, std::uint32_t status, std::uint32_t sequence,
                   const Body& body);
inline std::string encode(Command c, std::uint32_t status, std::uint32_t sequence, const Body& body = Empty{}) {
  return encode(static_cast<std::uint32_t>(c), status, sequence, body);
}

// ---- framing and decoding ----
struct DecodeError {
  std::string what;           // for logs; no message content
  std::uint32_t nack_status;  // the generic_nack (or _resp) status to answer with
};

// How long the PDU at the start of `buffer` is, once its 4 length bytes are there: nullopt while
// fewer than 4 bytes are buffered; an error for a length below 16 or above kMaxPduSize.
struct Frame {
  std::optional<std::size_t> length;
  std::optional<DecodeError> error;
};
Frame frame(std::string_view buffer);

// Decodes one whole PDU (exactly `header.length` bytes). Commands this ESME does not know get
// Empty bodies with an error whose status is invalid_command_id.
struct Decoded {
  std::optional<Pdu> pdu;  // the header is always filled when 16 bytes were there
  Header header;
  std::optional<DecodeError> error;
};
Decoded decode(std::string_view pdu);

}  // namespace smsgw::adapters::smpp
