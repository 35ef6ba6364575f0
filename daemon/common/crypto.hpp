#pragma once
// Hashing and comparison for bearer tokens, and randomness for ids and jitter.

#include <cstdint>
#include <string>
#include <string_view>

namespace smsgw {

// Lower-case hex SHA-256 of the bytes (OpenSSL EVP).
std::string sha256_hex(std::string_view data);

// Constant-time for equal lengths; differing lengths return false without early exit on content.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// n random bytes from the OS CSPRNG, hex-encoded (2n characters). Used for generated tokens.
std::string random_hex(std::size_t n_bytes);

}  // namespace smsgw
