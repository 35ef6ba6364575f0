#include "common/phone.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <set>

namespace smsgw {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using NumberType = PhoneNumberUtil::PhoneNumberType;

const PhoneNumberUtil& util() {
  // The singleton holds the metadata of every region and the compiled regular expressions;
  // it is built on first use (a few milliseconds) and never destroyed.
  static const PhoneNumberUtil& instance = *PhoneNumberUtil::GetInstance();
  return instance;
}

PhoneResult fail(std::string reason) { return PhoneResult{{}, std::move(reason)}; }

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Full-width forms (U+FF01..U+FF5E) mirror ASCII at a fixed offset; Chinese IMEs emit them for
// digits, '＋', '－', '（', '）' and '．'. U+3000 is the ideographic space.
// Returns the ASCII equivalent and the number of bytes consumed, or 0 when not one of those.
std::pair<char, std::size_t> fold_full_width(std::string_view s, std::size_t i) noexcept {
  if (i + 3 > s.size()) return {0, 0};
  const auto b0 = static_cast<unsigned char>(s[i]);
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  const auto b2 = static_cast<unsigned char>(s[i + 2]);
  if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) return {' ', 3};
  if (b0 != 0xEF || (b1 != 0xBC && b1 != 0xBD) || b2 < 0x80 || b2 > 0xBF) return {0, 0};
  const std::uint32_t cp = 0xF000u | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
  if (cp < 0xFF01 || cp > 0xFF5E) return {0, 0};
  return {static_cast<char>(cp - 0xFF01 + 0x21), 3};
}

bool is_separator(char c) noexcept {
  return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '(' || c == ')';
}

// The input reduced to what libphonenumber is given: ASCII digits, and whether they were
// written with the country code ('+' or a leading "00", which is also China's international
// prefix). libphonenumber would find a number inside any text ("电话13800138000", "tel: ...");
// a recipient list is not free text, so that is rejected here with the old reasons.
struct Digits {
  std::array<char, 20> buf{};
  std::size_t size = 0;
  bool international = false;
  std::string_view view() const noexcept { return {buf.data(), size}; }
};

constexpr std::size_t kMaxDigits = 20;

// "" when `out` holds the number, else why the input is not one.
std::string scan(std::string_view input, Digits& out) {
  bool plus = false;
  for (std::size_t i = 0; i < input.size();) {
    char c = input[i];
    std::size_t width = 1;
    if (static_cast<unsigned char>(c) >= 0x80) {
      const auto [ascii, n] = fold_full_width(input, i);
      if (n == 0) return "contains a character that is not a digit";
      c = ascii;
      width = n;
    }
    i += width;
    if (is_digit(c)) {
      if (out.size == kMaxDigits) return "too many digits";
      out.buf[out.size++] = c;
    } else if (c == '+') {
      if (out.size > 0 || plus) return "'+' is only allowed at the start";
      plus = true;
    } else if (!is_separator(c)) {
      return std::string("contains an invalid character '") + c + "'";
    }
  }
  if (out.size == 0) return plus ? "no digits after '+'" : "is empty";
  out.international = plus;
  if (!plus && out.view().starts_with("00")) {
    std::copy(out.buf.begin() + 2, out.buf.begin() + static_cast<std::ptrdiff_t>(out.size),
              out.buf.begin());
    out.size -= 2;
    out.international = true;
  }
  if (out.international) {
    if (out.size == 0) return "no digits after the international prefix";
    if (out.buf[0] == '0') return "country code cannot start with 0";
    // E.164: at most 15 digits, country code included.
    if (out.size > 15) return "too long for an international number (at most 15 digits)";
  }
  return {};
}

