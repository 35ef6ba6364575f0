#pragma once
// GSM 03.38 / 3GPP 23.038 default alphabet for SMPP data_coding 0x00: UTF-8 to septets (one
// per octet, the extension table as 0x1B + code) and back, parts of at most 153 septets that
// never split an escape pair, and 7-bit packing for SMSCs that want it. The part count always
// equals measure_sms()'s segment count for GSM-7 text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::adapters {

// nullopt when some character has no GSM-7 form (send it as UCS-2).
std::optional<std::string> utf8_to_gsm7(std::string_view utf8);
// Unpacked septets back to UTF-8 (MO messages); an unknown escape becomes a space, as 23.038
// asks of a receiver.
std::string gsm7_to_utf8(std::string_view septets);

// Septets packed 8 into 7 octets, least significant bit first, after `fill_bits` zero bits
// (1 after a 6-octet UDH, so the text starts on a septet boundary).
std::string pack_gsm7(std::string_view septets, int fill_bits = 0);
std::string unpack_gsm7(std::string_view octets, std::size_t septets, int fill_bits = 0);

struct Gsm7Parts {
  std::vector<std::string> parts;  // unpacked septets; with the 6-octet UDH first when with_udh
  bool with_udh = false;
};
// One part of up to 160 septets, or parts of up to 153 (at most 255).
Gsm7Parts split_gsm7(std::string_view septets, std::uint8_t reference, bool with_udh = true);

}  // namespace smsgw::adapters
