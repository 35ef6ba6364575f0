#pragma once
// application/problem+json (RFC 9457). The one place that maps an error kind to its HTTP status,
// title and type URI, so every endpoint answers the same way for the same mistake.

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/field_error.hpp"

namespace smsgw::api {

enum class ProblemKind {
  malformed_request,    // 400: not JSON, bad header value, unparsable HTTP
  unauthorized,         // 401: missing, malformed or unknown bearer token
  forbidden,            // 403: token lacks the scope
  not_found,            // 404
  method_not_allowed,   // 405 (the caller adds Allow)
  conflict,             // 409: idempotency key reused with another body; not cancellable
  body_too_large,       // 413
  unsupported_media,    // 415
  validation,           // 422: per-field errors
  too_many_requests,    // 429: sign-ins locked out for a while (the caller adds Retry-After)
  header_too_large,     // 431
  internal,             // 500
  unavailable,          // 503: storage unavailable, not ready, too many connections
};

using smsgw::FieldError;
using smsgw::reject_control_characters;

unsigned status_of(ProblemKind kind) noexcept;
std::string_view title_of(ProblemKind kind) noexcept;
// "about:blank" for kinds fully described by the status code; a urn:smsgw:problem:* for ours.
std::string_view type_of(ProblemKind kind) noexcept;

// The JSON document; `extra` members (an object or null) are merged in (RFC 9457 extensions).
std::string problem_body(ProblemKind kind, std::string_view detail,
                         const std::vector<FieldError>& errors = {});
std::string problem_body(ProblemKind kind, std::string_view detail,
                         const std::vector<FieldError>& errors, const nlohmann::json& extra);

// A failed store write: 503 when the disk is full/read-only/failing or the writer's queue is
// full, 500 otherwise.
ProblemKind kind_for_store_error(const std::error_code& ec) noexcept;
// The detail for such a failure: why to retry later, or `otherwise` for a 500.
std::string store_error_detail(const std::error_code& ec, std::string_view otherwise);

inline constexpr std::string_view kProblemContentType = "application/problem+json";

}  // namespace smsgw::api
