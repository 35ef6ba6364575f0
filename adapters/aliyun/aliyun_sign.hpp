#pragma once
// Aliyun's two request signatures (reference notes §3.2, §3.3, §11), as pure functions so they
// can be checked against Aliyun's published examples and reused by the test fake.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smsgw::adapters::aliyun {

using Params = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding as Aliyun signs it: A-Z a-z 0-9 - _ . ~ kept, every other byte
// %XY in upper-case hex (so space is %20 and * is %2A).
std::string percent_encode(std::string_view s);
// name=value pairs joined by '&', names sorted by byte order, both sides percent-encoded.
std::string canonical_query(Params params);

// RPC signature (SignatureMethod HMAC-SHA1, SignatureVersion 1.0): `params` are all request
// parameters but Signature.
std::string rpc_string_to_sign(std::string_view method, const Params& params);
std::string rpc_signature(std::string_view method, const Params& params, std::string_view secret);

// V3 (ACS3-HMAC-SHA256). Header names lower case; host, content-type and every x-acs-* header
// are signed, others are not.
struct V3Request {
  std::string method = "POST";
  std::string path = "/";
  Params query;
  Params headers;
  std::string payload;
};
std::string v3_canonical_request(const V3Request& request);
std::string v3_signed_headers(const V3Request& request);
std::string v3_signature(const V3Request& request, std::string_view secret);
// The Authorization header's value.
std::string v3_authorization(const V3Request& request, std::string_view key_id,
                             std::string_view secret);

}  // namespace smsgw::adapters::aliyun
