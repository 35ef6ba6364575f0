#include "adapters/cmpp/pdu.hpp"

#include <cstdio>

#include "adapters/core/bytes.hpp"
#include "common/crypto.hpp"

namespace smsgw::adapters::cmpp {
namespace {

std::size_t terminal(Version v) { return v == Version::v30 ? 32 : 21; }
std::size_t link(Version v) { return v == Version::v30 ? 20 : 8; }
bool v3(Version v) { return v == Version::v30; }

void write_status(ByteWriter& w, Version v, std::uint32_t status) {
  if (v3(v)) {
    w.u32(status);
  } else {
    w.u8(static_cast<std::uint8_t>(status));
  }
}

bool read_status(ByteReader& r, Version v, std::uint32_t& status) {
  if (v3(v)) return r.u32(status);
  std::uint8_t s = 0;
  if (!r.u8(s)) return false;
  status = s;
  return true;
}

std::optional<StatusReport> read_report(const std::string& content) {
  // 2.0: 8 + 7 + 10 + 10 + 21 + 4 = 60; 3.0: 32-byte terminal id, 71.
  std::size_t term = 0;
  if (content.size() == 60) term = 21;
  if (content.size() == 71) term = 32;
  if (term == 0) return std::nullopt;
  ByteReader r(content);
  StatusReport s;
  if (!r.u64(s.msg_id) || !r.fixed(s.stat, 7) || !r.fixed(s.submit_time, 10) || !r.fixed(s.done_time, 10) ||
      !r.fixed(s.dest_terminal_id, term) || !r.u32(s.smsc_sequence)) {
    return std::nullopt;
  }
  return s;
}

}  // namespace

std::uint32_t timestamp(int month, int day, int hour, int minute, int second) {
  return static_cast<std::uint32_t>(month) * 100'000'000U + static_cast<std::uint32_t>(day) * 1'000'000U +
         static_cast<std::uint32_t>(hour) * 10'000U + static_cast<std::uint32_t>(minute) * 100U +
         static_cast<std::uint32_t>(second);
}

std::string authenticator_source(std::string_view source_addr, std::string_view secret, std::uint32_t ts) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%010u", ts);
  std::string data(source_addr.substr(0, 6));
  data.append(9, '\0');
  data += secret;
  data += digits;
  return md5_raw(data);
}

std::string authenticator_ismg(Version version, std::uint32_t status, std::string_view auth_source,
                               std::string_view secret) {
  ByteWriter w;
  write_status(w, version, status);
  std::string data = std::move(w.str());
  data += auth_source;
  data += secret;
  return md5_raw(data);
}

std::string encode_report(Version version, const StatusReport& s) {
  ByteWriter w;
  w.u64(s.msg_id);
  w.fixed(s.stat, 7);
  w.fixed(s.submit_time, 10);
  w.fixed(s.done_time, 10);
  w.fixed(s.dest_terminal_id, terminal(version));
  w.u32(s.smsc_sequence);
  return std::move(w.str());
}

std::string encode(Version version, Command command, std::uint32_t sequence, const Body& body) {
  ByteWriter w;
  w.u32(0);
  w.u32(static_cast<std::uint32_t>(command));
  w.u32(sequence);
  if (const auto* c = std::get_if<Connect>(&body)) {
    w.fixed(c->source_addr, 6);
    w.fixed(c->authenticator, 16);
    w.u8(c->version);
    w.u32(c->timestamp);
  } else if (const auto* c = std::get_if<ConnectResp>(&body)) {
    write_status(w, version, c->status);
    w.fixed(c->authenticator, 16);
    w.u8(c->version);
  } else if (const auto* s = std::get_if<Submit>(&body)) {
    w.u64(s->msg_id);
    w.u8(s->pk_total);
    w.u8(s->pk_number);
    w.u8(s->registered_delivery);
    w.u8(s->msg_level);
    w.fixed(s->service_id, 10);
    w.u8(s->fee_user_type);
    w.fixed(s->fee_terminal_id, terminal(version));
    if (v3(version)) w.u8(s->fee_terminal_type);
    w.u8(s->tp_pid);
    w.u8(s->tp_udhi);
    w.u8(s->msg_fmt);
    w.fixed(s->msg_src, 6);
    w.fixed(s->fee_type, 2);
    w.fixed(s->fee_code, 6);
    w.fixed(s->valid_time, 17);
    w.fixed(s->at_time, 17);
    w.fixed(s->src_id, 21);
    const std::size_t n = std::min<std::size_t>(s->dest_terminal_ids.size(), 99);
    w.u8(static_cast<std::uint8_t>(n));
    for (std::size_t i = 0; i < n; ++i) w.fixed(s->dest_terminal_ids[i], terminal(version));
    if (v3(version)) w.u8(s->dest_terminal_type);
    const std::size_t len = std::min<std::size_t>(s->msg_content.size(), 255);
    w.u8(static_cast<std::uint8_t>(len));
    w.octets(std::string_view(s->msg_content).substr(0, len));
    w.fixed(s->link_id, link(version));
  } else if (const auto* s = std::get_if<SubmitResp>(&body)) {
    w.u64(s->msg_id);
    write_status(w, version, s->result);
  } else if (const auto* d = std::get_if<Deliver>(&body)) {
    w.u64(d->msg_id);
    w.fixed(d->dest_id, 21);
    w.fixed(d->service_id, 10);
    w.u8(d->tp_pid);
    w.u8(d->tp_udhi);
    w.u8(d->msg_fmt);
    w.fixed(d->src_terminal_id, terminal(version));
    if (v3(version)) w.u8(d->src_terminal_type);
    w.u8(d->registered_delivery);
    const std::string content = d->report ? encode_report(version, *d->report) : d->msg_content;
    const std::size_t len = std::min<std::size_t>(content.size(), 255);
    w.u8(static_cast<std::uint8_t>(len));
    w.octets(std::string_view(content).substr(0, len));
    w.fixed(d->link_id, link(version));
  } else if (const auto* d = std::get_if<DeliverResp>(&body)) {
    w.u64(d->msg_id);
    write_status(w, version, d->result);
  } else if (command == Command::active_test_resp) {
    w.u8(0);  // Reserved
  }
  return w.finish_with_length();
}

