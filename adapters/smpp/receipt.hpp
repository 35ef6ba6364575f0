#pragma once
// SMPP delivery receipts (deliver_sm with esm_class type 0x04, reference notes §5): the
// receipted_message_id / message_state TLVs when the SMSC sends them, else the Appendix B text
// ("id:... sub:... dlvrd:... submit date:... done date:... stat:... err:... text:..."), read
// tolerantly because vendors differ. And the forms a message id takes: SMSCs answer submit_sm
// in hex and write receipts in decimal, or the reverse, with or without leading zeros (the
// Kannel and Jasmin DLR-id complaints, gateways-compared.md §c).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/smpp/pdu.hpp"

namespace smsgw::adapters::smpp {

struct Receipt {
  enum class Outcome { delivered, failed, expired, pending };
  std::string id;     // as the SMSC wrote it
  std::string stat;   // DELIVRD, UNDELIV, ... (or the message_state's name)
  std::string err;    // the err: field or network_error_code, "" if none
  Outcome outcome = Outcome::pending;
};

// esm_class bits 5-2 = 0001: an SMSC delivery receipt (not a message from a phone).
inline bool is_receipt(const ShortMessage& m) { return (m.esm_class & 0x3C) == 0x04; }

// nullopt when it names no message id at all.
std::optional<Receipt> parse_receipt(const ShortMessage& m);
std::optional<Receipt> parse_receipt_text(std::string_view text);

// Lower case, without leading zeros, and, for an id that reads as a number, its other base
// too (decimal <-> hex): two ids of one message share at least one form. First is canonical.
std::vector<std::string> message_id_forms(std::string_view id);

}  // namespace smsgw::adapters::smpp
