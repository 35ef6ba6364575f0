#include "adapters/tencent/tc3_sign.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "common/crypto.hpp"

namespace smsgw::adapters::tencent {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::pair<std::string, std::string>> sorted(const Tc3Request& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : r.headers) out.emplace_back(lower(name), lower(value));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string tc3_date(std::int64_t timestamp) {
  const std::chrono::sys_days day =
      std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds{std::chrono::seconds{timestamp}});
  const std::chrono::year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string tc3_signed_headers(const Tc3Request& request) {
  std::string out;
  for (const auto& [name, value] : sorted(request)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string tc3_canonical_request(const Tc3Request& request) {
  std::string headers;
  for (const auto& [name, value] : sorted(request)) headers += name + ":" + value + "\n";
  return "POST\n/\n\n" + headers + "\n" + tc3_signed_headers(request) + "\n" +
         sha256_hex(request.payload);
}

std::string tc3_signature(const Tc3Request& request, std::string_view secret_key) {
  const std::string date = tc3_date(request.timestamp);
  const std::string scope = date + "/" + request.service + "/tc3_request";
  const std::string to_sign = "TC3-HMAC-SHA256\n" + std::to_string(request.timestamp) + "\n" +
                              scope + "\n" + sha256_hex(tc3_canonical_request(request));
  const std::string k_date = hmac_sha256("TC3" + std::string(secret_key), date);
  const std::string k_service = hmac_sha256(k_date, request.service);
  const std::string k_signing = hmac_sha256(k_service, "tc3_request");
  return hex_encode(hmac_sha256(k_signing, to_sign));
}

std::string tc3_authorization(const Tc3Request& request, std::string_view secret_id,
                              std::string_view secret_key) {
  return "TC3-HMAC-SHA256 Credential=" + std::string(secret_id) + "/" +
         tc3_date(request.timestamp) + "/" + request.service + "/tc3_request, SignedHeaders=" +
         tc3_signed_headers(request) + ", Signature=" + tc3_signature(request, secret_key);
}

}  // namespace smsgw::adapters::tencent
