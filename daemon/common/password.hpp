#pragma once
// Passwords of the people who log in to the console (issue 13), hashed with Argon2id
// (RFC 9106) by Debian's libargon2, the reference implementation. Tokens are random and long,
// so a SHA-256 of them is enough (crypto.hpp); passwords are chosen by people and guessable,
// so each guess must cost memory and time. Hashing takes tens of milliseconds of CPU and
// 7 MiB for the moment it runs: never on the io thread.

#include <cstdint>
#include <string>
#include <string_view>

namespace smsgw {

// One of OWASP's equivalent Argon2id settings (m = 7 MiB, t = 5, p = 1; the others trade
// memory for passes, e.g. 19 MiB and 2): the least memory of them, so that a login's hash,
// allocated on top of smsgwd's ~30 MiB, keeps the daemon under its 40 MiB budget.
struct PasswordCost {
  std::uint32_t memory_kib = 7 * 1024;
  std::uint32_t iterations = 5;
  std::uint32_t lanes = 1;
};

// The PHC string "$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>" (random 16-byte salt from the OS
// CSPRNG, 32-byte hash), which carries its own parameters: a later change of PasswordCost
// still verifies old hashes. Throws std::runtime_error if libargon2 fails (out of memory).
std::string hash_password(std::string_view password, const PasswordCost& cost = {});

// True when `password` is the one `encoded` was made from. False for any other password and
// for anything that is not an Argon2id PHC string (never throws). libargon2 compares the
// digests in constant time.
bool verify_password(std::string_view encoded, std::string_view password) noexcept;

// True when `encoded` is not Argon2id at `cost` or more (a login re-hashes it then).
bool needs_rehash(std::string_view encoded, const PasswordCost& cost = {}) noexcept;

// Why a new password is refused, or empty when it is acceptable: at least 10 characters
// (code points, so 10 Chinese characters will do), at most 1,024 bytes (Argon2 takes any
// length; a bound keeps a request from hashing megabytes), valid UTF-8 without control
// characters, not all one repeated character.
std::string password_problem(std::string_view password);

}  // namespace smsgw
