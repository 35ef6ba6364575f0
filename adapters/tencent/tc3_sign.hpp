#pragma once
// Tencent Cloud API 3.0 signature, TC3-HMAC-SHA256 (reference notes §4.2, §11), as pure
// functions so they can be checked against Tencent's published example and reused by the fake.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smsgw::adapters::tencent {

struct Tc3Request {
  std::string service = "sms";  // the product: "sms", "cvm" in Tencent's example
  std::int64_t timestamp = 0;   // X-TC-Timestamp, Unix seconds
  // Signed headers: names and values are lower-cased and sorted (Tencent lower-cases values too).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;  // the exact body bytes sent
};

std::string tc3_date(std::int64_t timestamp);  // UTC "YYYY-MM-DD"
std::string tc3_canonical_request(const Tc3Request& request);
std::string tc3_signed_headers(const Tc3Request& request);
std::string tc3_signature(const Tc3Request& request, std::string_view secret_key);
// The Authorization header's value.
std::string tc3_authorization(const Tc3Request& request, std::string_view secret_id,
                              std::string_view secret_key);

}  // namespace smsgw::adapters::tencent
