#include "api/http_util.hpp"

#include <cctype>
#include <charconv>

#include "common/phone.hpp"
#include "common/time.hpp"

namespace smsgw::api {

namespace http = boost::beast::http;
using json = nlohmann::json;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string_view query_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

std::optional<std::int64_t> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding. '+' stays '+' (not a space) so "+86..." works unencoded.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "application/json" with any parameters (charset=utf-8); JSON has no other charset.
bool is_json_content_type(std::string_view ct) {
  return iequals(trim(ct.substr(0, ct.find(';'))), "application/json");
}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

json time_or_null(UnixMs t) { return t == 0 ? json(nullptr) : json(format_rfc3339(t)); }
json time_or_null(const std::optional<UnixMs>& t) {
  return t ? time_or_null(*t) : json(nullptr);
}
json string_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string mask_number_in(std::string text, const std::string& e164) {
  // Longest form first: once "+8613800138000" is masked, its shorter forms are gone from it.
  replace_all(text, e164, mask_phone(e164));
  if (!e164.starts_with("+")) return text;
  const std::string digits = e164.substr(1);
  replace_all(text, digits, mask_phone(digits));
  if (e164.starts_with("+86")) {
    const std::string national = e164.substr(3);
    replace_all(text, national, mask_phone(national));
  }
  return text;
}

json message_json(const store::MessageRow& m, bool masked) {
  return {
      {"id", std::to_string(m.id)},
      {"batch_id", std::to_string(m.batch_id)},
      {"to", masked ? mask_phone(m.to) : m.to},
      {"text", m.text},
      {"segments", m.segments},
      {"status", std::string(to_string(m.status))},
      {"priority", std::string(to_string(m.priority))},
      {"send_at", time_or_null(m.send_at)},
      {"expires_at", time_or_null(m.expires_at)},
      {"next_attempt_at", is_final(m.status) ? json(nullptr) : time_or_null(m.next_attempt_at)},
      {"attempts", m.attempts},
      {"carrier", string_or_null(m.carrier)},
      {"carrier_message_id", string_or_null(m.carrier_message_id)},
      {"carrier_batch_id", string_or_null(m.carrier_batch_id)},
      {"last_error", string_or_null(masked ? mask_number_in(m.last_error, m.to) : m.last_error)},
      {"created_at", time_or_null(m.created_at)},
      {"updated_at", time_or_null(m.updated_at)},
  };
}

std::string dump(const json& j) {
  // Stored text is UTF-8 already; replacing instead of throwing keeps one bad row from turning a
  // read into a 500.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Response json_response(unsigned status, std::string body) {
  Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

std::string_view verb_name(http::verb v) {
  auto s = http::to_string(v);
  return s.empty() ? std::string_view("OTHER") : std::string_view(s.data(), s.size());
}

bool for_each_query_param(std::string_view target,
                          const std::function<void(const std::string&, const std::string&)>& fn) {
  std::string_view query = query_of(target);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) return false;
    fn(*key, *value);
  }
  return true;
}

}  // namespace smsgw::api
