#pragma once
// China's mobile operators, and which of them a mainland mobile number's range is allocated to.
//
// libphonenumber would be the natural source (its PhoneNumberToCarrierMapper), but Debian's C++
// build (libphonenumber8 8.12) ships no carrier data: the mapper and its prefix files exist
// only in the Java package. So the attribution is this small table of the MIIT's allocations
// (号段) in cn_operator.cpp. It answers "whose range is this", not "whose subscriber is this":
// since 2019 a number may be ported to another operator (携号转网) and keeps its prefix, so a
// ported number is attributed to the operator that issued it. Routing rules built on it
// ([[carriers]] operators) are therefore about which gateway a range is cheapest or
// contractually due through, not a guarantee of the subscriber's network.

#include <cstdint>
#include <optional>
#include <string_view>

namespace smsgw {

enum class CnOperator : std::uint8_t {
  unknown = 0,     // not a mainland mobile, or a range not attributed (satellite, IoT, unused)
  china_mobile,    // 中国移动
  china_unicom,    // 中国联通
  china_telecom,   // 中国电信
  china_broadnet,  // 中国广电 (192)
};

// The config name: "china_mobile", "china_unicom", "china_telecom", "china_broadnet"; "" for
// unknown.
std::string_view to_string(CnOperator op) noexcept;
// For messages: "China Mobile", ...; "an unknown operator" for unknown.
std::string_view display_name(CnOperator op) noexcept;
// The inverse of to_string (exact, lower case); nullopt for anything else, "" included.
std::optional<CnOperator> parse_cn_operator(std::string_view name) noexcept;
// The names parse_cn_operator accepts, comma-separated, for error messages.
std::string_view cn_operator_names() noexcept;

// The operator whose range holds `national`, an 11-digit mainland mobile number without the
// country code ("13800138000"). Mobile virtual network operators (170x, 171, 162, 165, 167)
// count as the network that hosts them: their messages travel over that operator's SMS
// centres. unknown for anything that is not 11 ASCII digits starting with 1, or whose range is
// not in the table. Never throws; no allocation.
CnOperator cn_operator_of(std::string_view national) noexcept;

}  // namespace smsgw
