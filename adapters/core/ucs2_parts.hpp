#pragma once
// Text for the binary protocols (SMPP data_coding 0x08, CMPP Msg_Fmt 8): UTF-8 to UCS-2
// (UTF-16BE) and, when it does not fit one SMS (70 units), parts of at most 67 units that never
// split a surrogate pair, each with the 6-octet concatenation header 05 00 03 <ref> <total>
// <n> (8-bit reference) or, for protocols that carry it apart (SMPP sar_* TLVs), without.
// The part count always equals measure_sms()'s segment count for UCS-2 text.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::adapters {

// UTF-16BE of `utf8`; an invalid byte becomes U+FFFD.
std::string utf8_to_ucs2(std::string_view utf8);
// Back to UTF-8 (a lone surrogate becomes U+FFFD), for MO messages in UCS-2.
std::string ucs2_to_utf8(std::string_view ucs2);

struct Ucs2Parts {
  std::vector<std::string> parts;  // payloads: with the UDH when `with_udh`
  bool with_udh = false;           // set esm_class 0x40 / TP_udhi 1
};
// One part of up to 70 units, or parts of up to 67 (at most 255) with `reference` in the UDH.
Ucs2Parts split_ucs2(std::string_view utf8, std::uint8_t reference, bool with_udh = true);

}  // namespace smsgw::adapters