// Why a number of this type cannot receive SMS; "" for the types that can.
std::string_view type_problem(NumberType type) noexcept {
  switch (type) {
    case PhoneNumberUtil::MOBILE:
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:  // USA, Canada: the numbering cannot tell
      return {};
    case PhoneNumberUtil::FIXED_LINE:
      return "a fixed-line number cannot receive SMS";
    case PhoneNumberUtil::TOLL_FREE:
      return "a toll-free number cannot receive SMS";
    case PhoneNumberUtil::PREMIUM_RATE:
      return "a premium-rate number cannot receive SMS";
    case PhoneNumberUtil::SHARED_COST:
      return "a shared-cost number (such as 400 or 95 numbers) cannot receive SMS";
    case PhoneNumberUtil::VOIP:
      return "a VoIP number cannot receive SMS";
    case PhoneNumberUtil::PERSONAL_NUMBER:
      return "a personal (follow-me) number cannot receive SMS";
    case PhoneNumberUtil::PAGER:
      return "a pager number cannot receive SMS";
    case PhoneNumberUtil::UAN:
      return "a company (universal access) number cannot receive SMS";
    case PhoneNumberUtil::VOICEMAIL:
      return "a voicemail access number cannot receive SMS";
    case PhoneNumberUtil::UNKNOWN:
      break;
  }
  return "not a valid number";
}

constexpr std::string_view kBareHint =
    "; write other countries' numbers with + and the country code";

// Why a number libphonenumber parsed is not valid. `bare`: written without a country code, so
// it was read as a Chinese number.
std::string invalid_reason(int country_code, std::string_view nsn, bool bare,
                           const PhoneNumber* number) {
  if (country_code == 86) {
    if (nsn.size() < 11) return "too short for a Chinese mobile number (11 digits expected)";
    std::string r = nsn.size() == 11 && nsn[0] == '1'
                        ? "not a Chinese mobile number (no operator issues numbers in its range)"
                        : "not a Chinese mobile number (1 and 10 more digits)";
    if (bare) r += kBareHint;
    return r;
  }
  std::string region;
  util().GetRegionCodeForCountryCode(country_code, &region);
  const std::string where = region + " (+" + std::to_string(country_code) + ")";
  switch (number ? util().IsPossibleNumberWithReason(*number) : PhoneNumberUtil::IS_POSSIBLE) {
    case PhoneNumberUtil::TOO_SHORT:
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      return "too short for a number in " + where;
    case PhoneNumberUtil::TOO_LONG:
      return "too long for a number in " + where;
    case PhoneNumberUtil::INVALID_LENGTH:
      return "wrong number of digits for a number in " + where;
    default:
      return "not a valid number in " + where + " (no such range in use)";
  }
}

std::string parse_error_reason(PhoneNumberUtil::ErrorType e, bool bare) {
  switch (e) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return "unknown country code";
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return bare ? "too short for a Chinese mobile number (11 digits expected)" : "too short";
    case PhoneNumberUtil::TOO_LONG_NSN:
      return bare ? "too long for a Chinese number" + std::string(kBareHint) : "too long";
    default:
      return bare ? "not a Chinese phone number" + std::string(kBareHint) : "not a phone number";
  }
}

// Number types of mainland mobiles by 10,000-number block: the leading 1 and the next six
// digits (1 + the network code NN + the HLR code HHHH, the MIIT's smallest allocation), so the
// type of every number in a block is the same. Only ranges 13-19 (700,000 blocks, one byte
// each, paged in as they are used). 0 = not asked yet, else the NumberType + 1. Relaxed atomics:
// two threads asking at once both compute the same value.
constexpr std::size_t kBlocks = 700'000;
std::array<std::atomic<std::uint8_t>, kBlocks> g_block_types{};

// `national`: 11 ASCII digits, 1[3-9]..., not 179 (whose "179xx" libphonenumber may strip as a
// carrier prefix, so its parse is not simply {86, national}).
bool is_block_cached(std::string_view national) noexcept {
  return national.size() == 11 && national[0] == '1' && national[1] >= '3' &&
         !(national[1] == '7' && national[2] == '9');
}

