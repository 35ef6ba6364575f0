#include "adapters/smpp/receipt.hpp"

#include <algorithm>
#include <cctype>

namespace smsgw::adapters::smpp {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The value after `key` (case-insensitive, at a word start), up to the next space.
std::string field(std::string_view text, std::string_view key) {
  const std::string low = lower(text);
  for (std::size_t at = low.find(key); at != std::string::npos; at = low.find(key, at + 1)) {
    if (at > 0 && low[at - 1] != ' ') continue;
    const std::size_t start = at + key.size();
    const std::size_t end = text.find(' ', start);
    return std::string(text.substr(start, end == std::string_view::npos ? text.size() - start : end - start));
  }
  return {};
}

Receipt::Outcome outcome_of_stat(std::string_view stat) {
  const std::string s = lower(stat);
  if (s == "delivrd" || s == "delivered") return Receipt::Outcome::delivered;
  if (s == "expired") return Receipt::Outcome::expired;
  if (s == "acceptd" || s == "enroute" || s == "accepted") return Receipt::Outcome::pending;
  return Receipt::Outcome::failed;  // UNDELIV, REJECTD, DELETED, UNKNOWN and anything else
}

std::pair<const char*, Receipt::Outcome> state_name(std::uint8_t state) {
  switch (state) {
    case 1: return {"ENROUTE", Receipt::Outcome::pending};
    case 2: return {"DELIVRD", Receipt::Outcome::delivered};
    case 3: return {"EXPIRED", Receipt::Outcome::expired};
    case 4: return {"DELETED", Receipt::Outcome::failed};
    case 5: return {"UNDELIV", Receipt::Outcome::failed};
    case 6: return {"ACCEPTD", Receipt::Outcome::pending};
    case 8: return {"REJECTD", Receipt::Outcome::failed};
    default: return {"UNKNOWN", Receipt::Outcome::failed};
  }
}

std::string strip_zeros(std::string s) {
  const auto nz = s.find_first_not_of('0');
  return nz == std::string::npos ? "0" : s.substr(nz);
}

std::string to_hex(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  return out;
}

}  // namespace

std::optional<Receipt> parse_receipt_text(std::string_view text) {
  Receipt r;
  r.id = field(text, "id:");
  if (r.id.empty()) return std::nullopt;
  r.stat = field(text, "stat:");
  r.err = field(text, "err:");
  if (r.err.find_first_not_of('0') == std::string::npos) r.err.clear();  // "000": no error
  r.outcome = outcome_of_stat(r.stat);
  return r;
}

std::optional<Receipt> parse_receipt(const ShortMessage& m) {
  std::optional<Receipt> r = parse_receipt_text(m.short_message);
  if (const Tlv* id = m.find(tag::receipted_message_id)) {
    if (!r) r.emplace();
    r->id = id->value.substr(0, id->value.find('\0'));
  }
  if (!r || r->id.empty()) return std::nullopt;
  if (const Tlv* state = m.find(tag::message_state); state != nullptr && state->value.size() == 1) {
    const auto [name, outcome] = state_name(static_cast<std::uint8_t>(state->value[0]));
    r->stat = name;
    r->outcome = outcome;
  }
  if (const Tlv* net = m.find(tag::network_error_code); net != nullptr && net->value.size() == 3 && r->err.empty()) {
    // network type, then a 2-octet error code
    const unsigned code = (static_cast<unsigned char>(net->value[1]) << 8) | static_cast<unsigned char>(net->value[2]);
    if (code != 0) r->err = std::to_string(static_cast<unsigned char>(net->value[0])) + ":" + std::to_string(code);
  }
  return r;
}

std::vector<std::string> message_id_forms(std::string_view id) {
  std::string s = lower(id);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
  if (s.empty()) return {};
  const bool decimal = std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
  const bool hex = std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
  std::vector<std::string> out;
  auto add = [&](std::string f) {
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(std::move(f));
  };
  if (!hex) {
    add(s);  // not a number: compared as written, in lower case
    return out;
  }
  const std::string digits = strip_zeros(s);
  add(digits);
  if (decimal && digits.size() <= 19) add(to_hex(std::stoull(digits)));
  if (digits.size() <= 16) add(std::to_string(std::stoull(digits, nullptr, 16)));
  return out;
}

}  // namespace smsgw::adapters::smpp
