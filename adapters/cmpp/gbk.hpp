#pragma once
// GBK for CMPP Msg_Fmt 15 (reference notes §1.7), through glibc's iconv: UTF-8 to GBK for
// SUBMIT and back for MO messages, and long texts split into parts of at most 134 octets
// (140 less the 6-octet UDH) that never split a double-byte character.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::adapters::cmpp {

// nullopt when some character has no GBK form (send it as UCS-2).
std::optional<std::string> utf8_to_gbk(std::string_view utf8);
// An invalid sequence becomes U+FFFD.
std::string gbk_to_utf8(std::string_view gbk);
// One part of up to 140 octets, or parts of up to 134 (at most 255), without UDHs.
std::vector<std::string> split_gbk(std::string_view gbk);

}  // namespace smsgw::adapters::cmpp
