#include "common/password.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <vector>

namespace smsgw {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kMaxPasswordBytes = 1024;
constexpr std::size_t kMinPasswordChars = 10;

// Reads "<key>=<digits>" at `at` in `s`; advances past the digits.
bool read_param(std::string_view s, std::size_t& at, std::string_view key, std::uint32_t& out) {
  if (s.substr(at, key.size()) != key || at + key.size() >= s.size() || s[at + key.size()] != '=') return false;
  at += key.size() + 1;
  const char* first = s.data() + at;
  const auto [end, ec] = std::from_chars(first, s.data() + s.size(), out);
  if (ec != std::errc() || end == first) return false;
  at += static_cast<std::size_t>(end - first);
  return true;
}

// The m, t and p of an Argon2id (version 19) PHC string: "$argon2id$v=19$m=M,t=T,p=P$…".
std::optional<PasswordCost> phc_cost(std::string_view encoded) {
  constexpr std::string_view kPrefix = "$argon2id$v=19$";
  if (!encoded.starts_with(kPrefix)) return std::nullopt;
  std::size_t at = kPrefix.size();
  PasswordCost got;
  if (!read_param(encoded, at, "m", got.memory_kib) || encoded.substr(at, 1) != "," ||
      !read_param(encoded, ++at, "t", got.iterations) || encoded.substr(at, 1) != "," ||
      !read_param(encoded, ++at, "p", got.lanes) || encoded.substr(at, 1) != "$") {
    return std::nullopt;
  }
  return got;
}

// Decodes one UTF-8 sequence at `at`; returns the code point, or -1 if invalid.
long next_code_point(std::string_view s, std::size_t& at) {
  const auto c = static_cast<unsigned char>(s[at]);
  std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || at + len > s.size()) return -1;
  long cp = len == 1 ? c : c & (0x7f >> len);
  for (std::size_t i = 1; i < len; ++i) {
    const auto d = static_cast<unsigned char>(s[at + i]);
    if ((d & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (d & 0x3f);
  }
  const long min = len == 1 ? 0 : len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  at += len;
  return cp;
}

}  // namespace

std::string hash_password(std::string_view password, const PasswordCost& cost) {
  std::array<unsigned char, kSaltBytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("no random bytes for a password salt");
  }
  std::vector<char> encoded(argon2_encodedlen(cost.iterations, cost.memory_kib, cost.lanes,
                                              static_cast<std::uint32_t>(salt.size()), kHashBytes,
                                              Argon2_id));
  const int rc = argon2id_hash_encoded(cost.iterations, cost.memory_kib, cost.lanes, password.data(),
                                       password.size(), salt.data(), salt.size(), kHashBytes,
                                       encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool verify_password(std::string_view encoded, std::string_view password) noexcept {
  // argon2id_verify needs a NUL-terminated string and takes its parameters from it: refuse
  // anything else, and absurd costs from a tampered row, before it allocates.
  const auto cost = phc_cost(encoded);
  if (!cost || encoded.find('\0') != std::string_view::npos) return false;
  if (cost->memory_kib > 1024 * 1024 || cost->iterations > 16 || cost->lanes > 8) return false;  // 1 GiB
  try {
    const std::string z(encoded);
    return argon2id_verify(z.c_str(), password.data(), password.size()) == ARGON2_OK;
  } catch (...) {
    return false;
  }
}

bool needs_rehash(std::string_view encoded, const PasswordCost& cost) noexcept {
  const auto got = phc_cost(encoded);
  return !got || got->memory_kib < cost.memory_kib || got->iterations < cost.iterations;
}

std::string password_problem(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) return "must be at most 1024 bytes";
  std::size_t chars = 0, at = 0;
  long first = -1;
  bool all_same = true;
  while (at < password.size()) {
    const long cp = next_code_point(password, at);
    if (cp < 0) return "must be valid UTF-8";
    if (cp < 0x20 || cp == 0x7f) return "must not contain control characters";
    if (first < 0) first = cp;
    all_same = all_same && cp == first;
    ++chars;
  }
  if (chars < kMinPasswordChars) return "must be at least 10 characters";
  if (all_same) return "must not be one character repeated";
  return {};
}

}  // namespace smsgw