Frame frame(std::string_view buffer) {
  Frame f;
  if (buffer.size() < 4) return f;
  ByteReader r(buffer);
  std::uint32_t length = 0;
  r.u32(length);
  if (length < kHeaderSize || length > kMaxPduSize) {
    f.error = "Total_Length " + std::to_string(length) + " is outside 12.." + std::to_string(kMaxPduSize);
    return f;
  }
  f.length = length;
  return f;
}

Decoded decode(Version version, std::string_view bytes) {
  Decoded d;
  ByteReader r(bytes);
  if (!r.u32(d.header.length) || !r.u32(d.header.command_id) || !r.u32(d.header.sequence)) {
    d.error = "a PDU shorter than its header";
    return d;
  }
  if (d.header.length != bytes.size()) {
    d.error = "Total_Length does not match the PDU";
    return d;
  }
  Pdu pdu;
  pdu.header = d.header;
  bool ok = true;
  switch (static_cast<Command>(d.header.command_id)) {
    case Command::connect: {
      Connect c;
      ok = r.fixed(c.source_addr, 6) && r.octets(c.authenticator, 16) && r.u8(c.version) && r.u32(c.timestamp);
      pdu.body = std::move(c);
      break;
    }
    case Command::connect_resp: {
      ConnectResp c;
      ok = read_status(r, version, c.status) && r.octets(c.authenticator, 16) && r.u8(c.version);
      pdu.body = std::move(c);
      break;
    }
    case Command::submit: {
      Submit s;
      std::uint8_t n = 0, len = 0;
      ok = r.u64(s.msg_id) && r.u8(s.pk_total) && r.u8(s.pk_number) && r.u8(s.registered_delivery) &&
           r.u8(s.msg_level) && r.fixed(s.service_id, 10) && r.u8(s.fee_user_type) &&
           r.fixed(s.fee_terminal_id, terminal(version)) && (!v3(version) || r.u8(s.fee_terminal_type)) &&
           r.u8(s.tp_pid) && r.u8(s.tp_udhi) && r.u8(s.msg_fmt) && r.fixed(s.msg_src, 6) &&
           r.fixed(s.fee_type, 2) && r.fixed(s.fee_code, 6) && r.fixed(s.valid_time, 17) &&
           r.fixed(s.at_time, 17) && r.fixed(s.src_id, 21) && r.u8(n);
      for (std::uint8_t i = 0; ok && i < n; ++i) {
        std::string id;
        ok = r.fixed(id, terminal(version));
        s.dest_terminal_ids.push_back(std::move(id));
      }
      ok = ok && (!v3(version) || r.u8(s.dest_terminal_type)) && r.u8(len) && r.octets(s.msg_content, len) &&
           r.fixed(s.link_id, link(version));
      pdu.body = std::move(s);
      break;
    }
    case Command::submit_resp: {
      SubmitResp s;
      ok = r.u64(s.msg_id) && read_status(r, version, s.result);
      pdu.body = s;
      break;
    }
    case Command::deliver: {
      Deliver m;
      std::uint8_t len = 0;
      ok = r.u64(m.msg_id) && r.fixed(m.dest_id, 21) && r.fixed(m.service_id, 10) && r.u8(m.tp_pid) &&
           r.u8(m.tp_udhi) && r.u8(m.msg_fmt) && r.fixed(m.src_terminal_id, terminal(version)) &&
           (!v3(version) || r.u8(m.src_terminal_type)) && r.u8(m.registered_delivery) && r.u8(len) &&
           r.octets(m.msg_content, len) && r.fixed(m.link_id, link(version));
      if (ok && m.registered_delivery == 1) {
        m.report = read_report(m.msg_content);
        if (!m.report) {
          d.error = "a status report of " + std::to_string(m.msg_content.size()) + " bytes (60 or 71 expected)";
          return d;
        }
      }
      pdu.body = std::move(m);
      break;
    }
    case Command::deliver_resp: {
      DeliverResp m;
      ok = r.u64(m.msg_id) && read_status(r, version, m.result);
      pdu.body = m;
      break;
    }
    case Command::terminate:
    case Command::terminate_resp:
    case Command::active_test:
    case Command::active_test_resp:
      pdu.body = Empty{};
      break;
    default:
      d.error = "unknown Command_Id";
      return d;
  }
  if (!ok) {
    d.error = "a truncated or malformed body";
    return d;
  }
  d.pdu = std::move(pdu);
  return d;
}

}  // namespace smsgw::adapters::cmpp
