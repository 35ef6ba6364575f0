#include "common/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace smsgw {
namespace {

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0x0F];
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest is the one-shot form; failure only happens on allocation failure inside OpenSSL.
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 computation failed");
  return to_hex(digest, len);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // The length of a token hash is public; only its content must not leak through timing.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_hex(std::size_t n_bytes) {
  std::vector<unsigned char> bytes(n_bytes);
  if (n_bytes > 0 && RAND_bytes(bytes.data(), static_cast<int>(n_bytes)) != 1)
    throw std::runtime_error("the OS random generator failed");
  return to_hex(bytes.data(), bytes.size());
}

}  // namespace smsgw
