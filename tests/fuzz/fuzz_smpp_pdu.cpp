// The SMPP 3.4 and CMPP 2.0/3.0 PDU decoders and the SMPP receipt parser on arbitrary bytes
// (what an SMSC or ISMG, or anything claiming to be one, can send): framing and decoding never
// read past the input and never throw; a PDU that decodes re-encodes to one that decodes to the
// same header and body fields; receipts and message-id forms never throw. A first byte of 0xC2
// or 0xC3 makes the rest a CMPP 2.0 or 3.0 PDU, 0xD5 makes it text for split_ucs2 (the parts,
// headers removed, are the whole text, each at most 140 octets); anything else is SMPP.

#include "adapters/cmpp/pdu.hpp"
#include "adapters/core/ucs2_parts.hpp"
#include "adapters/smpp/pdu.hpp"
#include "adapters/smpp/receipt.hpp"
#include "fuzz_check.hpp"

using namespace smsgw::adapters::smpp;

namespace {

void cmpp_one(smsgw::adapters::cmpp::Version v, std::string_view bytes) {
  namespace cmpp = smsgw::adapters::cmpp;
  const auto f = cmpp::frame(bytes);
  if (f.length) FUZZ_CHECK(*f.length >= cmpp::kHeaderSize && *f.length <= cmpp::kMaxPduSize);
  const auto d = cmpp::decode(v, bytes);
  if (d.error) {
    FUZZ_CHECK(!d.pdu);
    return;
  }
  const auto again = cmpp::decode(v, cmpp::encode(v, d.pdu->command(), d.pdu->header.sequence, d.pdu->body));
  FUZZ_CHECK(!again.error);
  FUZZ_CHECK(again.pdu->header.command_id == d.pdu->header.command_id);
  if (const auto* m = std::get_if<cmpp::Deliver>(&d.pdu->body)) {
    const auto& m2 = std::get<cmpp::Deliver>(again.pdu->body);
    FUZZ_CHECK(m2.src_terminal_id == m->src_terminal_id && m2.report.has_value() == m->report.has_value());
    if (m->report) FUZZ_CHECK(m2.report->msg_id == m->report->msg_id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 0 && data[0] == 0xD5) {
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto parts = smsgw::adapters::split_ucs2(text, 7);
    std::string joined;
    for (const auto& p : parts.parts) {
      FUZZ_CHECK(p.size() <= 140);
      joined += parts.with_udh ? p.substr(6) : p;
    }
    if (parts.parts.size() < 255) FUZZ_CHECK(joined == smsgw::adapters::utf8_to_ucs2(text));
    return 0;
  }
  if (size > 0 && (data[0] == 0xC2 || data[0] == 0xC3)) {
    cmpp_one(data[0] == 0xC2 ? smsgw::adapters::cmpp::Version::v20 : smsgw::adapters::cmpp::Version::v30,
             std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
    return 0;
  }
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Frame f = frame(bytes);
  if (f.length) FUZZ_CHECK(*f.length >= kHeaderSize && *f.length <= kMaxPduSize);
  const Decoded d = decode(bytes);
  if (d.error) {
    FUZZ_CHECK(!d.pdu);
    return 0;
  }
  FUZZ_CHECK(d.pdu.has_value());
  const std::string again = encode(d.pdu->header.command_id, d.pdu->header.status, d.pdu->header.sequence,
                                   d.pdu->body);
  const Decoded d2 = decode(again);
  FUZZ_CHECK(!d2.error);
  FUZZ_CHECK(d2.pdu->header.command_id == d.pdu->header.command_id);
  FUZZ_CHECK(d2.pdu->header.sequence == d.pdu->header.sequence);
  if (const auto* m = std::get_if<ShortMessage>(&d.pdu->body)) {
    const auto& m2 = std::get<ShortMessage>(d2.pdu->body);
    FUZZ_CHECK(m2.short_message == m->short_message && m2.dest_addr == m->dest_addr &&
               m2.tlvs.size() == m->tlvs.size());
    if (auto r = parse_receipt(*m)) {
      for (const auto& form : message_id_forms(r->id)) FUZZ_CHECK(!form.empty());
    }
  }
  return 0;
}