std::uint64_t to_u64(std::string_view digits) noexcept {
  std::uint64_t v = 0;
  for (char c : digits) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

NumberType chinese_mobile_type(std::string_view national) {
  std::size_t block = static_cast<std::size_t>(national[1] - '3');
  for (std::size_t i = 2; i < 7; ++i) block = block * 10 + static_cast<std::size_t>(national[i] - '0');
  auto& slot = g_block_types[block];
  if (const auto known = slot.load(std::memory_order_relaxed)) return static_cast<NumberType>(known - 1);
  PhoneNumber number;
  number.set_country_code(86);
  number.set_national_number(to_u64(national));
  const NumberType type = util().GetNumberType(number);
  slot.store(static_cast<std::uint8_t>(type + 1), std::memory_order_relaxed);
  return type;
}

PhoneResult normalize(std::string_view input, bool use_cache) {
  Digits d;
  if (std::string why = scan(input, d); !why.empty()) return fail(std::move(why));
  const std::string_view digits = d.view();
  const bool bare = !d.international;

  // The common case, an 11-digit Chinese mobile as 138..., 86138..., +86138... or 0086138...,
  // parses to {86, those 11 digits}: answer it from the block cache.
  std::string_view national;
  if (bare && digits.size() == 11) {
    national = digits;
  } else if (digits.size() == 13 && digits.starts_with("86")) {
    national = digits.substr(2);
  }
  if (use_cache && is_block_cached(national)) {
    const NumberType type = chinese_mobile_type(national);
    if (type == PhoneNumberUtil::UNKNOWN) return fail(invalid_reason(86, national, bare, nullptr));
    if (auto why = type_problem(type); !why.empty()) return fail(std::string(why));
    std::string e164;
    e164.reserve(14);
    e164 += "+86";
    e164 += national;
    return PhoneResult{std::move(e164), {}};
  }

  // Everything else: libphonenumber parses it (default region CN for numbers written without
  // a country code), validates it and names its type.
  std::string text;
  text.reserve(digits.size() + 1);
  if (d.international) text += '+';
  text += digits;
  PhoneNumber number;
  const auto& u = util();
  if (const auto e = u.Parse(text, "CN", &number); e != PhoneNumberUtil::NO_PARSING_ERROR)
    return fail(parse_error_reason(e, bare));
  // GetNumberType is UNKNOWN exactly when IsValidNumber is false (both look the number up in
  // the metadata of the region GetRegionCodeForNumber names; IsValidNumber then asks whether
  // the type is UNKNOWN), so one call answers both at half the cost.
  const NumberType type = u.GetNumberType(number);
  if (type == PhoneNumberUtil::UNKNOWN) {
    std::string nsn;
    u.GetNationalSignificantNumber(number, &nsn);
    return fail(invalid_reason(number.country_code(), nsn, bare, &number));
  }
  if (auto why = type_problem(type); !why.empty()) return fail(std::string(why));
  std::string e164;
  u.Format(number, PhoneNumberUtil::E164, &e164);
  // libphonenumber's E.164 is not always a fixed point of its own parsing: "+52 01 199..."
  // formats as "+52199..." (Mexico's old mobile token), which parses to "+5299...". A stored
  // number must normalise to itself, so parse again until it does. China's forms are stable.
  for (int i = 0; i < 3 && number.country_code() != 86; ++i) {
    PhoneNumber again;
    if (u.Parse(e164, "CN", &again) != PhoneNumberUtil::NO_PARSING_ERROR) break;
    const NumberType again_type = u.GetNumberType(again);
    if (again_type == PhoneNumberUtil::UNKNOWN || !type_problem(again_type).empty()) break;
    std::string next;
    u.Format(again, PhoneNumberUtil::E164, &next);
    if (next == e164) break;
    e164 = std::move(next);
    number = again;
  }
  return PhoneResult{std::move(e164), {}};
}

// Country calling code -> its region when only one region uses it ("852" -> "HK"), "*" when
// several do (+1, +7, +44 ...; the number decides), "" when none. Built once.
const std::array<std::string, 1000>& regions_by_calling_code() {
  static const std::array<std::string, 1000> table = [] {
    std::array<std::string, 1000> t;
    std::set<int> codes;
    util().GetSupportedCallingCodes(&codes);
    for (int code : codes) {
      if (code <= 0 || code >= 1000) continue;
      std::list<std::string> regions;
      util().GetRegionCodesForCountryCallingCode(code, &regions);
      if (regions.size() > 1) {
        t[static_cast<std::size_t>(code)] = "*";
      } else if (regions.size() == 1 && regions.front().size() == 2) {
        t[static_cast<std::size_t>(code)] = regions.front();  // not "001" (non-geographic)
      }
    }
    return t;
  }();
  return table;
}

}  // namespace

