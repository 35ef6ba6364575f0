#pragma once
// How a carrier attempt failed, as error conditions the retry policy reads. Each adapter reports
// errors in a category of its own (or the generic carrier_errc below); every such error code is
// equivalent to exactly one failure condition. Dispatch code compares only against the
// conditions, never against messages or adapter-specific codes, so a new carrier never touches
// the retry logic.

#include <system_error>
#include <type_traits>

namespace smsgw::adapters {

enum class failure {
  transient = 1,  // retry later, maybe through another carrier
  permanent = 2,  // do not retry this message
  throttled = 3,  // the carrier asks us to slow down: pause it, keep the message's attempts
};

const std::error_category& failure_category() noexcept;
std::error_condition make_error_condition(failure f) noexcept;

// Generic transport-level errors shared by adapters.
enum class carrier_errc {
  timeout = 1,            // transient
  connection_failed,      // transient: refused, reset, DNS, TLS handshake
  throttled,              // throttled: 429 or a carrier throttling code
  server_error,           // transient: 5xx
  unavailable,            // transient: adapter not connected / shutting down
  rejected,               // permanent: carrier refused the message (4xx, content rejected)
  invalid_number,         // permanent
  unauthorized,           // permanent for the message: bad credentials (ops must fix config)
  bad_response,           // transient: unparseable answer, we cannot know if it was accepted
};

const std::error_category& carrier_category() noexcept;
std::error_code make_error_code(carrier_errc e) noexcept;

}  // namespace smsgw::adapters

// The traits must be visible before the comparisons below are compiled.
template <>
struct std::is_error_condition_enum<smsgw::adapters::failure> : std::true_type {};
template <>
struct std::is_error_code_enum<smsgw::adapters::carrier_errc> : std::true_type {};

namespace smsgw::adapters {

inline bool is_transient(const std::error_code& ec) { return ec == failure::transient; }
inline bool is_permanent(const std::error_code& ec) { return ec == failure::permanent; }
inline bool is_throttled(const std::error_code& ec) { return ec == failure::throttled; }

}  // namespace smsgw::adapters
