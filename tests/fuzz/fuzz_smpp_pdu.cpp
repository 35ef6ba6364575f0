// The SMPP 3.4 PDU decoder and receipt parser on arbitrary bytes (what an SMSC, or anything
// claiming to be one, can send): framing and decoding never read past the input and never
// throw; a PDU that decodes re-encodes to one that decodes to the same header and body fields;
// receipts and message-id forms never throw.

#include "adapters/smpp/pdu.hpp"
#include "adapters/smpp/receipt.hpp"
#include "fuzz_check.hpp"

using namespace smsgw::adapters::smpp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
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