PhoneResult normalize_phone(std::string_view input) { return normalize(input, true); }

PhoneResult normalize_phone_uncached(std::string_view input) { return normalize(input, false); }

PhoneClass classify_phone(std::string_view e164) {
  PhoneClass out;
  if (e164.size() < 3 || e164.size() > 16 || e164[0] != '+') return out;
  const std::string_view digits = e164.substr(1);
  if (!std::all_of(digits.begin(), digits.end(), is_digit)) return out;
  if (digits.starts_with("86")) {
    out.region = "CN";
    out.cn_operator = cn_operator_of(digits.substr(2));
    return out;
  }
  // Calling codes are prefix-free: the first of 1, 2 or 3 digits that is one is the one.
  const auto& table = regions_by_calling_code();
  for (std::size_t len = 1; len <= 3 && len < digits.size(); ++len) {
    const auto& region = table[to_u64(digits.substr(0, len))];
    if (region.empty()) continue;
    if (region != "*") {
      out.region = region;
      return out;
    }
    PhoneNumber number;
    if (util().Parse(std::string(e164), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) return out;
    std::string found;
    util().GetRegionCodeForNumber(number, &found);
    if (found.size() == 2 && found != "ZZ") out.region = std::move(found);
    return out;
  }
  return out;
}

bool is_known_region(std::string_view code) {
  static const std::set<std::string, std::less<>> regions = [] {
    std::set<std::string> r;
    util().GetSupportedRegions(&r);
    return std::set<std::string, std::less<>>(r.begin(), r.end());
  }();
  return code.size() == 2 && regions.contains(code);
}

bool NumberRules::takes(const PhoneClass& number) const noexcept {
  if (!operators.empty() &&
      std::find(operators.begin(), operators.end(), number.cn_operator) == operators.end())
    return false;
  if (!countries.empty() &&
      std::find(countries.begin(), countries.end(), number.region) == countries.end())
    return false;
  return true;
}

std::string NumberRules::describe() const {
  std::string ops, regions;
  for (auto op : operators) {
    if (!ops.empty()) ops += ", ";
    ops += to_string(op);
  }
  for (const auto& c : countries) {
    if (!regions.empty()) regions += ", ";
    regions += c;
  }
  if (ops.empty()) return regions;
  if (regions.empty()) return ops;
  return ops + " in " + regions;
}

std::string describe_numbers(const PhoneClass& number) {
  if (number.cn_operator != CnOperator::unknown)
    return std::string(display_name(number.cn_operator)) + " numbers";
  if (number.region == "CN") return "Chinese numbers of no known operator's range";
  if (!number.region.empty()) return "numbers of " + number.region;
  return "numbers of no known country";
}

std::string mask_phone(std::string_view phone) {
  std::string out(phone);
  // The country code of a Chinese number is not the subscriber's, and the SPEC's log form
  // "+86138****8000" shows it in full.
  const std::size_t start = out.starts_with("+86") ? 3 : 0;
  const auto is_copied = [](char c) { return c == '+' || (c != '\t' && is_separator(c)); };
  std::size_t positions = 0;
  for (std::size_t i = start; i < out.size(); ++i)
    if (!is_copied(out[i])) ++positions;

  std::size_t head = 0;
  std::size_t tail = 0;
  if (positions >= 8) {
    tail = 4;
    head = std::min<std::size_t>(3, positions - 8);
  } else if (positions >= 5) {
    tail = std::min<std::size_t>(2, positions - 4);
  }
  std::size_t k = 0;  // index of the current position
  for (std::size_t i = start; i < out.size(); ++i) {
    char& c = out[i];
    if (is_copied(c)) continue;
    const bool shown = k < head || k >= positions - tail;
    ++k;
    if (!shown || !is_digit(c)) c = '*';
  }
  return out;
}

}  // namespace smsgw
