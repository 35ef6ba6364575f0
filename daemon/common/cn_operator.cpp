#include "common/cn_operator.hpp"

#include <array>

namespace smsgw {
namespace {

constexpr CnOperator M = CnOperator::china_mobile;
constexpr CnOperator U = CnOperator::china_unicom;
constexpr CnOperator T = CnOperator::china_telecom;
constexpr CnOperator B = CnOperator::china_broadnet;
constexpr CnOperator x = CnOperator::unknown;

// The MIIT's allocations of 11-digit mobile ranges, by the first three digits 130..199 (index
// 10 * (second digit - 3) + third digit). Two ranges are split by their fourth digit and have
// their own tables below (134, 170). Left unknown on purpose:
//   140-144, 146, 148  data-only and IoT ranges (13-digit numbers, no SMS to people)
//   154, 160, 161, 163, 164, 168, 169, 179, 194  not allocated
//   174  satellite (1740x, Tiantong) and emergency-communication ranges, not the public
//        mobile networks this table is for
// Virtual network operators (转售, 170x, 171, 162, 165, 167) are listed under their host
// network, which carries their messages: 165 China Mobile, 167 and 171 China Unicom, 162 China
// Telecom; 170 by its fourth digit. 192 is China Broadnet (中国广电), the fourth licence (2019).
constexpr std::array<CnOperator, 70> kByPrefix = {
    //  0  1  2  3  4  5  6  7  8  9
    U, U, U, T, x, M, M, M, M, M,  // 13x: 134 split below
    x, x, x, x, x, U, x, M, x, T,  // 14x: 145 Unicom, 147 Mobile, 149 Telecom (data plans)
    M, M, M, T, x, U, U, M, M, M,  // 15x
    x, x, T, x, x, M, U, U, x, x,  // 16x: 162, 165, 167 virtual operators; 166 Unicom
    x, U, M, T, x, U, U, T, M, x,  // 17x: 170 split below; 171 virtual (Unicom)
    T, T, M, M, M, U, U, M, M, T,  // 18x
    T, T, B, T, x, M, U, M, M, T,  // 19x
};

// 134: 1340-1348 China Mobile, 1349 China Telecom (satellite, once China Satcom's).
constexpr std::array<CnOperator, 10> k134 = {M, M, M, M, M, M, M, M, M, T};
// 170: virtual operators' numbers by host network: 1700-1702 China Telecom, 1703, 1705, 1706
// China Mobile, 1704, 1707-1709 China Unicom.
constexpr std::array<CnOperator, 10> k170 = {T, T, T, M, U, M, M, U, U, U};

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

std::string_view to_string(CnOperator op) noexcept {
  switch (op) {
    case CnOperator::china_mobile:
      return "china_mobile";
    case CnOperator::china_unicom:
      return "china_unicom";
    case CnOperator::china_telecom:
      return "china_telecom";
    case CnOperator::china_broadnet:
      return "china_broadnet";
    case CnOperator::unknown:
      break;
  }
  return "";
}

std::string_view display_name(CnOperator op) noexcept {
  switch (op) {
    case CnOperator::china_mobile:
      return "China Mobile";
    case CnOperator::china_unicom:
      return "China Unicom";
    case CnOperator::china_telecom:
      return "China Telecom";
    case CnOperator::china_broadnet:
      return "China Broadnet";
    case CnOperator::unknown:
      break;
  }
  return "an unknown operator";
}

std::optional<CnOperator> parse_cn_operator(std::string_view name) noexcept {
  for (auto op : {CnOperator::china_mobile, CnOperator::china_unicom, CnOperator::china_telecom,
                  CnOperator::china_broadnet}) {
    if (name == to_string(op)) return op;
  }
  return std::nullopt;
}

std::string_view cn_operator_names() noexcept {
  return "china_mobile, china_unicom, china_telecom, china_broadnet";
}

CnOperator cn_operator_of(std::string_view national) noexcept {
  if (national.size() != 11 || national[0] != '1') return CnOperator::unknown;
  for (char c : national)
    if (!is_digit(c)) return CnOperator::unknown;
  if (national[1] < '3') return CnOperator::unknown;
  const int second = national[1] - '3';
  const int third = national[2] - '0';
  const int fourth = national[3] - '0';
  if (second == 0 && third == 4) return k134[static_cast<std::size_t>(fourth)];
  if (second == 4 && third == 0) return k170[static_cast<std::size_t>(fourth)];
  return kByPrefix[static_cast<std::size_t>(second * 10 + third)];
}

}  // namespace smsgw
