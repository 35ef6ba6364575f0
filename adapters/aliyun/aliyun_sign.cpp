#include "adapters/aliyun/aliyun_sign.hpp"

#include <algorithm>
#include <cctype>

#include "common/crypto.hpp"

namespace smsgw::adapters::aliyun {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool is_signed(const std::string& name) {
  return name == "host" || name == "content-type" || name.starts_with("x-acs-");
}

Params signed_headers_sorted(const V3Request& request) {
  Params out;
  for (const auto& [name, value] : request.headers) {
    auto n = lower(name);
    if (is_signed(n)) out.emplace_back(std::move(n), trim(value));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

std::string canonical_query(Params params) {
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += percent_encode(name);
    out += '=';
    out += percent_encode(value);
  }
  return out;
}

std::string rpc_string_to_sign(std::string_view method, const Params& params) {
  return std::string(method) + "&" + percent_encode("/") + "&" +
         percent_encode(canonical_query(params));
}

std::string rpc_signature(std::string_view method, const Params& params, std::string_view secret) {
  return base64_encode(hmac_sha1(std::string(secret) + "&", rpc_string_to_sign(method, params)));
}

std::string v3_canonical_request(const V3Request& request) {
  std::string headers;
  for (const auto& [name, value] : signed_headers_sorted(request)) {
    headers += name + ":" + value + "\n";
  }
  return request.method + "\n" + request.path + "\n" + canonical_query(request.query) + "\n" +
         headers + "\n" + v3_signed_headers(request) + "\n" + sha256_hex(request.payload);
}

std::string v3_signed_headers(const V3Request& request) {
  std::string out;
  for (const auto& [name, value] : signed_headers_sorted(request)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string v3_signature(const V3Request& request, std::string_view secret) {
  const std::string to_sign = "ACS3-HMAC-SHA256\n" + sha256_hex(v3_canonical_request(request));
  return hex_encode(hmac_sha256(secret, to_sign));
}

std::string v3_authorization(const V3Request& request, std::string_view key_id,
                             std::string_view secret) {
  return "ACS3-HMAC-SHA256 Credential=" + std::string(key_id) +
         ",SignedHeaders=" + v3_signed_headers(request) +
         ",Signature=" + v3_signature(request, secret);
}

}  // namespace smsgw::adapters::aliyun
