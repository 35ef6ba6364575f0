#pragma once
// Hashing and comparison for bearer tokens, and randomness for ids and jitter.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smsgw {

// Lower-case hex SHA-256 of the bytes (OpenSSL EVP).
std::string sha256_hex(std::string_view data);

// Constant-time for equal lengths; differing lengths return false without early exit on content.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// n random bytes from the OS CSPRNG, hex-encoded (2n characters). Used for generated tokens.
std::string random_hex(std::size_t n_bytes);

// For carrier protocols that sign with it (云MAS's mac); never for anything of our own.
std::string md5_hex(std::string_view data);
// Standard Base64 (RFC 4648 §4) with padding; decode returns nullopt for anything else
// (whitespace included).
std::string base64_encode(std::string_view data);
// Carrier request signing (Aliyun, Tencent Cloud): raw digests (bytes, not hex) and hex.
std::string sha256_raw(std::string_view data);
std::string md5_raw(std::string_view data);  // CMPP's authenticators
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string hmac_sha1(std::string_view key, std::string_view data);    // raw 20 bytes
std::string hex_encode(std::string_view bytes);                        // lower case
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace smsgw
