#include "adapters/smpp/pdu.hpp"

#include <algorithm>

#include "adapters/core/bytes.hpp"

namespace smsgw::adapters::smpp {
namespace {

// C-octet string sizes including the NUL (SMPP 3.4 §4).
constexpr std::size_t kSystemId = 16, kPassword = 9, kSystemType = 13, kAddressRange = 41;
constexpr std::size_t kServiceType = 6, kAddress = 21, kTime = 17, kMessageId = 65;
constexpr std::size_t kMaxShortMessage = 254;

using Reader = ByteReader;

// SMPP adds optional parameters to the shared writer.
class Writer : public ByteWriter {
 public:
  void tlvs(const std::vector<Tlv>& tlvs) {
    for (const auto& t : tlvs) {
      const std::size_t n = std::min<std::size_t>(t.value.size(), 0xFFFF);
      u16(t.tag);
      u16(static_cast<std::uint16_t>(n));
      str().append(t.value, 0, n);
    }
  }
};

std::optional<DecodeError> read_tlvs(Reader& r, std::vector<Tlv>& out) {
  while (r.left() > 0) {
    Tlv t;
    std::uint16_t length = 0;
    if (!r.u16(t.tag) || !r.u16(length) || !r.octets(t.value, length)) {
      return DecodeError{"a truncated optional parameter", 0xC0};  // ESME_RINVTLVSTREAM
    }
    out.push_back(std::move(t));
  }
  return std::nullopt;
}

DecodeError bad_body(std::string what) { return {std::move(what), status::invalid_message_length}; }

std::optional<DecodeError> read_short_message(Reader& r, ShortMessage& m) {
  std::uint8_t sm_length = 0;
  if (!r.cstring(m.service_type, kServiceType)) return bad_body("service_type");
  if (!r.u8(m.source_ton) || !r.u8(m.source_npi)) return bad_body("source address type");
  if (!r.cstring(m.source_addr, kAddress)) return bad_body("source_addr");
  if (!r.u8(m.dest_ton) || !r.u8(m.dest_npi)) return bad_body("destination address type");
  if (!r.cstring(m.dest_addr, kAddress)) return bad_body("destination_addr");
  if (!r.u8(m.esm_class) || !r.u8(m.protocol_id) || !r.u8(m.priority_flag)) return bad_body("esm_class");
  if (!r.cstring(m.schedule_delivery_time, kTime)) return bad_body("schedule_delivery_time");
  if (!r.cstring(m.validity_period, kTime)) return bad_body("validity_period");
  if (!r.u8(m.registered_delivery) || !r.u8(m.replace_if_present) || !r.u8(m.data_coding) ||
      !r.u8(m.sm_default_msg_id) || !r.u8(sm_length)) {
    return bad_body("registered_delivery .. sm_length");
  }
  if (sm_length > kMaxShortMessage || !r.octets(m.short_message, sm_length)) return bad_body("short_message");
  return read_tlvs(r, m.tlvs);
}

void write_short_message(Writer& w, const ShortMessage& m) {
  w.cstring(m.service_type, kServiceType);
  w.u8(m.source_ton);
  w.u8(m.source_npi);
  w.cstring(m.source_addr, kAddress);
  w.u8(m.dest_ton);
  w.u8(m.dest_npi);
  w.cstring(m.dest_addr, kAddress);
  w.u8(m.esm_class);
  w.u8(m.protocol_id);
  w.u8(m.priority_flag);
  w.cstring(m.schedule_delivery_time, kTime);
  w.cstring(m.validity_period, kTime);
  w.u8(m.registered_delivery);
  w.u8(m.replace_if_present);
  w.u8(m.data_coding);
  w.u8(m.sm_default_msg_id);
  const std::size_t n = std::min(m.short_message.size(), kMaxShortMessage);
  w.u8(static_cast<std::uint8_t>(n));
  w.octets(std::string_view(m.short_message).substr(0, n));
  w.tlvs(m.tlvs);
}

}  // namespace

const Tlv* ShortMessage::find(std::uint16_t t) const {
  for (const auto& tlv : tlvs) {
    if (tlv.tag == t) return &tlv;
  }
  return nullptr;
}

std::string encode(std::uint32_t command_id, std::uint32_t status_code, std::uint32_t sequence,
                   const Body& body) {
  Writer w;
  w.u32(0);  // length, filled in below
  w.u32(command_id);
  w.u32(status_code);
  w.u32(sequence);
  if (const auto* b = std::get_if<BindTransceiver>(&body)) {
    w.cstring(b->system_id, kSystemId);
    w.cstring(b->password, kPassword);
    w.cstring(b->system_type, kSystemType);
    w.u8(b->interface_version);
    w.u8(b->addr_ton);
    w.u8(b->addr_npi);
    w.cstring(b->address_range, kAddressRange);
  } else if (const auto* r = std::get_if<BindResp>(&body)) {
    w.cstring(r->system_id, kSystemId);
    w.tlvs(r->tlvs);
  } else if (const auto* m = std::get_if<ShortMessage>(&body)) {
    write_short_message(w, *m);
  } else if (const auto* s = std::get_if<SubmitSmResp>(&body)) {
    w.cstring(s->message_id, kMessageId);
  } else if (command_id == static_cast<std::uint32_t>(Command::deliver_sm_resp)) {
    w.u8(0);  // message_id: unused, NULL
  }
  return w.finish_with_length();
}

Frame frame(std::string_view buffer) {
  Frame f;
  if (buffer.size() < 4) return f;
  Reader r(buffer);
  std::uint32_t length = 0;
  r.u32(length);
  if (length < kHeaderSize || length > kMaxPduSize) {
    f.error = DecodeError{"command_length " + std::to_string(length) + " is outside 16.." +
                              std::to_string(kMaxPduSize),
                          status::invalid_command_length};
    return f;
  }
  f.length = length;
  return f;
}

Decoded decode(std::string_view bytes) {
  Decoded d;
  Reader r(bytes);
  if (!r.u32(d.header.length) || !r.u32(d.header.command_id) || !r.u32(d.header.status) ||
      !r.u32(d.header.sequence)) {
    d.error = DecodeError{"a PDU shorter than its header", status::invalid_command_length};
    return d;
  }
  if (d.header.length != bytes.size()) {
    d.error = DecodeError{"command_length does not match the PDU", status::invalid_command_length};
    return d;
  }
  Pdu pdu;
  pdu.header = d.header;
  std::optional<DecodeError> error;
  switch (static_cast<Command>(d.header.command_id)) {
    case Command::bind_transceiver: {
      BindTransceiver b;
      if (!r.cstring(b.system_id, kSystemId) || !r.cstring(b.password, kPassword) ||
          !r.cstring(b.system_type, kSystemType) || !r.u8(b.interface_version) || !r.u8(b.addr_ton) ||
          !r.u8(b.addr_npi) || !r.cstring(b.address_range, kAddressRange)) {
        error = bad_body("bind_transceiver body");
      }
      pdu.body = std::move(b);
      break;
    }
    case Command::bind_transceiver_resp: {
      BindResp b;
      // The body may be absent when the bind failed.
      if (r.left() > 0) {
        if (!r.cstring(b.system_id, kSystemId)) {
          error = bad_body("system_id");
        } else {
          error = read_tlvs(r, b.tlvs);
        }
      }
      pdu.body = std::move(b);
      break;
    }
    case Command::submit_sm:
    case Command::deliver_sm: {
      ShortMessage m;
      error = read_short_message(r, m);
      pdu.body = std::move(m);
      break;
    }
    case Command::submit_sm_resp:
    case Command::deliver_sm_resp: {
      SubmitSmResp s;
      // Absent when command_status is not 0 (submit_sm_resp), NULL or absent (deliver_sm_resp).
      if (r.left() > 0 && !r.cstring(s.message_id, kMessageId)) error = bad_body("message_id");
      pdu.body = std::move(s);
      break;
    }
    case Command::generic_nack:
    case Command::unbind:
    case Command::unbind_resp:
    case Command::enquire_link:
    case Command::enquire_link_resp:
      pdu.body = Empty{};
      break;
    default:
      error = DecodeError{"unknown command_id", status::invalid_command_id};
      break;
  }
  if (error) {
    d.error = std::move(error);
    return d;
  }
  d.pdu = std::move(pdu);
  return d;
}

}  // namespace smsgw::adapters::smpp
